"""Staff pages for alerts: a case's alerts (and its safety check-ins), preparing an alert
(recipients, message, consent, preview per language), launching it, and following its live
timeline. Plain forms with post/redirect/get; the timeline refreshes itself with HTMX when
JavaScript is on and with the browser's reload button when it is off."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from vigil.alerts.answers import MAX_ANSWER, NeedsConfirmation, answer_request
from vigil.alerts.closing import resolve_alert
from vigil.alerts.labels import template_labels
from vigil.alerts.message import write_message
from vigil.alerts.models import AlertStatus
from vigil.alerts.responder import read_response_file
from vigil.alerts.service import (
    add_recipient,
    draft_alert,
    launch_alert,
    load_alert,
    release_alert,
    set_recipients,
    stop_alert,
)
from vigil.alerts.submission import submission_pack
from vigil.core.db import utcnow
from vigil.core.errors import Invalid
from vigil.diligence.collective.recipients import suggest_initiatives
from vigil.intake.attachments import ALLOWED_TYPES
from vigil.surfaces.gate import CurrentStaff, Staff, require_writer
from vigil.surfaces.staff import alert_page as page
from vigil.web.deps import AppSettings, DbSession, ObjectId, RequestVault
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
Writer = Annotated[Staff, Depends(require_writer)]


def _to_alert(alert_id: int, done: str, anchor: str = "") -> Response:
    suffix = f"#{anchor}" if anchor else ""
    return RedirectResponse(f"/staff/alerts/{alert_id}?done={done}{suffix}", status_code=303)


def _int(text: str, what: str) -> int:
    if not text.strip().isdigit() or len(text.strip()) > 9:
        raise Invalid(f"Choose a {what}.")
    return int(text.strip())


@router.get("/staff/incidents/{incident_id}/alerts", name="alerts.case")
def case_alerts(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    incident_id: ObjectId,
    done: str | None = None,
) -> Response:
    context = page.case_alerts_context(session, staff=staff, incident_id=incident_id)
    context.update(staff=staff, done=done, **template_labels())
    return render(request, "staff/alerts/case_alerts.html", context)


@router.post("/staff/incidents/{incident_id}/alerts", name="alerts.draft")
def draft(
    session: DbSession,
    staff: Writer,
    incident_id: ObjectId,
    playbook: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    alert = draft_alert(
        session,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        actor_user_id=staff.user_id,
        playbook_id=_int(playbook, "playbook") if playbook.strip() else None,
    )
    # Initiatives covering the case join the list unticked, with the reason (#16).
    suggest_initiatives(
        session, org_id=staff.organisation_id, alert_id=alert.id, actor_user_id=staff.user_id
    )
    return _to_alert(alert.id, "drafted")


@router.get("/staff/alerts/{alert_id}", name="alerts.read")
def read(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: CurrentStaff,
    alert_id: ObjectId,
    done: str | None = None,
) -> Response:
    context = page.alert_context(session, vault, staff=staff, alert_id=alert_id)
    context.update(staff=staff, done=done, **template_labels())
    return render(request, "staff/alerts/alert.html", context)


@router.get("/staff/alerts/{alert_id}/timeline", name="alerts.timeline")
def timeline(
    request: Request, session: DbSession, staff: CurrentStaff, alert_id: ObjectId
) -> Response:
    """The live part of the alert page (polled by HTMX; a full page without it)."""
    context = page.timeline_context(session, staff=staff, alert_id=alert_id)
    context.update(template_labels())
    return render(request, "staff/alerts/_timeline.html", context)


@router.post("/staff/alerts/{alert_id}/recipients", name="alerts.recipients")
async def recipients(
    request: Request, session: DbSession, staff: Writer, alert_id: ObjectId
) -> Response:
    form = await request.form()
    chosen = {int(v) for v in form.getlist("recipient") if isinstance(v, str) and v.isdigit()}
    set_recipients(
        session,
        org_id=staff.organisation_id,
        alert_id=alert_id,
        included_ids=chosen,
        actor_user_id=staff.user_id,
    )
    return _to_alert(alert_id, "recipients_saved", "recipients-h")


@router.post("/staff/alerts/{alert_id}/recipients/add", name="alerts.recipient_add")
def recipient_add(
    session: DbSession,
    staff: Writer,
    alert_id: ObjectId,
    contact: Annotated[str, Form(max_length=12)],
    tier: Annotated[str, Form(max_length=3)] = "1",
) -> Response:
    add_recipient(
        session,
        org_id=staff.organisation_id,
        alert_id=alert_id,
        contact_id=_int(contact, "contact"),
        tier=_int(tier, "tier"),
        actor_user_id=staff.user_id,
    )
    return _to_alert(alert_id, "recipient_added", "recipients-h")


@router.post("/staff/alerts/{alert_id}/message", name="alerts.message")
def message(
    session: DbSession,
    vault: RequestVault,
    staff: Writer,
    alert_id: ObjectId,
    share_level: Annotated[str, Form(max_length=20)] = "alias",
    note: Annotated[str, Form(max_length=5000)] = "",
    note_en: Annotated[str, Form(max_length=5000)] = "",
    note_es: Annotated[str, Form(max_length=5000)] = "",
    note_fr: Annotated[str, Form(max_length=5000)] = "",
    note_pt: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    """One note per language (``note`` alone, from older forms, is the English one)."""
    write_message(
        session,
        vault,
        org_id=staff.organisation_id,
        alert_id=alert_id,
        note=note,
        notes={"en": note_en, "es": note_es, "fr": note_fr, "pt": note_pt},
        share_level=share_level,
        actor_user_id=staff.user_id,
    )
    return _to_alert(alert_id, "message_saved", "preview-h")


@router.post("/staff/alerts/{alert_id}/launch", name="alerts.launch")
def launch(
    session: DbSession,
    vault: RequestVault,
    settings: AppSettings,
    staff: Writer,
    alert_id: ObjectId,
) -> Response:
    launch_alert(
        session,
        vault,
        settings,
        org_id=staff.organisation_id,
        alert_id=alert_id,
        actor_user_id=staff.user_id,
        now=utcnow(),
    )
    return _to_alert(alert_id, "launched", "timeline-h")


@router.post("/staff/alerts/{alert_id}/release", name="alerts.release")
def release(
    session: DbSession,
    vault: RequestVault,
    settings: AppSettings,
    staff: Writer,
    alert_id: ObjectId,
    how: Annotated[str, Form(max_length=10)] = "approve",
) -> Response:
    """Four eyes: another member of staff approves and the alert is sent, or its launcher
    sends it alone once the playbook's time limit has passed (alerts/approval.py)."""
    if how not in ("approve", "alone"):
        raise Invalid("Choose to approve the alert or to send it alone.")
    release_alert(
        session,
        vault,
        settings,
        org_id=staff.organisation_id,
        alert_id=alert_id,
        actor_user_id=staff.user_id,
        alone=how == "alone",
        now=utcnow(),
    )
    return _to_alert(alert_id, "launched", "timeline-h")


@router.post("/staff/alerts/{alert_id}/stop", name="alerts.stop")
def stop(
    session: DbSession,
    vault: RequestVault,
    settings: AppSettings,
    staff: Writer,
    alert_id: ObjectId,
    outcome: Annotated[str, Form(max_length=10)] = "resolved",
    reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Resolving sends every alerted recipient the closing message (alerts/closing.py);
    cancelling stops the alert without one."""
    alert = load_alert(session, org_id=staff.organisation_id, alert_id=alert_id)
    if outcome not in (AlertStatus.resolved, AlertStatus.cancelled):
        raise Invalid("Choose whether the alert is resolved or cancelled.")
    reason = reason.strip() or f"{outcome} by an analyst"
    if outcome == AlertStatus.resolved:
        resolve_alert(
            session,
            vault,
            settings,
            alert=alert,
            reason=reason,
            actor_user_id=staff.user_id,
            now=utcnow(),
        )
    else:
        stop_alert(
            session,
            alert=alert,
            status=outcome,
            reason=reason,
            actor_user_id=staff.user_id,
            now=utcnow(),
        )
    return _to_alert(alert.id, outcome, "timeline-h")


@router.post("/staff/alerts/{alert_id}/answers", name="alerts.answer")
def answer(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    settings: AppSettings,
    staff: Writer,
    alert_id: ObjectId,
    response: Annotated[str, Form(max_length=12)] = "",
    text: Annotated[str, Form(max_length=2 * MAX_ANSWER)] = "",
    confirm: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Answer a recipient's request for information; an answer that may reveal what the
    consent does not allow comes back with the warning until it is confirmed."""
    response_id = _int(response, "request for information")
    try:
        answer_request(
            session,
            vault,
            settings,
            org_id=staff.organisation_id,
            alert_id=alert_id,
            response_id=response_id,
            text=text,
            confirmed=confirm == "yes",
            actor_user_id=staff.user_id,
            now=utcnow(),
        )
    except (NeedsConfirmation, Invalid) as problem:
        context = page.alert_context(session, vault, staff=staff, alert_id=alert_id)
        typed = {"response_id": response_id, "text": text}
        if isinstance(problem, NeedsConfirmation):
            typed["warnings"] = problem.found
        else:
            typed["error"] = str(problem)
        context.update(staff=staff, done=None, answer_form=typed, **template_labels())
        status = 409 if isinstance(problem, NeedsConfirmation) else 422
        return render(request, "staff/alerts/alert.html", context, status)
    return _to_alert(alert_id, "answered", "responses-h")


@router.get("/staff/alerts/{alert_id}/responses/{response_id}/file", name="alerts.response_file")
def response_file(
    session: DbSession,
    vault: RequestVault,
    staff: CurrentStaff,
    alert_id: ObjectId,
    response_id: ObjectId,
) -> Response:
    """The file a recipient sent with their response (cleaned when it arrived; read audited)."""
    media_type, content = read_response_file(
        session,
        vault,
        org_id=staff.organisation_id,
        alert_id=alert_id,
        response_id=response_id,
        actor_user_id=staff.user_id,
    )
    filename = f"alert-{alert_id}-response-{response_id}{ALLOWED_TYPES.get(media_type, '.bin')}"
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            # Opened in a tab by mistake, the file may not run anything nor load anything.
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


@router.post("/staff/alerts/{alert_id}/submission-pack", name="alerts.submission_pack")
def special_procedures_pack(
    session: DbSession, vault: RequestVault, staff: Writer, alert_id: ObjectId
) -> Response:
    """The UN special procedures' submission pack, as a Markdown download (a POST: making
    one names a person and is on the audit log)."""
    pack = submission_pack(
        session,
        vault,
        org_id=staff.organisation_id,
        alert_id=alert_id,
        actor_user_id=staff.user_id,
        today=utcnow().date(),
    )
    return Response(
        pack.text,
        media_type="text/markdown; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{pack.filename}"',
            "Cache-Control": "no-store",
        },
    )
