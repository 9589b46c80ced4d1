"""The claimant's group, as the company registry knows it: the companies joined to the
claimant by ownership or parent–subsidiary edges, in either direction, through any number of
steps up to ``MAX_STEPS`` (a parent's other subsidiaries are "associated parties" in the
Directive's sense). Edges that ended before today are ignored; a record merged into another
counts as that other one."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vigil.companies.models import Company, CompanyRelationship, RelationshipKind

GROUP_KINDS = (RelationshipKind.ownership, RelationshipKind.parent_subsidiary)
#: Deep enough for a holding → regional holding → local subsidiary chain and its siblings.
MAX_STEPS = 4


def _surviving(session: Session, company_id: int) -> int:
    seen: set[int] = set()
    while company_id not in seen:
        seen.add(company_id)
        row = session.get(Company, company_id)
        if row is None or row.merged_into_id is None:
            return company_id
        company_id = row.merged_into_id
    return company_id


def _neighbours(session: Session, ids: set[int], today: date) -> set[int]:
    rel = CompanyRelationship
    query = select(rel.from_company_id, rel.to_company_id).where(
        rel.kind.in_([k.value for k in GROUP_KINDS]),
        rel.from_company_id.is_not(None),
        rel.to_company_id.is_not(None),
        or_(rel.from_company_id.in_(ids), rel.to_company_id.in_(ids)),
        or_(rel.end_date.is_(None), rel.end_date >= today),
    )
    found: set[int] = set()
    for source, target in session.execute(query):
        found.update((source, target))
    return found


def company_group(session: Session, *, company_ids: Iterable[int], today: date) -> set[int]:
    """Every company of the group of ``company_ids`` (themselves included)."""
    group = {_surviving(session, c) for c in company_ids if c is not None}
    frontier = set(group)
    for _step in range(MAX_STEPS):
        if not frontier:
            break
        reached = {_surviving(session, c) for c in _neighbours(session, frontier, today)}
        frontier = reached - group
        group |= frontier
    merged = select(Company.id).where(Company.merged_into_id.in_(group)) if group else None
    if merged is not None:
        group |= set(session.scalars(merged))
    return group
