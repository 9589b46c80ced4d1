"""Uploading a file of incidents (coordinators only): upload, map its columns, read the dry
run's report, start the import, which the worker runs (never inside this request).

Every form works without JavaScript: the mapping page is one form whose buttons say what to
do (check, save the mapping under a name, start), and a refused form comes back with the
mapping as typed and the reason, which names the mapping's line when it can.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from vigil.core.crypto import Vault
from vigil.core.errors import Conflict, Invalid
from vigil.imports.incidents.importer import ImportOptions, import_incidents
from vigil.imports.uploads import service
from vigil.imports.uploads.models import ImportUpload, UploadState
from vigil.surfaces.gate import Staff
from vigil.surfaces.staff.imports import Coordinator
from vigil.web.deps import AppSettings, DbSession, ObjectId
from vigil.web.templating import render

router = APIRouter(prefix="/staff/imports", include_in_schema=False)
MAX_MAPPING = 200_000


@router.get("/upload", name="imports.upload_form")
def upload_form(request: Request, session: DbSession, staff: Coordinator) -> Response:
    return _form(request, session, staff)


def _form(
    request: Request, session: DbSession, staff: Staff, *, error: str | None = None, status=200
) -> Response:
    context = {
        "staff": staff,
        "mappings": service.list_mappings(session, org_id=staff.organisation_id),
        "max_mb": service.MAX_UPLOAD_BYTES // (1024 * 1024),
        "error": error,
    }
    return render(request, "staff/imports/upload.html", context, status)


@router.post("/upload", name="imports.upload")
def upload(
    request: Request,
    session: DbSession,
    staff: Coordinator,
    settings: AppSettings,
    file: Annotated[UploadFile | None, File()] = None,
    mapping_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    try:
        if file is None or not file.filename:
            raise Invalid("Choose a file to upload.")
        saved = None
        if mapping_id.isdigit():
            saved = service.get_saved_mapping(
                session, org_id=staff.organisation_id, mapping_id=int(mapping_id)
            )
        with session.begin_nested():
            stored = service.store_upload(
                session,
                org_id=staff.organisation_id,
                data_dir=settings.data_dir,
                original_name=file.filename,
                stream=file.file,
                by_user_id=staff.user_id,
                vault=Vault(session=session, ring=request.app.state.keystore.current()),
                max_bytes=service.MAX_UPLOAD_BYTES,
            )
            if saved is not None:
                service.keep_mapping(stored, text=saved.text, syntax=saved.syntax)
    except Invalid as refused:
        return _form(request, session, staff, error=str(refused), status=422)
    return RedirectResponse(f"/staff/imports/uploads/{stored.id}", status_code=303)


@router.get("/uploads/{upload_id}", name="imports.upload_read")
def upload_page(
    request: Request, session: DbSession, staff: Coordinator, upload_id: ObjectId
) -> Response:
    upload = service.get_upload(session, org_id=staff.organisation_id, upload_id=upload_id)
    return _mapping_page(request, staff, upload, {})


def _mapping_page(
    request: Request, staff: Staff, upload: ImportUpload, extra: dict[str, Any], status=200
) -> Response:
    context = {
        "staff": staff,
        "upload": upload,
        "editable": upload.state == UploadState.uploaded,
        "report": None,
        "error": None,
        "notice": None,
        "mapping_name": "",
        **extra,
    }
    return render(request, "staff/imports/upload_mapping.html", context, status)


@router.post("/uploads/{upload_id}", name="imports.upload_act")
def upload_act(
    request: Request,
    session: DbSession,
    staff: Coordinator,
    settings: AppSettings,
    upload_id: ObjectId,
    mapping: Annotated[str, Form(max_length=MAX_MAPPING)] = "",
    syntax: Annotated[str, Form(max_length=4)] = "toml",
    action: Annotated[str, Form(max_length=10)] = "check",
    mapping_name: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    upload = service.get_upload(session, org_id=staff.organisation_id, upload_id=upload_id)
    extra: dict[str, Any] = {"mapping_name": mapping_name}
    try:
        service.keep_mapping(upload, text=mapping, syntax=syntax)
        session.flush()
        if action == "start":
            run = service.queue_upload(
                session, org_id=staff.organisation_id, upload=upload, by_user_id=staff.user_id
            )
            return RedirectResponse(f"/staff/imports/{run.id}", status_code=303)
        if action == "save":
            with session.begin_nested():
                service.save_mapping(
                    session,
                    org_id=staff.organisation_id,
                    name=mapping_name,
                    text=mapping,
                    syntax=upload.mapping_syntax,
                )
            extra["notice"] = "saved"
        extra["report"] = _dry_run(request, session, settings, staff, upload)
    except (Invalid, Conflict) as refused:
        extra["error"] = str(refused)
        return _mapping_page(request, staff, upload, extra, 422)
    return _mapping_page(request, staff, upload, extra)


def _dry_run(request: Request, session, settings, staff: Staff, upload: ImportUpload):
    """The importer's own dry run on the stored file, opened into a private copy for the
    length of the run: reads the database, writes nothing. Its messages name the file as the
    user knows it, not by the copy's random name."""
    ring = request.app.state.keystore.current()
    with service.plain_copy(Vault(session=session, ring=ring), settings.data_dir, upload) as path:
        try:
            return import_incidents(
                request.app.state.sessionmaker,
                ring=ring,
                path=path,
                mapping=service.read_mapping(upload.mapping_text, upload.mapping_syntax),
                options=ImportOptions(
                    org_id=staff.organisation_id, dry_run=True, source_name=upload.original_name
                ),
            )
        except Invalid as refused:
            raise Invalid(str(refused).replace(path.name, upload.original_name)) from None
