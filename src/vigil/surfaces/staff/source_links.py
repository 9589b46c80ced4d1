"""Staff review queue "Same incident, other sources": pairs of incidents that
``vigil incidents link-sources`` proposed as one event, with why.

Every staff member of the organisation reads the queue (titles, dates, places and the
explanation: no names). Opening one proposal shows the two victims' names, audited
(``imports.linking.review``). Analysts and coordinators confirm (merge into one incident with
both sources) or reject with POST forms carrying the CSRF token; no JavaScript is needed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from vigil.core.i18n import N_, current_locale, gettext
from vigil.imports.linking.merging import confirm_link, reject_link
from vigil.imports.linking.models import LinkState
from vigil.imports.linking.review import explanation_of, list_links, review_pair
from vigil.incidents.labels import label
from vigil.surfaces.gate import CurrentStaff, Staff, require_writer
from vigil.vocabularies.service import list_terms
from vigil.web.deps import DbSession, ObjectId, RequestVault
from vigil.web.templating import render

router = APIRouter(prefix="/staff/source-links", include_in_schema=False)

Writer = Annotated[Staff, Depends(require_writer)]

STATE_LABELS = {
    LinkState.proposed: N_("To review"),
    LinkState.confirmed: N_("Merged"),
    LinkState.rejected: N_("Not the same"),
}
NOTICES = {
    "confirmed": N_("Merged: the incident kept now has both sources."),
    "rejected": N_("Noted: this pair will not be proposed again."),
}
PART_LABELS = {
    "same": N_("same"),
    "different": N_("different"),
    "unknown": N_("not known for both"),
}


def state_label(state: str) -> str:
    message = STATE_LABELS.get(state)  # type: ignore[call-overload]
    return gettext(message) if message else state


def part_label(value: str) -> str:
    message = PART_LABELS.get(value)  # type: ignore[call-overload]
    return gettext(message) if message else value


def attack_labels(session: Session) -> dict[str, str]:
    """Attack type code → its label in the reader's language (sources keep codes)."""
    locale = current_locale.get()
    return {t.code: t.label(locale) for t in list_terms(session, vocabulary="attack_type")}


@router.get("", name="incidents.source_links")
def queue_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    state: Annotated[str, Query(max_length=20)] = LinkState.proposed,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    result = list_links(session, org_id=staff.organisation_id, state=state, page=page)
    notice = NOTICES.get(done)
    context = {
        "staff": staff,
        "result": result,
        "state": state if state in LinkState.__members__ else LinkState.proposed,
        "states": [(s.value, state_label(s)) for s in LinkState],
        "state_label": state_label,
        "part_label": part_label,
        "explain": explanation_of,
        "attacks": attack_labels(session),
        "notice": gettext(notice) if notice else None,
    }
    return render(request, "staff/source_links/list.html", context)


@router.get("/{link_id}", name="incidents.source_link")
def review_page(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: CurrentStaff,
    link_id: ObjectId,
) -> Response:
    review = review_pair(session, vault=vault, actor=staff.actor, link_id=link_id)
    context = {
        "staff": staff,
        "review": review,
        "link": review.link,
        "state_label": state_label,
        "part_label": part_label,
        "attacks": attack_labels(session),
        "label": label,
    }
    return render(request, "staff/source_links/review.html", context)


@router.post("/{link_id}/confirm", name="incidents.source_link_confirm")
def confirm(
    session: DbSession,
    vault: RequestVault,
    staff: Writer,
    link_id: ObjectId,
    keep_id: Annotated[int, Form(ge=1, le=2_147_483_647)],
) -> Response:
    confirm_link(session, vault=vault, actor=staff.actor, link_id=link_id, keep_id=keep_id)
    return RedirectResponse("/staff/source-links?done=confirmed", status_code=303)


@router.post("/{link_id}/reject", name="incidents.source_link_reject")
def reject(session: DbSession, staff: Writer, link_id: ObjectId) -> Response:
    reject_link(session, actor=staff.actor, link_id=link_id)
    return RedirectResponse("/staff/source-links?done=rejected", status_code=303)
