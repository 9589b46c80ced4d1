"""The reporter's surface: ``/report`` and ``/report/status``. Anonymous, no JavaScript needed,
nothing here calls a staff service or learns who the reporter is."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from sqlalchemy.exc import DataError, SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.responses import Response

from vigil.casework.reporter_view import reporter_case_view
from vigil.core.crypto import Vault
from vigil.core.db import read_only_scope, utcnow
from vigil.core.errors import Conflict, Invalid
from vigil.core.i18n import current_locale
from vigil.core.i18n import gettext as _
from vigil.core.places import country_codes, region_choices
from vigil.intake import choices
from vigil.intake.attachments import CleanFile, CleaningLimits, RejectedFile, sanitise
from vigil.intake.models import Author
from vigil.intake.receipts import Answer, check_receipt, format_receipt
from vigil.intake.schemas import (
    MULTI_CHOICE_FIELDS,
    MULTI_SEPARATOR,
    ReportForm,
    parse_report_form,
    reporter_options,
)
from vigil.intake.service import (
    MAX_MESSAGE,
    FiledReport,
    IssuedReceipt,
    add_message,
    conversation,
    file_report,
    issue_receipt,
)
from vigil.organisations.service import time_zone_of
from vigil.outbox.paging import notify_urgent_report
from vigil.web.deps import AppSettings, DbSession, ReadOnlyDbSession, RequestVault
from vigil.web.templating import render, show_times_in

router = APIRouter(prefix="/report", include_in_schema=False)
log = logging.getLogger("vigil.intake")


async def read_form(
    request: Request,
) -> AsyncIterator[tuple[dict[str, str], list[UploadFile]]]:
    """The submitted fields and files (parsed once, in the event loop, held in memory: see
    ``web.limits``). Every file is closed when the request ends, stored or refused."""
    form = await request.form()
    try:
        fields: dict[str, str] = {}
        for k, v in form.multi_items():
            if isinstance(v, str):  # ticked boxes of one question arrive as one value each
                joined = k in MULTI_CHOICE_FIELDS and k in fields
                fields[k] = f"{fields[k]}{MULTI_SEPARATOR}{v}" if joined else v
        files = [
            v for k, v in form.multi_items() if k == "attachments" and isinstance(v, UploadFile)
        ]
        yield fields, [f for f in files if f.filename or f.size]
    finally:
        await form.close()


SubmittedForm = Annotated[tuple[dict[str, str], list[UploadFile]], Depends(read_form)]


def _regions(form: ReportForm) -> tuple[tuple[str, str], ...]:
    """The region list for the country the form holds (none before a country is chosen)."""
    country = form.values.get("country", "").strip().upper()
    return region_choices(country, current_locale.get()) if country in country_codes() else ()


def _form_page(request: Request, session, form: ReportForm, status: int = 200) -> Response:  # type: ignore[no-untyped-def]
    context = choices.form_context(session, locale=current_locale.get())
    context.update(
        form=form,
        submission_id=form.values.get("submission_id") or secrets.token_urlsafe(16),
        regions=_regions(form),
    )
    context.update(reporter_options())
    return render(request, "intake/form.html", context, status)


def _form_again(request: Request, form: ReportForm, status: int) -> Response:
    """The form as typed, read without waiting for the write lock; if even that fails, with
    the typed codes as the only options, so nothing the reporter chose is lost."""
    try:
        with read_only_scope(request.app.state.sessionmaker) as session:
            return _form_page(request, session, form, status)
    except SQLAlchemyError:
        log.error("the report form could not read its options from the database")
    context = choices.fallback_form_context(form.values, locale=current_locale.get())
    context.update(
        form=form, submission_id=form.values.get("submission_id", ""), regions=_regions(form)
    )
    context.update(reporter_options())
    return render(request, "intake/form.html", context, status)


@router.get("", name="intake.form")
def report_form(request: Request, session: ReadOnlyDbSession) -> Response:
    return _form_page(request, session, ReportForm())


@router.get("/regions", name="intake.regions")
def region_field(request: Request, country: Annotated[str, Query(max_length=2)] = "") -> Response:
    """The region question for a newly chosen country (htmx swaps it into the form)."""
    form = ReportForm(values={"country": country})
    return render(
        request, "intake/_region.html", {"form": form, "regions": _regions(form), "htmx": True}
    )


def _clean_files(files: list[UploadFile], settings) -> tuple[list[CleanFile], str | None]:  # type: ignore[no-untyped-def]
    """Read and clean every upload (seconds for a video) before the database is touched, and
    the reason one was refused, if any."""
    if len(files) > settings.attachment_max_files:
        return [], _("Please attach at most %(n)s files.") % {"n": settings.attachment_max_files}
    cleaned: list[CleanFile] = []
    problem = None
    for upload in files:
        data = upload.file.read(settings.attachment_max_bytes + 1)
        try:
            cleaned.append(
                sanitise(
                    data,
                    filename=None,
                    max_bytes=settings.attachment_max_bytes,
                    limits=CleaningLimits.from_settings(settings),
                )
            )
        except RejectedFile as rejected:
            problem = choices.rejection_message(rejected.code)
    return cleaned, problem


class _NoOrganisation(Exception):
    """No organisation is set up to receive reports."""


@dataclass(frozen=True)
class _Upload:
    """What came with the form besides its fields: the cleaned files and a refusal, if any."""

    given: bool
    cleaned: list[CleanFile]
    problem: str | None


def _store_report(
    session: Session,
    vault: Vault,
    settings,
    fields: dict[str, str],
    upload: _Upload,
    receipt: IssuedReceipt,
) -> ReportForm | FiledReport:  # type: ignore[no-untyped-def]
    """The short write transaction: check the answers against the database and store them,
    or return the form with its errors (nothing written)."""
    organisations = choices.receiving_organisations(session)
    if not organisations:
        raise _NoOrganisation
    form = parse_report_form(
        fields, codes=choices.vocabulary_codes(session), organisations=set(organisations)
    )
    if upload.problem:
        form.errors["attachments"] = upload.problem
    elif upload.given and form.errors:
        form.errors["attachments"] = _("Please attach your files again.")
    if form.errors:
        return form
    default_org = next(iter(organisations.values()))
    org_id = organisations.get(form.values.get("organisation", ""), default_org)
    try:
        filed = file_report(
            session,
            vault=vault,
            org_id=org_id,
            form=form,
            submission_id=fields.get("submission_id", ""),
            attachments=upload.cleaned,
            locale=current_locale.get(),
            receipt=receipt,
        )
    except Invalid:
        return form
    if filed.report.imminent:
        notify_urgent_report(
            session,
            org_id=org_id,
            report_id=filed.report.id,
            received_at=f"{filed.report.received_at:%Y-%m-%d %H:%M}",
            staff_url=settings.base_url,
            settings=settings,
        )
    return filed


def _not_stored(
    request: Request, fields: dict[str, str], upload: _Upload, error: Exception
) -> Response:
    """Storing failed and was rolled back: the form again as typed, with what to do. Only the
    error's kind is logged (its message could quote what the reporter wrote)."""
    log.error("a report could not be stored (%s); the form was shown again", type(error).__name__)
    form = ReportForm(values={k: v.replace("\x00", "") for k, v in fields.items()})
    form.errors["form"] = _(
        "Your report could not be saved, and nothing was stored. Please send it again in a moment."
    )
    if upload.given:
        form.errors["attachments"] = _("Please attach your files again.")
    return _form_again(request, form, 400 if isinstance(error, DataError) else 503)


@router.post("", name="intake.submit")
def submit_report(request: Request, settings: AppSettings, submitted: SubmittedForm) -> Response:
    """Everything slow happens before the database is touched: the files are read and cleaned
    and the receipt is hashed (Argon2). One short transaction then stores the report; if it
    fails for any reason (the database stayed locked, a value it refuses), nothing is kept
    and the reporter gets the form back as typed, never a bare server error."""
    fields, files = submitted
    if "show_regions" in fields:  # without JavaScript: list the new country's regions
        form = ReportForm(values={k: v.replace("\x00", "") for k, v in fields.items()})
        if files:
            form.errors["attachments"] = _("Please attach your files again.")
        return _form_again(request, form, 200)
    upload = _Upload(bool(files), [], None)
    try:
        upload = _Upload(bool(files), *_clean_files(files, settings))
        ring = request.app.state.keystore.current()
        receipt = issue_receipt(ring.index_key)
        with request.app.state.sessionmaker() as session, session.begin():
            stored = _store_report(
                session, Vault(session=session, ring=ring), settings, fields, upload, receipt
            )
    except Conflict:
        return render(request, "intake/duplicate.html", {}, 409)
    except _NoOrganisation:
        message = _("Reports cannot be received yet: no organisation is set up.")
        return render(request, "error.html", {"status": 503, "message": message}, 503)
    except Exception as error:  # whatever failed, the reporter keeps the form
        return _not_stored(request, fields, upload, error)
    if isinstance(stored, ReportForm):
        return _form_again(request, stored, 400)
    return render(
        request,
        "intake/receipt.html",
        {"receipt": format_receipt(receipt.code), "imminent": stored.report.imminent},
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
    """Every receipt is verified (the Argon2 run is what a guess costs); wrong ones count
    against the receipt's prefix, shared with ``/check-in``, and a prefix over its limit gets
    no answer, right or wrong (``intake.receipts.check_receipt``). No per-client or global
    pause: a shared address or a crowd of guessers never locks a reporter out."""
    checked = check_receipt(
        session, vault=vault, settings=settings, typed=receipt, now=utcnow(), help_call=False
    )
    if checked.answer is Answer.REFUSED:
        return render(
            request,
            "intake/status_form.html",
            {"error": _("Too many attempts. Please wait 15 minutes and try again.")},
            429,
        )
    report = checked.report
    if checked.answer is not Answer.RIGHT or report is None or checked.receipt is None:
        return render(
            request,
            "intake/status_form.html",
            {"error": _("No report matches this receipt. Check the 16 digits.")},
            404,
        )
    show_times_in(request, time_zone_of(session, org_id=report.organisation_id))
    notice = None
    if message.strip():
        try:
            add_message(session, vault=vault, report=report, author=Author.reporter, body=message)
            notice = _("Your message was sent.")
        except Invalid:  # the service's messages are English; the reporter's page is not
            notice = _("Your message was not sent: please keep it under %(n)s characters.") % {
                "n": MAX_MESSAGE
            }
    return render(
        request,
        "intake/status.html",
        {
            "report": report,
            "receipt": format_receipt(checked.receipt),
            "notice": notice,
            "messages": conversation(vault, report),
            "report_status_label": choices.report_status_label,
            "case": reporter_case_view(session, vault=vault, report=report),
        },
    )
