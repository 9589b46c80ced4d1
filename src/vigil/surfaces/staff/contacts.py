"""Staff pages of the recipient directory: search the contacts (a plain GET form, HTMX only
refreshes the table), add or edit one, record an opt-out or opt-in, put contacts in groups,
and import a CSV file (``contact_import``).

Every reader of the organisation sees the directory; only writers (coordinators, analysts)
change it. Routes stay thin: the rules are in ``vigil.contacts``; a refused form is shown again with
what was typed and the reason. The CSV import pages are in ``contact_import``.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any
from urllib.parse import urlencode

from babel import Locale
from fastapi import APIRouter, Depends, Form, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from vigil.companies.models import Company
from vigil.contacts import groups
from vigil.contacts.roles import CONTACT_ROLES
from vigil.contacts.service import (
    KIND_LABELS,
    ContactInput,
    contact_input,
    create_contact,
    get_contact,
    kind_label,
    opt_in,
    opt_out,
    resolve_company,
    role_label,
    search_contacts,
    update_contact,
)
from vigil.contacts.service import webhook_secret as opened_webhook_secret
from vigil.core.crypto import Vault
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Invalid
from vigil.core.i18n import LOCALE_NAMES, LOCALES, N_, current_locale, gettext
from vigil.core.places import country_codes
from vigil.surfaces.gate import CurrentStaff, Staff, require_writer
from vigil.web.deps import DbSession, ObjectId, RequestVault
from vigil.web.templating import is_htmx, render

router = APIRouter(include_in_schema=False)
Writer = Annotated[Staff, Depends(require_writer)]
Line = Annotated[str, Form(max_length=300)]

NOTICES = {
    "created": N_("The contact was added."),
    "updated": N_("The contact was changed."),
    "unchanged": N_("Nothing was changed."),
    "opted_out": N_("The contact will receive no more alerts."),
    "opted_in": N_("The contact will receive alerts again."),
    "grouped": N_("The contact was added to the group."),
    "ungrouped": N_("The contact was taken out of the group."),
}
STATES = {"all": N_("All"), "active": N_("Receiving alerts"), "opted_out": N_("Opted out")}


def _notice(done: str | None) -> str | None:
    message = NOTICES.get(done or "")
    return gettext(message) if message else None


def _sort_key(pair: tuple[str, str]) -> str:
    """Åland Islands between Albania and Algeria, as a reader expects, not after Zimbabwe."""
    return unicodedata.normalize("NFKD", pair[1]).encode("ascii", "ignore").decode().casefold()


def _choices() -> dict[str, Any]:
    names = Locale.parse(current_locale.get()).territories
    countries = sorted(((c, names.get(c, c)) for c in country_codes()), key=_sort_key)
    return {
        "roles": [(code, role_label(code)) for code in CONTACT_ROLES],
        "kinds": [(code, kind_label(code)) for code in KIND_LABELS],
        "languages": [(code, LOCALE_NAMES[code]) for code in LOCALES],
        "countries": countries,
        "states": [(code, gettext(text)) for code, text in STATES.items()],
        "role_label": role_label,
        "kind_label": kind_label,
    }


# --- The list ---------------------------------------------------------------------------------


@router.get("/staff/contacts", name="contacts.list")
def contacts_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    q: Annotated[str, Query(max_length=200)] = "",
    role: Annotated[str, Query(max_length=60)] = "",
    kind: Annotated[str, Query(max_length=20)] = "",
    country: Annotated[str, Query(max_length=2)] = "",
    group: Annotated[str, Query(max_length=10)] = "",
    state: Annotated[str, Query(max_length=10)] = "all",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    group_id = int(group) if group.isdigit() else None
    opted_out = {"active": False, "opted_out": True}.get(state)
    result = search_contacts(
        session,
        org_id=staff.organisation_id,
        text=q,
        role=role or None,
        kind=kind or None,
        country=country or None,
        group_id=group_id,
        opted_out=opted_out,
        page=page,
    )
    filters = {"q": q, "role": role, "kind": kind, "country": country, "group": group}
    filters["state"] = state
    context = {
        "staff": staff,
        "result": result,
        "filters": filters,
        "query": urlencode({k: v for k, v in filters.items() if v}),
        "groups": groups.list_groups(session, org_id=staff.organisation_id),
        **_choices(),
    }
    template = "staff/contacts/table.html" if is_htmx(request) else "staff/contacts/list.html"
    return render(request, template, context)


# --- Adding and editing -----------------------------------------------------------------------


def _form_page(
    request: Request,
    session: Session,
    staff: Staff,
    vault: Vault,
    *,
    form: ContactInput,
    company: str,
    contact_id: int | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    context = {"staff": staff, "form": form, "company": company, "error": error, **_choices()}
    if contact_id is None:
        return render(request, "staff/contacts/new.html", context, status_code)
    return _contact_page(request, session, staff, vault, contact_id, context, status_code)


def _contact_page(
    request: Request,
    session: Session,
    staff: Staff,
    vault: Vault,
    contact_id: int,
    extra: dict[str, Any],
    status_code: int = 200,
) -> Response:
    org_id = staff.organisation_id
    contact = get_contact(session, org_id=org_id, contact_id=contact_id)
    member_of = groups.contact_groups(session, org_id=org_id, contact_id=contact.id)
    inside = {group.id for group in member_of}
    context = {
        "staff": staff,
        "contact": contact,
        "linked_company": session.get(Company, contact.company_id) if contact.company_id else None,
        "member_of": member_of,
        # Opened for writers only: the page never holds it for a read-only role.
        "webhook_secret": opened_webhook_secret(vault, contact) if staff.can_write else None,
        "other_groups": [
            g for g, _count in groups.list_groups(session, org_id=org_id) if g.id not in inside
        ],
        **_choices(),
        **extra,
    }
    return render(request, "staff/contacts/read.html", context, status_code)


class ContactForm:
    """The contact form's fields, shared by the "new" and "edit" routes."""

    def __init__(
        self,
        name: Annotated[str, Form(max_length=300)] = "",
        role: Annotated[str, Form(max_length=60)] = "",
        kind: Annotated[str, Form(max_length=20)] = "other",
        title: Line = "",
        organisation_name: Line = "",
        company: Line = "",
        country: Annotated[str, Form(max_length=2)] = "",
        language: Annotated[str, Form(max_length=5)] = "en",
        email: Line = "",
        webhook_url: Annotated[str, Form(max_length=2000)] = "",
        webhook_secret: Annotated[str, Form(max_length=200)] = "",
        regenerate: Annotated[str, Form(max_length=3)] = "",
        notes: Annotated[str, Form(max_length=5000)] = "",
    ) -> None:
        self.company = company
        self.data = ContactInput(
            name=name,
            role=role,
            kind=kind,
            title=title,
            organisation_name=organisation_name,
            country=country,
            language=language,
            email=email,
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            new_webhook_secret=regenerate == "yes",
            notes=notes,
        )


Submitted = Annotated[ContactForm, Depends()]


@router.get("/staff/contacts/new", name="contacts.new_form")
def new_form(request: Request, session: DbSession, staff: Writer, vault: RequestVault) -> Response:
    return _form_page(request, session, staff, vault, form=ContactInput(), company="")


@router.post("/staff/contacts/new", name="contacts.create")
def create(
    request: Request, session: DbSession, staff: Writer, vault: RequestVault, submitted: Submitted
) -> Response:
    form = submitted.data
    try:
        with session.begin_nested():  # a refused contact leaves nothing behind
            form.company_id = resolve_company(session, submitted.company)
            contact = create_contact(
                session, vault, org_id=staff.organisation_id, data=form, actor_user_id=staff.user_id
            )
    except (Invalid, Conflict) as problem:
        return _form_page(
            request,
            session,
            staff,
            vault,
            form=form,
            company=submitted.company,
            error=str(problem),
            status_code=422,
        )
    return RedirectResponse(f"/staff/contacts/{contact.id}?done=created", status_code=303)


# --- One contact ------------------------------------------------------------------------------


@router.get("/staff/contacts/{contact_id}", name="contacts.read")
def contact_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    vault: RequestVault,
    contact_id: ObjectId,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    contact = get_contact(session, org_id=staff.organisation_id, contact_id=contact_id)
    extra = {
        "form": contact_input(contact),
        "company": str(contact.company_id or ""),
        "notice": _notice(done),
    }
    return _contact_page(request, session, staff, vault, contact.id, extra)


@router.post("/staff/contacts/{contact_id}", name="contacts.update")
def update(
    request: Request,
    session: DbSession,
    staff: Writer,
    vault: RequestVault,
    contact_id: ObjectId,
    submitted: Submitted,
) -> Response:
    form = submitted.data
    get_contact(session, org_id=staff.organisation_id, contact_id=contact_id)
    try:
        with session.begin_nested():
            form.company_id = resolve_company(session, submitted.company)
            changed = update_contact(
                session,
                vault,
                org_id=staff.organisation_id,
                contact_id=contact_id,
                data=form,
                actor_user_id=staff.user_id,
            )
    except (Invalid, Conflict) as problem:
        session.expire_all()
        return _form_page(
            request,
            session,
            staff,
            vault,
            form=form,
            company=submitted.company,
            contact_id=contact_id,
            error=str(problem),
            status_code=422,
        )
    done = "updated" if changed else "unchanged"
    return RedirectResponse(f"/staff/contacts/{contact_id}?done={done}", status_code=303)


def _back(contact_id: int, done: str) -> Response:
    return RedirectResponse(f"/staff/contacts/{contact_id}?done={done}", status_code=303)


@router.post("/staff/contacts/{contact_id}/opt-out", name="contacts.opt_out")
def contact_opt_out(
    session: DbSession,
    staff: Writer,
    contact_id: ObjectId,
    reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    contact = get_contact(session, org_id=staff.organisation_id, contact_id=contact_id)
    opt_out(session, contact=contact, reason=reason, now=utcnow(), actor_user_id=staff.user_id)
    return _back(contact.id, "opted_out")


@router.post("/staff/contacts/{contact_id}/opt-in", name="contacts.opt_in")
def contact_opt_in(session: DbSession, staff: Writer, contact_id: ObjectId) -> Response:
    contact = get_contact(session, org_id=staff.organisation_id, contact_id=contact_id)
    opt_in(session, contact=contact, now=utcnow(), actor_user_id=staff.user_id)
    return _back(contact.id, "opted_in")


@router.post("/staff/contacts/{contact_id}/groups", name="contacts.group_add")
def contact_group_add(
    session: DbSession,
    staff: Writer,
    contact_id: ObjectId,
    group_id: Annotated[str, Form(max_length=10)],
) -> Response:
    if not group_id.isdigit():
        raise Invalid(gettext("Choose a group."))
    groups.add_member(
        session,
        org_id=staff.organisation_id,
        group_id=int(group_id),
        contact_id=contact_id,
        actor_user_id=staff.user_id,
    )
    return _back(contact_id, "grouped")


@router.post("/staff/contacts/{contact_id}/groups/{group_id}/remove", name="contacts.group_remove")
def contact_group_remove(
    session: DbSession, staff: Writer, contact_id: ObjectId, group_id: ObjectId
) -> Response:
    groups.remove_member(
        session,
        org_id=staff.organisation_id,
        group_id=group_id,
        contact_id=contact_id,
        actor_user_id=staff.user_id,
    )
    return _back(contact_id, "ungrouped")
