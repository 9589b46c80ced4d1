"""Which playbook to propose for an incident with several types of attack.

An incident may record several types (a death threat *and* a forced displacement, an
assault during a protest that is also a detention). One alert follows one playbook, so one
type has to lead, and the one that leads must be the one whose response cannot wait.

The rule, in order:

1. For each type, its playbook as for a single type (``playbook_for_attack_type``: the one
   named after it, else the most specific). Types no playbook covers drop out.
2. The most urgent of these playbooks wins (the lowest ``urgency``: 0 is "now").
3. On a tie, the type that ranks first in ``SEVERITY`` (harm to life and liberty first);
   types not in that list come after, in the order the incident lists them.

The analyst always sees the proposal and can choose another playbook.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.incidents.models import Act
from vigil.playbooks.models import Playbook
from vigil.playbooks.service import playbook_for_attack_type
from vigil.vocabularies.models import VocabularyTerm

#: Types of attack from the gravest harm to life, liberty and integrity downwards; used only
#: to break a tie between equally urgent playbooks.
SEVERITY: tuple[str, ...] = (
    "killing",
    "enforced_disappearance",
    "attempted_killing",
    "abduction",
    "torture",
    "sexual_violence",
    "arbitrary_detention",
    "physical_assault",
    "death_threat",
    "threat_family",
    "forced_displacement",
    "forced_eviction",
    "protest_repression",
    "threat_intimidation",
    "judicial_criminal",
    "gender_based_harassment",
    "extortion",
    "raid_property_damage",
    "equipment_confiscation",
    "official_stigmatisation",
    "smear_campaign",
    "online_harassment",
    "surveillance",
    "digital_attack",
    "judicial_civil_slapp",
    "travel_ban",
    "administrative_harassment",
    "job_loss_anti_union",
    "community_division",
)


@dataclass(frozen=True)
class Choice:
    """The proposed playbook and the type of attack that led to it."""

    playbook: Playbook
    attack_type: str


def _severity(code: str, listed: Sequence[str]) -> tuple[int, int]:
    rank = SEVERITY.index(code) if code in SEVERITY else len(SEVERITY)
    return rank, listed.index(code)


def choose_playbook(session: Session, *, org_id: int, attack_types: Sequence[str]) -> Choice | None:
    """The playbook for the most urgent of ``attack_types`` (see the module's rule), or
    ``None`` when no playbook covers any of them."""
    listed = list(dict.fromkeys(attack_types))
    candidates = []
    for code in listed:
        playbook = playbook_for_attack_type(session, org_id=org_id, attack_type_code=code)
        if playbook is not None:
            urgency = int((playbook.document or {}).get("urgency", 3))
            candidates.append(((urgency, *_severity(code, listed)), Choice(playbook, code)))
    if not candidates:
        return None
    return min(candidates, key=lambda candidate: candidate[0])[1]


def incident_attack_types(session: Session, *, incident_id: int) -> list[str]:
    """The incident's types of attack, each once, in the order they were recorded."""
    codes = session.scalars(
        select(VocabularyTerm.code)
        .join(Act, Act.attack_type_id == VocabularyTerm.id)
        .where(Act.incident_id == incident_id)
        .order_by(Act.id)
    ).all()
    return list(dict.fromkeys(codes))


def playbook_for_incident(session: Session, *, org_id: int, incident_id: int) -> Choice | None:
    return choose_playbook(
        session,
        org_id=org_id,
        attack_types=incident_attack_types(session, incident_id=incident_id),
    )
