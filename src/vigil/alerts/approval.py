"""Four eyes before an alert goes out, when its playbook asks for it (``four_eyes:
{approve_within_minutes: N}``).

Launching such an alert does not send it: it waits for approval, and the team's inbox gets
an urgent item (re-paged like an urgent report). Another member of staff — never the one who
launched it — approves, and it is sent. A threat does not wait for a colleague who is asleep:
once N minutes have passed since the launch, the launcher may send it alone, and the alert's
timeline and the audit log say so ("sent without second approval after N minutes").

This module holds the rule and the records; alerts/service.py checks the alert again (consent,
recipients) and sends it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from vigil.alerts.models import Alert, AlertEvent, AlertStatus
from vigil.core.audit import record_event
from vigil.core.errors import Conflict, Forbidden
from vigil.inbox.models import InboxItem, InboxKind
from vigil.inbox.service import acknowledge_item, raise_item


def four_eyes_minutes(document: dict) -> int | None:
    """The playbook's time limit for a second approval; None: no four eyes."""
    rule = (document or {}).get("four_eyes") or {}
    minutes = rule.get("approve_within_minutes")
    return int(minutes) if minutes else None


def _source_key(alert: Alert) -> str:
    return f"alert-approval:{alert.id}"


def hold_for_approval(
    session: Session, *, alert: Alert, minutes: int, actor_user_id: int | None, now: datetime
) -> Alert:
    """The alert waits; the team is told (inbox, urgent) that it needs a second pair of eyes."""
    alert.status = AlertStatus.awaiting_approval
    alert.approval_requested_at = now
    alert.approval_requested_by_id = actor_user_id
    detail = f"a second staff member may approve within {minutes} minutes"
    session.add(AlertEvent(alert_id=alert.id, at=now, kind="approval_requested", detail=detail))
    session.flush()
    raise_item(
        session,
        org_id=alert.organisation_id,
        kind=InboxKind.approval_requested,
        object_type="alert",
        object_id=alert.id,
        path=f"/staff/alerts/{alert.id}#approval-h",
        source_key=_source_key(alert),
        urgent=True,
        now=now,
    )
    record_event(
        session,
        action="alert.approval_requested",
        organisation_id=alert.organisation_id,
        actor_user_id=actor_user_id,
        object_type="alert",
        object_id=alert.id,
        detail={"within_minutes": minutes},
    )
    return alert


def may_send_alone_at(alert: Alert, minutes: int) -> datetime | None:
    if alert.approval_requested_at is None:
        return None
    return alert.approval_requested_at + timedelta(minutes=minutes)


def check_release(
    alert: Alert, *, minutes: int, actor_user_id: int | None, alone: bool, now: datetime
) -> None:
    """Refuse a release the rule does not allow: the launcher approving their own alert,
    someone else "sending alone", or the launcher sending alone before the time limit."""
    if alert.status != AlertStatus.awaiting_approval:
        raise Conflict("This alert is not waiting for approval.")
    launcher = alert.approval_requested_by_id
    if not alone:
        if actor_user_id is None or actor_user_id == launcher:
            raise Forbidden(
                "You launched this alert: another member of staff must approve it "
                "(or, once the time limit has passed, you may send it alone)."
            )
        return
    if actor_user_id is None or actor_user_id != launcher:
        raise Forbidden("Only the person who launched this alert may send it alone: approve it.")
    due = may_send_alone_at(alert, minutes)
    if due is None or now < due:
        raise Conflict(
            f"A second staff member has {minutes} minutes to approve this alert; "
            "you may send it alone only after that."
        )


def record_release(
    session: Session,
    *,
    alert: Alert,
    minutes: int,
    actor_user_id: int | None,
    alone: bool,
    now: datetime,
) -> None:
    """Who let the alert go, on the timeline and in the audit log; the inbox item is done."""
    if alone:
        waited = int((now - alert.approval_requested_at).total_seconds() // 60)  # type: ignore[operator]
        kind, action = "sent_alone", "alert.sent_without_approval"
        detail = f"sent without second approval after {waited} minutes (limit {minutes})"
        audit = {"after_minutes": waited, "limit_minutes": minutes}
    else:
        alert.approved_by_id = actor_user_id
        kind, action, detail = "approved", "alert.approved", "approved by a second staff member"
        audit = {"requested_by": alert.approval_requested_by_id}
    session.add(AlertEvent(alert_id=alert.id, at=now, kind=kind, detail=detail))
    session.flush()
    record_event(
        session,
        action=action,
        organisation_id=alert.organisation_id,
        actor_user_id=actor_user_id,
        object_type="alert",
        object_id=alert.id,
        detail=audit,
    )
    close_approval_item(session, alert=alert, actor_user_id=actor_user_id, now=now)


def close_approval_item(
    session: Session, *, alert: Alert, actor_user_id: int | None, now: datetime
) -> None:
    """The approval request is settled (sent, or the alert stopped): nobody is paged again."""
    item_id = session.scalar(select(InboxItem.id).where(InboxItem.source_key == _source_key(alert)))
    if item_id is None:
        return
    if actor_user_id is not None:
        acknowledge_item(
            session, org_id=alert.organisation_id, item_id=item_id, user_id=actor_user_id, now=now
        )
    else:  # stopped by the system (the case was closed): no one to name, paging ends
        session.execute(
            update(InboxItem)
            .where(InboxItem.id == item_id, InboxItem.acknowledged_at.is_(None))
            .values(acknowledged_at=now, next_page_at=None)
        )
