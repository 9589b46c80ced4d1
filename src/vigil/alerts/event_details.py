"""What an alert timeline event says beside its kind, in the reader's language.

Events are written once, in English, by the worker or whoever acted, and read by staff in
theirs: the fixed details are the constants below (used where the events are written, so a
change here changes both), and the counted ones are recognised by their shape and said
again with ``ngettext``. A detail of another shape (a mail server's error, a stop reason
typed by an analyst) is shown as written."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vigil.alerts.models import AlertEvent, AlertTier
from vigil.core.i18n import N_, gettext, ngettext

UNSUBSCRIBED = N_("not sent: the contact unsubscribed")
SPECIAL_PROCEDURES = N_(
    "UN special procedures: no e-mail; send the submission pack from the alert page"
)
NO_CONSENT = N_(
    "not sent: the defender's consent for this kind of recipient is missing or has expired"
)
NO_SUBSTANTIVE_RESPONSE = N_("no substantive response by the tier's deadline")
LAST_TIER_SILENT = N_("no substantive response by the deadline; no further tier to notify")
#: An alert stopped because the consent that allowed it no longer holds (alerts/consent_stop.py).
CONSENT_STOPPED = N_("consent changed after launch: alert stopped")
#: One recipient type's consent scope withdrawn after launch: its queued deliveries are
#: cancelled, the alert goes on for the others (alerts/consent_stop.py).
SCOPE_WITHDRAWN = N_(
    "cancelled: the defender withdrew consent for this kind of recipient; the alert goes "
    "on for the others"
)
RESPONSE_KINDS = {"substantive": N_("a substantive response"), "declined": N_("declined to act")}
FIXED = {
    UNSUBSCRIBED,
    SPECIAL_PROCEDURES,
    NO_CONSENT,
    NO_SUBSTANTIVE_RESPONSE,
    LAST_TIER_SILENT,
    CONSENT_STOPPED,
    SCOPE_WITHDRAWN,
}


def _deliveries(count: str) -> str:
    n = int(count)
    return ngettext("%(num)d delivery", "%(num)d deliveries", n) % {"num": n}


def _unacknowledged(tier: str, count: str) -> str:
    return gettext("tier %(tier)s did not acknowledge; %(deliveries)s") % {
        "tier": tier,
        "deliveries": _deliveries(count),
    }


def _no_response(tier: str, count: str) -> str:
    return gettext("tier %(tier)s gave no substantive response by its deadline; %(deliveries)s") % {
        "tier": tier,
        "deliveries": _deliveries(count),
    }


#: Details with numbers in them, as ``alerts.chain`` writes them.
COUNTED: tuple[tuple[re.Pattern[str], Callable[..., str]], ...] = (
    (re.compile(r"(\d+) deliveries"), _deliveries),
    (re.compile(r"tier (\d+) did not acknowledge; (\d+) deliveries"), _unacknowledged),
    (
        re.compile(r"tier (\d+) gave no substantive response by its deadline; (\d+) deliveries"),
        _no_response,
    ),
)


def deliveries_detail(count: int) -> str:
    return f"{count} deliveries"


def escalation_detail(rule: str, from_tier: int | None, count: int) -> str:
    if rule == "unacknowledged":
        return f"tier {from_tier} did not acknowledge; {count} deliveries"
    return f"tier {from_tier} gave no substantive response by its deadline; {count} deliveries"


def detail_text(detail: str | None) -> str:
    """The detail in the reader's language when it is one Vigil writes, else as written."""
    if not detail:
        return ""
    if detail in FIXED:
        return gettext(detail)
    if detail in RESPONSE_KINDS:
        return gettext(RESPONSE_KINDS[detail])
    for pattern, say in COUNTED:
        match = pattern.fullmatch(detail)
        if match:
            return say(*match.groups())
    return detail


@dataclass(frozen=True)
class ShownEvent:
    """A timeline event as the alert page shows it (the detail translated)."""

    kind: str
    at: datetime
    tier: int | None
    contact_id: int | None
    detail: str


def shown_event(event: AlertEvent) -> ShownEvent:
    return ShownEvent(
        kind=event.kind,
        at=event.at,
        tier=event.tier,
        contact_id=event.contact_id,
        detail=detail_text(event.detail),
    )


@dataclass(frozen=True)
class ShownTier:
    """A tier's state as the timeline shows it, named in the reader's language."""

    tier: int
    label: str
    notified_at: datetime | None
    acknowledged_at: datetime | None
    reminders_sent: int


def shown_tiers(
    tiers: Sequence[AlertTier], document: Mapping[str, Any], locale: str
) -> list[ShownTier]:
    """The tier's label is stored in English when the alert starts; the playbook it
    followed names it in every language it was written in (English when not in this one)."""
    written = {n: t.get("label") for n, t in enumerate(document.get("tiers") or [], start=1)}
    shown = []
    for tier in tiers:
        label = written.get(tier.tier)
        text = (label.get(locale) or label.get("en")) if isinstance(label, dict) else None
        shown.append(
            ShownTier(
                tier=tier.tier,
                label=text or tier.label,
                notified_at=tier.notified_at,
                acknowledged_at=tier.acknowledged_at,
                reminders_sent=tier.reminders_sent,
            )
        )
    return shown
