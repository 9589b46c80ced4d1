"""Public pages of collective statements (``/statements``) and dialogue spaces
(``/dialogues``). They read ``statements.register`` only: published statements with the
organisation names that signed and the dates, and published dialogue reports; never a draft,
a signer's name or a contact."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from vigil.statements.register import (
    public_space,
    public_spaces,
    published_statement,
    published_statements,
)
from vigil.surfaces.public.sharing import share_for
from vigil.web.deps import DbSession
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
Slug = Annotated[str, Path(max_length=80, pattern=r"^[a-z0-9-]+$")]


@router.get("/statements", name="public.statements")
def statements_page(request: Request, session: DbSession) -> Response:
    context = {"statements": published_statements(session)}
    return render(request, "public/statements_list.html", context)


@router.get("/statements/{slug}", name="public.statement")
def statement_page(request: Request, session: DbSession, slug: Slug) -> Response:
    statement = published_statement(session, slug=slug)
    share = share_for(
        request, title=statement.title, description=statement.body, path=f"/statements/{slug}"
    )
    return render(request, "public/statement.html", {"statement": statement, "share": share})


@router.get("/dialogues", name="public.dialogues")
def dialogues_page(request: Request, session: DbSession) -> Response:
    return render(request, "public/dialogues_list.html", {"spaces": public_spaces(session)})


@router.get("/dialogues/{slug}", name="public.dialogue")
def dialogue_page(request: Request, session: DbSession, slug: Slug) -> Response:
    return render(request, "public/dialogue.html", {"space": public_space(session, slug=slug)})
