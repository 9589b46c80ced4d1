"""Who a playbook may address, by role rather than by name.

A contact in the directory fills one *contact role* (``Contact.role``): the job they do for
the body they speak for. A playbook selects recipients by contact role and by the *leverage
role* of that body in the incident's leverage map (``of``): "the human-rights lead of the
parent company", "the stewardship team of investors holding at least 1 %". Bodies that are
not in the registry (embassies, UN special procedures, national human-rights institutions)
are selected by contact role and country, or by a recipient group.
"""

from __future__ import annotations

from vigil.companies.leverage_types import Role as LeverageRole
from vigil.core.i18n import N_

#: Contact role code → English label (translated where shown).
CONTACT_ROLES: dict[str, str] = {
    "security_lead": N_("Site security lead"),
    "human_rights_lead": N_("Human-rights lead"),
    "sustainability_lead": N_("Sustainability / ESG lead"),
    "community_relations": N_("Community relations"),
    "legal_counsel": N_("Legal counsel"),
    "chief_executive": N_("Chief executive"),
    "procurement_lead": N_("Responsible-sourcing / procurement lead"),
    "stewardship": N_("Investor stewardship team"),
    "lender_esg": N_("Lender environmental and social risk team"),
    "embassy_officer": N_("Embassy human-rights officer"),
    "msi_secretariat": N_("Multi-stakeholder initiative secretariat"),
    "nhri_officer": N_("National human-rights institution"),
    "special_procedures": N_("UN special procedures"),
    "protection_programme": N_("Protection programme"),
    "other": N_("Other"),
}

#: Leverage roles a playbook may name in ``of`` (the leverage map's own vocabulary), plus
#: ``any`` for "whoever the leverage map lists".
LEVERAGE_ROLES: frozenset[str] = frozenset(role.value for role in LeverageRole) | {"any"}


def is_contact_role(code: str) -> bool:
    return code in CONTACT_ROLES


def is_leverage_role(code: str) -> bool:
    return code in LEVERAGE_ROLES
