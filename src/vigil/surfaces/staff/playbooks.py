"""Staff pages for playbooks. Everyone on staff may read them (an analyst follows them, an
auditor checks them); only coordinators change them, by editing the YAML, uploading a file or
installing the bundled defaults. A refused text comes back above the form, as submitted.

A version is shown the way an analyst needs it at 3 a.m.: tiers and recipients in words, the
escalation chain as a numbered timeline, the guidance, and each message previewed with sample
data next to its template.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.responses import Response

from vigil.access import may_edit_playbooks
from vigil.alerts.models import Alert
from vigil.contacts.roles import CONTACT_ROLES
from vigil.core.errors import Conflict, Forbidden, Invalid
from vigil.core.i18n import N_, current_locale, gettext
from vigil.playbooks.models import Playbook
from vigil.playbooks.parsing import PlaybookInvalid
from vigil.playbooks.schema import MAX_YAML_CHARS, SAMPLE_CONTEXT, TEMPLATE_ENV, TEMPLATE_VARIABLES
from vigil.playbooks.service import (
    get_playbook,
    get_version,
    history,
    import_playbook,
    install_default_playbooks,
    list_playbooks,
)
from vigil.surfaces.gate import CurrentStaff, Staff
from vigil.vocabularies.service import list_terms
from vigil.web.deps import DbSession, ObjectId
from vigil.web.templating import country_name, render

router = APIRouter(prefix="/staff/playbooks", include_in_schema=False)
#: A playbook code in a URL (the schema allows [a-z0-9_], at most 60 characters).
Code = Annotated[str, PathParam(max_length=60, pattern=r"^[a-z0-9_]+$")]

#: "of: X" in words ("Site security lead of the operator").
OF_WORDS = {
    "operator": N_("the operator"),
    "involved": N_("the companies named in the incident"),
    "company": N_("the companies mapped"),
    "parent": N_("the parent company"),
    "joint_venture": N_("joint-venture partners"),
    "buyer": N_("buyers"),
    "investor": N_("investors"),
    "lender": N_("lenders"),
    "security_provider": N_("security providers"),
    "msi": N_("multi-stakeholder initiatives"),
    "embassy": N_("home-state embassies"),
    "protection": N_("host-state protection bodies"),
    "any": N_("anyone in the leverage map"),
}
URGENCY = {
    0: N_("Imminent"),
    1: N_("Urgent"),
    2: N_("Serious"),
    3: N_("Routine"),
}
DONE = {
    "saved": N_("Saved as a new version."),
    "unchanged": N_("Nothing changed: the text is the same as the current version."),
    "imported": N_("Imported."),
}


def require_coordinator(staff: CurrentStaff) -> Staff:
    if not may_edit_playbooks(staff.actor):
        raise Forbidden(gettext("Only coordinators can change playbooks."))
    return staff


Coordinator = Annotated[Staff, Depends(require_coordinator)]


def urgency_label(value: int) -> str:
    return gettext(URGENCY[value]) if value in URGENCY else str(value)


def localised(text: Mapping[str, str] | None) -> str:
    if not text:
        return ""
    return text.get(current_locale.get()) or text.get("en") or ""


def paragraphs(text: str) -> list[list[str]]:
    """Blank-line separated paragraphs, each a list of lines (rendered with <br>)."""
    blocks = [block.strip("\n") for block in text.strip().split("\n\n")]
    return [block.splitlines() for block in blocks if block.strip()]


def describe_selector(selector: Mapping[str, Any]) -> str:
    role, of, group = selector.get("role"), selector.get("of"), selector.get("group")
    role_words = gettext(CONTACT_ROLES[role]) if role in CONTACT_ROLES else None
    if group:
        base = gettext("Members of the group “%(group)s”") % {"group": group}
        if role_words:
            base = gettext("%(role)s in the group “%(group)s”") % {
                "role": role_words,
                "group": group,
            }
    elif of:
        of_words = gettext(OF_WORDS.get(of, of))
        base = (
            gettext("%(role)s of %(of)s") % {"role": role_words, "of": of_words}
            if role_words
            else gettext("Any contact of %(of)s") % {"of": of_words}
        )
    else:
        base = gettext("%(role)s (anyone in the directory with this role)") % {
            "role": role_words or role
        }
    qualifiers = []
    if selector.get("max_tier") is not None:
        qualifiers.append(
            gettext("supply-chain tier %(tier)s or closer") % {"tier": selector["max_tier"]}
        )
    if selector.get("min_percentage") is not None:
        qualifiers.append(
            gettext("holding at least %(percent)s %%") % {"percent": selector["min_percentage"]}
        )
    country = selector.get("country")
    if country == "incident":
        qualifiers.append(gettext("in the incident's country"))
    elif country:
        qualifiers.append(gettext("in %(country)s") % {"country": country_name(country)})
    return ", ".join([base, *qualifiers])


def describe_chain(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each step in words, with the time since launch when the step runs (first pass)."""
    labels = {n: localised(t.get("label")) for n, t in enumerate(document["tiers"], start=1)}
    elapsed = 0.0
    steps = []
    for index, step in enumerate(document["chain"]):
        if "notify" in step:
            tier = step["notify"]
            text = gettext("Notify tier %(tier)s: %(label)s") % {
                "tier": tier,
                "label": labels.get(tier, ""),
            }
        elif "wait_hours" in step:
            text = gettext("Wait %(hours)s hours") % {"hours": step["wait_hours"]}
        elif "remind" in step:
            text = gettext(
                "Remind the recipients of tier %(tier)s who have neither acknowledged nor answered"
            ) % {"tier": step["remind"]}
        elif "escalate_if_no_response" in step:
            spec = step["escalate_if_no_response"]
            text = gettext(
                "If nobody in tier %(from)s has responded substantively, notify tier %(to)s: "
                "%(label)s"
            ) % {"from": spec["from"], "to": spec["to"], "label": labels.get(spec["to"], "")}
        elif "escalate_if_unacknowledged" in step:
            spec = step["escalate_if_unacknowledged"]
            text = gettext(
                "If tier %(from)s has not acknowledged, notify tier %(to)s: %(label)s"
            ) % {"from": spec["from"], "to": spec["to"], "label": labels.get(spec["to"], "")}
        else:
            spec = step["repeat"]
            text = gettext("Go back to step %(step)s (%(times)s times in all)") % {
                "step": spec["from_step"] + 1,
                "times": spec["times"],
            }
        steps.append({"number": index + 1, "text": text, "at_hours": _hours(elapsed)})
        elapsed += float(step.get("wait_hours", 0))
    return steps


def _hours(value: float) -> int | float:
    return int(value) if value.is_integer() else round(value, 1)


def _preview(source: str) -> str:
    try:
        return TEMPLATE_ENV.from_string(source).render(SAMPLE_CONTEXT)
    except Exception:
        return source


def attack_type_names(session: Session) -> dict[str, str]:
    """Attack type code → its name in the reader's language (a playbook stores codes)."""
    locale = current_locale.get()
    return {term.code: term.label(locale) for term in list_terms(session, vocabulary="attack_type")}


def version_context(session: Session, playbook: Playbook) -> dict[str, Any]:
    document = playbook.document
    tiers = [
        {
            "number": number,
            "label": localised(tier["label"]),
            "deadline_hours": tier["deadline_hours"],
            "channels": tier.get("channels", ["email", "webhook"]),
            "recipients": [describe_selector(s) for s in tier["recipients"]],
        }
        for number, tier in enumerate(document["tiers"], start=1)
    ]
    messages = [
        {
            "language": language,
            "subject": _preview(message["subject"]),
            "body": paragraphs(_preview(message["body"])),
            "subject_source": message["subject"],
            "body_source": message["body"],
        }
        for language, message in document["messages"].items()
    ]
    used_by = session.scalar(
        select(func.count(Alert.id)).where(
            Alert.playbook_id == playbook.id, Alert.organisation_id == playbook.organisation_id
        )
    )
    return {
        "playbook": playbook,
        "title": localised(document["title"]),
        "guidance": paragraphs(localised(document["guidance"])),
        "tiers": tiers,
        "chain": describe_chain(document),
        "messages": messages,
        "used_by": used_by or 0,
        "urgency": urgency_label(document["urgency"]),
    }


@router.get("", name="playbooks.list")
def playbooks_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    playbooks = [
        {"playbook": p, "title": localised(p.document.get("title"))}
        for p in list_playbooks(session, org_id=staff.organisation_id)
    ]
    notice = gettext(DONE[done]) if done in DONE else None
    return render(
        request,
        "staff/playbooks/list.html",
        {
            "staff": staff,
            "playbooks": playbooks,
            "notice": notice,
            "urgency_label": urgency_label,
            "attack_type_names": attack_type_names(session),
        },
    )


@router.post("/install-defaults", name="playbooks.install_defaults")
def install_defaults(session: DbSession, staff: Coordinator) -> Response:
    install_default_playbooks(session, org_id=staff.organisation_id, actor_user_id=staff.user_id)
    return RedirectResponse("/staff/playbooks?done=imported", status_code=303)


def _import_page(
    request: Request, staff: Staff, problems: list[str] | None = None, status: int = 200
) -> Response:
    return render(
        request,
        "staff/playbooks/import.html",
        {"staff": staff, "problems": problems or [], "max_chars": MAX_YAML_CHARS},
        status,
    )


@router.get("/import", name="playbooks.import_form")
def import_form(request: Request, staff: Coordinator) -> Response:
    return _import_page(request, staff)


async def uploaded_text(request: Request) -> str:
    """The uploaded file as text (read in the event loop; at most MAX_YAML_CHARS bytes + 1)."""
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not (upload.filename or upload.size):
        raise Invalid(gettext("Choose a YAML file to upload."))
    raw = await upload.read(MAX_YAML_CHARS * 4 + 1)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(gettext("The file is not UTF-8 text.")) from None


@router.post("/import", name="playbooks.import")
def import_upload(
    request: Request,
    session: DbSession,
    staff: Coordinator,
    text: Annotated[str, Depends(uploaded_text)],
) -> Response:
    try:
        with session.begin_nested():
            playbook = import_playbook(
                session, org_id=staff.organisation_id, yaml_text=text, actor_user_id=staff.user_id
            )
    except (Invalid, Conflict) as problem:
        problems = problem.problems if isinstance(problem, PlaybookInvalid) else [str(problem)]
        return _import_page(request, staff, problems, 422)
    return RedirectResponse(f"/staff/playbooks/{playbook.id}?done=imported", status_code=303)


@router.get("/{playbook_id}", name="playbooks.read")
def version_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    playbook_id: ObjectId,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    playbook = get_version(session, playbook_id=playbook_id, org_id=staff.organisation_id)
    context = version_context(session, playbook)
    context.update(staff=staff, notice=gettext(DONE[done]) if done in DONE else None)
    context["attack_type_names"] = attack_type_names(session)
    return render(request, "staff/playbooks/read.html", context)


@router.get("/{playbook_id}/yaml", name="playbooks.yaml")
def download_yaml(session: DbSession, staff: CurrentStaff, playbook_id: ObjectId) -> Response:
    playbook = get_version(session, playbook_id=playbook_id, org_id=staff.organisation_id)
    filename = f"{playbook.code}-v{playbook.version}.yaml"
    return Response(
        playbook.source_yaml,
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/{code}/history", name="playbooks.history")
def history_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    code: Code,
) -> Response:
    versions = history(session, org_id=staff.organisation_id, code=code)
    return render(
        request,
        "staff/playbooks/history.html",
        {"staff": staff, "code": versions[0].code, "versions": versions},
    )


def _edit_page(
    request: Request,
    staff: Staff,
    playbook: Playbook,
    *,
    text: str,
    problems: list[str] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "staff/playbooks/edit.html",
        {
            "staff": staff,
            "playbook": playbook,
            "text": text,
            "problems": problems or [],
            "variables": TEMPLATE_VARIABLES,
            "max_chars": MAX_YAML_CHARS,
        },
        status,
    )


@router.get("/{code}/edit", name="playbooks.edit_form")
def edit_form(request: Request, session: DbSession, staff: Coordinator, code: Code) -> Response:
    playbook = get_playbook(session, org_id=staff.organisation_id, code=code)
    return _edit_page(request, staff, playbook, text=playbook.source_yaml)


@router.post("/{code}/edit", name="playbooks.edit")
def edit(
    request: Request,
    session: DbSession,
    staff: Coordinator,
    code: Code,
    yaml_text: Annotated[str, Form(max_length=MAX_YAML_CHARS + 1)] = "",
) -> Response:
    current = get_playbook(session, org_id=staff.organisation_id, code=code)
    previous_id = current.id
    try:
        with session.begin_nested():
            saved = import_playbook(
                session,
                org_id=staff.organisation_id,
                yaml_text=yaml_text,
                actor_user_id=staff.user_id,
                expected_code=current.code,
            )
    except PlaybookInvalid as problem:
        return _edit_page(
            request, staff, current, text=yaml_text, problems=problem.problems, status=422
        )
    except (Invalid, Conflict) as problem:
        return _edit_page(
            request, staff, current, text=yaml_text, problems=[str(problem)], status=422
        )
    done = "unchanged" if saved.id == previous_id else "saved"
    return RedirectResponse(f"/staff/playbooks/{saved.id}?done={done}", status_code=303)
