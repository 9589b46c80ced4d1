"""The leverage map's edges fetched ahead of the walk, in one recursive query.

Walking level by level costs a few round trips per level (merged records, edges, names);
on PostgreSQL that was three times the time of the graph query itself. So when the walk
starts, :func:`fetch_reach` asks once for everything it can need down to the depth it will
go: a recursive CTE expands the starting companies by the walk's own rules — *group* members
(the starting companies, their owners, parents and joint-venture partners) upward through
ownership, parent/subsidiary and joint-venture edges, *buyers* down the supply chain — and the
same statement returns

- the edges of an INCOMING kind pointing at a group member and of an OUTGOING kind leaving
  any member (exactly what ``SqlGraph.edges`` asks for per level), each with the registry
  record at both of its ends;
- the members reached and how (group or buyer), so the walk knows which levels it answers;
- the members that have records merged into them (their edges are not fetched here).

The CTE follows edges as recorded, without resolving merges or applying dates and
percentage thresholds, so it reaches at least every company the walk expands unless a
merged record sits on the way; a level it does not cover (a member it did not reach, or one
with merged records) is loaded the per-level way. Either way the map is the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from vigil.companies.leverage_types import INCOMING, OUTGOING, ActorInfo, Edge
from vigil.companies.models import Company, CompanyRelationship
from vigil.companies.models import RelationshipKind as Kind

GROUP, BUYER = 0, 1
#: Edges pointing at a group member whose other end joins the group.
GROUP_UP = sorted({Kind.ownership, Kind.parent_subsidiary, Kind.joint_venture})
EDGES_IN, EDGES_OUT, MEMBERS, ALIASED = 0, 1, 2, 3


def _int(value: int) -> ColumnElement[int]:
    """An integer written into the SQL: the CTE's columns must keep one type on PostgreSQL."""
    return literal_column(str(int(value)), Integer)


@cache
def reach_statement() -> Select:  # type: ignore[type-arg]
    """The union described in the module docstring, built once. Parameters: ``group`` and
    ``buyers`` (the starting companies, as lists) and ``steps`` (edges walked from them:
    members up to that depth have their edges fetched)."""
    companies = Company.__table__
    relationships = CompanyRelationship.__table__
    in_group = companies.c.id.in_(bindparam("group", expanding=True))
    starting = select(
        companies.c.id.label("id"),
        case((in_group, _int(GROUP)), else_=_int(BUYER)).label("mode"),
        _int(0).label("depth"),
    ).where(or_(in_group, companies.c.id.in_(bindparam("buyers", expanding=True))))
    walk = starting.cte("walk", recursive=True)
    w, r = walk.alias("w"), relationships.alias("r")
    upward = and_(w.c.mode == _int(GROUP), r.c.to_company_id == w.c.id, r.c.kind.in_(GROUP_UP))
    partner = and_(
        w.c.mode == _int(GROUP), r.c.from_company_id == w.c.id, r.c.kind == Kind.joint_venture
    )
    buys = and_(r.c.from_company_id == w.c.id, r.c.kind == Kind.supplier_buyer)
    step = (
        select(
            case((upward, r.c.from_company_id), else_=r.c.to_company_id),
            case((r.c.kind == Kind.supplier_buyer, _int(BUYER)), else_=_int(GROUP)),
            w.c.depth + _int(1),
        )
        .select_from(w.join(r, or_(upward, partner, buys)))
        .where(w.c.depth < bindparam("steps", type_=Integer))
    )
    walk = walk.union(step)

    members = select(walk.c.id)
    group_members = select(walk.c.id).where(walk.c.mode == _int(GROUP))
    e = relationships
    f, t = companies.alias("f"), companies.alias("t")

    def edges(part: int, condition: object) -> Select:  # type: ignore[type-arg]
        return (
            select(
                _int(part).label("part"),
                e.c.id,
                e.c.kind,
                e.c.from_company_id,
                e.c.to_company_id,
                e.c.to_country,
                e.c.percentage,
                e.c.tier,
                e.c.source,
                e.c.start_date,
                e.c.end_date,
                f.c.name.label("from_name"),
                f.c.actor_kind.label("from_kind"),
                f.c.jurisdiction.label("from_country"),
                f.c.merged_into_id.label("from_merged"),
                t.c.name.label("to_name"),
                t.c.actor_kind.label("to_kind"),
                t.c.jurisdiction.label("to_country_code"),
                t.c.merged_into_id.label("to_merged"),
            )
            .select_from(
                e.outerjoin(f, f.c.id == e.c.from_company_id).outerjoin(
                    t, t.c.id == e.c.to_company_id
                )
            )
            .where(condition)  # type: ignore[arg-type]
        )

    def other(part: int, id_column: object, mode: object) -> Select:  # type: ignore[type-arg]
        # Same columns as ``edges``: the mode goes where the tier is, the rest is empty.
        return select(_int(part), id_column, *[null()] * 5, mode, *[null()] * 11)  # type: ignore[call-overload, no-any-return]

    incoming = edges(
        EDGES_IN, and_(e.c.to_company_id.in_(group_members), e.c.kind.in_(sorted(INCOMING)))
    )
    outgoing = edges(
        EDGES_OUT, and_(e.c.from_company_id.in_(members), e.c.kind.in_(sorted(OUTGOING)))
    )
    # No DISTINCT below: PostgreSQL would then type the empty columns as text.
    reached = other(MEMBERS, walk.c.id, walk.c.mode).where(walk.c.id.is_not(None))
    aliased = other(ALIASED, companies.c.merged_into_id, null()).where(
        companies.c.merged_into_id.in_(members)
    )
    return union_all(incoming, outgoing, reached, aliased)  # type: ignore[return-value]


@dataclass
class Reach:
    """What :func:`fetch_reach` found: edges by end, members, actors."""

    into: dict[int, list[Edge]] = field(default_factory=dict)
    out_of: dict[int, list[Edge]] = field(default_factory=dict)
    group: set[int] = field(default_factory=set)
    members: set[int] = field(default_factory=set)
    aliased: set[int] = field(default_factory=set)
    actors: dict[int, ActorInfo] = field(default_factory=dict)

    def covers(self, incoming: set[int], outgoing: set[int]) -> bool:
        return (
            incoming <= self.group
            and outgoing <= self.members
            and not (incoming | outgoing) & self.aliased
        )

    def edges(self, *, incoming: set[int], outgoing: set[int]) -> list[Edge]:
        found = {edge.id: edge for i in incoming for edge in self.into.get(i, ())}
        for i in outgoing:
            found.update((edge.id, edge) for edge in self.out_of.get(i, ()))
        return [found[key] for key in sorted(found)]


def fetch_reach(session: Session, *, group: set[int], buyers: set[int], steps: int) -> Reach:
    reach = Reach()
    params = {"group": sorted(group), "buyers": sorted(buyers), "steps": steps}
    actors = reach.actors
    for (
        part,
        key,
        kind,
        from_id,
        to_id,
        to_country,
        percentage,
        tier,
        source,
        start_date,
        end_date,
        *ends,
    ) in session.execute(reach_statement(), params):
        if part == MEMBERS:
            reach.members.add(key)
            if tier == GROUP:
                reach.group.add(key)
        elif part == ALIASED:
            reach.aliased.add(key)
        elif from_id is not None:  # project-origin edges carry no leverage
            edge = Edge(
                id=key,
                kind=kind,
                from_id=from_id,
                to_id=to_id,
                to_country=to_country,
                percentage=None if percentage is None else Decimal(str(percentage)),
                tier=tier,
                source=source or "",
                start_date=start_date,
                end_date=end_date,
            )
            if part == EDGES_IN:
                reach.into.setdefault(to_id, []).append(edge)
            else:
                reach.out_of.setdefault(from_id, []).append(edge)
            if from_id not in actors and ends[0] is not None:
                actors[from_id] = ActorInfo(from_id, *ends[:4])
            if to_id is not None and to_id not in actors and ends[4] is not None:
                actors[to_id] = ActorInfo(to_id, *ends[4:])
    return reach
