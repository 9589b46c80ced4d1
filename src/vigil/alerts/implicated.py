"""The company-implicated branch of every playbook.

When the company itself is the suspect (its staff, its security provider or a contractor did
it, or its role is recorded as direct perpetrator or instigator), alerting its security or
community-relations people tells the suspects who complained and may reach the very people
who threatened the defender. The proposal then leaves that chain out (shown to the analyst,
unticked, with the reason) and starts tier 1 with the people who can hold the operator to
account: the parent company's human-rights lead and chief executive, and its investors. The
analyst sees the branch on the draft and confirms it by launching, or ticks someone back.

The branch is chosen from the role, never from the certainty (an alleged instigator is still
a suspect), and a company recorded as "linked, no involvement alleged" never switches it: it
is asked for its response (the right of reply), not treated as the suspect.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vigil.core.i18n import N_
from vigil.incidents.models import Incident, Role

#: Perpetrator types that are the company or act for it: the company is implicated whatever
#: the recorded role (except "linked") or certainty.
IMPLICATING_PERPETRATORS: frozenset[str] = frozenset(
    {"company_staff", "private_security", "contractor"}
)

#: Roles of a company's own involvement that implicate it ("complicit", "beneficiary" and
#: "acquiescence" alone do not switch the branch: the analyst can still leave anyone out).
IMPLICATING_ROLES: frozenset[str] = frozenset({Role.direct.value, Role.instigator.value})

#: Contact roles of the chain that is left out when the company is implicated.
LEFT_OUT_ROLES: frozenset[str] = frozenset({"security_lead", "community_relations"})

#: Who tier 1 starts with instead: those with leverage over the operator.
FIRST_TIER_SELECTORS: tuple[Mapping[str, Any], ...] = (
    {"role": "human_rights_lead", "of": "parent"},
    {"role": "chief_executive", "of": "parent"},
    {"role": "stewardship", "of": "investor"},
)

LEFT_OUT_REASON = N_("Left out: the company is implicated (%(why)s).")


def company_implicated(incident: Incident) -> str | None:
    """Why the company is implicated (for the reason shown), or ``None`` when it is not."""
    for act in incident.acts:
        for involvement in act.involvements:
            if involvement.role == Role.linked:
                continue  # linked, no involvement alleged: asked to respond, not a suspect
            code = involvement.perpetrator_type.code if involvement.perpetrator_type else ""
            if code in IMPLICATING_PERPETRATORS:
                return f"perpetrator: {code.replace('_', ' ')}"
            if involvement.company_id is not None and involvement.role in IMPLICATING_ROLES:
                return f"company involvement: {involvement.role}"
    return None


def is_left_out_role(role: str | None) -> bool:
    return (role or "") in LEFT_OUT_ROLES
