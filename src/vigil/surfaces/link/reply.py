"""The right-of-reply link ``/l/{token}`` (purpose ``reply``; dispatched here by
``surfaces.link.pages``): the question, the de-identified facts of the case and a form for the
company's answer, in the contact's language, with no script.

What was typed is never lost: an error returns the form with the text, name and title as
they were. A request already answered shows so (a follow-up question comes with a new link).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from vigil.core.errors import Conflict, Invalid
from vigil.core.i18n import gettext as _
from vigil.responses.replies import MAX_ANSWER, MAX_NAME, Reply, record_reply, reply_facts
from vigil.web.deps import get_vault

#: ``pages._page``: (request, session, link, template, context, status) -> Response.
Page = Callable[..., Response]


def _context(visit: Any, reply: Reply, **more: Any) -> dict[str, Any]:
    vault = get_vault(visit.request, visit.session)
    return {
        "facts": reply_facts(visit.session, vault, visit.link),
        "reply": reply,
        "max_length": MAX_ANSWER,
        "max_name": MAX_NAME,
        **more,
    }


def show(visit: Any, page: Page) -> Response:
    context = _context(visit, Reply(text=""))
    return page(visit.request, visit.session, visit.link, "reply.html", context)


def act(visit: Any, message: str, name: str, title: str, page: Page) -> Response:
    """Take the answer, or return the form as typed with what went wrong."""
    vault = get_vault(visit.request, visit.session)
    reply = Reply(text=message, name=name, title=title)
    try:
        record_reply(visit.session, vault, link=visit.link, reply=reply, now=visit.now)
    except Conflict:
        context = _context(visit, reply)
        return page(visit.request, visit.session, visit.link, "reply.html", context, 409)
    except Invalid:
        error = (
            _("Please write your response.")
            if not message.strip()
            else _(
                "Please keep your response under %(n)s characters, and your name and title "
                "under %(m)s."
            )
            % {"n": MAX_ANSWER, "m": MAX_NAME}
        )
        context = _context(visit, reply, error=error)
        return page(visit.request, visit.session, visit.link, "reply.html", context, 422)
    message_done = _("Thank you: your response was received by the team.")
    return page(visit.request, visit.session, visit.link, "done.html", {"message": message_done})
