"""What the review queue shows: proposals with their explanation, and — for the one pair an
analyst opens — the two victims' names.

The list never opens a name: it shows incident titles, dates, places and the explanation.
Opening one proposal reveals exactly two names, and that is audited like reading a case
(``access.record_case_read`` for both incidents, plus one ``incidents.link_names_viewed``
entry naming the proposal): the only decryption the linking feature ever does.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, selectinload

from vigil.access import Actor, CaseView, record_case_read
from vigil.core.audit import record_event
from vigil.core.crypto import Vault
from vigil.defenders.models import Defender
from vigil.defenders.service import reveal_name
from vigil.imports.linking.merging import load_link
from vigil.imports.linking.models import LinkState, ProposedLink
from vigil.imports.linking.scoring import Explanation
from vigil.incidents.models import Act, Incident

PER_PAGE = 25


@dataclass(frozen=True)
class ProposalPage:
    items: list[ProposedLink]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PER_PAGE))


def list_links(session: Session, *, org_id: int, state: str, page: int = 1) -> ProposalPage:
    """One page of the organisation's proposals in ``state``, best score first. Proposals
    still open whose incident was merged meanwhile are left out (nothing to decide)."""
    if state not in LinkState.__members__:
        state = LinkState.proposed
    left, right = aliased(Incident), aliased(Incident)
    conditions = [ProposedLink.organisation_id == org_id, ProposedLink.state == state]
    query = select(ProposedLink).join(left, left.id == ProposedLink.left_incident_id)
    query = query.join(right, right.id == ProposedLink.right_incident_id)
    if state == LinkState.proposed:
        conditions += [left.duplicate_of_id.is_(None), right.duplicate_of_id.is_(None)]
    total = session.scalar(select(func.count()).select_from(query.where(*conditions).subquery()))
    items = session.scalars(
        query.where(*conditions)
        .options(
            selectinload(ProposedLink.left)
            .selectinload(Incident.acts)
            .selectinload(Act.attack_type),
            selectinload(ProposedLink.right)
            .selectinload(Incident.acts)
            .selectinload(Act.attack_type),
        )
        .order_by(ProposedLink.score.desc(), ProposedLink.id)
        .offset((max(page, 1) - 1) * PER_PAGE)
        .limit(PER_PAGE)
    ).all()
    return ProposalPage(list(items), total or 0, max(page, 1))


def explanation_of(link: ProposedLink) -> Explanation:
    return Explanation.from_json(link.explanation)


@dataclass(frozen=True)
class PairReview:
    link: ProposedLink
    explanation: Explanation
    left_name: str | None
    right_name: str | None


def review_pair(session: Session, *, vault: Vault, actor: Actor, link_id: int) -> PairReview:
    """One proposal with the two matched victims' names, for deciding; audited."""
    link = load_link(session, org_id=actor.org_id, link_id=link_id)
    names = []
    for defender_id in (link.left_victim_id, link.right_victim_id):
        defender = session.get(Defender, defender_id) if defender_id else None
        names.append(reveal_name(vault, defender) if defender else None)
    for incident_id in (link.left_incident_id, link.right_incident_id):
        record_case_read(session, actor=actor, incident_id=incident_id, view=CaseView.summary)
    record_event(
        session,
        action="incidents.link_names_viewed",
        organisation_id=actor.org_id,
        actor_user_id=actor.user_id,
        object_type="proposed_link",
        object_id=link.id,
    )
    return PairReview(link, explanation_of(link), names[0], names[1])
