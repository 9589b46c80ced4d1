"""``/staff/now``, "Needs me now": the landing page after sign-in, and the count of open
items in the navigation of every staff page.

Each item is acknowledged with a plain form (works without JavaScript); who acknowledged it
and when stay on the page for a day, so the team sees who took what.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from vigil.core.db import utcnow
from vigil.core.i18n import gettext as _
from vigil.inbox.models import InboxItem
from vigil.inbox.service import (
    acknowledge_item,
    count_open_items,
    kind_label,
    list_open_items,
    list_recently_acknowledged,
)
from vigil.surfaces.gate import CurrentStaff, Staff, require_writer
from vigil.web.deps import DbSession, ObjectId
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
Writer = Annotated[Staff, Depends(require_writer)]


def inbox_badge(request: Request, session: DbSession, staff: CurrentStaff) -> None:
    """Router dependency of the gated staff pages: ``staff/base.html`` calls
    ``request.state.inbox_count()`` for the navigation's badge. Lazy, so only a page that
    renders the navigation pays for its one COUNT (redirects and fragments do not)."""
    counted: list[int] = []

    def count() -> int:
        if not counted:
            counted.append(count_open_items(session, org_id=staff.organisation_id))
        return counted[0]

    request.state.inbox_count = count


def what_it_is(item: InboxItem) -> str:
    """The object an item points at, by number only (never a name or a word of content)."""
    names: dict[str, Callable[[int], str]] = {
        "report": lambda n: _("Report %(id)s") % {"id": n},
        "incident": lambda n: _("Case #%(id)s") % {"id": n},
        "alert": lambda n: _("Alert #%(id)s") % {"id": n},
    }
    name = names.get(item.object_type)
    return name(item.object_id) if name else f"{item.object_type} #{item.object_id}"


@router.get("/staff/now", name="inbox.now")
def needs_me_now(
    request: Request, session: DbSession, staff: CurrentStaff, done: str = ""
) -> Response:
    org_id = staff.organisation_id
    return render(
        request,
        "staff/inbox/now.html",
        {
            "staff": staff,
            "items": list_open_items(session, org_id=org_id),
            "recent": list_recently_acknowledged(session, org_id=org_id, now=utcnow()),
            "kind_label": kind_label,
            "what_it_is": what_it_is,
            "done": done == "acknowledged",
        },
    )


@router.post("/staff/now/{item_id}/acknowledge", name="inbox.acknowledge")
def acknowledge(session: DbSession, staff: Writer, item_id: ObjectId) -> Response:
    """Another organisation's item is "not found" (404), like a missing one."""
    acknowledge_item(
        session,
        org_id=staff.organisation_id,
        item_id=item_id,
        user_id=staff.user_id,
        now=utcnow(),
    )
    return RedirectResponse(f"/staff/now?done=acknowledged#item-{item_id}", status_code=303)
