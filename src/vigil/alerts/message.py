"""The analyst's note on a draft alert, and the preview of the message in each language the
playbook has, with placeholder links (the real links are issued per recipient at launch)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from vigil.alerts.compose import Links, Message, compose
from vigil.alerts.facts import consent_check, facts_for
from vigil.alerts.models import (
    Alert,
)
from vigil.alerts.notes import clean_notes, dump_notes
from vigil.alerts.service import ensure_editable, load_alert, playbook_document
from vigil.core.audit import record_event
from vigil.core.crypto import Vault
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


def preview(
    session: Session, vault: Vault, *, org_id: int, alert_id: int, tier: int = 1
) -> list[Message]:
    """The first message of ``tier`` in every language the playbook has (placeholder links)."""
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
        )
        for language in document["messages"]
    ]
