"""The reporter's surface: ``/report`` and ``/report/status``. Anonymous, no JavaScript needed,
nothing here calls a staff service or learns who the reporter is."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.core.i18n import current_locale
from vigil.core.i18n import gettext as _
from vigil.core.security import keyed_digest
from vigil.core.throttle import count_failure, over_limit, throttle_key, window_start
from vigil.intake import choices
from vigil.intake.attachments import CleanFile, RejectedFile, sanitise
from vigil.intake.models import Author
from vigil.intake.receipts import format_receipt, normalise_receipt
from vigil.intake.schemas import ReportForm, parse_report_form
from vigil.intake.service import (
    MAX_MESSAGE,
    add_message,
    conversation,
    file_report,
    find_report_by_receipt,
)
from vigil.notifications.duty import notify_urgent_report
from vigil.web.deps import AppSettings, DbSession, RequestVault
from vigil.web.templating import render

router = APIRouter(prefix="/report", include_in_schema=False)
RECEIPT_WINDOW = timedelta(minutes=15)


async def read_form(request: Request) -> tuple[dict[str, str], list[UploadFile]]:
    """The submitted fields and files (parsed once, in the event loop)."""
    form = await request.form()
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    files = [v for k, v in form.multi_items() if k == "attachments" and isinstance(v, UploadFile)]
    return fields, [f for f in files if f.filename or f.size]


SubmittedForm = Annotated[tuple[dict[str, str], list[UploadFile]], Depends(read_form)]


def _form_page(request: Request, session, form: ReportForm, status: int = 200) -> Response:  # type: ignore[no-untyped-def]
    context = choices.form_context(session, locale=current_locale.get())
    context.update(
        form=form, submission_id=form.values.get("submission_id") or secrets.token_urlsafe(16)
    )
    return render(request, "intake/form.html", context, status)


@router.get("", name="intake.form")
def report_form(request: Request, session: DbSession) -> Response:
    return _form_page(request, session, ReportForm())


def _clean_files(files: list[UploadFile], settings, form: ReportForm) -> list[CleanFile]:  # type: ignore[no-untyped-def]
    cleaned: list[CleanFile] = []
    if len(files) > settings.attachment_max_files:
        form.errors["attachments"] = _("Please attach at most %(n)s files.") % {
            "n": settings.attachment_max_files
        }
        return cleaned
    for upload in files:
        data = upload.file.read(settings.attachment_max_bytes + 1)
        try:
            cleaned.append(sanitise(data, filename=None, max_bytes=settings.attachment_max_bytes))
        except RejectedFile as rejected:
            form.errors["attachments"] = choices.rejection_message(rejected.code)
    if form.errors.get("attachments") or (files and form.errors):
        form.errors.setdefault("attachments", _("Please attach your files again."))
    return cleaned


@router.post("", name="intake.submit")
def submit_report(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    settings: AppSettings,
    submitted: SubmittedForm,
) -> Response:
    fields, files = submitted
    organisations = choices.receiving_organisations(session)
    form = parse_report_form(
        fields, codes=choices.vocabulary_codes(session), organisations=set(organisations)
    )
    if not organisations:
        return render(
            request,
            "error.html",
            {
                "status": 503,
                "message": _("Reports cannot be received yet: no organisation is set up."),
            },
            503,
        )
    cleaned = _clean_files(files, settings, form)
    if form.errors:
        return _form_page(request, session, form, 400)
    default_org = next(iter(organisations.values()))
    org_id = organisations.get(form.values.get("organisation", ""), default_org)
    try:
        filed = file_report(
            session,
            vault=vault,
            org_id=org_id,
            form=form,
            submission_id=fields.get("submission_id", ""),
            attachments=cleaned,
            locale=current_locale.get(),
        )
    except Conflict:
        return render(request, "intake/duplicate.html", {}, 409)
    except Invalid:
        return _form_page(request, session, form, 400)
    if filed.report.imminent:
        notify_urgent_report(
            session,
            org_id=org_id,
            report_id=filed.report.id,
            received_at=f"{filed.report.received_at:%Y-%m-%d %H:%M}",
            staff_url=settings.base_url,
        )
    return render(
        request,
        "intake/receipt.html",
        {"receipt": format_receipt(filed.receipt), "imminent": form.imminent},
        201,
    )


@router.get("/status", name="intake.status_form")
def status_form(request: Request) -> Response:
    return render(request, "intake/status_form.html", {})


@router.post("/status", name="intake.status")
def report_status(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    settings: AppSettings,
    receipt: Annotated[str, Form(max_length=64)],
    message: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    """Receipt guesses are throttled per client (keyed hash, never the address) and in total."""
    now = utcnow()
    start = window_start(now, RECEIPT_WINDOW)
    host = request.client.host if request.client else "unknown"
    client = throttle_key(
        settings.secret, start, "receipt-client", keyed_digest(settings.secret, "client", host)
    )
    total = throttle_key(settings.secret, start, "receipt-total", "all")
    limits = {
        client: settings.receipt_max_failures_per_client,
        total: settings.receipt_max_failures_total,
    }
    if over_limit(session, limits=limits, start=start):
        return render(
            request,
            "intake/status_form.html",
            {"error": _("Too many attempts. Please wait 15 minutes and try again.")},
            429,
        )
    normalised = normalise_receipt(receipt)
    try:
        if normalised is None:
            raise NotFound("bad receipt")
        report = find_report_by_receipt(session, vault=vault, receipt=normalised)
    except NotFound:
        count_failure(session, keys=list(limits), start=start)
        return render(
            request,
            "intake/status_form.html",
            {"error": _("No report matches this receipt. Check the 16 digits.")},
            404,
        )
    notice = None
    if message.strip():
        try:
            add_message(session, vault=vault, report=report, author=Author.reporter, body=message)
            notice = _("Your message was sent.")
        except Invalid:  # the service's messages are English; the reporter's page is not
            notice = _("Your message was not sent: please keep it under %(n)s characters.") % {
                "n": MAX_MESSAGE
            }
        except Conflict:
            notice = _("Your message was not sent: this report is closed.")
    return render(
        request,
        "intake/status.html",
        {
            "report": report,
            "receipt": format_receipt(normalised),
            "notice": notice,
            "messages": conversation(vault, report),
            "report_status_label": choices.report_status_label,
        },
    )
