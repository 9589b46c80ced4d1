"""How to reach the defenders of a case: the languages they speak and when it is safe to
contact them, kept on the defender's own record (``defenders.service.update_reach``) so every
case about them shows the same answer.

Contact times are sealed with the defender's key and never written to the audit log: a
routine ("weekdays after 18:00, when the foreman has left") can say who and where someone
is. The case page opens them for staff who may read the case (that read is audited by
``case_for_reading``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from vigil.casework.persons_at_risk import case_defenders
from vigil.casework.service import load_case
from vigil.core.audit import record_event
from vigil.core.crypto import Vault
from vigil.core.errors import NotFound
from vigil.defenders.service import reveal_contact_times, update_reach
from vigil.incidents.models import Incident

#: How staff type languages: codes separated by commas or spaces ("es, qu").
LANGUAGE_SEPARATORS = str.maketrans({",": " ", ";": " ", "/": " "})


def parse_languages(text: str) -> list[str]:
    """The language codes typed in one field, in the order typed."""
    return text.translate(LANGUAGE_SEPARATORS).split()


def update_defender_reach(
    session: Session,
    *,
    vault: Vault,
    org_id: int,
    incident_id: int,
    defender_id: int,
    languages: str,
    contact_times: str,
    actor_user_id: int,
) -> None:
    """Record a case defender's languages and safe contact times (only a defender of this
    case: the page offers no other, and an id typed by hand is refused as unknown)."""
    incident = load_case(session, org_id=org_id, incident_id=incident_id)
    defender = next(
        (d for d in case_defenders(session, incident_id=incident.id) if d.id == defender_id),
        None,
    )
    if defender is None:
        raise NotFound("No such defender in this case.")
    update_reach(
        session,
        vault=vault,
        defender=defender,
        languages=parse_languages(languages),
        contact_times=contact_times,
    )
    record_event(
        session,
        action="defender.reach_updated",
        organisation_id=org_id,
        actor_user_id=actor_user_id,
        object_type="defender",
        object_id=defender.id,
        # Never the times themselves: whether some are recorded is all the log may say.
        detail={
            "incident": incident.id,
            "languages": defender.languages,
            "contact_times": defender.contact_times_sealed is not None,
        },
    )


def reach_context(session: Session, *, vault: Vault, incident: Incident) -> dict[str, Any]:
    """The case page's "how to reach them" rows, one per defender of the case."""
    return {
        "defender_reach": [
            {
                "defender": defender,
                "languages": ", ".join(defender.languages or []),
                "contact_times": reveal_contact_times(vault, defender),
            }
            for defender in case_defenders(session, incident_id=incident.id)
        ]
    }
