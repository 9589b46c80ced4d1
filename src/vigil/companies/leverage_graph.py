"""Leverage map, the pure part: walk typed edges from an incident's companies and rank every
actor who could influence the outcome (DOMAIN.md: operator → parent chain → buyers →
investors/lenders → MSIs → home-state embassy → host-state NHRI / protection mechanism).

Nothing here touches the database: edges come from a :class:`GraphSource`, asked once per
depth level for the edges of the whole frontier (``leverage.py`` answers with one ``IN (…)``
query; :class:`MemoryGraph` serves tests and benchmarks).

Rules:

- *Group* members (the incident's companies, their parents/owners and joint-venture partners)
  are expanded upward: owners, partners, investors, lenders, security providers, buyers, MSI
  memberships and home states. *Buyers* are expanded down the supply chain (their buyers,
  tier + 1), their MSI memberships and home states. Everyone else is a leaf.
- Effective percentages multiply along ownership chains ("investor 6 % via parent"); an edge
  whose effective share is known to be below ``min_percentage`` is left out (and listed as
  excluded); unknown percentages never exclude.
- Each (actor, group/buyer) pair is expanded once, at its shallowest depth (equal depth: the
  larger effective share), so ownership loops terminate. ``max_depth`` counts edges.
- Merged records are followed to the surviving company; edges outside their start/end dates
  are listed as excluded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from vigil.companies.leverage_text import (
    embassy_name,
    exclusion_reason,
    explain,
    protection_name,
    relation_of,
    threshold_reason,
)
from vigil.companies.leverage_types import (
    HUNDRED,
    INCOMING,
    MAX_ALSO,
    ORDER,
    OUTGOING,
    OUTGOING_BUYER,
    OUTGOING_GROUP,
    OWNERSHIP,
    ROOT_ROLES,
    Actor,
    ActorInfo,
    Edge,
    Entry,
    Exclusion,
    GraphSource,
    LeverageMap,
    Role,
    Root,
    Step,
    Subject,
)
from vigil.companies.models import RelationshipKind as Kind

__all__ = [
    "Actor",
    "ActorInfo",
    "Edge",
    "Entry",
    "Exclusion",
    "GraphSource",
    "LeverageMap",
    "MemoryGraph",
    "Role",
    "Root",
    "Step",
    "Subject",
    "build_leverage",
    "traverse",
]


class MemoryGraph:
    """A :class:`GraphSource` over lists (tests, benchmarks, what-if maps)."""

    def __init__(self, edges: Iterable[Edge], actors: Iterable[ActorInfo]) -> None:
        self._actors = {a.id: a for a in actors}
        self._by_to: dict[int, list[Edge]] = {}
        self._by_from: dict[int, list[Edge]] = {}
        self._merged: dict[int, list[int]] = {}
        for edge in edges:
            self._by_from.setdefault(edge.from_id, []).append(edge)
            if edge.to_id is not None:
                self._by_to.setdefault(edge.to_id, []).append(edge)
        for actor in self._actors.values():
            if actor.merged_into_id is not None:
                self._merged.setdefault(actor.merged_into_id, []).append(actor.id)

    def _with_aliases(self, ids: set[int]) -> set[int]:
        found, todo = set(ids), list(ids)
        while todo:
            for alias in self._merged.get(todo.pop(), []):
                if alias not in found:
                    found.add(alias)
                    todo.append(alias)
        return found

    def actors(self, ids: set[int]) -> dict[int, ActorInfo]:
        return {i: self._actors[i] for i in ids if i in self._actors}

    def edges(self, *, incoming: set[int], outgoing: set[int]) -> list[Edge]:
        found = {
            e.id: e
            for i in self._with_aliases(incoming)
            for e in self._by_to.get(i, [])
            if e.kind in INCOMING
        }
        for i in self._with_aliases(outgoing):
            found.update({e.id: e for e in self._by_from.get(i, []) if e.kind in OUTGOING})
        return [found[k] for k in sorted(found)]


@dataclass
class _Cand:
    """One way of reaching an actor; the best one per actor becomes its entry."""

    key: int | str
    actor: Actor
    role: Role
    depth: int
    path: tuple[Edge, ...] = ()
    via: _Cand | None = None
    stake: Decimal | None = None
    direct: Decimal | None = None
    tier: int | None = None
    mode: str | None = None  # "group" / "buyer": expanded further; None: a leaf
    note: str = ""
    relation: str = field(default="")

    def sort_key(self) -> tuple:  # type: ignore[type-arg]
        layer, order = ORDER[self.role]
        stake = -self.stake if self.stake is not None else Decimal(1)
        via_buyer = self.via is not None and self.via.mode == "buyer"  # group first
        key = (self.actor.name, str(self.key))
        return (layer, order, self.tier or 0, via_buyer, self.depth, stake, *key)


def build_leverage(
    edges: Iterable[Edge], actors: Iterable[ActorInfo], roots: Iterable[Root], **options: object
) -> LeverageMap:
    """The leverage map over plain lists (see :func:`traverse` for the options)."""
    return traverse(MemoryGraph(edges, actors), roots, **options)  # type: ignore[arg-type]


def traverse(
    source: GraphSource,
    roots: Iterable[Root],
    *,
    host_country: str | None,
    today: date,
    max_depth: int = 4,
    min_percentage: Decimal | float = 0,
    subject: Subject | None = None,
) -> LeverageMap:
    walk = _Walk(source, host_country, today, Decimal(str(min_percentage)))
    expect_depth = getattr(source, "expect_depth", None)  # optional: lets a source read ahead
    if expect_depth is not None:
        expect_depth(max_depth)
    walk.run(list(roots), max_depth)
    return LeverageMap(
        entries=walk.entries(),
        excluded=tuple(walk.excluded.values()),
        host_country=host_country,
        max_depth=max_depth,
        min_percentage=Decimal(str(min_percentage)),
        subject=subject,
    )


class _Walk:
    def __init__(self, source: GraphSource, host: str | None, today: date, minimum: Decimal):
        self.source, self.host, self.today, self.minimum = source, host, today, minimum
        self.info: dict[int, ActorInfo] = {}
        self.cands: dict[int | str, list[_Cand]] = {}
        self.expanded: set[tuple[int | str, str]] = set()
        self.excluded: dict[int, Exclusion] = {}
        self._actors: dict[int, Actor] = {}
        self._steps: dict[int, Step] = {}

    # -- registry records and merges ------------------------------------------------------
    def load(self, ids: Iterable[int]) -> None:
        todo = {i for i in ids if i not in self.info}
        while todo:
            found = self.source.actors(todo)
            self.info.update(found)
            missing = {a.merged_into_id for a in found.values() if a.merged_into_id is not None}
            todo = {i for i in missing if i not in self.info}

    def resolve(self, company_id: int | None) -> int | None:
        """The surviving record (None if unknown); merge loops stop at the first repeat."""
        seen: set[int] = set()
        while company_id is not None and company_id not in seen:
            seen.add(company_id)
            info = self.info.get(company_id)
            if info is None:
                return None
            if info.merged_into_id is None:
                return company_id
            company_id = info.merged_into_id
        return company_id

    def actor(self, company_id: int) -> Actor:
        actor = self._actors.get(company_id)
        if actor is None:
            info = self.info[company_id]
            actor = Actor(id=info.id, name=info.name, kind=info.kind, country=info.country)
            self._actors[company_id] = actor
        return actor

    # -- the walk -------------------------------------------------------------------------
    def run(self, roots: list[Root], max_depth: int) -> None:
        self.load(r.company_id for r in roots)
        frontier: list[_Cand] = []
        for root in roots:
            rid = self.resolve(root.company_id)
            if rid is None:
                continue
            cand = _Cand(rid, self.actor(rid), root.role, 0, stake=HUNDRED, mode="group")
            cand.note = root.note
            cand.relation = relation_of(cand)
            self.cands.setdefault(rid, []).append(cand)
            if (rid, "group") not in self.expanded:
                self.expanded.add((rid, "group"))
                frontier.append(cand)
        for _depth in range(max_depth):
            if not frontier:
                break
            frontier = self.level(frontier)

    def level(self, frontier: list[_Cand]) -> list[_Cand]:
        group = {c.key: c for c in frontier if c.mode == "group"}
        buyers = {c.key: c for c in frontier if c.mode == "buyer"}
        edges = self.source.edges(
            incoming={int(k) for k in group}, outgoing={int(k) for k in group | buyers}
        )
        self.load({e.from_id for e in edges} | {e.to_id for e in edges if e.to_id is not None})
        found: list[_Cand] = []
        for edge in edges:
            frm, to = self.resolve(edge.from_id), self.resolve(edge.to_id)
            if frm is None or frm == to:
                continue
            attached: list[tuple[_Cand, int | None]] = []
            if edge.kind in INCOMING and to in group:
                attached.append((group[to], frm))
            for node in (group.get(frm), buyers.get(frm)):
                allowed = OUTGOING_GROUP if node and node.mode == "group" else OUTGOING_BUYER
                if node is not None and edge.kind in allowed:
                    attached.append((node, to))
            if not attached:
                continue
            if (reason := exclusion_reason(edge, self.today)) is not None:
                self.exclude(edge, frm, to, reason)
                continue
            for node, other in attached:
                cand = self.candidate(node, edge, other)
                if cand is not None:
                    found.append(cand)
        best: dict[tuple[int | str, str], _Cand] = {}
        for cand in found:
            self.cands.setdefault(cand.key, []).append(cand)
            if cand.mode is None or (cand.key, cand.mode) in self.expanded:
                continue
            slot = (cand.key, cand.mode)
            if slot not in best or cand.sort_key() < best[slot].sort_key():
                best[slot] = cand
        self.expanded.update(best)
        return list(best.values())

    def candidate(self, node: _Cand, edge: Edge, other: int | None) -> _Cand | None:
        depth, path = node.depth + 1, (*node.path, edge)
        pct = edge.percentage
        if edge.kind == Kind.headquartered_in:
            home = edge.to_country
            if not home or home == self.host:  # the host state has its own entry
                return None
            actor = Actor(None, embassy_name(home, self.host), "embassy", home)
            return self.made(_Cand(f"embassy:{home}", actor, Role.embassy, depth, path, node))
        if other is None:
            return None
        stake = None
        if edge.kind in OWNERSHIP or edge.kind in (Kind.investor, Kind.joint_venture):
            incoming = self.resolve(edge.to_id) == node.key
            if pct is not None and node.stake is not None and incoming:
                stake = node.stake * pct / HUNDRED
            bound = stake if stake is not None else (pct if incoming else None)
            if bound is not None and bound < self.minimum:
                reason = threshold_reason(bound, self.minimum)
                self.exclude(edge, self.resolve(edge.from_id), self.resolve(edge.to_id), reason)
                return None
        role, mode, tier = {
            Kind.ownership: (Role.parent, "group", None),
            Kind.parent_subsidiary: (Role.parent, "group", None),
            Kind.joint_venture: (Role.joint_venture, "group", None),
            Kind.investor: (Role.investor, None, None),
            Kind.lender: (Role.lender, None, None),
            Kind.security_provider: (Role.security_provider, None, None),
            Kind.msi_member: (Role.msi, None, None),
            Kind.supplier_buyer: (Role.buyer, "buyer", (node.tier or 0) + 1),
        }[Kind(edge.kind)]
        cand = _Cand(other, self.actor(other), role, depth, path, node, stake, pct, tier, mode)
        return self.made(cand)

    def made(self, cand: _Cand) -> _Cand:
        cand.relation = relation_of(cand)
        return cand

    def exclude(self, edge: Edge, frm: int | None, to: int | None, reason: str) -> None:
        if edge.id in self.excluded:
            return
        from_name = self.info[frm].name if frm in self.info else "?"
        to_name = self.info[to].name if to is not None and to in self.info else edge.to_country
        self.excluded[edge.id] = Exclusion(edge, from_name, to_name or "?", reason)

    # -- ranking --------------------------------------------------------------------------
    def steps(self, path: tuple[Edge, ...]) -> tuple[Step, ...]:
        steps = []
        for edge in path:
            step = self._steps.get(edge.id)
            if step is None:
                frm, to = self.resolve(edge.from_id), self.resolve(edge.to_id)
                to_actor = self.actor(to) if to is not None else None
                step = Step(edge, self.actor(frm), to_actor)  # type: ignore[arg-type]
                self._steps[edge.id] = step
            steps.append(step)
        return tuple(steps)

    def entries(self) -> tuple[Entry, ...]:
        chosen = []
        for cands in self.cands.values():
            ordered = sorted(cands, key=_Cand.sort_key)
            best = ordered[0]
            also: list[str] = []
            for other in ordered[1:]:
                if len(also) == MAX_ALSO:
                    break
                if best.role in ROOT_ROLES and other.role in ROOT_ROLES:
                    continue  # "operator" and "named in the incident" say the same
                text = explain(other)
                if (other.role, other.via and other.via.key) != (
                    best.role,
                    best.via and best.via.key,
                ) and text not in also:
                    also.append(text)
            chosen.append((best, tuple(also[:MAX_ALSO])))
        if self.host:
            actor = Actor(None, protection_name(self.host), "protection", self.host)
            chosen.append(
                (self.made(_Cand(f"protection:{self.host}", actor, Role.protection, 0)), ())
            )
        chosen.sort(key=lambda pair: pair[0].sort_key())
        return tuple(
            Entry(
                rank=rank,
                actor=cand.actor,
                role=cand.role,
                layer=ORDER[cand.role][0],
                depth=cand.depth,
                tier=cand.tier,
                percentage=cand.stake if cand.role not in ROOT_ROLES else None,
                direct_percentage=cand.direct,
                via=cand.via.actor if cand.via else None,
                path=self.steps(cand.path),
                explanation=explain(cand),
                sources=tuple(dict.fromkeys(e.source for e in reversed(cand.path) if e.source)),
                also=also,
            )
            for rank, (cand, also) in enumerate(chosen, start=1)
        )
