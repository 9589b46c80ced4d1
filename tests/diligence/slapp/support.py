"""Builders for the SLAPP screening tests: organisations with a coordinator, companies with
group edges, defenders and lawsuits recorded through the services."""

from __future__ import annotations

import secrets
from dataclasses import replace
from decimal import Decimal

from sqlalchemy.orm import Session

from vigil.access import Actor
from vigil.companies.models import Company, CompanyRelationship
from vigil.companies.service import CompanyIn, upsert_company
from vigil.core.crypto import Vault
from vigil.defenders.models import Defender
from vigil.defenders.service import record_defender
from vigil.diligence.slapp import service
from vigil.diligence.slapp.lawsuit_input import LawsuitInput
from vigil.diligence.slapp.models import Lawsuit
from vigil.organisations.models import Organisation

SECRET_NAME = "Xiomara Quintero-Secreta"
BASE = LawsuitInput(
    claimant_name="Minera Demo S.A.S.",
    court="Juzgado Civil (test)",
    country="CO",
    region="CO-CAU",
    claim_type="defamation",
    claim_amount="",
    currency="",
    filed_on="2025-05-10",
)


def actor(org: Organisation, role: str = "coordinator", user_id: int | None = None) -> Actor:
    return Actor(user_id=user_id, org_id=org.id, role=role)  # type: ignore[arg-type]


def make_company(session: Session, name: str | None = None, sector: str | None = None) -> Company:
    """A registry company as the importers make it (with its searchable name)."""
    name = name or f"Company {secrets.token_hex(3)}"
    data = CompanyIn(
        key=f"test-{secrets.token_hex(6)}", name=name, sectors=[sector] if sector else []
    )
    return upsert_company(session, data=data)[0]


def own(session: Session, parent: Company, child: Company, kind: str = "ownership") -> None:
    session.add(
        CompanyRelationship(
            kind=kind, from_company_id=parent.id, to_company_id=child.id, percentage=Decimal(80)
        )
    )
    session.flush()


def make_defender(
    session: Session, vault: Vault, org: Organisation, kind: str = "person"
) -> Defender:
    return record_defender(
        session,
        vault=vault,
        org_id=org.id,
        alias=f"Alias {secrets.token_hex(2)}",
        name=SECRET_NAME,
        kind=kind,
        type_codes=["land_environment"],
    )


def make_lawsuit(
    session: Session,
    org: Organisation,
    *,
    defender: Defender | None = None,
    description: str = "a community radio journalist",
    **fields: str,
) -> Lawsuit:
    row = service.create_lawsuit(session, actor=actor(org), data=replace(BASE, **fields))
    if defender is not None:
        service.add_defendant(
            session,
            actor=actor(org),
            lawsuit_id=row.id,
            defender_id=defender.id,
            description=description,
        )
    return row
