"""The company-implicated branch of every playbook.

When the company itself is the suspect (its staff, its security provider or a contractor did
it, or its involvement is recorded as direct or as instigator), alerting its security or
community-relations people tells the suspects who complained and may reach the very people
who threatened the defender. The proposal then leaves that chain out (shown to the analyst,
unticked, with the reason) and starts tier 1 with the people who can hold the operator to
account: the parent company's human-rights lead and chief executive, and its investors. The
analyst sees the branch on the draft and confirms it by launching, or ticks someone back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vigil.incidents.models import Degree, Incident

#: Perpetrator types that are the company or act for it ("contractor" once the vocabulary
#: has it): the company is implicated whatever the recorded degree.
IMPLICATING_PERPETRATORS: frozenset[str] = frozenset(
    {"company_staff", "private_security", "contractor", "contractors"}
)

#: Degrees of a company's own involvement that implicate it ("alleged" and "complicit" alone
#: do not switch the branch: the analyst can still leave anyone out by hand).
IMPLICATING_DEGREES: frozenset[str] = frozenset({Degree.direct.value, Degree.instigator.value})

#: Contact roles of the chain that is left out when the company is implicated.
LEFT_OUT_ROLES: frozenset[str] = frozenset({"security_lead", "community_relations"})

#: Who tier 1 starts with instead: those with leverage over the operator.
FIRST_TIER_SELECTORS: tuple[Mapping[str, Any], ...] = (
    {"role": "human_rights_lead", "of": "parent"},
    {"role": "chief_executive", "of": "parent"},
    {"role": "stewardship", "of": "investor"},
)

LEFT_OUT_REASON = "Left out: the company is implicated ({why})."


def company_implicated(incident: Incident) -> str | None:
    """Why the company is implicated (for the reason shown), or ``None`` when it is not."""
    for act in incident.acts:
        for involvement in act.involvements:
            code = involvement.perpetrator_type.code if involvement.perpetrator_type else ""
            if code in IMPLICATING_PERPETRATORS:
                return f"perpetrator: {code.replace('_', ' ')}"
            if involvement.company_id is not None and involvement.degree in IMPLICATING_DEGREES:
                return f"company involvement: {involvement.degree}"
    return None


def is_left_out_role(role: str | None) -> bool:
    return (role or "") in LEFT_OUT_ROLES
