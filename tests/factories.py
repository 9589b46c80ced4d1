"""Test data builders shared by the domain test folders."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.accounts.models import Membership, User
from vigil.accounts.service import seal_totp_seed
from vigil.core.crypto import Vault
from vigil.core.db import utcnow
from vigil.core.security import hash_password
from vigil.defenders.consent import record_consent
from vigil.defenders.service import record_defender
from vigil.incidents.models import Act, Incident
from vigil.incidents.schemas import ActCreate, IncidentCreate, InvolvementCreate, SourceCreate
from vigil.incidents.service import record_incident
from vigil.organisations.models import Organisation
from vigil.organisations.service import ensure_organisation


@dataclass
class StaffAccount:
    user: User
    password: str
    totp_secret: str

    def code(self) -> str:
        return pyotp.TOTP(self.totp_secret).now()


def make_org(session: Session, slug: str | None = None) -> Organisation:
    slug = slug or f"org-{secrets.token_hex(4)}"
    return ensure_organisation(session, slug=slug, name=f"Organisation {slug}")


def make_staff(
    session: Session, org: Organisation, role: str = "analyst", *, vault: Vault | None = None
) -> StaffAccount:
    """An enrolled staff member; the TOTP seed is sealed with ``vault`` or, by default, the
    key ring the ``session`` fixture carries (the test app's)."""
    vault = vault or Vault(session=session, ring=session.info["keyring"])
    password = secrets.token_urlsafe(16)
    totp_secret = pyotp.random_base32()
    user = User(
        email=f"{role}-{secrets.token_hex(4)}@{org.slug}.example",
        display_name=role,
        password_hash=hash_password(password),
        enrolled_at=utcnow(),
    )
    session.add(user)
    session.flush()
    user.totp_secret_sealed = seal_totp_seed(vault, user, totp_secret)
    session.add(Membership(user_id=user.id, organisation_id=org.id, role=role))
    session.flush()
    return StaffAccount(user=user, password=password, totp_secret=totp_secret)


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


def sign_in(client: TestClient, account: StaffAccount) -> None:
    """The real two-step flow: password form, then TOTP form."""
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": account.user.email, "password": account.password, "csrf_token": token},
    )
    assert response.status_code == 303, response.text
    token = csrf_from(client.get(response.headers["location"]).text)
    response = client.post("/login/code", data={"code": account.code(), "csrf_token": token})
    assert response.status_code == 303, response.text


def make_incident(
    session: Session,
    org: Organisation,
    *,
    vault: Vault,
    title: str = "Threat against a land defender",
    country: str = "CO",
    status: str = "verified",
    attack_type: str = "death_threat",
    company_id: int | None = None,
) -> Incident:
    victim = record_defender(
        session,
        vault=vault,
        org_id=org.id,
        alias="Defender A",
        name="Hidden Name",
        type_codes=["land_environment"],
    )
    return record_incident(
        session,
        vault=vault,
        org_id=org.id,
        data=IncidentCreate(
            title=title,
            summary="What happened.",
            occurred_on=date(2026, 3, 14),
            country=country,
            region="CO-CAU" if country == "CO" else None,  # ISO 3166-2
            status=status,
            acts=[
                ActCreate(
                    attack_type=attack_type,
                    victim_id=victim.id,
                    involvements=[
                        InvolvementCreate(
                            perpetrator_type="private_security",
                            role="direct",
                            company_id=company_id,
                        )
                    ],
                )
            ],
            sources=[SourceCreate(kind="direct_report", reliability="high")],
        ),
    )


def location_consent(session: Session, incident: Incident) -> None:
    """Every victim of ``incident`` agrees to their location (the region) being shared: without
    it, alert messages and the submission pack say the country only."""
    victims = session.scalars(
        select(Act.victim_id).where(Act.incident_id == incident.id).distinct()
    )
    for victim_id in sorted(v for v in victims if v is not None):
        record_consent(
            session,
            org_id=incident.organisation_id,
            defender_id=victim_id,
            scope="share_location",
            decision="grant",
            method="in_person",
            given_by="defender",
            actor_user_id=None,
        )


def consent_of_the_defender(
    session: Session, incident: Incident, *, strategy: str = "quiet", method: str = "in_person"
) -> None:
    """Record the defender's own choice of strategy for every victim of ``incident``: no
    alert may go out on a reporter's word alone, so alert tests start from this."""
    victims = session.scalars(
        select(Act.victim_id).where(Act.incident_id == incident.id).distinct()
    )
    for victim_id in sorted(victims):
        record_consent(
            session,
            org_id=incident.organisation_id,
            defender_id=victim_id,
            scope="strategy",
            decision=strategy,
            method=method,
            given_by="defender",
            actor_user_id=None,
        )
