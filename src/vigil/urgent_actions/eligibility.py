"""Whether a case may have an urgent action: the one rule, asked before drafting, publishing
and every update.

A public campaign names the case to the world, so it needs what public action needs from
every victim: the defender's own choice of public action (``sharing_consent``: the reporter's
wish never counts, and "record only" or a withdrawal from anyone refuses). One victim who
chose quiet diplomacy, or said nothing, keeps the whole case out: publishing about the others
would expose them too. The case must also already be in the public register, whose
de-identified row is the only source of the facts an action shows.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.errors import Conflict
from vigil.core.i18n import N_
from vigil.defenders.consent import Strategy, sharing_consent
from vigil.defenders.models import Defender
from vigil.incidents.models import Act
from vigil.public.register_models import PublicIncident

NOT_PUBLIC = N_("An urgent action needs every victim's own choice of public action.")
NOT_REGISTERED = N_("An urgent action needs the case to be in the public register first.")


def every_victim_chose_public(session: Session, *, incident_id: int) -> bool:
    """True only when the case has victims and each of them chose public action themselves."""
    victim_ids = set(session.scalars(select(Act.victim_id).where(Act.incident_id == incident_id)))
    if not victim_ids or None in victim_ids:
        return False  # a victim erased or never recorded cannot have agreed
    for victim_id in victim_ids:
        defender = session.get(Defender, victim_id)
        if defender is None:
            return False
        consent = sharing_consent(session, defender=defender)
        if consent.refused or consent.strategy != Strategy.public:
            return False
    return True


def register_row(session: Session, *, incident_id: int) -> PublicIncident | None:
    return session.scalar(select(PublicIncident).where(PublicIncident.incident_id == incident_id))


def check_eligible(session: Session, *, incident_id: int) -> PublicIncident:
    """The case's register row, or :class:`Conflict` saying why no action may exist."""
    if not every_victim_chose_public(session, incident_id=incident_id):
        raise Conflict(NOT_PUBLIC)
    row = register_row(session, incident_id=incident_id)
    if row is None:
        raise Conflict(NOT_REGISTERED)
    return row
