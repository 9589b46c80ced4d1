"""What the alert pages show, assembled in one place so the routes stay thin. Viewing a case's
alerts or an alert is an access to the case and is audited like the case page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.access import CaseView
from vigil.accounts.models import User
from vigil.alerts.answers import MAX_ANSWER, answers_by_request
from vigil.alerts.approval import four_eyes_minutes, may_send_alone_at
from vigil.alerts.event_details import shown_event, shown_tiers
from vigil.alerts.facts import consent_check, facts_for
from vigil.alerts.generalise import identifying_circumstances
from vigil.alerts.implicated import company_implicated
from vigil.alerts.message import TYPE_LABELS, previews_by_type
from vigil.alerts.models import (
    Alert,
    AlertEvent,
    AlertRecipient,
    AlertResponse,
    AlertStatus,
    AlertTier,
    ShareLevel,
)
from vigil.alerts.responder import details_by_response
from vigil.alerts.service import alerts_for_incident, load_alert
from vigil.checkins.panel import check_in_panel
from vigil.contacts.models import Contact
from vigil.core.crypto import Vault
from vigil.core.errors import Conflict
from vigil.core.i18n import LOCALES, current_locale
from vigil.incidents.models import Incident
from vigil.incidents.service import case_for_reading
from vigil.outbox.models import Delivery
from vigil.playbooks.choice import playbook_for_incident
from vigil.playbooks.models import Playbook
from vigil.playbooks.service import list_playbooks
from vigil.surfaces.gate import Staff


def _branch(alert: Alert, incident: Incident | None) -> str | None:
    """The company-implicated branch as stored on the alert (why, or "" when it did not
    apply); an alert drafted before it was stored falls back to the incident as it is now."""
    if alert.company_implicated is not None:
        return alert.company_implicated
    return (company_implicated(incident) or "") if incident is not None else None


def minutes_between(start: Any, end: Any) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 60, 1)


def case_alerts_context(session: Session, *, staff: Staff, incident_id: int) -> dict[str, Any]:
    incident = case_for_reading(
        session, actor=staff.actor, incident_id=incident_id, view=CaseView.alerts
    )
    alerts = alerts_for_incident(session, org_id=staff.organisation_id, incident_id=incident.id)
    playbooks = {
        p.id: p
        for p in session.scalars(
            select(Playbook).where(
                Playbook.id.in_([a.playbook_id for a in alerts if a.playbook_id])
            )
        )
    }
    choice = playbook_for_incident(session, org_id=staff.organisation_id, incident_id=incident.id)
    suggested = choice.playbook if choice is not None else None
    return {
        "incident": incident,
        "alerts": alerts,
        "playbooks_by_id": playbooks,
        "playbooks": list_playbooks(session, org_id=staff.organisation_id),
        "suggested": suggested,
        "minutes_between": minutes_between,
        "checkins": check_in_panel(session, org_id=staff.organisation_id, incident_id=incident.id),
    }


def _recipients(session: Session, alert_id: int) -> list[tuple[AlertRecipient, Contact]]:
    return [
        (r, c)
        for r, c in session.execute(
            select(AlertRecipient, Contact)
            .join(Contact, Contact.id == AlertRecipient.contact_id)
            .where(AlertRecipient.alert_id == alert_id)
            .order_by(AlertRecipient.tier, Contact.name, AlertRecipient.id)
        ).all()
    ]


def _document(session: Session, alert: Any) -> dict[str, Any]:
    playbook = session.get(Playbook, alert.playbook_id) if alert.playbook_id else None
    return playbook.document if playbook else {}


def timeline_context(session: Session, *, staff: Staff, alert_id: int) -> dict[str, Any]:
    """The delivery timeline, polled every few seconds by the open alert page. Not a case
    read of its own: it shows deliveries, not the case, and the page that polls it was
    audited when it was opened (an entry per poll would drown the log)."""
    alert = load_alert(session, org_id=staff.organisation_id, alert_id=alert_id)
    events = session.scalars(
        select(AlertEvent).where(AlertEvent.alert_id == alert.id).order_by(AlertEvent.id.desc())
    ).all()
    names = dict(
        session.execute(
            select(Contact.id, Contact.name).where(
                Contact.id.in_({e.contact_id for e in events if e.contact_id})
            )
        ).all()
    )
    counts = session.execute(
        select(Delivery.tier, Delivery.state, func.count())
        .where(Delivery.alert_id == alert.id)
        .group_by(Delivery.tier, Delivery.state)
    ).all()
    by_tier: dict[int, dict[str, int]] = {}
    for tier, state, count in counts:
        by_tier.setdefault(tier or 0, {})[state] = count
    tiers = session.scalars(
        select(AlertTier).where(AlertTier.alert_id == alert.id).order_by(AlertTier.tier)
    ).all()
    return {
        "alert": alert,
        "events": [shown_event(event) for event in events[:500]],
        "contact_names": names,
        "tiers": shown_tiers(tiers, _document(session, alert), current_locale.get()),
        "deliveries_by_tier": by_tier,
        "minutes_to_first_delivery": minutes_between(alert.verified_at, alert.first_delivered_at),
        "live": alert.status == AlertStatus.active,
    }


def alert_context(session: Session, vault: Vault, *, staff: Staff, alert_id: int) -> dict[str, Any]:
    alert = load_alert(session, org_id=staff.organisation_id, alert_id=alert_id)
    incident = case_for_reading(
        session, actor=staff.actor, incident_id=alert.incident_id, view=CaseView.alert
    )
    playbook = session.get(Playbook, alert.playbook_id) if alert.playbook_id else None
    document = playbook.document if playbook else {}
    locale = current_locale.get()
    guidance = document.get("guidance") or {}
    try:
        consent_check(session, incident_id=alert.incident_id, share_level=ShareLevel.name)
        may_name = True
    except Conflict:
        may_name = False
    context: dict[str, Any] = {
        "alert": alert,
        "incident": incident,
        "playbook": playbook,
        "guidance": guidance.get(locale) or guidance.get("en", ""),
        "recipients": _recipients(session, alert.id),
        "tier_count": len(document.get("tiers", [])) or 1,
        "tier_labels": {
            n: (t.get("label") or {}).get(locale) or (t.get("label") or {}).get("en", "")
            for n, t in enumerate(document.get("tiers", []), start=1)
        },
        "share_levels": list(ShareLevel),
        "may_name": may_name,
        "identifying": incident is not None
        and alert.share_level != ShareLevel.generalised
        and identifying_circumstances(session, incident),
        "notes": facts_for(session, vault, alert).analyst_notes,
        "note_languages": LOCALES,
        "draft": alert.status == AlertStatus.draft,
        "company_implicated": _branch(alert, incident),
    }
    responses = session.execute(
        select(AlertResponse, Contact.name)
        .outerjoin(Contact, Contact.id == AlertResponse.contact_id)
        .where(AlertResponse.alert_id == alert.id)
        .order_by(AlertResponse.id.desc())
    ).all()
    context["responses"] = [
        (response, name or "", vault.reveal(response.data_key_id, response.body_sealed) or "")
        for response, name in responses
    ]
    context["response_details"] = details_by_response(session, [r.id for r, _n in responses])
    context["answers"] = answers_by_request(session, vault, alert.id)
    context["max_answer"] = MAX_ANSWER
    if alert.status == AlertStatus.draft:
        context["previews_by_type"] = previews_by_type(
            session, vault, org_id=staff.organisation_id, alert_id=alert.id
        )
        context["previews"] = context["previews_by_type"][0][1]
        context["type_labels"] = TYPE_LABELS
        context["contacts"] = session.scalars(
            select(Contact)
            .where(Contact.organisation_id == staff.organisation_id, Contact.opted_out_at.is_(None))
            .order_by(Contact.name)
            .limit(300)
        ).all()
    context.update(timeline_context(session, staff=staff, alert_id=alert.id))
    context.update(_approval(session, alert, document, staff))
    return context


def _approval(session: Session, alert: Any, document: dict, staff: Staff) -> dict[str, Any]:
    """Four eyes: who asked, and from when the launcher may send alone."""
    if alert.status != AlertStatus.awaiting_approval:
        return {"awaiting": False}
    minutes = four_eyes_minutes(document) or 0
    launcher = session.get(User, alert.approval_requested_by_id or 0)
    return {
        "awaiting": True,
        "approval_minutes": minutes,
        "approval_launcher": launcher.display_name if launcher else "",
        "is_launcher": staff.user_id == alert.approval_requested_by_id,
        "send_alone_at": may_send_alone_at(alert, minutes),
    }
