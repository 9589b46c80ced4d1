"""Forgetting a person (``vigil people forget ID``): every copy of what could name them
becomes unreadable, and nothing naming them leaves Vigil any more.

What "every copy" means, and how each is reached:

- **The defender's record** (name, contacts, blind index): their data key is destroyed.
- **Every report behind their cases** (linked to an incident in which they are a victim, or
  named in their consent ledger): the reporter's answers, the messages with the reporter and
  the files are sealed with the report's own key. They are free text — a narrative or a
  message can name the person anywhere — so no field-by-field redaction could be trusted,
  and re-sealing only the name fields under the person's key would leave the narrative
  readable. So the report's key is destroyed and the report gets a fresh one: its old
  content reads "forgotten", while the reporter and the analysts can still write to each
  other. Files lose their content.
- **Every case in which they are a victim**: summary, exact place, notes, risk-assessment
  reasons, referral answers, support-measure notes, alert messages, recipients' responses
  and every composed delivery are sealed with the incident's key — free text again — so
  that key is destroyed too and the case gets a fresh one. Everything kept in clear stays
  (status, acts, attack types, perpetrators, companies, tasks, dates, timelines): the case
  goes on (new notes, alerts, resolution), its old texts read "forgotten". In a case with
  several victims the others' texts go as well: when in doubt, protect the defender.
- **Deliveries not yet sent** (queued, or waiting to retry) can no longer be opened: they
  are cancelled with the reason "person forgotten", recorded on the alert timeline without
  content. Alert messages are emptied, and the worker's next round stops every alert of
  the case (a forgotten person's case is alerted on no more: alerts/consent_stop.py); a
  message composed afresh would never name a forgotten person anyway (alias only,
  :func:`vigil.alerts.facts.facts_for`).
- Staff e-mail (``outbox.staff_email``) and audit details never carry a name or content:
  nothing to erase there.

Crypto-shredding rather than deleting rows also reaches the copies no query can: old SQLite
pages and WAL frames, PostgreSQL dead tuples, every backup made afterwards. Archives made
earlier still hold the wrapped keys until their KEK is retired (README, "Backups").

Idempotent and resumable: a key created after the person was forgotten is never destroyed
again, so running it twice loses nothing written since; running it again for a person
forgotten by an older Vigil (which erased only their own record) finishes the job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from vigil.alerts.delivery_timeline import ALERT_TIMELINE
from vigil.alerts.models import Alert
from vigil.core.audit import record_event
from vigil.core.crypto import DataKey, Vault
from vigil.core.db import utcnow
from vigil.core.errors import NotFound
from vigil.defenders.consent import ConsentEntry
from vigil.defenders.models import Defender
from vigil.defenders.service import erase_defender_record
from vigil.incidents.models import Act, Incident
from vigil.intake.models import Report, ReportAttachment
from vigil.outbox.service import cancel_queued

#: Why queued deliveries were cancelled (on the alert timeline and the deliveries page).
REASON = "person forgotten"


@dataclass(frozen=True)
class ForgetResult:
    defender_id: int
    incidents: int
    reports: int
    deliveries_cancelled: int


def forget_person(
    session: Session,
    *,
    vault: Vault,
    defender_id: int,
    actor_user_id: int | None = None,
    now: datetime | None = None,
) -> ForgetResult:
    """Erase a defender and every copy of what could name them (see the module docstring).
    The caller commits: all of it happens in one transaction, or none of it."""
    defender = session.get(Defender, defender_id)
    if defender is None:
        raise NotFound(f"No defender with id {defender_id}.")
    now = now or utcnow()
    erased_record = erase_defender_record(session, vault=vault, defender=defender)
    since = defender.forgotten_at or now
    all_cases = _cases_of(session, defender)
    cases = [i for i in all_cases if _older(session, i.data_key_id, since)]
    reports = [
        r
        for r in _reports_of(session, defender, [i.id for i in all_cases])
        if _older(session, r.data_key_id, since)
    ]
    cancelled = sum(_forget_case(session, vault, incident, now=now) for incident in cases)
    for report in reports:
        _forget_report(session, vault, report)
    session.flush()
    result = ForgetResult(defender.id, len(cases), len(reports), cancelled)
    if erased_record or cases or reports:
        record_event(
            session,
            action="defender.forgotten",
            organisation_id=defender.organisation_id,
            actor_user_id=actor_user_id,
            object_type="defender",
            object_id=defender.id,
            detail={
                "incidents": result.incidents,
                "reports": result.reports,
                "deliveries_cancelled": result.deliveries_cancelled,
            },
        )
    return result


def _cases_of(session: Session, defender: Defender) -> list[Incident]:
    return list(
        session.scalars(
            select(Incident)
            .where(
                Incident.organisation_id == defender.organisation_id,
                Incident.id.in_(select(Act.incident_id).where(Act.victim_id == defender.id)),
            )
            .order_by(Incident.id)
        )
    )


def _reports_of(session: Session, defender: Defender, incident_ids: list[int]) -> list[Report]:
    from_consent = select(ConsentEntry.report_id).where(
        ConsentEntry.defender_id == defender.id, ConsentEntry.report_id.is_not(None)
    )
    return list(
        session.scalars(
            select(Report)
            .where(
                Report.organisation_id == defender.organisation_id,
                Report.incident_id.in_(incident_ids) | Report.id.in_(from_consent),
            )
            .order_by(Report.id)
        )
    )


def _older(session: Session, key_id: int, since: datetime) -> bool:
    """Whether the key predates the forgetting (a key made since then is already a fresh
    one: destroying it again would lose what was written after)."""
    key = session.get(DataKey, key_id)
    return key is not None and key.created_at < since


def _rekey(vault: Vault, key_id: int) -> int:
    vault.destroy(key_id)
    return vault.new_key().id


def _forget_case(session: Session, vault: Vault, incident: Incident, *, now: datetime) -> int:
    """Shred the case's texts, give it a fresh key; returns how many deliveries were
    cancelled."""
    incident.data_key_id = _rekey(vault, incident.data_key_id)
    alert_ids = list(session.scalars(select(Alert.id).where(Alert.incident_id == incident.id)))
    session.execute(
        update(Alert).where(Alert.id.in_(alert_ids)).values(message_sealed=None),
        execution_options={"synchronize_session": "fetch"},
    )
    return sum(
        cancel_queued(session, alert_id=alert_id, reason=REASON, now=now, timeline=ALERT_TIMELINE)
        for alert_id in alert_ids
    )


def _forget_report(session: Session, vault: Vault, report: Report) -> None:
    report.data_key_id = _rekey(vault, report.data_key_id)
    session.execute(
        update(ReportAttachment)
        .where(ReportAttachment.report_id == report.id)
        .values(content_sealed=None),
        execution_options={"synchronize_session": "fetch"},
    )
