"""Defender records. Names are sensitive: callers must never log them or put them in audit
details; publication rules (consent) arrive with the casework issue."""

from __future__ import annotations

from sqlalchemy.orm import Session

from vigil.core.errors import Invalid
from vigil.defenders.models import Defender, DefenderKind
from vigil.vocabularies.service import get_term


def record_defender(
    session: Session,
    *,
    org_id: int,
    alias: str,
    kind: str = DefenderKind.person,
    name: str | None = None,
    gender: str | None = None,
    type_codes: list[str] | None = None,
) -> Defender:
    if kind not in DefenderKind.__members__:
        raise Invalid(f"Unknown defender kind {kind!r}.")
    if not alias.strip():
        raise Invalid("A defender needs a public alias (never their name).")
    defender = Defender(
        organisation_id=org_id,
        kind=kind,
        name=name,
        alias=alias.strip(),
        gender=gender,
        types=[get_term(session, vocabulary="defender_type", code=c) for c in type_codes or []],
    )
    session.add(defender)
    session.flush()
    return defender
