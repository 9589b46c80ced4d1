"""What the public pages read: published and closed actions, and the "I took action" counter.

Imports only the register and this package's tables (never incidents or defenders), so the
public surface can use it under the "public pages read only the de-identified register"
contract. The counter stores one number per action: no cookie, no address, no time of the
click. Inflating it is bounded by a global hourly budget per action (``core.throttle``,
keyed with no client data at all), so a script can add at most that many an hour.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from vigil.core.db import utcnow
from vigil.core.errors import NotFound
from vigil.core.i18n import N_
from vigil.core.throttle import Budget, take_attempt, throttle_key, window_start
from vigil.public.register_models import LabelKind, PublicIncident, PublicIncidentLabel
from vigil.urgent_actions.models import ActionStatus, UrgentAction
from vigil.vocabularies.models import VocabularyTerm

VISIBLE = (ActionStatus.published, ActionStatus.closed)
NO_LONGER_PUBLIC = N_("This urgent action is no longer public.")
#: Clicks counted per action and hour, everyone together.
ACTIONS_PER_HOUR = 500
WINDOW = timedelta(hours=1)


class NoLongerPublic(NotFound):
    """The action was published but its case left the register or a victim withdrew
    (``standing``): the page says so (410) and nothing of the case."""


def public_actions(session: Session) -> list[UrgentAction]:
    """Open actions first (by deadline), then closed ones, newest first; only those whose
    case is in the register and that nothing withheld."""
    rows = session.scalars(
        select(UrgentAction)
        .join(PublicIncident, PublicIncident.incident_id == UrgentAction.incident_id)
        .where(UrgentAction.status.in_(VISIBLE), UrgentAction.withheld == "")
        .order_by(UrgentAction.published_at.desc(), UrgentAction.id.desc())
    )
    actions = list(rows)
    return [a for a in actions if a.status == ActionStatus.published] + [
        a for a in actions if a.status == ActionStatus.closed
    ]


def public_action(session: Session, *, slug: str) -> UrgentAction:
    number, _, year = slug.partition("-")
    if not (number.isdigit() and year.isdigit() and len(number) < 7 and len(year) <= 2):
        raise NotFound("No such urgent action.")
    action = session.scalar(
        select(UrgentAction).where(
            UrgentAction.number == int(number),
            UrgentAction.year == int(year),
            UrgentAction.status.in_(VISIBLE),
        )
    )
    if action is None:
        raise NotFound("No such urgent action.")
    if not action.is_public:
        raise NoLongerPublic(NO_LONGER_PUBLIC)
    return action


def attack_types(session: Session, action: UrgentAction, *, locale: str) -> list[tuple[str, str]]:
    """(code, label) of the case's types of attack, as the register row lists them."""
    if action.public_incident is None:
        return []
    codes = list(
        session.scalars(
            select(PublicIncidentLabel.code)
            .where(
                PublicIncidentLabel.public_incident_id == action.public_incident.id,
                PublicIncidentLabel.kind == LabelKind.attack_type,
            )
            .order_by(PublicIncidentLabel.id)
        )
    )
    terms = {
        term.code: term.label(locale)
        for term in session.scalars(
            select(VocabularyTerm).where(
                VocabularyTerm.vocabulary == "attack_type", VocabularyTerm.code.in_(codes)
            )
        )
    }
    return [(code, terms.get(code, code)) for code in codes]


def count_action_taken(session: Session, *, secret: bytes, action: UrgentAction) -> bool:
    """Add one to the counter of an open action; False (nothing counted) once the hour's
    budget is spent or the action is closed. One atomic UPDATE, so concurrent clicks all
    count."""
    if action.status != ActionStatus.published or not action.is_public:
        return False
    start = window_start(utcnow(), WINDOW)
    key = throttle_key(secret, start, "ua.took_action", str(action.id))
    if not take_attempt(session, budgets=[Budget(key=key, limit=ACTIONS_PER_HOUR)], start=start):
        return False
    session.execute(
        update(UrgentAction)
        .where(UrgentAction.id == action.id)
        .values(actions_taken=UrgentAction.actions_taken + 1),
        execution_options={"synchronize_session": False},
    )
    session.refresh(action)
    return True
