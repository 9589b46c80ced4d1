"""The escalation chain's rules, without a database: notify, wait, remind only the
unacknowledged, escalate only when the previous tier is silent, repeat, and always stop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from vigil.alerts.escalation import Action, TierState, advance

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
DEATH_THREAT = [
    {"notify": 1},
    {"wait_hours": 8},
    {"remind": 1},
    {"wait_hours": 16},
    {"escalate_if_unacknowledged": {"from": 1, "to": 2}},
    {"wait_hours": 48},
    {"escalate_if_unacknowledged": {"from": 2, "to": 3}},
]


def test_launch_notifies_the_first_tier_and_waits() -> None:
    plan = advance(DEATH_THREAT, step=0, repeats=0, tiers={}, now=NOW)
    assert plan.actions == (Action("notify", 1),)
    assert plan.step == 2
    assert plan.due_at == NOW + timedelta(hours=8)


def test_a_silent_tier_is_reminded_then_escalated() -> None:
    silent = {1: TierState(notified=True)}
    reminder = advance(DEATH_THREAT, step=2, repeats=0, tiers=silent, now=NOW)
    assert reminder.actions == (Action("remind", 1),)
    assert reminder.due_at == NOW + timedelta(hours=16)
    escalation = advance(DEATH_THREAT, step=reminder.step, repeats=0, tiers=silent, now=NOW)
    assert escalation.actions == (Action("escalate", 2, from_tier=1),)
    assert escalation.due_at == NOW + timedelta(hours=48)


def test_acknowledgement_stops_reminders_and_escalation_of_that_tier() -> None:
    acknowledged = {1: TierState(notified=True, acknowledged=True)}
    reminder = advance(DEATH_THREAT, step=2, repeats=0, tiers=acknowledged, now=NOW)
    assert reminder.actions == ()
    assert "tier 1 acknowledged: no reminder" in reminder.skipped
    escalation = advance(DEATH_THREAT, step=4, repeats=0, tiers=acknowledged, now=NOW)
    assert escalation.actions == ()
    assert escalation.due_at == NOW + timedelta(hours=48)
    # Tier 2 was never notified, so the last step escalates nothing either way... unless
    # tier 2 stayed silent after being notified:
    last = advance(DEATH_THREAT, step=6, repeats=0, tiers={2: TierState(notified=True)}, now=NOW)
    assert last.actions == (Action("escalate", 3, from_tier=2),)
    assert last.finished


def test_repeat_goes_back_the_given_number_of_times() -> None:
    chain = [
        {"notify": 1},
        {"wait_hours": 1},
        {"remind": 1},
        {"repeat": {"from_step": 1, "times": 2}},
    ]
    tiers = {1: TierState(notified=True)}
    plan = advance(chain, step=2, repeats=0, tiers=tiers, now=NOW)
    assert plan.actions == (Action("remind", 1),)
    assert (plan.step, plan.repeats) == (2, 1)  # back at step 1 (a wait), so waiting again
    plan = advance(chain, step=plan.step, repeats=plan.repeats, tiers=tiers, now=NOW)
    assert (plan.step, plan.repeats) == (2, 2)
    plan = advance(chain, step=plan.step, repeats=plan.repeats, tiers=tiers, now=NOW)
    assert plan.actions == (Action("remind", 1),)
    assert plan.finished and plan.repeats == 0


def test_a_loop_without_waits_stops_instead_of_spinning() -> None:
    chain = [{"notify": 1}, {"repeat": {"from_step": 0, "times": 10_000}}]
    plan = advance(chain, step=0, repeats=0, tiers={}, now=NOW)
    assert plan.finished
    assert "chain stopped: too many steps without a wait" in plan.skipped


steps = st.one_of(
    st.builds(lambda t: {"notify": t}, st.integers(1, 3)),
    st.builds(lambda h: {"wait_hours": h}, st.integers(1, 72)),
    st.builds(lambda t: {"remind": t}, st.integers(1, 3)),
    st.builds(
        lambda a, b: {"escalate_if_unacknowledged": {"from": a, "to": b}},
        st.integers(1, 3),
        st.integers(1, 3),
    ),
)


@given(
    chain=st.lists(steps, min_size=1, max_size=12),
    acknowledged=st.sets(st.integers(1, 3)),
)
def test_no_reminder_ever_goes_to_an_acknowledged_tier(
    chain: list[dict], acknowledged: set[int]
) -> None:
    tiers = {t: TierState(notified=True, acknowledged=True) for t in acknowledged}
    step, repeats, seen = 0, 0, 0
    while True:
        plan = advance(chain, step=step, repeats=repeats, tiers=tiers, now=NOW)
        for action in plan.actions:
            if action.kind == "remind":
                assert action.tier not in acknowledged
            if action.kind == "escalate":
                assert action.from_tier not in acknowledged
        if plan.finished:
            break
        step, repeats, seen = plan.step, plan.repeats, seen + 1
        assert seen <= len(chain)
