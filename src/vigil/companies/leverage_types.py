"""Leverage map vocabulary: roles and their rank, the edge kinds walked, and the plain
records the walk reads (edges, registry actors) and returns (entries, exclusions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from vigil.companies.models import RelationshipKind as Kind


class Role(StrEnum):
    operator = "operator"
    involved = "involved"
    company = "company"
    parent = "parent"
    joint_venture = "joint_venture"
    buyer = "buyer"
    investor = "investor"
    lender = "lender"
    security_provider = "security_provider"
    msi = "msi"
    embassy = "embassy"
    protection = "protection"


#: Role → (layer, order inside the layer). Layers are the ranking of DOMAIN.md; security
#: providers (engaged through their client) sit between financiers and MSIs.
ORDER: dict[Role, tuple[int, int]] = {
    Role.operator: (1, 0),
    Role.company: (1, 0),
    Role.involved: (1, 1),
    Role.parent: (2, 0),
    Role.joint_venture: (2, 1),
    Role.buyer: (3, 0),
    Role.investor: (4, 0),
    Role.lender: (4, 1),
    Role.security_provider: (5, 0),
    Role.msi: (6, 0),
    Role.embassy: (7, 0),
    Role.protection: (8, 0),
}
ROOT_ROLES = frozenset({Role.operator, Role.involved, Role.company})
OWNERSHIP = frozenset({Kind.ownership, Kind.parent_subsidiary})
#: Edges pointing *at* a group member that matter (its owners, partners, financiers, guards).
INCOMING = frozenset(
    {
        Kind.ownership,
        Kind.parent_subsidiary,
        Kind.joint_venture,
        Kind.investor,
        Kind.lender,
        Kind.security_provider,
    }
)
#: Edges leaving a group member / a buyer that matter.
OUTGOING_GROUP = frozenset(
    {Kind.joint_venture, Kind.supplier_buyer, Kind.msi_member, Kind.headquartered_in}
)
OUTGOING_BUYER = frozenset({Kind.supplier_buyer, Kind.msi_member, Kind.headquartered_in})
OUTGOING = OUTGOING_GROUP | OUTGOING_BUYER
HUNDRED = Decimal(100)
MAX_ALSO = 5


@dataclass(frozen=True)
class Edge:
    """One relationship, read "from <kind> of to" (see ``CompanyRelationship``)."""

    id: int
    kind: str
    from_id: int
    to_id: int | None = None
    to_country: str | None = None
    percentage: Decimal | None = None
    tier: int | None = None
    source: str = ""
    start_date: date | None = None
    end_date: date | None = None


@dataclass(frozen=True)
class ActorInfo:
    id: int
    name: str
    kind: str = "company"
    country: str | None = None
    merged_into_id: int | None = None


@dataclass(frozen=True)
class Actor:
    id: int | None  # None for embassies and the host-state entry (not registry records)
    name: str
    kind: str
    country: str | None = None


@dataclass(frozen=True)
class Step:
    edge: Edge
    from_actor: Actor
    to_actor: Actor | None  # None when the edge points at a country


@dataclass(frozen=True)
class Root:
    company_id: int
    role: Role = Role.involved
    note: str = ""  # e.g. the project a company operates


@dataclass(frozen=True)
class Entry:
    rank: int
    actor: Actor
    role: Role
    layer: int
    depth: int
    tier: int | None
    percentage: Decimal | None  # effective share of the incident's company (via chains)
    direct_percentage: Decimal | None  # as recorded on the last edge
    via: Actor | None
    path: tuple[Step, ...]
    explanation: str
    sources: tuple[str, ...]
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class Exclusion:
    edge: Edge
    from_name: str
    to_name: str
    reason: str


@dataclass(frozen=True)
class Subject:
    kind: str  # "incident" or "company"
    id: int
    name: str


@dataclass(frozen=True)
class LeverageMap:
    entries: tuple[Entry, ...]
    excluded: tuple[Exclusion, ...]
    host_country: str | None
    max_depth: int
    min_percentage: Decimal
    subject: Subject | None = None


class GraphSource(Protocol):
    def actors(self, ids: set[int]) -> dict[int, ActorInfo]:
        """Registry records by id (merged ones included, with ``merged_into_id``)."""
        ...

    def edges(self, *, incoming: set[int], outgoing: set[int]) -> list[Edge]:
        """Edges of an INCOMING kind pointing at ``incoming`` and of an OUTGOING kind leaving
        ``outgoing``, including those recorded on records merged into these ids."""
        ...
