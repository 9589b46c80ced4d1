"""Tenancy: an object belongs to exactly one organisation, and nobody outside it learns that
it exists. A wrong organisation raises the same ``NotFound`` as a missing id (no existence
oracle), with the caller's own message so every page keeps its wording."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session

from vigil.core.errors import NotFound


class OrgOwned(Protocol):
    @property
    def organisation_id(self) -> int: ...


Row = TypeVar("Row", bound=OrgOwned)


def in_org(row: OrgOwned | None, org_id: int) -> bool:
    return row is not None and row.organisation_id == org_id


def check_same_org(row: Row | None, *, org_id: int, missing: str, **within: object) -> Row:
    """``row`` if it exists and belongs to ``org_id``, else ``NotFound(missing)``.

    ``within`` names further attributes the row must have, for an object reached through its
    parent's URL (``incident_id=…``): a task of another case of the same organisation is just
    as missing as a task of another organisation.
    """
    if row is None or row.organisation_id != org_id:
        raise NotFound(missing)
    if any(getattr(row, name) != value for name, value in within.items()):
        raise NotFound(missing)
    return row


def load_in_org(
    session: Session,
    model: type[Row],
    object_id: int,
    *,
    org_id: int,
    missing: str,
    options: Sequence[Any] = (),
    **within: object,
) -> Row:
    """Load one object by id and :func:`check_same_org` it."""
    row = session.get(model, object_id, options=options)
    return check_same_org(row, org_id=org_id, missing=missing, **within)
