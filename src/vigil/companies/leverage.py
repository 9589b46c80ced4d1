"""Leverage map service: find an incident's (or a company's) starting points and walk the
registry with :mod:`vigil.companies.leverage_graph`, which holds the rules.

Loading is breadth-first: per depth level one query finds the records merged into the
frontier, one query fetches the frontier's edges (``to_company_id IN (…)`` for owners and
financiers, ``from_company_id IN (…)`` for buyers, MSIs and home states, both served by the
single-column indexes) and one loads the names of the newly reached actors. Lists longer than
:data:`CHUNK` are split, so a registry with millions of edges costs a few small queries per
level, never one per company.

Incidents sit a layer above the registry (import-linter), so their tables are read here as
plain table clauses rather than through ``vigil.incidents``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from itertools import zip_longest

from sqlalchemy import and_, column, or_, select, table
from sqlalchemy.orm import Session

from vigil.companies.leverage_graph import traverse
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
from vigil.core.audit import record_event
from vigil.core.db import utcnow
from vigil.core.errors import Invalid, NotFound

__all__ = ["LeverageMap", "SqlGraph", "leverage_for_company", "leverage_for_incident"]

CHUNK = 500
MAX_DEPTH = 8

_incidents = table(
    "incidents",
    column("id"),
    column("organisation_id"),
    column("title"),
    column("country"),
    column("project_id"),
)
_acts = table("acts", column("id"), column("incident_id"))
_involvements = table("involvements", column("act_id"), column("company_id"), column("project_id"))

R = CompanyRelationship


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


class SqlGraph:
    """The registry as a :class:`~vigil.companies.leverage_graph.GraphSource`."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def actors(self, ids: set[int]) -> dict[int, ActorInfo]:
        found: dict[int, ActorInfo] = {}
        for chunk in _chunks(ids):
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
                found[row.id] = ActorInfo(
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


def _check(max_depth: int, min_percentage: float) -> None:
    if not 0 <= max_depth <= MAX_DEPTH:
        raise Invalid(f"The depth must be between 0 and {MAX_DEPTH}.")
    if not 0 <= min_percentage <= 100:  # also refuses NaN
        raise Invalid("The percentage threshold must be between 0 and 100.")


def _active(start: date | None, end: date | None, today: date) -> bool:
    return (start is None or start <= today) and (end is None or end >= today)


def _project_roots(session: Session, project_ids: set[int], today: date) -> list[Root]:
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


def leverage_for_incident(
    session: Session,
    *,
    org_id: int,
    incident_id: int,
    max_depth: int = 4,
    min_percentage: float = 0.0,
    today: date | None = None,
    viewer_user_id: int | None = None,
) -> LeverageMap:
    """The leverage map of one incident of ``org_id`` (another organisation's: NotFound).
    A staff member's look at it (``viewer_user_id``) is audited like any access to a case.

    Starts from the companies named in the incident's involvements and the operators of its
    project (and of projects named in involvements); the host state is the incident's country.
    """
    _check(max_depth, min_percentage)
    today = today or utcnow().date()
    incident = session.execute(
        select(
            _incidents.c.id, _incidents.c.title, _incidents.c.country, _incidents.c.project_id
        ).where(_incidents.c.id == incident_id, _incidents.c.organisation_id == org_id)
    ).first()
    if incident is None:
        raise NotFound("No such incident.")
    involved = session.execute(
        select(_involvements.c.company_id, _involvements.c.project_id)
        .select_from(_involvements.join(_acts, _acts.c.id == _involvements.c.act_id))
        .where(_acts.c.incident_id == incident_id)
        .order_by(_acts.c.id)
    ).all()
    project_ids = {incident.project_id} | {row.project_id for row in involved}
    roots = _project_roots(session, project_ids - {None}, today)
    roots += [Root(row.company_id, Role.involved) for row in involved if row.company_id]
    if viewer_user_id is not None:
        record_event(
            session,
            action="incident.leverage_viewed",
            organisation_id=org_id,
            actor_user_id=viewer_user_id,
            object_type="incident",
            object_id=incident.id,
        )
    return traverse(
        SqlGraph(session),
        roots,
        host_country=incident.country,
        today=today,
        max_depth=max_depth,
        min_percentage=min_percentage,
        subject=Subject("incident", incident.id, incident.title),
    )


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
    _check(max_depth, min_percentage)
    company = session.get(Company, company_id)
    if company is None:
        raise NotFound("No such company.")
    seen = {company.id}
    while company.merged_into_id is not None and company.merged_into_id not in seen:
        survivor = session.get(Company, company.merged_into_id)
        if survivor is None:
            break
        company = survivor
        seen.add(company.id)
    return traverse(
        SqlGraph(session),
        [Root(company.id, Role.company)],
        host_country=host_country or company.jurisdiction,
        today=today or utcnow().date(),
        max_depth=max_depth,
        min_percentage=min_percentage,
        subject=Subject("company", company.id, company.name),
    )
