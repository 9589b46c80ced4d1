"""Staff pages for anonymous reports: the triage queue (HTMX-filterable, plain form without
JS), one report with its sealed answers, files and conversation, the reply and status forms,
and file downloads. Every route needs a signed-in staff member; writing needs a writer role
(auditors read only)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from babel.units import format_unit
from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from vigil.core.crypto import Withheld
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Invalid
from vigil.core.i18n import N_, current_locale, gettext
from vigil.core.places import match_region, region_choices, region_label
from vigil.incidents.labels import label as incident_label
from vigil.incidents.models import Certainty, Role
from vigil.intake import choices
from vigil.intake.attachments import ALLOWED_TYPES
from vigil.intake.conversations import ThreadEntry, read_thread
from vigil.intake.models import Report, ReportStatus
from vigil.intake.schemas import reporter_answer_label, split_multi
from vigil.intake.service import attachment_digests, open_answers
from vigil.intake.triage import (
    ALL,
    OPEN,
    TriageTargets,
    change_report_status,
    get_report,
    list_triage_queue,
    next_statuses,
    read_attachment,
    reply_to_reporter,
    term_labels,
)
from vigil.surfaces.gate import CurrentStaff, Staff, require_writer
from vigil.web.deps import AppSettings, DbSession, ObjectId, RequestVault
from vigil.web.templating import is_htmx, render

router = APIRouter(prefix="/staff/reports", include_in_schema=False)

Writer = Annotated[Staff, Depends(require_writer)]

STATUS_LABELS: dict[str, str] = {
    ReportStatus.received: N_("Received"),
    ReportStatus.triage: N_("Triage"),
    ReportStatus.accepted: N_("Accepted"),
    ReportStatus.rejected: N_("Rejected"),
    ReportStatus.closed: N_("Closed"),
}
#: The reporter's sealed answers, in the order the form asks for them.
ANSWER_LABELS = {
    "reporter_relation": N_("Who is reporting"),
    "defender_knows": N_("Does the defender know and agree"),
    "chosen_alias": N_("Name we may use"),
    "defender_name": N_("Name"),
    "defender_contact": N_("Safe way to reach them"),
    "gender_identity": N_("Gender and identity"),
    "narrative": N_("What happened"),
    "region": N_("Region"),
    "place": N_("Exact place"),
    "earlier_threats": N_("Earlier threats or attacks"),
    "responsible": N_("Company, project or people involved"),
    "others_at_risk": N_("Others at risk"),
    "needs_now": N_("What is needed now"),
}
#: Answers that say the defender has not agreed: the page says the wish is not their consent.
NOT_AGREED = ("does_not_know", "knows_not_agreed")
NOTICES = {
    "replied": N_("Your message was sent."),
    "moved": N_("The status was changed."),
}


def status_label(status: str) -> str:
    message = STATUS_LABELS.get(status)
    return gettext(message) if message else status


def format_age(age: timedelta) -> str:
    """Short age for the queue: "40 min", "3 h", "2 d"."""
    minutes = int(age.total_seconds() // 60)
    if minutes < 60:
        return gettext("%(n)s min") % {"n": minutes}
    hours = minutes // 60
    if hours < 48:
        return gettext("%(n)s h") % {"n": hours}
    return gettext("%(n)s d") % {"n": hours // 24}


def format_size(size: int) -> str:
    locale = current_locale.get()
    if size < 1024:
        return format_unit(size, "digital-byte", length="short", locale=locale)
    if size < 1024 * 1024:
        return format_unit(round(size / 1024, 1), "digital-kilobyte", length="short", locale=locale)
    return format_unit(
        round(size / (1024 * 1024), 1), "digital-megabyte", length="short", locale=locale
    )


def _status_options() -> list[tuple[str, str]]:
    return [
        (OPEN, gettext("Open (received or in triage)")),
        *((s.value, status_label(s)) for s in ReportStatus),
        (ALL, gettext("All")),
    ]


@router.get("", name="intake.staff_queue")
def queue_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    settings: AppSettings,
    status: Annotated[str | None, Query(max_length=20)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    status = status or OPEN
    queue = list_triage_queue(
        session,
        org_id=staff.organisation_id,
        status=status,
        page=page,
        now=utcnow(),
        targets=TriageTargets(
            ordinary=timedelta(hours=settings.triage_target_hours),
            imminent=timedelta(minutes=settings.imminent_target_minutes),
        ),
    )
    labels = term_labels(
        session,
        terms=(
            ("attack_type", code) for row in queue.items for code in row.report.attack_types or []
        ),
        locale=current_locale.get(),
    )
    template = "staff/reports/_queue.html" if is_htmx(request) else "staff/reports/queue.html"
    return render(
        request,
        template,
        {
            "staff": staff,
            "queue": queue,
            "status": status,
            "status_options": _status_options(),
            "attack_labels": {code: text for (_v, code), text in labels.items()},
            "status_label": status_label,
            "format_age": format_age,
        },
    )


def render_report(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: Staff,
    report_id: int,
    *,
    notice: str | None = None,
    reply_error: str | None = None,
    reply_body: str = "",
    convert: dict[str, str] | None = None,
    convert_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The report page; ``convert`` is the decision form as typed, returned with
    ``convert_errors`` (what is missing, by field) when it could not be recorded."""
    report: Report = get_report(
        session, org_id=staff.organisation_id, report_id=report_id, actor_user_id=staff.user_id
    )
    withheld = False
    answers: dict[str, str] = {}
    try:
        answers = open_answers(vault, report)
    except Withheld:  # a person it named was forgotten: the thread goes on under a new key
        withheld = True
    messages: list[ThreadEntry] = read_thread(
        session,
        vault=vault,
        report=report,
        actor_user_id=staff.user_id,
        now=utcnow(),
        where="report",
    )
    locale = current_locale.get()
    terms = term_labels(
        session,
        terms=[
            ("defender_type", report.defender_type),
            *(("attack_type", code) for code in report.attack_types or []),
            ("perpetrator_type", report.perpetrator_type),
            *(("gender_identity", c) for c in split_multi(answers.get("gender_identity"))),
        ],
        locale=locale,
    )
    if answers.get("gender_identity"):  # sealed codes, shown as their labels
        answers["gender_identity"] = ", ".join(
            terms.get(("gender_identity", c), c) for c in split_multi(answers["gender_identity"])
        )
    country = report.country or ""
    region_guess = match_region(country, answers.get("region")) if country else None
    if answers.get("region"):  # a code from the form's list, or older free text as typed
        answers["region"] = region_label(answers["region"], locale)
    target_kind = choices.TARGET_KINDS.get(report.target_kind or "")
    wish = choices.WISHES.get(report.wish)
    context = {
        "staff": staff,
        "report": report,
        "withheld": withheld,
        "answers": [
            (gettext(label), reporter_answer_label(name, answers[name]))
            for name, label in ANSWER_LABELS.items()
            if answers.get(name)
        ],
        "defender_not_agreed": answers.get("defender_knows") in NOT_AGREED,
        "regions": region_choices(country, locale) if country else (),
        "region_guess": region_guess,
        "messages": messages,
        "attachment_sha256": attachment_digests(vault, report),
        "target_kind": gettext(target_kind) if target_kind else report.target_kind,
        "defender_type": terms.get(("defender_type", report.defender_type or "")),
        "attack_type": ", ".join(
            terms.get(("attack_type", code), code) for code in report.attack_types or []
        ),
        "perpetrator_type": terms.get(("perpetrator_type", report.perpetrator_type or "")),
        "wish": gettext(wish) if wish else report.wish,
        "next_statuses": [(s, status_label(s)) for s in next_statuses(report.status)],
        "status_label": status_label,
        "format_size": format_size,
        "notice": notice,
        "reply_error": reply_error,
        "reply_body": reply_body,
        "label": incident_label,
        "involvement_roles": [r.value for r in Role],
        "involvement_certainties": [c.value for c in Certainty],
        "convert": convert or {},
        "convert_errors": convert_errors or {},
    }
    if convert is not None and "region" in convert:  # the analyst's choice, kept as typed
        context["region_guess"] = convert["region"]
    return render(request, "staff/reports/report.html", context, status_code)


@router.get("/{report_id}", name="intake.staff_report")
def report_page(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: CurrentStaff,
    report_id: ObjectId,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    message = NOTICES.get(done or "")
    notice = gettext(message) if message else None
    return render_report(request, session, vault, staff, report_id, notice=notice)


@router.post("/{report_id}/messages", name="intake.staff_reply")
def reply(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: Writer,
    report_id: ObjectId,
    body: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    error = None
    if not body.strip():
        error = gettext("Please write a message first.")
    else:
        try:
            reply_to_reporter(
                session,
                vault=vault,
                org_id=staff.organisation_id,
                report_id=report_id,
                body=body,
                actor_user_id=staff.user_id,
            )
        except Invalid as invalid:
            error = str(invalid)
    if error:
        return render_report(
            request,
            session,
            vault,
            staff,
            report_id,
            reply_error=error,
            reply_body=body,
            status_code=422,
        )
    return RedirectResponse(f"/staff/reports/{report_id}?done=replied", status_code=303)


@router.post("/{report_id}/status", name="intake.staff_status")
def change_status(
    session: DbSession,
    staff: Writer,
    report_id: ObjectId,
    status: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    try:
        change_report_status(
            session,
            org_id=staff.organisation_id,
            report_id=report_id,
            status=status,
            actor_user_id=staff.user_id,
            reason=reason,
        )
    except Invalid as error:
        if status == ReportStatus.rejected:
            raise Invalid(gettext("Say why the report is rejected.")) from error
        raise Conflict(gettext("The report cannot move to this status.")) from None
    except Conflict:
        raise Conflict(gettext("The report cannot move to this status.")) from None
    return RedirectResponse(f"/staff/reports/{report_id}?done=moved", status_code=303)


@router.get("/{report_id}/attachments/{attachment_id}", name="intake.staff_attachment")
def download_attachment(
    session: DbSession,
    vault: RequestVault,
    staff: CurrentStaff,
    report_id: ObjectId,
    attachment_id: ObjectId,
) -> Response:
    media_type, content = read_attachment(
        session,
        vault=vault,
        org_id=staff.organisation_id,
        report_id=report_id,
        attachment_id=attachment_id,
        actor_user_id=staff.user_id,
    )
    extension = ALLOWED_TYPES.get(media_type, ".bin")
    filename = f"report-{report_id}-{attachment_id}{extension}"
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
