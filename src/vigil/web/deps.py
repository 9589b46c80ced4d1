"""Dependencies shared by every surface."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session, sessionmaker

from vigil.core.config import Settings
from vigil.core.crypto import Vault
from vigil.core.db import read_only_scope, session_scope


def get_session(request: Request) -> Iterator[Session]:
    """Request-scoped session inside one transaction, committed before the response is sent
    (declare with ``Depends(get_session, scope="function")``, as :data:`DbSession` does)."""
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    with session_scope(factory) as session:
        yield session


def get_read_only_session(request: Request) -> Iterator[Session]:
    """Request-scoped ``read_only_scope`` for pages that never write."""
    with read_only_scope(request.app.state.sessionmaker) as session:
        yield session


#: One transaction per request, committed before the response is sent.
DbSession = Annotated[Session, Depends(get_session, scope="function")]
#: For pages that never write: on SQLite it neither waits for nor holds the write lock.
ReadOnlyDbSession = Annotated[Session, Depends(get_read_only_session, scope="function")]


def get_settings_from_app(request: Request) -> Settings:
    return request.app.state.settings


AppSettings = Annotated[Settings, Depends(get_settings_from_app)]


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site relative paths may be redirect targets (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


#: Primary keys are 32-bit integers on PostgreSQL; larger values are simply "not found".
ObjectId = Annotated[int, Path(ge=1, le=2_147_483_647)]


def get_vault(request: Request, session: DbSession) -> Vault:
    """Seals and opens sensitive fields for this request (data keys cached per request)."""
    return Vault(session=session, ring=request.app.state.keystore.current())


RequestVault = Annotated[Vault, Depends(get_vault)]
