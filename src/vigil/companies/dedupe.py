"""Deduplication of the registry: proposals into a review queue, and the reviewers' decisions.

:func:`propose_duplicates` scores the active records (those not merged into another) with the
matcher, clusters the pairs at or above the threshold and files each new cluster as a pending
:class:`DuplicateProposal`. Nothing is merged unless ``auto_merge_above`` is given, and then only
clusters of at most :data:`AUTO_MERGE_MAX_MEMBERS` records whose every pair scores that high.

Merging sets ``merged_into_id`` on every member but the survivor the reviewer chose; nothing
else is moved or deleted, so :func:`unmerge_proposal` restores the records exactly and puts the
proposal back in the queue. "Not the same" (:func:`reject_proposal`) remembers every pair of the
cluster so later runs do not propose it again. Every decision is in the audit log.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from vigil.companies.blocking import Cluster, cluster
from vigil.companies.matching import Evidence, Record, describe, score
from vigil.companies.models import (
    Address,
    Company,
    CompanyIdentifier,
    CompanyName,
    company_addresses,
)
from vigil.companies.resolution_models import (
    DuplicateLink,
    DuplicateMember,
    DuplicateProposal,
    ProposalStatus,
)
from vigil.core.audit import record_event
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.core.i18n import gettext

DEFAULT_THRESHOLD = 0.9
AUTO_MERGE_MAX_MEMBERS = 20


@dataclass(frozen=True)
class DedupeReport:
    records: int
    proposed: int
    unchanged: int
    superseded: int
    merged: int
    #: Records in the largest cluster found (0: none), so a giant proposal is seen at once.
    largest: int = 0


def load_records(session: Session) -> list[Record]:
    """Every active registry record as the matcher sees it: names, jurisdiction, identifiers
    and addresses."""
    active = select(Company.id).where(Company.merged_into_id.is_(None))
    names: dict[int, list[str]] = defaultdict(list)
    for company_id, name in session.execute(
        select(CompanyName.company_id, CompanyName.name)
        .where(CompanyName.company_id.in_(active))
        .order_by(CompanyName.company_id, CompanyName.id)
    ):
        names[company_id].append(name)
    identifiers: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for company_id, scheme, value in session.execute(
        select(
            CompanyIdentifier.company_id, CompanyIdentifier.scheme, CompanyIdentifier.value
        ).where(CompanyIdentifier.company_id.in_(active))
    ):
        identifiers[company_id].add((scheme, value.strip().upper()))
    addresses: dict[int, list[str]] = defaultdict(list)
    for company_id, full in session.execute(
        select(company_addresses.c.company_id, Address.full)
        .join(Address, Address.id == company_addresses.c.address_id)
        .where(company_addresses.c.company_id.in_(active), Address.full != "")
        .order_by(company_addresses.c.company_id, Address.id)
    ):
        addresses[company_id].append(full)
    records = []
    for company_id, name, jurisdiction in session.execute(
        select(Company.id, Company.name, Company.jurisdiction)
        .where(Company.merged_into_id.is_(None))
        .order_by(Company.id)
    ):
        all_names = tuple(dict.fromkeys([name, *names[company_id]]))
        records.append(
            Record(
                company_id,
                all_names,
                jurisdiction,
                frozenset(identifiers[company_id]),
                tuple(addresses[company_id]),
            )
        )
    return records


def _vetoed_pairs(session: Session) -> set[frozenset[int]]:
    members: dict[int, list[int]] = defaultdict(list)
    for proposal_id, company_id in session.execute(
        select(DuplicateMember.proposal_id, DuplicateMember.company_id)
        .join(DuplicateProposal)
        .where(DuplicateProposal.status == ProposalStatus.rejected)
    ):
        members[proposal_id].append(company_id)
    return {frozenset(pair) for ids in members.values() for pair in combinations(ids, 2)}


def evidence_json(evidence: tuple[Evidence, ...]) -> str:
    return json.dumps(
        [{"kind": e.kind, "weight": e.weight, "detail": dict(e.detail)} for e in evidence],
        ensure_ascii=False,
    )


def explain_json(text: str) -> list[str]:
    """The stored evidence of a link, as translated lines."""
    lines = []
    for item in json.loads(text or "[]"):
        detail = tuple((str(k), str(v)) for k, v in item.get("detail", {}).items())
        lines.append(describe(Evidence(item["kind"], float(item["weight"]), detail)))
    return lines


def _check_thresholds(threshold: float, auto_merge_above: float | None) -> None:
    if not 0 < threshold <= 1:
        raise Invalid("The threshold must be above 0 and at most 1.")
    if auto_merge_above is not None and not threshold <= auto_merge_above <= 1:
        raise Invalid("--auto-merge-above must be between the threshold and 1.")


def _all_pairs_at_least(found: Cluster, records: dict[int, Record], bound: float) -> bool:
    if len(found.members) > AUTO_MERGE_MAX_MEMBERS:
        return False
    scores = (score(records[a], records[b]) for a, b in combinations(found.members, 2))  # type: ignore[index]
    return all(pair.value >= bound and not pair.subset_only for pair in scores)


def _suggested_survivor(found: Cluster, records: dict[int, Record]) -> int:
    """The record with most names and identifiers, then the oldest."""
    return min(
        found.members,  # type: ignore[arg-type]
        key=lambda i: (-len(records[i].names) - len(records[i].identifiers), i),
    )


def _supersede(proposals: Iterable[DuplicateProposal]) -> int:
    count = 0
    for proposal in {p.id: p for p in proposals}.values():
        if proposal.status == ProposalStatus.pending:
            proposal.status = ProposalStatus.superseded
            count += 1
    return count


def _file(
    session: Session, found: Cluster, ids: frozenset[int], threshold: float
) -> DuplicateProposal:
    proposal = DuplicateProposal(
        status=ProposalStatus.pending,
        score=found.weakest,
        threshold=threshold,
        members=[DuplicateMember(company_id=m) for m in sorted(ids)],
        links=[
            DuplicateLink(
                left_id=link.a,
                right_id=link.b,
                score=link.score.value,
                explanation=evidence_json(link.score.evidence),
            )
            for link in found.links
        ],
    )
    session.add(proposal)
    session.flush()
    return proposal


def propose_duplicates(
    session: Session,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    auto_merge_above: float | None = None,
    actor_user_id: int | None = None,
) -> DedupeReport:
    """File every new cluster of likely duplicates (see the module docstring)."""
    _check_thresholds(threshold, auto_merge_above)
    records = {record.id: record for record in load_records(session)}
    vetoed = _vetoed_pairs(session)
    clusters = cluster(
        records.values(), threshold=threshold, skip=lambda a, b: frozenset((a, b)) in vetoed
    )
    pending = session.scalars(
        select(DuplicateProposal)
        .where(DuplicateProposal.status == ProposalStatus.pending)
        .options(selectinload(DuplicateProposal.members))
    ).all()
    by_members = {frozenset(m.company_id for m in p.members): p for p in pending}
    by_company = {m.company_id: p for p in pending for m in p.members}
    proposed = unchanged = superseded = merged = 0
    for found in clusters:
        ids = frozenset(int(m) for m in found.members)  # type: ignore[call-overload]
        proposal = by_members.get(ids)
        if proposal is not None:
            unchanged += 1
        else:
            superseded += _supersede(by_company[m] for m in ids if m in by_company)
            proposal = _file(session, found, ids, threshold)
            proposed += 1
        if auto_merge_above is not None and _all_pairs_at_least(found, records, auto_merge_above):
            merge_proposal(
                session,
                proposal_id=proposal.id,
                survivor_id=_suggested_survivor(found, records),
                actor_user_id=actor_user_id,
                automatic=True,
            )
            merged += 1
    largest = max((len(found.members) for found in clusters), default=0)
    report = DedupeReport(len(records), proposed, unchanged, superseded, merged, largest)
    record_event(
        session,
        action="companies.dedupe_run",
        actor_user_id=actor_user_id,
        object_type="registry",
        detail={"threshold": threshold, "auto_merge_above": auto_merge_above, **vars(report)},
    )
    return report


def get_proposal(session: Session, *, proposal_id: int) -> DuplicateProposal:
    proposal = session.scalar(
        select(DuplicateProposal)
        .where(DuplicateProposal.id == proposal_id)
        .options(selectinload(DuplicateProposal.members).selectinload(DuplicateMember.company))
    )
    if proposal is None:
        raise NotFound(gettext("No such proposal."))
    return proposal


def _decide(proposal: DuplicateProposal, status: str, actor_user_id: int | None) -> None:
    proposal.status = status
    proposal.decided_at = utcnow()
    proposal.decided_by_user_id = actor_user_id


def merge_proposal(
    session: Session,
    *,
    proposal_id: int,
    survivor_id: int,
    actor_user_id: int | None,
    organisation_id: int | None = None,
    automatic: bool = False,
) -> DuplicateProposal:
    """Merge every member but ``survivor_id`` into it (reversible; audited)."""
    proposal = get_proposal(session, proposal_id=proposal_id)
    if proposal.status != ProposalStatus.pending:
        raise Conflict(gettext("This proposal has already been decided."))
    members = {m.company_id: m for m in proposal.members}
    if survivor_id not in members:
        raise Invalid(gettext("Choose the record to keep among the proposed ones."))
    if any(m.company.merged_into_id is not None for m in members.values()):
        raise Conflict(gettext("A record of this proposal was merged meanwhile."))
    merged_ids = []
    for company_id, member in sorted(members.items()):
        if company_id != survivor_id:
            member.company.merged_into_id = survivor_id
            member.merged = True
            merged_ids.append(company_id)
    _decide(proposal, ProposalStatus.merged, actor_user_id)
    proposal.survivor_id, proposal.automatic = survivor_id, automatic
    session.flush()
    record_event(
        session,
        action="companies.merged",
        organisation_id=organisation_id,
        actor_user_id=actor_user_id,
        object_type="duplicate_proposal",
        object_id=proposal.id,
        detail={"survivor": survivor_id, "merged": merged_ids, "automatic": automatic},
    )
    return proposal


def unmerge_proposal(
    session: Session, *, proposal_id: int, actor_user_id: int | None, organisation_id: int | None
) -> DuplicateProposal:
    """Undo a merge: the merged members are active again and the proposal is pending."""
    proposal = get_proposal(session, proposal_id=proposal_id)
    if proposal.status != ProposalStatus.merged:
        raise Conflict(gettext("Only a merged proposal can be unmerged."))
    restored = []
    for member in proposal.members:
        if member.merged and member.company.merged_into_id == proposal.survivor_id:
            member.company.merged_into_id = None
            restored.append(member.company_id)
        member.merged = False
    survivor = proposal.survivor_id
    proposal.status, proposal.survivor_id, proposal.automatic = ProposalStatus.pending, None, False
    proposal.decided_at, proposal.decided_by_user_id = None, None
    session.flush()
    record_event(
        session,
        action="companies.unmerged",
        organisation_id=organisation_id,
        actor_user_id=actor_user_id,
        object_type="duplicate_proposal",
        object_id=proposal.id,
        detail={"survivor": survivor, "restored": restored},
    )
    return proposal


def reject_proposal(
    session: Session, *, proposal_id: int, actor_user_id: int | None, organisation_id: int | None
) -> DuplicateProposal:
    """ "Not the same": the cluster leaves the queue and is never proposed again."""
    proposal = get_proposal(session, proposal_id=proposal_id)
    if proposal.status != ProposalStatus.pending:
        raise Conflict(gettext("This proposal has already been decided."))
    _decide(proposal, ProposalStatus.rejected, actor_user_id)
    session.flush()
    record_event(
        session,
        action="companies.not_duplicate",
        organisation_id=organisation_id,
        actor_user_id=actor_user_id,
        object_type="duplicate_proposal",
        object_id=proposal.id,
        detail={"companies": sorted(m.company_id for m in proposal.members)},
    )
    return proposal


@dataclass(frozen=True)
class ProposalPage:
    items: list[DuplicateProposal]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_proposals(
    session: Session, *, status: str = ProposalStatus.pending, page: int = 1, per_page: int = 20
) -> ProposalPage:
    """Proposals with the given status, weakest score last (most certain first)."""
    if status not in ProposalStatus.__members__:
        raise Invalid(gettext("Unknown status."))
    page, per_page = max(page, 1), min(max(per_page, 1), 100)
    condition = DuplicateProposal.status == status
    total = session.scalar(select(func.count(DuplicateProposal.id)).where(condition)) or 0
    items = session.scalars(
        select(DuplicateProposal)
        .where(condition)
        .options(
            selectinload(DuplicateProposal.members)
            .selectinload(DuplicateMember.company)
            .selectinload(Company.identifiers),
            selectinload(DuplicateProposal.members)
            .selectinload(DuplicateMember.company)
            .selectinload(Company.names),
            selectinload(DuplicateProposal.links).selectinload(DuplicateLink.left),
            selectinload(DuplicateProposal.links).selectinload(DuplicateLink.right),
        )
        .order_by(DuplicateProposal.score.desc(), DuplicateProposal.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return ProposalPage(list(items), total, page, per_page)
