"""The escalation chain's rules, without a database. Acknowledging is not responding: a tier
is passed over to the next unless someone in it responded substantively by its deadline; an
acknowledgement (or any answer) only stops the reminders to that one recipient; the older
``escalate_if_unacknowledged`` rule still works for a playbook that chooses it; repeat, and
always stop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from vigil.alerts.escalation import Action, RecipientState, TierState, advance, recipient_stage

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
DEATH_THREAT = [
    {"notify": 1},
    {"wait_hours": 8},
    {"remind": 1},
    {"wait_hours": 16},
    {"escalate_if_no_response": {"from": 1, "to": 2}},
    {"wait_hours": 48},
    {"escalate_if_no_response": {"from": 2, "to": 3}},
]
OPERATOR, PARENT = 11, 12
ANSWERS = (None, "substantive", "declined", "info_requested")


def tier(*recipients: RecipientState, notified: bool = True) -> TierState:
    return TierState(notified=notified, recipients=recipients)


def silent_tier() -> TierState:
    return tier(RecipientState(OPERATOR), RecipientState(PARENT))


def test_launch_notifies_the_first_tier_and_waits() -> None:
    plan = advance(DEATH_THREAT, step=0, repeats=0, tiers={}, now=NOW)
    assert plan.actions == (Action("notify", 1),)
    assert plan.step == 2
    assert plan.due_at == NOW + timedelta(hours=8)


def test_a_silent_tier_is_reminded_then_marked_and_escalated() -> None:
    silent = {1: silent_tier()}
    reminder = advance(DEATH_THREAT, step=2, repeats=0, tiers=silent, now=NOW)
    assert reminder.actions == (Action("remind", 1, contacts=(OPERATOR, PARENT)),)
    assert reminder.due_at == NOW + timedelta(hours=16)
    escalation = advance(DEATH_THREAT, step=reminder.step, repeats=0, tiers=silent, now=NOW)
    assert escalation.actions == (
        Action("no_response", 1, contacts=(OPERATOR, PARENT)),
        Action("escalate", 2, from_tier=1, rule="no_response"),
    )
    assert escalation.due_at == NOW + timedelta(hours=48)


def test_an_acknowledgement_pauses_that_recipients_reminders_only_and_still_escalates() -> None:
    tiers = {1: tier(RecipientState(OPERATOR, acknowledged=True), RecipientState(PARENT))}
    reminder = advance(DEATH_THREAT, step=2, repeats=0, tiers=tiers, now=NOW)
    assert reminder.actions == (Action("remind", 1, contacts=(PARENT,)),)
    escalation = advance(DEATH_THREAT, step=4, repeats=0, tiers=tiers, now=NOW)
    assert Action("escalate", 2, from_tier=1, rule="no_response") in escalation.actions
    assert Action("no_response", 1, contacts=(OPERATOR, PARENT)) in escalation.actions


def test_everyone_acknowledged_means_no_reminder_but_still_escalation() -> None:
    both = tier(
        RecipientState(OPERATOR, acknowledged=True), RecipientState(PARENT, acknowledged=True)
    )
    reminder = advance(DEATH_THREAT, step=2, repeats=0, tiers={1: both}, now=NOW)
    assert reminder.actions == ()
    assert "tier 1: everyone acknowledged or answered: no reminder" in reminder.skipped
    escalation = advance(DEATH_THREAT, step=4, repeats=0, tiers={1: both}, now=NOW)
    assert Action("escalate", 2, from_tier=1, rule="no_response") in escalation.actions


def test_a_substantive_response_stops_the_escalation_and_the_others_are_still_marked() -> None:
    tiers = {1: tier(RecipientState(OPERATOR, response="substantive"), RecipientState(PARENT))}
    plan = advance(DEATH_THREAT, step=4, repeats=0, tiers=tiers, now=NOW)
    assert plan.actions == (Action("no_response", 1, contacts=(PARENT,)),)
    assert "tier 1 responded: no escalation to tier 2" in plan.skipped


def test_a_tier_silent_when_the_next_is_already_notified_is_reported_not_escalated() -> None:
    tiers = {1: silent_tier(), 2: tier(RecipientState(21))}
    plan = advance(DEATH_THREAT, step=4, repeats=0, tiers=tiers, now=NOW)
    assert Action("silent", 1) in plan.actions
    assert not any(a.kind == "escalate" for a in plan.actions)
    assert "tier 2 already notified" in plan.skipped


def test_a_recipient_already_marked_is_not_marked_again() -> None:
    tiers = {1: tier(RecipientState(OPERATOR, no_response=True), RecipientState(PARENT))}
    plan = advance(DEATH_THREAT, step=4, repeats=0, tiers=tiers, now=NOW)
    assert Action("no_response", 1, contacts=(PARENT,)) in plan.actions


def test_the_explicit_unacknowledged_rule_behaves_as_before() -> None:
    chain = [{"notify": 1}, {"escalate_if_unacknowledged": {"from": 1, "to": 2}}]
    acknowledged = {1: tier(RecipientState(OPERATOR, acknowledged=True), RecipientState(PARENT))}
    plan = advance(chain, step=1, repeats=0, tiers=acknowledged, now=NOW)
    assert plan.actions == ()
    assert "tier 1 acknowledged: no escalation to tier 2" in plan.skipped
    plan = advance(chain, step=1, repeats=0, tiers={1: silent_tier()}, now=NOW)
    assert plan.actions == (Action("escalate", 2, from_tier=1, rule="unacknowledged"),)


def test_the_stage_of_a_recipient() -> None:
    def stage(**kw: object) -> str:
        base = {"notified": True, "acknowledged": False, "response": None, "no_response": False}
        return recipient_stage(**{**base, **kw})  # type: ignore[arg-type]

    assert stage(notified=False) == "not_notified"
    assert stage() == "notified"
    assert stage(acknowledged=True) == "acknowledged"
    assert stage(acknowledged=True, response="declined") == "declined"
    assert stage(response="info_requested") == "info_requested"
    assert stage(acknowledged=True, no_response=True) == "no_response"
    assert stage(response="substantive", no_response=True) == "substantive"


def test_repeat_goes_back_the_given_number_of_times() -> None:
    chain = [
        {"notify": 1},
        {"wait_hours": 1},
        {"remind": 1},
        {"repeat": {"from_step": 1, "times": 2}},
    ]
    tiers = {1: silent_tier()}
    plan = advance(chain, step=2, repeats=0, tiers=tiers, now=NOW)
    assert plan.actions == (Action("remind", 1, contacts=(OPERATOR, PARENT)),)
    assert (plan.step, plan.repeats) == (2, 1)  # back at step 1 (a wait), so waiting again
    plan = advance(chain, step=plan.step, repeats=plan.repeats, tiers=tiers, now=NOW)
    assert (plan.step, plan.repeats) == (2, 2)
    plan = advance(chain, step=plan.step, repeats=plan.repeats, tiers=tiers, now=NOW)
    assert plan.actions == (Action("remind", 1, contacts=(OPERATOR, PARENT)),)
    assert plan.finished and plan.repeats == 0


def test_a_loop_without_waits_stops_instead_of_spinning() -> None:
    chain = [{"notify": 1}, {"repeat": {"from_step": 0, "times": 10_000}}]
    plan = advance(chain, step=0, repeats=0, tiers={}, now=NOW)
    assert plan.finished
    assert "chain stopped: too many steps without a wait" in plan.skipped


# --- Properties over any chain and any recipients ------------------------------------------

TIERS = st.integers(1, 3)
steps = st.one_of(
    st.builds(lambda t: {"notify": t}, TIERS),
    st.builds(lambda h: {"wait_hours": h}, st.integers(1, 72)),
    st.builds(lambda t: {"remind": t}, TIERS),
    st.builds(lambda a, b: {"escalate_if_no_response": {"from": a, "to": b}}, TIERS, TIERS),
)
recipient_states = st.builds(
    RecipientState,
    contact_id=st.integers(1, 1_000_000),
    acknowledged=st.booleans(),
    response=st.sampled_from(ANSWERS),
    no_response=st.booleans(),
)
tier_states = st.builds(
    lambda notified, rs: TierState(
        notified=notified, recipients=tuple({r.contact_id: r for r in rs}.values())
    ),
    st.booleans(),
    st.lists(recipient_states, max_size=6),
)


def _run(chain: list[dict], tiers: dict[int, TierState]) -> list[Action]:
    """Every action over the whole chain, with the recipients' state unchanged between
    waits (nobody answers while the chain runs)."""
    actions: list[Action] = []
    step, repeats = 0, 0
    for _ in range(len(chain) + 1):
        plan = advance(chain, step=step, repeats=repeats, tiers=tiers, now=NOW)
        actions.extend(plan.actions)
        if plan.finished:
            return actions
        step, repeats = plan.step, plan.repeats
    raise AssertionError("the chain did not finish")


@given(
    chain=st.lists(steps, min_size=1, max_size=12),
    tiers=st.dictionaries(TIERS, tier_states, max_size=3),
)
def test_reminders_never_go_to_a_recipient_who_acknowledged_or_answered(
    chain: list[dict], tiers: dict[int, TierState]
) -> None:
    quiet = {
        (number, r.contact_id)
        for number, state in tiers.items()
        for r in state.recipients
        if r.acknowledged or r.response is not None
    }
    for action in _run(chain, tiers):
        if action.kind == "remind":
            assert action.contacts, "a reminder to nobody is skipped, not sent"
            assert not {(action.tier, c) for c in action.contacts} & quiet


@given(
    acknowledged=st.lists(st.booleans(), min_size=1, max_size=6),
    answers=st.lists(st.sampled_from((None, "declined", "info_requested")), max_size=6),
)
def test_any_acknowledgements_and_non_substantive_answers_still_escalate(
    acknowledged: list[bool], answers: list[str | None]
) -> None:
    recipients = tuple(
        RecipientState(n, acknowledged=ack, response=answers[n] if n < len(answers) else None)
        for n, ack in enumerate(acknowledged)
    )
    plan = advance(DEATH_THREAT, step=4, repeats=0, tiers={1: tier(*recipients)}, now=NOW)
    assert Action("escalate", 2, from_tier=1, rule="no_response") in plan.actions
    marked = next(a for a in plan.actions if a.kind == "no_response")
    assert set(marked.contacts) == {r.contact_id for r in recipients}


@given(
    others=st.lists(st.tuples(st.booleans(), st.sampled_from(ANSWERS)), min_size=0, max_size=6),
    where=st.integers(0, 6),
)
def test_a_substantive_response_from_any_recipient_stops_the_escalation(
    others: list[tuple[bool, str | None]], where: int
) -> None:
    recipients = [
        RecipientState(n + 1, acknowledged=a, response=r) for n, (a, r) in enumerate(others)
    ]
    recipients.insert(min(where, len(recipients)), RecipientState(100, response="substantive"))
    tiers = {1: tier(*recipients)}
    actions = _run(DEATH_THREAT[2:], tiers) + list(
        advance(DEATH_THREAT, step=4, repeats=0, tiers=tiers, now=NOW).actions
    )
    assert not any(
        a.kind in ("escalate", "silent") and (a.from_tier or a.tier) == 1 for a in actions
    )
    for action in actions:
        if action.kind == "no_response":
            assert 100 not in action.contacts
