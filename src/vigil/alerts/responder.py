"""What a recipient's link page says about the alert, and what comes with their response
besides its text (who answered, a file, whether it may be published).

Why it is built this way:
- A link can be forwarded, so its page says no more than every message of the alert already
  said to anyone: the case reference, the date the alert went out, the company it concerns and
  the recipient's deadline. Never the defender (not even the alias), the place, the attack or
  the analyst's note: the company is the one thing the request is addressed to, and it stays
  even at the "generalised" share level (alerts/generalise.py).
- The file is cleaned by the reporters' sanitiser (intake/attachments) before anything is
  written, so a refused file leaves no trace and the single-use response link stays unused;
  it is sealed with the incident's key like the response text. Its name is never stored.
- "May be published" is recorded, not acted on: the public right of reply will read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.alerts.facts import facts_for
from vigil.alerts.models import Alert, AlertRecipient, AlertResponse, AlertTier
from vigil.alerts.response_models import ResponseDetails
from vigil.core.audit import record_event
from vigil.core.crypto import Vault, Withheld
from vigil.core.errors import Invalid, NotFound
from vigil.intake.attachments import CleanFile
from vigil.links.models import SignedLink

MAX_RESPONDER_NAME = 200
MAX_RESPONDER_TITLE = 200


@dataclass(frozen=True)
class AlertSummary:
    """What a link page may say about the alert (see the module docstring)."""

    case_reference: str
    alerted_at: datetime | None
    company: str
    deadline: datetime | None


@dataclass(frozen=True)
class Responder:
    """Who responded and what came with the text."""

    name: str = ""
    title: str = ""
    may_publish: bool = False
    file: CleanFile | None = None


def alert_summary(session: Session, vault: Vault, link: SignedLink) -> AlertSummary | None:
    """The alert the link is about, as its page shows it; None for a link of no alert."""
    alert = session.get(Alert, link.alert_id) if link.alert_id is not None else None
    if alert is None:
        return None
    try:
        company = facts_for(session, vault, alert).company
    except Withheld:  # the person was forgotten since: the page still names the case
        company = ""
    return AlertSummary(
        case_reference=f"VIGIL-{alert.incident_id}",
        alerted_at=alert.launched_at,
        company=company,
        deadline=_deadline(session, alert.id, link.contact_id),
    )


def _deadline(session: Session, alert_id: int, contact_id: int | None) -> datetime | None:
    """When the recipient's tier waits for a response until: the tier's wait from the moment
    it was informed (none for a tier without a wait, or not informed yet)."""
    tier = session.scalar(
        select(AlertTier)
        .join(
            AlertRecipient,
            (AlertRecipient.alert_id == AlertTier.alert_id)
            & (AlertRecipient.tier == AlertTier.tier),
        )
        .where(AlertTier.alert_id == alert_id, AlertRecipient.contact_id == contact_id)
    )
    if tier is None or tier.notified_at is None or not tier.escalate_after_hours:
        return None
    return tier.notified_at + timedelta(hours=tier.escalate_after_hours)


def check_responder(responder: Responder) -> Responder:
    """The responder's name and title trimmed, or Invalid (before the link is used)."""
    name, title = responder.name.strip(), responder.title.strip()
    if len(name) > MAX_RESPONDER_NAME:
        raise Invalid(f"Please keep your name under {MAX_RESPONDER_NAME} characters.")
    if len(title) > MAX_RESPONDER_TITLE:
        raise Invalid(f"Please keep your title under {MAX_RESPONDER_TITLE} characters.")
    if "\x00" in name + title:
        raise Invalid("Your name or title contains a character that cannot be stored.")
    return Responder(name=name, title=title, may_publish=responder.may_publish, file=responder.file)


def add_response_details(
    session: Session, vault: Vault, *, response: AlertResponse, responder: Responder
) -> ResponseDetails:
    """Keep who responded, the publication choice and the cleaned file with ``response``."""
    responder = check_responder(responder)
    key = response.data_key_id
    clean = responder.file
    details = ResponseDetails(
        response_id=response.id,
        responder_name=responder.name,
        responder_title=responder.title,
        may_publish=responder.may_publish,
        data_key_id=key,
        file_media_type=clean.media_type if clean else None,
        file_size=len(clean.content) if clean else None,
        file_sha256_sealed=vault.seal(key, clean.sha256) if clean else None,
        file_content_sealed=vault.seal(key, clean.content) if clean else None,
        file_stripped=", ".join(clean.stripped)[:500] if clean else "",
    )
    session.add(details)
    session.flush()
    return details


def details_by_response(session: Session, response_ids: list[int]) -> dict[int, ResponseDetails]:
    """The details of these responses, by response id (for the staff alert page)."""
    if not response_ids:
        return {}
    rows = session.scalars(
        select(ResponseDetails).where(ResponseDetails.response_id.in_(response_ids))
    )
    return {d.response_id: d for d in rows}


def read_response_file(
    session: Session,
    vault: Vault,
    *,
    org_id: int,
    alert_id: int,
    response_id: int,
    actor_user_id: int | None,
) -> tuple[str, bytes]:
    """The cleaned file of a response (media type, bytes), opened with the incident's key;
    every read is audited like a report's attachment."""
    row = session.execute(
        select(ResponseDetails)
        .join(AlertResponse, AlertResponse.id == ResponseDetails.response_id)
        .where(
            ResponseDetails.response_id == response_id,
            AlertResponse.alert_id == alert_id,
            AlertResponse.organisation_id == org_id,
        )
    ).scalar_one_or_none()
    content = vault.open_bytes(row.data_key_id, row.file_content_sealed) if row else None
    if row is None or content is None or row.file_media_type is None:
        raise NotFound("No such file.")
    record_event(
        session,
        action="alert.response_file_read",
        organisation_id=org_id,
        actor_user_id=actor_user_id,
        object_type="alert",
        object_id=alert_id,
        detail={"response": response_id},
    )
    return row.file_media_type, content
