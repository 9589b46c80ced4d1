"""Importing contacts from a CSV file, each bad row shown with its line number (writers only).

Included before the contact pages: ``/staff/contacts/import`` is not a contact id."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from starlette.responses import Response

from vigil.contacts.csv_import import MAX_BYTES, decode_csv, import_contacts_csv
from vigil.contacts.roles import CONTACT_ROLES
from vigil.contacts.service import (
    KIND_LABELS,
)
from vigil.core.errors import Invalid
from vigil.surfaces.gate import Staff, require_writer
from vigil.web.deps import DbSession, RequestVault
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
Writer = Annotated[Staff, Depends(require_writer)]


@router.get("/staff/contacts/import", name="contacts.import_form")
def import_form(request: Request, staff: Writer) -> Response:
    return render(request, "staff/contacts/import.html", _import_context(staff, strict=False))


def _import_context(staff: Staff, *, strict: bool) -> dict[str, Any]:
    return {
        "staff": staff,
        "result": None,
        "strict": strict,
        "role_codes": list(CONTACT_ROLES),
        "kind_codes": list(KIND_LABELS),
    }


@router.post("/staff/contacts/import", name="contacts.import")
def import_file(
    request: Request,
    session: DbSession,
    staff: Writer,
    file: Annotated[UploadFile, File()],
    vault: RequestVault,
    strict: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    context = _import_context(staff, strict=strict == "yes")
    try:
        text = decode_csv(file.file.read(MAX_BYTES + 1))
        with session.begin_nested():
            context["result"] = import_contacts_csv(
                session,
                vault,
                org_id=staff.organisation_id,
                text=text,
                strict=strict == "yes",
                actor_user_id=staff.user_id,
            )
    except Invalid as problem:
        context["error"] = str(problem)
        return render(request, "staff/contacts/import.html", context, 422)
    status = 200 if context["result"].imported else 422
    return render(request, "staff/contacts/import.html", context, status)
