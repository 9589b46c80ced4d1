"""The consent ledger on the case page: what each victim defender of an incident allows, their
chosen strategy and whether it is their own decision, each scope's current entry (who decided
for whom, and until when), the history of entries, the form that appends one (a grant may be
valid until a day), and the case's emergency exceptions.

``consent_context`` gives the keys ``casework/_consent.html`` needs; the partial also expects
``incident``, ``staff`` and ``csrf_token(request)``. Only aliases are shown, never names.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from vigil.access import check_same_org
from vigil.accounts.models import Membership, User
from vigil.alerts.jobs import hold_unconsented_deliveries
from vigil.casework.emergency import (
    confirm_exception,
    exceptions_of,
    renew_exception,
    request_exception,
    withdraw_exception,
)
from vigil.casework.service import load_case
from vigil.core.crypto import Vault
from vigil.core.db import utcnow
from vigil.core.errors import Invalid, NotFound
from vigil.core.i18n import N_, gettext
from vigil.defenders.consent import (
    ConsentGiver,
    ConsentMethod,
    ConsentScope,
    Decision,
    Strategy,
    consent_history,
    current_consent,
    current_entries,
    current_strategy,
    record_consent,
    sharing_consent,
)
from vigil.defenders.models import Defender
from vigil.incidents.models import Act, Incident
from vigil.surfaces.gate import Staff, require_writer
from vigil.web.deps import AppSettings, DbSession, ObjectId, RequestVault

router = APIRouter(include_in_schema=False)
Writer = Annotated[Staff, Depends(require_writer)]

CONSENT_LABELS = {
    "store": N_("Keep a record"),
    "share_with_stakeholders": N_("Name them to stakeholders in alerts"),
    "publish_alias": N_("Publish the alias"),
    "publish_name": N_("Publish the name"),
    "publish_photo": N_("Publish a photo"),
    "publish_place": N_("Publish the exact place"),
    "publish_date": N_("Publish the exact day"),
    "share_state_mechanism": N_("Share with a state protection mechanism or NHRI"),
    "share_un_regional": N_("Share with UN and regional human-rights bodies"),
    "share_funders": N_("Share with funders"),
    "share_media": N_("Share with the media"),
    "use_as_evidence": N_("Use their testimony and files as evidence"),
    "share_location": N_("Share where they are"),
    "strategy": N_("Strategy"),
    "quiet": N_("Quiet diplomacy"),
    "public": N_("Public action"),
    "record_only": N_("Record only"),
    "grant": N_("Granted"),
    "withdraw": N_("Withdrawn"),
    "in_person": N_("In person"),
    "phone": N_("By phone"),
    "secure_message": N_("By secure message"),
    "through_reporter": N_("Through the reporter"),
    "other": N_("Other"),
    "defender": N_("The defender"),
    "representative": N_("A representative"),
    "community": N_("The community's assembly or authority"),
    "reporter": N_("The reporter (not consent)"),
    "none": N_("Not recorded"),
}


def consent_label(code: str) -> str:
    message = CONSENT_LABELS.get(code)
    return gettext(message) if message else code


def incident_defenders(session: Session, *, incident_id: int) -> list[Defender]:
    """The incident's victim defenders, each once, in the order of their first act."""
    rows = session.execute(
        select(Defender, Act.id)
        .join(Act, Act.victim_id == Defender.id)
        .where(Act.incident_id == incident_id)
        .order_by(Act.id)
    ).all()
    seen: dict[int, Defender] = {}
    for defender, _act_id in rows:
        seen.setdefault(defender.id, defender)
    return list(seen.values())


def consent_context(
    session: Session, *, vault: Vault, org_id: int, incident: Incident
) -> dict[str, Any]:
    """Keys for ``casework/_consent.html`` (read fresh on every request, nothing cached)."""
    check_same_org(incident, org_id=org_id, missing="No such incident.")
    defenders = [
        {
            "defender": defender,
            "consent": current_consent(session, defender_id=defender.id),
            "entries": current_entries(session, defender_id=defender.id),
            "strategy": current_strategy(session, defender_id=defender.id) or "none",
            "may_alert": sharing_consent(session, defender=defender).strategy is not None,
            "history": consent_history(session, org_id=org_id, defender_id=defender.id),
        }
        for defender in incident_defenders(session, incident_id=incident.id)
    ]
    people = dict(
        session.execute(
            select(User.id, User.display_name)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id == org_id)
        ).all()
    )
    return {
        "consent_defenders": defenders,
        "consent_scopes": list(ConsentScope),
        "consent_decisions": list(Decision),
        "consent_strategies": list(Strategy),
        "consent_methods": list(ConsentMethod),
        "consent_givers": list(ConsentGiver),
        "consent_people": people,
        "emergency_exceptions": [
            {"row": e, "reason": vault.reveal(incident.data_key_id, e.reason_sealed)}
            for e in exceptions_of(session, incident_id=incident.id)
        ],
        "consent_label": consent_label,
        "consent_now": utcnow(),
    }


def _expiry(text: str) -> datetime | None:
    """A grant "valid until" a day lasts to the end of that day, UTC: it expires at the
    next midnight."""
    if not text.strip():
        return None
    try:
        last_day = date.fromisoformat(text.strip())
    except ValueError as exc:
        raise Invalid("Give the last valid day as YYYY-MM-DD.") from exc
    return datetime.combine(last_day + timedelta(days=1), time(0), UTC)


@router.post("/staff/incidents/{incident_id}/consent", name="casework.consent")
def record(
    session: DbSession,
    staff: Writer,
    incident_id: ObjectId,
    defender: Annotated[str, Form(max_length=12)],
    scope: Annotated[str, Form(max_length=30)],
    decision: Annotated[str, Form(max_length=20)],
    method: Annotated[str, Form(max_length=30)],
    given_by: Annotated[str, Form(max_length=20)],
    relation: Annotated[str, Form(max_length=120)] = "",
    valid_until: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Append one entry for a victim defender of this incident (404 for any other)."""
    incident = load_case(session, org_id=staff.organisation_id, incident_id=incident_id)
    victims = {d.id for d in incident_defenders(session, incident_id=incident.id)}
    if not defender.isdigit() or int(defender) not in victims:
        raise NotFound("No such defender in this incident.")
    record_consent(
        session,
        org_id=staff.organisation_id,
        defender_id=int(defender),
        scope=scope,
        decision=decision,
        method=method,
        actor_user_id=staff.user_id,
        incident_id=incident.id,
        given_by=given_by,
        relation=relation,
        expires_at=_expiry(valid_until),
    )
    # A withdrawal takes effect at once: nothing queued goes out on the consent it ended.
    hold_unconsented_deliveries(session, now=utcnow())
    return RedirectResponse(f"/staff/incidents/{incident.id}/case?done=consent", status_code=303)


@router.post("/staff/incidents/{incident_id}/emergency", name="casework.emergency")
def ask_for_exception(
    session: DbSession,
    vault: RequestVault,
    staff: Writer,
    incident_id: ObjectId,
    reason: Annotated[str, Form(max_length=2000)],
) -> Response:
    """Record an emergency exception; it allows nothing until a colleague confirms it."""
    request_exception(
        session,
        vault,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        reason=reason,
        actor_user_id=staff.user_id,
    )
    return RedirectResponse(f"/staff/incidents/{incident_id}/case?done=consent", status_code=303)


@router.post(
    "/staff/incidents/{incident_id}/emergency/{exception_id}/confirm",
    name="casework.emergency_confirm",
)
def confirm(
    session: DbSession,
    settings: AppSettings,
    staff: Writer,
    incident_id: ObjectId,
    exception_id: ObjectId,
) -> Response:
    """A second staff member confirms (never the one who asked); it holds for
    ``emergency_exception_hours``."""
    confirm_exception(
        session,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        exception_id=exception_id,
        actor_user_id=staff.user_id,
        hours=settings.emergency_exception_hours,
    )
    return RedirectResponse(f"/staff/incidents/{incident_id}/case?done=consent", status_code=303)


@router.post(
    "/staff/incidents/{incident_id}/emergency/{exception_id}/renew",
    name="casework.emergency_renew",
)
def renew(
    session: DbSession,
    settings: AppSettings,
    staff: Writer,
    incident_id: ObjectId,
    exception_id: ObjectId,
) -> Response:
    """The danger and the silence go on: the exception holds for as long again."""
    renew_exception(
        session,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        exception_id=exception_id,
        actor_user_id=staff.user_id,
        hours=settings.emergency_exception_hours,
    )
    return RedirectResponse(f"/staff/incidents/{incident_id}/case?done=consent", status_code=303)


@router.post(
    "/staff/incidents/{incident_id}/emergency/{exception_id}/withdraw",
    name="casework.emergency_withdraw",
)
def withdraw(
    session: DbSession, staff: Writer, incident_id: ObjectId, exception_id: ObjectId
) -> Response:
    """The defender was reached or the danger passed: alerts not yet sent are refused and
    what is still queued is cancelled at once."""
    withdraw_exception(
        session,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        exception_id=exception_id,
        actor_user_id=staff.user_id,
    )
    hold_unconsented_deliveries(session, now=utcnow())
    return RedirectResponse(f"/staff/incidents/{incident_id}/case?done=consent", status_code=303)
