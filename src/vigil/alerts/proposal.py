"""Who a playbook proposes for an incident: each selector of each tier, resolved against the
incident's leverage map (companies with leverage and their roles) and the directory.

The analyst always reviews the proposal before anything is sent; this module only explains
why each contact is there ("human-rights lead of the parent company: parent, 60 % …").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from vigil.alerts.implicated import (
    FIRST_TIER_SELECTORS,
    LEFT_OUT_REASON,
    company_implicated,
    is_left_out_role,
)
from vigil.alerts.survivor_led import is_company_contact, survivor_led
from vigil.companies.leverage_types import Entry, LeverageMap
from vigil.contacts.models import Contact, ContactKind
from vigil.contacts.roles import CONTACT_ROLES
from vigil.contacts.service import contacts_for
from vigil.core.i18n import gettext
from vigil.incidents.models import Incident

#: A playbook's "of: operator" means the companies at the incident itself: the project's
#: operator and any company named in the incident.
SAME_AS = {"operator": {"operator", "involved", "company"}}


@dataclass(frozen=True)
class Proposed:
    tier: int
    contact: Contact
    role: str
    reason: str
    #: False when the company-implicated branch leaves this contact out (shown unticked).
    included: bool = True


def _entries_for(leverage: LeverageMap, selector: Mapping[str, Any]) -> list[Entry]:
    wanted = selector.get("of")
    roles = SAME_AS.get(wanted, {wanted}) if wanted and wanted != "any" else None
    chosen = []
    for entry in leverage.entries:
        if roles is not None and entry.role.value not in roles:
            continue
        max_tier = selector.get("max_tier")
        if max_tier is not None and (entry.tier is None or entry.tier > int(max_tier)):
            continue
        minimum = selector.get("min_percentage")
        if minimum is not None:
            share = entry.percentage if entry.percentage is not None else entry.direct_percentage
            if share is None or share < Decimal(str(minimum)):
                continue
        chosen.append(entry)
    return chosen


def _describe(selector: Mapping[str, Any]) -> str:
    """Why a contact was chosen, in the language of the analyst drafting the alert (the
    reason is kept with the recipient, as the analyst reviewed it)."""
    parts = []
    if selector.get("role"):
        role = CONTACT_ROLES.get(selector["role"])
        parts.append(gettext(role) if role else selector["role"])
    if selector.get("of"):
        parts.append(gettext("of %(of)s") % {"of": selector["of"]})
    if selector.get("group"):
        parts.append(gettext("group “%(group)s”") % {"group": selector["group"]})
    if selector.get("country"):
        parts.append(gettext("in %(country)s") % {"country": selector["country"]})
    return " ".join(parts)


def resolve_selector(
    session: Session,
    *,
    org_id: int,
    incident: Incident,
    leverage: LeverageMap,
    selector: Mapping[str, Any],
) -> list[tuple[Contact, str]]:
    """Contacts matching one selector, each with the reason it was chosen."""
    role = selector.get("role")
    country = selector.get("country")
    countries = None
    if country:
        countries = [incident.country if country == "incident" else str(country).upper()]
    if selector.get("group"):
        found = contacts_for(
            session, org_id=org_id, role=role, countries=countries, group_names=[selector["group"]]
        )
        return [(contact, _describe(selector)) for contact in found]
    wanted = selector.get("of")
    if not wanted:
        found = contacts_for(session, org_id=org_id, role=role, countries=countries)
        return [(contact, _describe(selector)) for contact in found]
    entries = _entries_for(leverage, selector)
    results: list[tuple[Contact, str]] = []
    states = {e.actor.country for e in entries if e.role.value == "embassy" and e.actor.country}
    if states:
        found = contacts_for(
            session, org_id=org_id, role=role, kinds=[ContactKind.embassy], countries=sorted(states)
        )
        by_state = {e.actor.country: e for e in entries if e.role.value == "embassy"}
        results += [(c, by_state[c.country].explanation) for c in found if c.country in by_state]
    if any(e.role.value == "protection" for e in entries):
        found = contacts_for(
            session,
            org_id=org_id,
            role=role,
            kinds=[ContactKind.protection],
            countries=[incident.country],
        )
        results += [(contact, _describe(selector)) for contact in found]
    by_company = {e.actor.id: e for e in entries if e.actor.id is not None}
    if by_company:
        found = contacts_for(session, org_id=org_id, role=role, company_ids=sorted(by_company))
        for contact in found:
            entry = by_company.get(contact.company_id)
            if entry is not None:
                results.append((contact, f"{entry.actor.name}: {entry.explanation}"))
    return results


def propose(
    session: Session,
    *,
    org_id: int,
    incident: Incident,
    leverage: LeverageMap,
    tiers: Sequence[Mapping[str, Any]],
) -> list[Proposed]:
    """Every contact the playbook's tiers select, each once, at the earliest tier.

    When the company is implicated (see ``vigil.alerts.implicated``), tier 1 starts with the
    parent's and investors' people, and the security and community-relations chain is
    proposed unticked, with the reason, in whichever tier selected it. A sexual-violence case
    proposes no company contact at all (see ``vigil.alerts.survivor_led``).
    """
    implicated = company_implicated(incident)
    # Sexual violence: no company at all unless the survivor asks (added by hand).
    led = survivor_led(incident)
    seen: set[int] = set()
    proposed: list[Proposed] = []
    for number, tier in enumerate(tiers, start=1):
        selectors = list(tier.get("recipients", []))
        if implicated and number == 1 and not led:
            selectors = [*FIRST_TIER_SELECTORS, *selectors]
        for selector in selectors:
            for contact, reason in resolve_selector(
                session, org_id=org_id, incident=incident, leverage=leverage, selector=selector
            ):
                if contact.id in seen or (
                    led and is_company_contact(contact, selector.get("role"))
                ):
                    continue
                seen.add(contact.id)
                role = selector.get("role") or contact.role
                left_out = bool(implicated) and (
                    is_left_out_role(role) or is_left_out_role(contact.role)
                )
                if left_out:
                    left_out = gettext(LEFT_OUT_REASON) % {"why": implicated}
                    reason = f"{left_out} {reason}"
                proposed.append(Proposed(number, contact, role, reason[:500], not left_out))
    return proposed


def channels_of(contact: Contact, allowed: Iterable[str]) -> list[tuple[str, str]]:
    """(channel, address) pairs a contact can be reached on, among the tier's channels."""
    pairs = []
    allowed = set(allowed)
    if "email" in allowed and contact.email:
        pairs.append(("email", contact.email))
    if "webhook" in allowed and contact.webhook_url:
        pairs.append(("webhook", contact.webhook_url))
    return pairs
