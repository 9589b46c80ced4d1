"""Emergency grants: money for a defender in danger, moved with more care than other support.

A grant is a support measure of kind ``emergency_grant`` (casework/support.py records the
request: amount, ISO 4217 currency and purpose, sealed) and then goes, one step at a time:
approved (by a coordinator) → disbursed (a date and how) → reported (what it was used for,
sealed). A refusal ends it. A step out of order is refused and says which step comes first.

Four eyes: the organisation sets, per currency, an amount in minor units up to which the
requester may approve their own grant. Above it — or in a currency with no threshold set —
a second coordinator must approve, so no single person can send large sums alone. Amounts
are compared in integer minor units, never floats. Every step is audited, never the texts.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from vigil.access import Actor, Role
from vigil.casework.models import MeasureStatus, SupportMeasure
from vigil.casework.money import currencies, minor_unit, to_minor
from vigil.casework.service import touch_case
from vigil.casework.support import (
    DISBURSEMENT_METHODS,
    GRANT,
    GRANT_STEPS,
    load_measure,
    needs_second_approver,
)
from vigil.core.audit import record_event
from vigil.core.crypto import Vault
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Forbidden, Invalid
from vigil.incidents.models import Incident
from vigil.organisations.models import Organisation

S = MeasureStatus
#: Said when a step is tried from the wrong status: what has to happen first.
_FIRST = {
    "approve": "This grant was already decided.",
    "disburse": "The grant must be approved before it is disbursed.",
    "report": "The grant must be disbursed before its use is reported.",
}
MAX_REPORT = 10_000


def _grant(
    session: Session, *, org_id: int, incident_id: int, measure_id: int, step: str
) -> tuple[Incident, SupportMeasure]:
    incident, measure = load_measure(
        session, org_id=org_id, incident_id=incident_id, measure_id=measure_id
    )
    if measure.kind != GRANT:
        raise Conflict("Only an emergency grant moves through these steps.")
    if step not in GRANT_STEPS.get(measure.status, ()):
        raise Conflict(_FIRST.get(step, "This grant was already decided."))
    return incident, measure


def _on(on: date | None, earliest: date | None) -> date:
    today = utcnow().date()
    on = on or today
    if on > today:
        raise Invalid("The date cannot be in the future.")
    if earliest is not None and on < earliest:
        raise Invalid("The date cannot be before the previous step.")
    return on


def decide_grant(
    session: Session,
    *,
    org_id: int,
    incident_id: int,
    measure_id: int,
    approve: bool,
    actor: Actor,
    on: date | None = None,
) -> SupportMeasure:
    """Approve or refuse (coordinators only). The requester may approve their own grant only
    up to the threshold; refusing is always allowed (it sends no money)."""
    if actor.role != Role.coordinator:
        raise Forbidden("Only a coordinator can approve or refuse an emergency grant.")
    incident, measure = _grant(
        session, org_id=org_id, incident_id=incident_id, measure_id=measure_id, step="approve"
    )
    second = needs_second_approver(session, org_id=org_id, measure=measure)
    if approve and second and actor.user_id == measure.created_by_id:
        raise Forbidden(
            "This grant is above your organisation's threshold: another coordinator, "
            "not the person who requested it, must approve it."
        )
    measure.decided_on = _on(on, measure.requested_on)
    measure.status = S.approved if approve else S.refused
    if approve:
        measure.approved_by_id = actor.user_id
    action = "grant.approved" if approve else "grant.refused"
    touch_case(session, incident, action, actor.user_id, measure=measure.id, second_approver=second)
    return measure


def disburse_grant(
    session: Session,
    *,
    org_id: int,
    incident_id: int,
    measure_id: int,
    method: str,
    on: date | None = None,
    actor_user_id: int,
) -> SupportMeasure:
    incident, measure = _grant(
        session, org_id=org_id, incident_id=incident_id, measure_id=measure_id, step="disburse"
    )
    if method not in DISBURSEMENT_METHODS:
        raise Invalid("Choose how the grant was paid.")
    measure.delivered_on = _on(on, measure.decided_on)
    measure.disbursement_method = method
    measure.status = S.disbursed
    touch_case(
        session, incident, "grant.disbursed", actor_user_id, measure=measure.id, method=method
    )
    return measure


def report_grant(
    session: Session,
    *,
    vault: Vault,
    org_id: int,
    incident_id: int,
    measure_id: int,
    report: str,
    actor_user_id: int,
) -> SupportMeasure:
    """What the money was used for, sealed with the incident's key (it can say where the
    defender went). The audit entry says that a report was written, never what it says."""
    incident, measure = _grant(
        session, org_id=org_id, incident_id=incident_id, measure_id=measure_id, step="report"
    )
    text = report.strip()
    if not text or len(text) > MAX_REPORT:
        raise Invalid(f"Write what the grant was used for (at most {MAX_REPORT} characters).")
    measure.report_sealed = vault.seal(incident.data_key_id, text)
    measure.reported_on = utcnow().date()
    measure.status = S.reported
    touch_case(session, incident, "grant.reported", actor_user_id, measure=measure.id)
    return measure


def parse_thresholds(text: str) -> dict[str, int]:
    """Lines ``USD: 500`` or ``EUR: 250.50`` → minor units per currency."""
    thresholds: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        code, _colon, said = line.partition(":")
        code, said = code.strip().upper(), said.strip()
        if code not in currencies():
            raise Invalid(f"Line {number}: start with an ISO 4217 currency code, e.g. USD: 500.")
        digits = minor_unit(code)
        whole, _dot, cents = said.partition(".")
        if not whole.isdigit() or (cents and not cents.isdigit()) or len(cents) > digits:
            raise Invalid(f"Line {number}: write the amount with digits, e.g. {code}: 500.")
        if len(whole) > 12:
            raise Invalid(f"Line {number}: the amount is too large.")
        thresholds[code] = to_minor(Decimal(said), code)
    return thresholds


def thresholds_as_lines(thresholds: dict[str, int] | None) -> str:
    lines = []
    for code, minor in sorted((thresholds or {}).items()):
        digits = minor_unit(code)
        lines.append(f"{code}: {Decimal(minor).scaleb(-digits):.{digits}f}")
    return "\n".join(lines)


def set_grant_thresholds(
    session: Session, *, org_id: int, thresholds: dict[str, int], actor_user_id: int
) -> None:
    organisation = session.get(Organisation, org_id)
    if organisation is None:
        raise Invalid("No such organisation.")
    organisation.grant_thresholds = dict(thresholds)
    session.flush()
    record_event(
        session,
        action="organisation.grant_thresholds",
        organisation_id=org_id,
        actor_user_id=actor_user_id,
        object_type="organisation",
        object_id=org_id,
        detail={"thresholds": dict(sorted(thresholds.items()))},
    )
