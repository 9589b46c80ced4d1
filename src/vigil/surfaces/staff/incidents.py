"""Staff pages for incidents: list (HTMX-filterable, plain links without JS) and case view."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from vigil.access import CaseView
from vigil.accounts.models import Membership, User
from vigil.core.db import utcnow
from vigil.core.errors import Invalid
from vigil.core.i18n import current_locale, gettext
from vigil.defenders.models import Defender
from vigil.imports.linking.disagreements import has_own_accounts, source_disagreements
from vigil.incidents.editing import (
    SOURCE_KINDS,
    add_act,
    add_source,
    edit_incident,
    incident_history,
    remove_act,
)
from vigil.incidents.labels import label
from vigil.incidents.models import DatePrecision, IncidentStatus
from vigil.incidents.public_summary import reveal_public_summary
from vigil.incidents.service import case_for_reading, list_incidents, reveal_incident
from vigil.intake.conversations import source_reports, unread_count
from vigil.surfaces.gate import CurrentStaff, Staff, require_writer
from vigil.surfaces.staff.register_state import register_state
from vigil.vocabularies.service import list_terms
from vigil.web.deps import DbSession, ObjectId, RequestVault
from vigil.web.templating import is_htmx, render

router = APIRouter(prefix="/staff/incidents", include_in_schema=False)
Writer = Annotated[Staff, Depends(require_writer)]


@router.get("", name="incidents.list")
def incidents_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    status: str | None = None,
    attack_type: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    status, attack_type = status or None, attack_type or None
    result = list_incidents(
        session,
        org_id=staff.organisation_id,
        status=status,
        attack_type=attack_type,
        page=page,
    )
    template = "staff/incidents/_table.html" if is_htmx(request) else "staff/incidents/list.html"
    return render(
        request,
        template,
        {
            "staff": staff,
            "result": result,
            "status": status,
            "statuses": list(IncidentStatus),
            "attack_type": attack_type,
            "attack_types": list_terms(session, vocabulary="attack_type"),
            "label": label,
        },
    )


@router.get("/{incident_id}", name="incidents.read")
def incident_page(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: CurrentStaff,
    incident_id: ObjectId,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    return _incident_page(request, session, vault, staff, incident_id, done=done)


def _incident_page(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: Staff,
    incident_id: int,
    *,
    done: str | None = None,
    error: str | None = None,
    status_code: int = 200,
    public_summary_draft: str | None = None,
) -> Response:
    """The incident with its edit forms (for writers) and its history of edits."""
    incident = case_for_reading(
        session, actor=staff.actor, incident_id=incident_id, view=CaseView.summary
    )
    context = {
        "staff": staff,
        "incident": incident,
        "revealed": reveal_incident(vault, incident),
        "label": label,
        "reports": source_reports(session, org_id=staff.organisation_id, incident_id=incident.id),
        "unread_count": unread_count,
        "history": incident_history(session, vault=vault, incident=incident),
        "people": dict(
            session.execute(
                select(User.id, User.display_name)
                .join(Membership, Membership.user_id == User.id)
                .where(Membership.organisation_id == staff.organisation_id)
            ).all()
        ),
        "done": done,
        "error": error,
        "public_summary": reveal_public_summary(vault, incident),
        "register": register_state(
            session,
            vault=vault,
            settings=request.app.state.settings,
            incident=incident,
            now=utcnow(),
        ),
        "public_summary_draft": public_summary_draft,
        # Each source's own date, region and type of attack, and where they disagree
        # (incidents merged from several sources: imports.linking).
        "source_accounts": has_own_accounts(incident),
        "source_disagreements": source_disagreements(incident),
        "source_attacks": {
            t.code: t.label(current_locale.get())
            for t in list_terms(session, vocabulary="attack_type")
        }
        if has_own_accounts(incident)
        else {},
    }
    if staff.can_write:
        context.update(
            precisions=list(DatePrecision),
            attack_types=list_terms(session, vocabulary="attack_type"),
            defenders=session.scalars(
                select(Defender)
                .where(
                    Defender.organisation_id == staff.organisation_id,
                    Defender.forgotten_at.is_(None),
                )
                .order_by(Defender.alias)
                .limit(500)
            ).all(),
            source_kinds=SOURCE_KINDS,
        )
    return render(request, "staff/incidents/read.html", context, status_code)


def _edited(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: Staff,
    incident_id: int,
    change: Callable[[], object],
) -> Response:
    """Apply one edit; a refusal shows the incident page with the reason (nothing saved)."""
    try:
        with session.begin_nested():
            change()
    except Invalid as invalid:
        return _incident_page(
            request,
            session,
            vault,
            staff,
            incident_id,
            error=gettext(str(invalid)),
            status_code=422,
        )
    return RedirectResponse(f"/staff/incidents/{incident_id}?done=edited#history", status_code=303)


@router.post("/{incident_id}/edit", name="incidents.edit")
def edit(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: Writer,
    incident_id: ObjectId,
    title: Annotated[str, Form(max_length=300)] = "",
    occurred_on: Annotated[date | None, Form()] = None,
    date_precision: Annotated[str, Form(max_length=8)] = "day",
) -> Response:
    return _edited(
        request,
        session,
        vault,
        staff,
        incident_id,
        lambda: edit_incident(
            session,
            vault=vault,
            org_id=staff.organisation_id,
            incident_id=incident_id,
            title=title,
            occurred_on=occurred_on,
            date_precision=date_precision,
            actor_user_id=staff.user_id,
        ),
    )


@router.post("/{incident_id}/acts", name="incidents.act_add")
def act_add(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: Writer,
    incident_id: ObjectId,
    attack_type: Annotated[str, Form(max_length=64)],
    victim: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    return _edited(
        request,
        session,
        vault,
        staff,
        incident_id,
        lambda: add_act(
            session,
            vault=vault,
            org_id=staff.organisation_id,
            incident_id=incident_id,
            attack_type=attack_type,
            victim_id=int(victim) if victim.isdigit() else None,
            actor_user_id=staff.user_id,
        ),
    )


@router.post("/{incident_id}/acts/{act_id}/remove", name="incidents.act_remove")
def act_remove(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: Writer,
    incident_id: ObjectId,
    act_id: ObjectId,
) -> Response:
    return _edited(
        request,
        session,
        vault,
        staff,
        incident_id,
        lambda: remove_act(
            session,
            vault=vault,
            org_id=staff.organisation_id,
            incident_id=incident_id,
            act_id=act_id,
            actor_user_id=staff.user_id,
        ),
    )


@router.post("/{incident_id}/sources", name="incidents.source_add")
def source_add(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: Writer,
    incident_id: ObjectId,
    kind: Annotated[str, Form(max_length=30)],
    reliability: Annotated[str, Form(max_length=10)] = "medium",
    url: Annotated[str, Form(max_length=2000)] = "",
    description: Annotated[str, Form(max_length=5000)] = "",
    received_on: Annotated[date | None, Form()] = None,
) -> Response:
    return _edited(
        request,
        session,
        vault,
        staff,
        incident_id,
        lambda: add_source(
            session,
            vault=vault,
            org_id=staff.organisation_id,
            incident_id=incident_id,
            kind=kind,
            reliability=reliability,
            url=url,
            description=description,
            received_on=received_on,
            actor_user_id=staff.user_id,
        ),
    )
