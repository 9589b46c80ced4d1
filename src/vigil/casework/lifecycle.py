"""The case lifecycle: which status may follow which, and what closing requires.

received → triage → verified → active → monitoring → resolved → closed, with rejected and
duplicate as exits from the early stages. Closing needs a reason from a fixed list; a case
whose latest risk level is extraordinary or extreme needs a second analyst to approve the
closure ("nobody's case may fall through the cracks"). A new threat reopens a case.
"""

from __future__ import annotations

from vigil.casework.models import RiskLevel
from vigil.incidents.models import IncidentStatus as S

MOVES: dict[str, tuple[str, ...]] = {
    S.received: (S.triage, S.rejected, S.duplicate),
    S.triage: (S.verified, S.rejected, S.duplicate),
    S.verified: (S.active, S.monitoring, S.rejected, S.duplicate),
    S.active: (S.monitoring, S.resolved),
    S.monitoring: (S.active, S.resolved),
    S.resolved: (S.closed, S.active),
    S.closed: (S.active,),
    S.rejected: (S.triage,),
    S.duplicate: (),
}

#: Statuses from which a new threat against the same defender reopens the case.
REOPENABLE = (S.resolved, S.closed, S.monitoring)

HIGH_RISK = (RiskLevel.extraordinary, RiskLevel.extreme)


def allowed_moves(status: str) -> tuple[str, ...]:
    return MOVES.get(status, ())


def needs_second_review(latest_level: str | None) -> bool:
    return latest_level in HIGH_RISK
