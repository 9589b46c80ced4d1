"""The analyst's note on a draft alert, and the preview of the message in each language the
playbook has, with placeholder links (the real links are issued per recipient at launch)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.alerts.compose import Links, Message, compose
from vigil.alerts.facts import consent_check, facts_for
from vigil.alerts.models import Alert, AlertRecipient
from vigil.alerts.notes import clean_notes, dump_notes
from vigil.alerts.recipient_types import SPECIAL_PROCEDURES, recipient_type
from vigil.alerts.service import ensure_editable, load_alert, playbook_document
from vigil.contacts.models import Contact
from vigil.core.audit import record_event
from vigil.core.crypto import Vault
from vigil.core.i18n import N_
from vigil.incidents.models import Incident

PREVIEW_LINKS = Links(
    acknowledge_url="https://…/l/(acknowledge link)",
    request_info_url="https://…/l/(request-information link)",
    respond_url="https://…/l/(response link)",
    unsubscribe_url="https://…/l/(unsubscribe link)",
)


def write_message(
    session: Session,
    vault: Vault,
    *,
    org_id: int,
    alert_id: int,
    note: str = "",
    share_level: str,
    actor_user_id: int | None,
    notes: Mapping[str, str] | None = None,
) -> Alert:
    """The analyst's note for recipients, per language (``notes``; ``note`` alone is the
    English one), and how much may be said about the defender. A language without a note
    gets the default one with a marker (alerts/notes.py)."""
    alert = load_alert(session, org_id=org_id, alert_id=alert_id)
    ensure_editable(alert)
    alert.strategy = consent_check(session, incident_id=alert.incident_id, share_level=share_level)
    incident = session.get(Incident, alert.incident_id)
    assert incident is not None
    alert.share_level = share_level
    written = dict(notes or {})
    if note.strip() and not written.get("en", "").strip():
        written["en"] = note
    alert.message_sealed = vault.seal(incident.data_key_id, dump_notes(written))
    session.flush()
    record_event(
        session,
        action="alert.message_written",
        organisation_id=org_id,
        actor_user_id=actor_user_id,
        object_type="alert",
        object_id=alert.id,
        detail={"share_level": share_level, "languages": sorted(clean_notes(written))},
    )
    return alert


#: How the preview names each recipient type's message (recipient_types.py).
TYPE_LABELS = {
    "": N_("General message"),
    "company": N_("Message to companies"),
    "investor": N_("Message to investors, buyers and lenders"),
    "embassy": N_("Message to embassies"),
    "state_mechanism": N_("Message to national human-rights institutions and state mechanisms"),
    "funder": N_("Message to funders"),
    "regional_body": N_("Message to regional human-rights bodies"),
    "media": N_("Message to the media"),
}


def previews_by_type(
    session: Session, vault: Vault, *, org_id: int, alert_id: int, tier: int = 1
) -> list[tuple[str, list[Message]]]:
    """The general message, then the one each type of the alert's included recipients gets
    (company, investor, embassy, state mechanism…: their own body when the playbook has
    one), so the analyst reads what each will receive. UN special procedures get a
    submission pack, not a message: not here. Keys are the type ("" for the general one)."""
    kinds = session.execute(
        select(Contact.kind, Contact.role)
        .join(AlertRecipient, AlertRecipient.contact_id == Contact.id)
        .where(AlertRecipient.alert_id == alert_id, AlertRecipient.included.is_(True))
        .distinct()
    ).all()
    types = {recipient_type(kind=kind, role=role) or "" for kind, role in kinds}
    types -= {"", SPECIAL_PROCEDURES}
    ordered = ["", *sorted(types, key=lambda t: (t not in TYPE_LABELS, t))]
    return [
        (kind, preview(session, vault, org_id=org_id, alert_id=alert_id, tier=tier, kind=kind))
        for kind in ordered
    ]


def preview(
    session: Session,
    vault: Vault,
    *,
    org_id: int,
    alert_id: int,
    tier: int = 1,
    kind: str | None = None,
) -> list[Message]:
    """The first message of ``tier`` in every language the playbook has (placeholder
    links), for recipient type ``kind`` (None: the general message)."""
    alert = load_alert(session, org_id=org_id, alert_id=alert_id)
    document = playbook_document(session, alert)
    facts = facts_for(session, vault, alert)
    return [
        compose(
            document,
            facts,
            language=language,
            recipient_name="(recipient's name)",
            tier=tier,
            purpose="alert",
            links=PREVIEW_LINKS,
            alert_id=alert.id,
            recipient_type=kind or None,
        )
        for language in document["messages"]
    ]
