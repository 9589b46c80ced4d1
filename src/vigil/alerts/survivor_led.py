"""Survivor-led handling of sexual violence: no company is alerted unless the survivor asks.

Telling a company about sexual violence reaches its security and community-relations people,
who may be, or know, the perpetrators; it can also expose the survivor to stigma in a small
community and take the decision of what is told, to whom and when, away from her. So for a
case with sexual violence the proposal leaves every company contact out (the operator's
chain, its parent, buyers, investors and lenders) whatever the playbook says, and the
company-implicated branch adds no one. The bundled sexual-violence playbook itself names no
company. If the survivor, informed, later asks for a company to be told, the analyst adds
that contact by hand (``add_recipient``), which is recorded.
"""

from __future__ import annotations

from vigil.contacts.models import Contact, ContactKind
from vigil.incidents.models import Incident

#: Attack types whose cases are survivor-led.
SURVIVOR_LED_ATTACK_TYPES: frozenset[str] = frozenset({"sexual_violence"})

#: Kinds of body that are companies (or act as their commercial partners).
COMPANY_KINDS: frozenset[str] = frozenset(
    {ContactKind.company, ContactKind.investor, ContactKind.buyer, ContactKind.lender}
)

#: Contact roles that only a company fills.
COMPANY_ROLES: frozenset[str] = frozenset(
    {
        "security_lead",
        "community_relations",
        "human_rights_lead",
        "sustainability_lead",
        "legal_counsel",
        "chief_executive",
        "procurement_lead",
        "stewardship",
        "lender_esg",
    }
)


def survivor_led(incident: Incident) -> bool:
    """True when any act of the incident is of a survivor-led attack type."""
    return any(
        act.attack_type is not None and act.attack_type.code in SURVIVOR_LED_ATTACK_TYPES
        for act in incident.acts
    )


def is_company_contact(contact: Contact, role: str | None = None) -> bool:
    """A contact speaking for a company, by its link, its kind or the role it is chosen for."""
    return (
        contact.company_id is not None
        or contact.kind in COMPANY_KINDS
        or contact.role in COMPANY_ROLES
        or (role or "") in COMPANY_ROLES
    )
