"""Register rows written directly (as the register batch would), for the open-data tests."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from tests.factories import make_incident, make_org
from vigil.core.crypto import Vault
from vigil.public.register_models import (
    LabelKind,
    PublicIncident,
    PublicIncidentLabel,
    joined,
)


class RegisterRows:
    """Adds ``public_incidents`` rows, each backed by a real incident (the foreign key)."""

    def __init__(self, session: Session, vault: Vault) -> None:
        self.session = session
        self.vault = vault
        self.org = make_org(session)

    def add(
        self,
        *,
        code: str | None = None,
        sort_date: date = date(2025, 6, 1),
        country: str = "CO",
        region: str = "CO-CAU",
        attack_types: tuple[str, ...] = ("death_threat",),
        defender_types: tuple[str, ...] = ("land_environment",),
        genders: tuple[str, ...] = (),
        companies: tuple[tuple[int, str], ...] = (),
        published_at: datetime | None = None,
        **fields: object,
    ) -> PublicIncident:
        incident = make_incident(self.session, self.org, vault=self.vault, country="PE")
        row = PublicIncident(
            code=code or secrets.token_hex(5),
            incident_id=incident.id,
            organisation_id=self.org.id,
            title=fields.pop("title", "Death threat, Colombia"),
            country=country,
            region=region,
            year=sort_date.year,
            month=fields.pop("month", sort_date.month),
            sort_date=sort_date,
            published_at=published_at or datetime(2025, 8, 1, 12, 0, tzinfo=UTC),
            detail={
                "attack_types": list(attack_types),
                "companies": [{"id": cid, "name": name} for cid, name in companies],
            },
            attack_types=joined(attack_types),
            defender_types=joined(sorted(set(defender_types))),
            genders=joined(sorted(set(genders))),
            companies=joined(name for _cid, name in companies),
            **fields,
        )
        labels = (
            [(LabelKind.attack_type, c) for c in attack_types]
            + [(LabelKind.defender_type, c) for c in defender_types]
            + [(LabelKind.gender, c) for c in genders]
            + [(LabelKind.company, str(cid)) for cid, _ in companies]
        )
        row.labels = [PublicIncidentLabel(kind=str(kind), code=code) for kind, code in labels]
        self.session.add(row)
        self.session.flush()
        return row
