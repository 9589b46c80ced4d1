"""The escalation chain as pure step logic: given where an alert's chain stands and where each
recipient of each tier stands, what must happen now and when to look again.

Acknowledging is not responding. A recipient moves notified → acknowledged → responded
(substantive, declined, or asking for more information) → no response by the deadline. Only a
substantive response — what they did or will do — is what the defender needs, so by default a
tier that gives none by its deadline is passed over to the next tier, however many of its
recipients clicked "acknowledge". An acknowledgement (or any answer) only stops the reminders
to that one recipient.

A playbook's ``chain`` is a list of steps, each a one-key mapping (playbooks/schema.py):

- ``{notify: T}`` — send the alert to tier T;
- ``{wait_hours: H}`` — stop here until H hours have passed;
- ``{remind: T}`` — re-send to each recipient of tier T who has neither acknowledged nor
  answered;
- ``{escalate_if_no_response: {from: F, to: T}}`` — tier F's deadline: its recipients without
  a substantive response are marked "no response by the deadline", and unless one of them
  responded substantively the tier is silent and tier T is notified (the default in the
  bundled playbooks);
- ``{escalate_if_unacknowledged: {from: F, to: T}}`` — the older, weaker rule, kept for a
  playbook that chooses it explicitly: notify tier T unless anyone in tier F acknowledged (or
  answered);
- ``{repeat: {from_step: N, times: K}}`` — go back to step N, K times in all.

Resolution stops everything; that rule lives with the caller (only active alerts advance).
Keeping this module free of the database makes the rules easy to read and to test
exhaustively (tests/alerts/test_escalation.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

#: A chain with a loop and no wait would never stop: cap the steps evaluated in one go.
MAX_STEPS_PER_ADVANCE = 500
SUBSTANTIVE = "substantive"


@dataclass(frozen=True)
class RecipientState:
    """One recipient of a tier: ``response`` is a ``ResponseKind`` value or None."""

    contact_id: int
    acknowledged: bool = False
    response: str | None = None
    no_response: bool = False  # already marked "no response by the deadline"

    @property
    def substantive(self) -> bool:
        return self.response == SUBSTANTIVE

    @property
    def wants_reminder(self) -> bool:
        """Neither acknowledged nor answered in any way."""
        return not self.acknowledged and self.response is None


@dataclass(frozen=True)
class TierState:
    notified: bool = False
    recipients: tuple[RecipientState, ...] = ()

    @property
    def responded(self) -> bool:
        """Someone in the tier responded substantively: the tier is not silent."""
        return any(r.substantive for r in self.recipients)

    @property
    def acknowledged(self) -> bool:
        """Someone in the tier acknowledged or answered (for ``escalate_if_unacknowledged``)."""
        return any(r.acknowledged or r.response is not None for r in self.recipients)


@dataclass(frozen=True)
class Action:
    #: "notify" | "remind" | "escalate" | "no_response" (mark recipients at a deadline) |
    #: "silent" (a tier gave no substantive response and nobody new could be notified)
    kind: str
    tier: int
    from_tier: int | None = None  # for "escalate": the tier that was silent
    contacts: tuple[int, ...] = ()  # for "remind" and "no_response": whom it concerns
    rule: str = ""  # for "escalate": "no_response" or "unacknowledged"


@dataclass(frozen=True)
class Plan:
    actions: tuple[Action, ...]
    step: int  # the next step to evaluate
    repeats: int
    due_at: datetime | None  # None: the chain has run to its end
    skipped: tuple[str, ...] = field(default=())  # why some steps did nothing (for the timeline)

    @property
    def finished(self) -> bool:
        return self.due_at is None


def recipient_stage(
    *, notified: bool, acknowledged: bool, response: str | None, no_response: bool
) -> str:
    """Where one recipient stands, for the alert page: a substantive response outranks a late
    mark; the deadline's mark outranks declining, asking, acknowledging."""
    if response == SUBSTANTIVE:
        return SUBSTANTIVE
    if no_response:
        return "no_response"
    if response is not None:
        return response
    if acknowledged:
        return "acknowledged"
    return "notified" if notified else "not_notified"


class _Run:
    """The state of one ``advance``: what was decided, and the tiers as those decisions
    leave them (a tier notified earlier in the same run counts as notified)."""

    def __init__(self, tiers: Mapping[int, TierState]) -> None:
        self.state = dict(tiers)
        self.actions: list[Action] = []
        self.skipped: list[str] = []

    def tier(self, number: int) -> TierState:
        return self.state.get(number, TierState())

    def notify(self, kind: str, tier: int, from_tier: int | None = None, rule: str = "") -> None:
        self.actions.append(Action(kind=kind, tier=tier, from_tier=from_tier, rule=rule))
        self.state[tier] = replace(self.tier(tier), notified=True)

    def remind(self, tier: int) -> None:
        state = self.tier(tier)
        if not state.notified:
            self.skipped.append(f"tier {tier} not notified yet: no reminder")
            return
        due = tuple(r.contact_id for r in state.recipients if r.wants_reminder)
        if not due:
            self.skipped.append(f"tier {tier}: everyone acknowledged or answered: no reminder")
            return
        self.actions.append(Action(kind="remind", tier=tier, contacts=due))

    def deadline(self, from_tier: int, to_tier: int) -> None:
        """``escalate_if_no_response``: mark, then escalate unless someone responded."""
        state = self.tier(from_tier)
        if state.notified:
            late = tuple(
                r.contact_id for r in state.recipients if not r.substantive and not r.no_response
            )
            if late:
                self.actions.append(Action(kind="no_response", tier=from_tier, contacts=late))
                marked = tuple(
                    replace(r, no_response=True) if r.contact_id in late else r
                    for r in state.recipients
                )
                self.state[from_tier] = replace(state, recipients=marked)
        if state.responded:
            self.skipped.append(f"tier {from_tier} responded: no escalation to tier {to_tier}")
        elif self.tier(to_tier).notified:
            self.actions.append(Action(kind="silent", tier=from_tier))
            self.skipped.append(f"tier {to_tier} already notified")
        else:
            self.notify("escalate", to_tier, from_tier, rule="no_response")

    def unacknowledged(self, from_tier: int, to_tier: int) -> None:
        if self.tier(from_tier).acknowledged:
            self.skipped.append(f"tier {from_tier} acknowledged: no escalation to tier {to_tier}")
        elif self.tier(to_tier).notified:
            self.skipped.append(f"tier {to_tier} already notified")
        else:
            self.notify("escalate", to_tier, from_tier, rule="unacknowledged")


def _tiers_of(spec: Mapping[str, Any]) -> tuple[int, int]:
    return int(spec["from"]), int(spec["to"])


def advance(
    chain: Sequence[Mapping[str, Any]],
    *,
    step: int,
    repeats: int,
    tiers: Mapping[int, TierState],
    now: datetime,
) -> Plan:
    """Run the chain from ``step`` until a wait (or the end) and say what to do."""
    run = _Run(tiers)
    for _ in range(MAX_STEPS_PER_ADVANCE):
        if step >= len(chain):
            return Plan(tuple(run.actions), step, repeats, None, tuple(run.skipped))
        current = chain[step]
        if "wait_hours" in current:
            due = now + timedelta(hours=float(current["wait_hours"]))
            return Plan(tuple(run.actions), step + 1, repeats, due, tuple(run.skipped))
        if "notify" in current:
            run.notify("notify", int(current["notify"]))
        elif "remind" in current:
            run.remind(int(current["remind"]))
        elif "escalate_if_no_response" in current:
            run.deadline(*_tiers_of(current["escalate_if_no_response"]))
        elif "escalate_if_unacknowledged" in current:
            run.unacknowledged(*_tiers_of(current["escalate_if_unacknowledged"]))
        elif "repeat" in current:
            spec = current["repeat"]
            if repeats < int(spec["times"]):
                repeats += 1
                step = int(spec["from_step"])
                continue
            repeats = 0
        step += 1
    # A loop without waits: stop the chain rather than spin (the schema forbids it anyway).
    run.skipped.append("chain stopped: too many steps without a wait")
    return Plan(tuple(run.actions), len(chain), repeats, None, tuple(run.skipped))
