"""Proposing pairs of incidents from different sources that are probably the same event.

Everything here reads ids, codes, dates and digests: the victims' names are compared through
their keyed word digests (``defenders.name_tokens``) and the exact blind index, so no name is
ever decrypted to find a pair. Candidates are *blocked* first — same organisation, same
country, dates within the window, at least one word (or one-typo variant) digest in common,
origins with nothing in common — and only those are scored (``scoring``).

Pairs already known in any state are left as they are: a rejected pair is never proposed
again, a confirmed one is done, a proposed one keeps its place in the queue.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.audit import record_event
from vigil.core.errors import Invalid
from vigil.defenders.models import Defender
from vigil.defenders.name_tokens import DefenderNameToken
from vigil.imports.linking.models import ProposedLink
from vigil.imports.linking.origins import incident_origins
from vigil.imports.linking.scoring import (
    DEFAULT_MIN_SCORE,
    DEFAULT_WINDOW_DAYS,
    Explanation,
    Victim,
    score_pair,
)
from vigil.incidents.models import Act, Incident, IncidentStatus
from vigil.vocabularies.models import VocabularyTerm

MAX_WINDOW_DAYS = 366
#: Incidents already merged away or turned down are not matched again.
LEFT_OUT = (IncidentStatus.duplicate, IncidentStatus.rejected)


@dataclass
class Candidate:
    id: int
    country: str
    region: str | None
    occurred_on: date
    attacks: frozenset[str]
    victims: list[Victim]


@dataclass(frozen=True)
class LinkingResult:
    incidents: int
    compared: int
    proposed: int
    known: int


def check_options(*, window_days: int, min_score: float) -> None:
    if not 0 <= window_days <= MAX_WINDOW_DAYS:
        raise Invalid(f"--window-days must be between 0 and {MAX_WINDOW_DAYS}.")
    if not 0 < min_score <= 1:
        raise Invalid("--min-score must be above 0 and at most 1.")


def load_candidates(session: Session, *, org_id: int) -> dict[int, Candidate]:
    """The organisation's incidents that can be matched (dated, not merged away), with their
    attack types and victims' digests."""
    rows = session.execute(
        select(Incident.id, Incident.country, Incident.region, Incident.occurred_on).where(
            Incident.organisation_id == org_id,
            Incident.duplicate_of_id.is_(None),
            Incident.status.not_in(LEFT_OUT),
            Incident.occurred_on.is_not(None),
        )
    )
    found = {
        i: Candidate(i, country, region, day, frozenset(), []) for i, country, region, day in rows
    }
    attacks: dict[int, set[str]] = defaultdict(set)
    victim_ids: dict[int, set[int]] = defaultdict(set)
    acts = (
        select(Act.incident_id, Act.victim_id, VocabularyTerm.code)
        .join(VocabularyTerm, VocabularyTerm.id == Act.attack_type_id)
        .join(Incident, Incident.id == Act.incident_id)
        .where(Incident.organisation_id == org_id)
    )
    for incident_id, victim_id, code in session.execute(acts):
        if incident_id in found:
            attacks[incident_id].add(code)
            if victim_id is not None:
                victim_ids[incident_id].add(victim_id)
    victims = load_victims(session, org_id=org_id)
    for incident_id, candidate in found.items():
        candidate.attacks = frozenset(attacks[incident_id])
        candidate.victims = [victims[v] for v in sorted(victim_ids[incident_id]) if v in victims]
    return found


def load_victims(session: Session, *, org_id: int) -> dict[int, Victim]:
    """Every named, not forgotten defender of the organisation, as digests."""
    words: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    own: dict[tuple[int, int], str] = {}
    rows = session.execute(
        select(
            DefenderNameToken.defender_id,
            DefenderNameToken.position,
            DefenderNameToken.variant,
            DefenderNameToken.digest,
        ).where(DefenderNameToken.organisation_id == org_id)
    )
    for defender_id, position, variant, digest in rows:
        words[defender_id][position].append(digest)
        if not variant:
            own[(defender_id, position)] = digest
    people = session.execute(
        select(Defender.id, Defender.name_index).where(
            Defender.organisation_id == org_id, Defender.forgotten_at.is_(None)
        )
    )
    return {
        i: Victim(
            i,
            name_index,
            tuple(
                (own[(i, position)], frozenset(forms))
                for position, forms in sorted(words[i].items())
                if (i, position) in own
            ),
        )
        for i, name_index in people
        if i in words
    }


def candidate_pairs(candidates: dict[int, Candidate], window_days: int) -> set[tuple[int, int]]:
    """Pairs (lower id first) sharing a word or variant digest, a country, and dates within
    the window: the only pairs worth scoring."""
    by_key: dict[tuple[str, str], set[int]] = defaultdict(set)
    for candidate in candidates.values():
        for victim in candidate.victims:
            for _, forms in victim.words:
                for digest in forms:
                    by_key[(candidate.country, digest)].add(candidate.id)
    pairs: set[tuple[int, int]] = set()
    for members in by_key.values():
        ordered = sorted(members, key=lambda i: candidates[i].occurred_on)
        for n, first in enumerate(ordered):
            start = candidates[first].occurred_on
            for second in ordered[n + 1 :]:
                if (candidates[second].occurred_on - start).days > window_days:
                    break
                pairs.add((min(first, second), max(first, second)))
    return pairs


def best_match(left: Candidate, right: Candidate, window_days: int):
    """The best-scoring pair of victims: (explanation, left victim, right victim) or None."""
    best: tuple[Explanation, int, int] | None = None
    for left_victim in left.victims:
        for right_victim in right.victims:
            explanation = score_pair(
                left_victim=left_victim,
                right_victim=right_victim,
                left_date=left.occurred_on,
                right_date=right.occurred_on,
                left_region=left.region,
                right_region=right.region,
                left_attacks=left.attacks,
                right_attacks=right.attacks,
                window_days=window_days,
            )
            if explanation and (best is None or explanation.score > best[0].score):
                best = (explanation, left_victim.defender_id, right_victim.defender_id)
    return best


def propose_links(
    session: Session,
    *,
    org_id: int,
    window_days: int = DEFAULT_WINDOW_DAYS,
    min_score: float = DEFAULT_MIN_SCORE,
    actor_user_id: int | None = None,
) -> LinkingResult:
    """Store a ``ProposedLink`` for every new pair from different sources scoring at least
    ``min_score``; audited once per run with the counts (no names, no ids of people)."""
    check_options(window_days=window_days, min_score=min_score)
    candidates = load_candidates(session, org_id=org_id)
    pairs = candidate_pairs(candidates, window_days)
    origins = incident_origins(session, org_id=org_id, incident_ids={i for p in pairs for i in p})
    known = {
        (left, right)
        for left, right in session.execute(
            select(ProposedLink.left_incident_id, ProposedLink.right_incident_id).where(
                ProposedLink.organisation_id == org_id
            )
        )
    }
    proposed = already = 0
    for left_id, right_id in sorted(pairs):
        if origins[left_id] & origins[right_id]:
            continue  # the same source: its own duplicate, not a second account
        match = best_match(candidates[left_id], candidates[right_id], window_days)
        if match is None or match[0].score < min_score:
            continue
        if (left_id, right_id) in known:
            already += 1
            continue
        session.add(_link(org_id, left_id, right_id, *match))
        proposed += 1
    session.flush()
    record_event(
        session,
        action="incidents.links_proposed",
        organisation_id=org_id,
        actor_user_id=actor_user_id,
        object_type="organisation",
        object_id=org_id,
        detail={"proposed": proposed, "known": already, "window_days": window_days},
    )
    return LinkingResult(len(candidates), len(pairs), proposed, already)


def _link(
    org_id: int, left_id: int, right_id: int, explanation: Explanation, lv: int, rv: int
) -> ProposedLink:
    return ProposedLink(
        organisation_id=org_id,
        left_incident_id=left_id,
        right_incident_id=right_id,
        left_victim_id=lv,
        right_victim_id=rv,
        score=explanation.score,
        explanation=explanation.to_json(),
    )
