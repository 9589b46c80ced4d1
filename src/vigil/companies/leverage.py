"""Leverage map service: walk the registry from a company (or from the roots an incident
gives, see ``vigil.incidents.leverage``) with :mod:`vigil.companies.leverage_graph`, which
holds the rules.

Loading: when the walk starts, one recursive query (:mod:`vigil.companies.leverage_sql`)
fetches every edge it can need down to its depth, with the records at both ends, so a map
usually costs two round trips. A level that query does not cover (merged records on the way)
is loaded breadth-first: one query finds the records merged into the frontier, one fetches the
frontier's edges (``to_company_id IN (…)`` for owners and financiers, ``from_company_id IN
(…)`` for buyers, MSIs and home states, both served by the single-column indexes) and one
loads the names of the newly reached actors. Lists longer than :data:`CHUNK` are split, so a
registry with millions of edges costs a few small queries per level, never one per company.

Incidents sit a layer above the registry (import-linter): this module never reads them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from itertools import zip_longest

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from vigil.companies.leverage_graph import traverse
from vigil.companies.leverage_sql import Reach, fetch_reach
from vigil.companies.leverage_types import (
    INCOMING,
    OUTGOING,
    ActorInfo,
    Edge,
    LeverageMap,
    Role,
    Root,
    Subject,
)
from vigil.companies.models import Company, CompanyRelationship, Project, RelationshipKind
from vigil.core.db import utcnow
from vigil.core.errors import Invalid, NotFound

__all__ = ["LeverageMap", "SqlGraph", "check_limits", "leverage_for_company", "project_roots"]

CHUNK = 500
MAX_DEPTH = 8

R = CompanyRelationship


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


class SqlGraph:
    """The registry as a :class:`~vigil.companies.leverage_graph.GraphSource`. The walk
    announces its depth (:meth:`expect_depth`); the first edges asked for then come with
    everything below them (see the module docstring)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._depth = 0
        self._reach: Reach | None = None
        self._known: dict[int, ActorInfo] = {}

    def expect_depth(self, depth: int) -> None:
        self._depth = depth

    def actors(self, ids: set[int]) -> dict[int, ActorInfo]:
        found = {i: self._known[i] for i in ids if i in self._known}
        for chunk in _chunks(ids - found.keys()):
            rows = self.session.execute(
                select(
                    Company.id,
                    Company.name,
                    Company.actor_kind,
                    Company.jurisdiction,
                    Company.merged_into_id,
                ).where(Company.id.in_(chunk))
            )
            for row in rows:
                found[row.id] = self._known[row.id] = ActorInfo(
                    row.id, row.name, row.actor_kind, row.jurisdiction, row.merged_into_id
                )
        return found

    def aliases(self, ids: set[int]) -> dict[int, int]:
        """Every id plus the records merged into it (transitively) → the id asked for."""
        owner = {i: i for i in ids}
        todo = set(ids)
        while todo:
            found: set[int] = set()
            for chunk in _chunks(todo):
                rows = self.session.execute(
                    select(Company.id, Company.merged_into_id).where(
                        Company.merged_into_id.in_(chunk)
                    )
                )
                for alias, survivor in rows:
                    if alias not in owner and survivor is not None:
                        owner[alias] = owner[survivor]
                        found.add(alias)
            todo = found
        return owner

    def edges(self, *, incoming: set[int], outgoing: set[int]) -> list[Edge]:
        if self._reach is None and self._depth > 0:  # the first level: fetch all below it
            buyers = outgoing - incoming
            self._reach = fetch_reach(
                self.session, group=incoming, buyers=buyers, steps=self._depth - 1
            )
            self._known.update(self._reach.actors)
        if self._reach is not None and self._reach.covers(incoming, outgoing):
            return self._reach.edges(incoming=incoming, outgoing=outgoing)
        owner = self.aliases(incoming | outgoing)
        into = {alias for alias, asked in owner.items() if asked in incoming}
        out = {alias for alias, asked in owner.items() if asked in outgoing}
        found: dict[int, Edge] = {}
        empty: list[int] = []
        for inc, outs in zip_longest(_chunks(into), _chunks(out), fillvalue=empty):
            rows = self.session.execute(
                select(
                    R.id,
                    R.kind,
                    R.from_company_id,
                    R.to_company_id,
                    R.to_country,
                    R.percentage,
                    R.tier,
                    R.source,
                    R.start_date,
                    R.end_date,
                )
                .where(
                    or_(
                        and_(R.to_company_id.in_(inc), R.kind.in_(sorted(INCOMING))),
                        and_(R.from_company_id.in_(outs), R.kind.in_(sorted(OUTGOING))),
                    )
                )
                .order_by(R.id)
            )
            for row in rows:
                if row.from_company_id is None:  # project-origin edges carry no leverage
                    continue
                found[row.id] = Edge(
                    id=row.id,
                    kind=row.kind,
                    from_id=row.from_company_id,
                    to_id=row.to_company_id,
                    to_country=row.to_country,
                    percentage=None if row.percentage is None else Decimal(str(row.percentage)),
                    tier=row.tier,
                    source=row.source or "",
                    start_date=row.start_date,
                    end_date=row.end_date,
                )
        return [found[key] for key in sorted(found)]


def check_limits(max_depth: int, min_percentage: float) -> None:
    if not 0 <= max_depth <= MAX_DEPTH:
        raise Invalid(f"The depth must be between 0 and {MAX_DEPTH}.")
    if not 0 <= min_percentage <= 100:  # also refuses NaN
        raise Invalid("The percentage threshold must be between 0 and 100.")


def _active(start: date | None, end: date | None, today: date) -> bool:
    return (start is None or start <= today) and (end is None or end >= today)


def project_roots(session: Session, project_ids: set[int], today: date) -> list[Root]:
    """Operators of the projects: ``Project.operator_id`` and active ``operator`` edges."""
    if not project_ids:
        return []
    names: dict[int, list[str]] = {}
    projects = session.execute(
        select(Project.id, Project.name, Project.operator_id)
        .where(Project.id.in_(sorted(project_ids)))
        .order_by(Project.id)
    ).all()
    project_names = {p.id: p.name for p in projects}
    for project in projects:
        if project.operator_id is not None:
            names.setdefault(project.operator_id, []).append(project.name)
    edges = session.execute(
        select(R.from_company_id, R.to_project_id, R.start_date, R.end_date)
        .where(
            R.kind == RelationshipKind.operator,
            R.to_project_id.in_(sorted(project_ids)),
            R.from_company_id.is_not(None),
        )
        .order_by(R.id)
    )
    for edge in edges:
        if _active(edge.start_date, edge.end_date, today):
            listed = names.setdefault(edge.from_company_id, [])
            if project_names[edge.to_project_id] not in listed:
                listed.append(project_names[edge.to_project_id])
    return [Root(cid, Role.operator, ", ".join(n)) for cid, n in names.items()]


def leverage_for_company(
    session: Session,
    *,
    company_id: int,
    max_depth: int = 4,
    min_percentage: float = 0.0,
    host_country: str | None = None,
    today: date | None = None,
) -> LeverageMap:
    """The leverage map of one registry company (a merged record: of its survivor). The host
    state defaults to the company's jurisdiction (where an operating subsidiary is registered).
    """
    check_limits(max_depth, min_percentage)
    graph = SqlGraph(session)
    company = graph.actors({company_id}).get(company_id)
    if company is None:
        raise NotFound("No such company.")
    seen = {company.id}
    while company.merged_into_id is not None and company.merged_into_id not in seen:
        survivor = graph.actors({company.merged_into_id}).get(company.merged_into_id)
        if survivor is None:
            break
        company = survivor
        seen.add(company.id)
    return traverse(
        graph,
        [Root(company.id, Role.company)],
        host_country=host_country or company.country,
        today=today or utcnow().date(),
        max_depth=max_depth,
        min_percentage=min_percentage,
        subject=Subject("company", company.id, company.name),
    )
