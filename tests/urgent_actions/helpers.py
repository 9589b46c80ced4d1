"""Cases for urgent actions: incidents whose victims chose a strategy, with a register row
written directly (the register batch's own rules are tested in tests/public)."""

from __future__ import annotations

import re
import secrets
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import make_incident, make_staff
from vigil.access.roles import Actor
from vigil.contacts.models import Contact
from vigil.core.config import Settings
from vigil.core.crypto import Vault
from vigil.defenders.consent import record_consent
from vigil.defenders.service import record_defender
from vigil.incidents.models import Act, Incident
from vigil.organisations.models import Organisation
from vigil.outbox.staff_email_models import OutboundEmail
from vigil.public.register_models import PublicIncident, PublicIncidentLabel
from vigil.urgent_actions import service

PUBLIC_TITLE = "Death threat against a land defender, Cauca"
PUBLIC_SUMMARY = "A land defender was threatened after opposing a mine."


def case(
    session: Session,
    org: Organisation,
    vault: Vault,
    *,
    strategies: tuple[str, ...] = ("public",),
    given_by: str = "defender",
    registered: bool = True,
) -> Incident:
    """An incident with one victim per strategy, each having chosen it (``given_by``)."""
    incident = make_incident(session, org, vault=vault)
    first = incident.acts[0]
    victim_ids = [first.victim_id]
    for n in range(1, len(strategies)):
        other = record_defender(session, vault=vault, org_id=org.id, alias=f"Defender {n}")
        session.add(
            Act(incident_id=incident.id, attack_type_id=first.attack_type_id, victim_id=other.id)
        )
        victim_ids.append(other.id)
    session.flush()
    for victim_id, strategy in zip(victim_ids, strategies, strict=True):
        record_consent(
            session,
            org_id=org.id,
            defender_id=victim_id,
            scope="strategy",
            decision=strategy,
            method="in_person",
            given_by=given_by,
            actor_user_id=None,
        )
    if registered:
        register(session, incident)
    return incident


def register(session: Session, incident: Incident) -> PublicIncident:
    row = PublicIncident(
        code=secrets.token_hex(5),
        incident_id=incident.id,
        organisation_id=incident.organisation_id,
        title=PUBLIC_TITLE,
        country="CO",
        region="CO-CAU",
        year=2026,
        month=3,
        sort_date=date(2026, 3, 1),
        summary=PUBLIC_SUMMARY,
        detail={},
        attack_types="death_threat",
    )
    row.labels = [PublicIncidentLabel(kind="attack_type", code="death_threat")]
    session.add(row)
    session.flush()
    return row


def contact(session: Session, org: Organisation) -> Contact:
    row = Contact(
        organisation_id=org.id,
        name="Private Person Name",
        title="Head of human rights",
        organisation_name="Ministry of the Interior",
        language="es",
        email=f"desk-{secrets.token_hex(3)}@ministry.example",
    )
    session.add(row)
    session.flush()
    return row


def actors(session: Session, org: Organisation) -> tuple[Actor, Actor]:
    """A coordinator and an analyst of ``org`` (real accounts: actions name their author)."""
    coordinator = make_staff(session, org, "coordinator").user.id
    analyst = make_staff(session, org, "analyst").user.id
    return (
        Actor(user_id=coordinator, org_id=org.id, role="coordinator"),
        Actor(user_id=analyst, org_id=org.id, role="analyst"),
    )


def mailer(vault: Vault, settings: Settings) -> service.Mailer:
    return service.Mailer(vault=vault, secret=settings.secret, base_url="https://vigil.example")


def ready_action(
    session: Session, org: Organisation, vault: Vault, coordinator: Actor, incident: Incident
):  # type: ignore[no-untyped-def]
    action = service.draft_action(session, actor=coordinator, incident_id=incident.id)
    service.edit_action(
        session,
        vault=vault,
        actor=coordinator,
        action_id=action.id,
        asks=["Protect the defender.", "Investigate the threats."],
        letters={"en": "Dear Minister,", "es": "Estimado Ministro:"},
        deadline=date(2027, 1, 31),
    )
    service.set_recipients(
        session, actor=coordinator, action_id=action.id, contact_ids=[contact(session, org).id]
    )
    return action


def mails_to(session: Session, address: str) -> list[OutboundEmail]:
    return list(
        session.scalars(
            select(OutboundEmail)
            .where(OutboundEmail.to_address == address)
            .order_by(OutboundEmail.id)
        )
    )


def link_in(mail: OutboundEmail, kind: str) -> str:
    match = re.search(rf"https?://[^/\s]+(/actions/{kind}/[A-Za-z0-9_-]+)", mail.body)
    assert match, mail.body
    return match.group(1)
