"""The escalation chain as pure step logic: given where an alert's chain stands and which tiers
have been notified or have acknowledged, what must happen now and when to look again.

A playbook's ``chain`` is a list of steps, each a one-key mapping (playbook_schema.py):

- ``{notify: T}`` — send the alert to tier T;
- ``{wait_hours: H}`` — stop here until H hours have passed;
- ``{remind: T}`` — re-send to tier T's recipients who have not acknowledged (none if the tier
  acknowledged: an acknowledgement stops that tier's reminders);
- ``{escalate_if_unacknowledged: {from: F, to: T}}`` — notify tier T unless tier F
  acknowledged;
- ``{repeat: {from_step: N, times: K}}`` — go back to step N, K times in all.

Resolution stops everything; that rule lives with the caller (only active alerts advance).
Keeping this module free of the database makes the rules easy to read and to test
exhaustively (tests/alerts/test_escalation.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

#: A chain with a loop and no wait would never stop: cap the steps evaluated in one go.
MAX_STEPS_PER_ADVANCE = 500


@dataclass(frozen=True)
class TierState:
    notified: bool = False
    acknowledged: bool = False


@dataclass(frozen=True)
class Action:
    kind: str  # "notify" | "remind" | "escalate"
    tier: int
    from_tier: int | None = None  # for "escalate": the tier that did not acknowledge


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


def advance(
    chain: Sequence[Mapping[str, Any]],
    *,
    step: int,
    repeats: int,
    tiers: Mapping[int, TierState],
    now: datetime,
) -> Plan:
    """Run the chain from ``step`` until a wait (or the end) and say what to do."""
    state = dict(tiers)
    actions: list[Action] = []
    skipped: list[str] = []

    def notify(kind: str, tier: int, from_tier: int | None = None) -> None:
        actions.append(Action(kind=kind, tier=tier, from_tier=from_tier))
        previous = state.get(tier, TierState())
        state[tier] = TierState(notified=True, acknowledged=previous.acknowledged)

    for _ in range(MAX_STEPS_PER_ADVANCE):
        if step >= len(chain):
            return Plan(tuple(actions), step, repeats, None, tuple(skipped))
        current = chain[step]
        if "wait_hours" in current:
            due = now + timedelta(hours=float(current["wait_hours"]))
            return Plan(tuple(actions), step + 1, repeats, due, tuple(skipped))
        if "notify" in current:
            notify("notify", int(current["notify"]))
        elif "remind" in current:
            tier = int(current["remind"])
            tier_state = state.get(tier, TierState())
            if tier_state.acknowledged:
                skipped.append(f"tier {tier} acknowledged: no reminder")
            elif not tier_state.notified:
                skipped.append(f"tier {tier} not notified yet: no reminder")
            else:
                actions.append(Action(kind="remind", tier=tier))
        elif "escalate_if_unacknowledged" in current:
            spec = current["escalate_if_unacknowledged"]
            from_tier, to_tier = int(spec["from"]), int(spec["to"])
            if state.get(from_tier, TierState()).acknowledged:
                skipped.append(f"tier {from_tier} acknowledged: no escalation to tier {to_tier}")
            elif state.get(to_tier, TierState()).notified:
                skipped.append(f"tier {to_tier} already notified")
            else:
                notify("escalate", to_tier, from_tier)
        elif "repeat" in current:
            spec = current["repeat"]
            if repeats < int(spec["times"]):
                repeats += 1
                step = int(spec["from_step"])
                continue
            repeats = 0
        step += 1
    # A loop without waits: stop the chain rather than spin (the schema forbids it anyway).
    skipped.append("chain stopped: too many steps without a wait")
    return Plan(tuple(actions), len(chain), repeats, None, tuple(skipped))
