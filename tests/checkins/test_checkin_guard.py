"""``/check-in`` with a receipt under guessing: "I need help now" with the right receipt always
gets through, "I am safe" never over the limit, and the page over the limit says the same
whether the receipt was right or not (``intake.receipts.check_receipt``, help call)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.checkins.test_checkins import _start, _tasks, _team
from tests.factories import csrf_from
from tests.intake.receipt_support import (
    add_report,
    flood,
    freeze_receipt_clock,
    other_prefix,
    use_fast_digest,
)
from vigil.app import create_app
from vigil.checkins.models import CheckIn
from vigil.organisations.models import Organisation

LIMIT = 2


def check_in(client: TestClient, receipt: str, answer: str):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/check-in").text)
    return client.post(
        "/check-in", data={"csrf_token": token, "receipt": receipt, "answer": answer}
    )


def _check_ins(session, schedule_id: int) -> list[CheckIn]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.scalars(select(CheckIn).where(CheckIn.schedule_id == schedule_id)))


def _visible(html: str) -> str:
    """The page without its per-response values (CSP nonces)."""
    return re.sub(r'nonce="[^"]*"', "", html)


@pytest.fixture
def strict_client(settings, session_factory, monkeypatch) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    freeze_receipt_clock(monkeypatch)
    strict = settings.model_copy(update={"receipt_max_failures_per_prefix": LIMIT})
    app = create_app(strict, session_factory=session_factory)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client


@pytest.fixture
def scheduled(session, vault, settings):  # type: ignore[no-untyped-def]
    """A case on a check-in schedule, and the receipt of its report."""
    org, incident, assignee, _duty, _auditor = _team(session, vault)
    schedule, _token = _start(session, settings, org, incident, assignee)
    receipt = add_report(session, vault, org, incident=incident)
    session.commit()
    return incident, schedule, receipt


def test_over_the_prefix_limit_help_is_raised_and_safe_is_refused(
    session, strict_client, scheduled
):
    incident, schedule, receipt = scheduled
    wrong = [receipt[:6] + f"{n:010d}" for n in range(4) if receipt[:6] + f"{n:010d}" != receipt]
    for guess in wrong[:LIMIT]:
        assert check_in(strict_client, guess, "safe").status_code == 404
    assert _check_ins(session, schedule.id) == []

    safe = check_in(strict_client, receipt, "safe")
    assert safe.status_code == 429 and "Too many attempts" in safe.text
    assert _check_ins(session, schedule.id) == []  # a guessed "safe" could silence an alarm

    guessed = check_in(strict_client, wrong[LIMIT], "help")
    right = check_in(strict_client, receipt, "help")
    assert guessed.status_code == right.status_code == 202
    assert _visible(guessed.text) == _visible(right.text)  # the guesser learns nothing
    assert "If your receipt is right, the team has been alerted" in right.text
    recorded = _check_ins(session, schedule.id)
    assert [(c.method, c.safe) for c in recorded] == [("receipt", False)]
    assert len(_tasks(session, incident.id)) == 1


def test_within_the_limit_the_answers_are_truthful(session, strict_client, scheduled):
    _incident, schedule, receipt = scheduled
    guess = receipt[:6] + ("1" if receipt[6:] != "1" * 10 else "2") * 10
    assert check_in(strict_client, guess, "help").status_code == 404  # limit − 1 used
    done = check_in(strict_client, receipt, "safe")
    assert done.status_code == 200 and "Your check-in was recorded" in done.text
    help_page = check_in(strict_client, receipt, "help")
    assert help_page.status_code == 200 and "The team has been alerted now" in help_page.text
    # The right receipt used up nothing: one more wrong guess is still answered.
    assert check_in(strict_client, guess, "safe").status_code == 404
    assert [c.safe for c in _check_ins(session, schedule.id)] == [True, False]


def test_500_wrong_receipts_and_more_from_one_address_do_not_stop_a_help_check_in(
    session, vault, settings, client, scheduled, monkeypatch
):
    """The attack that silenced every "I need help now" for 15 minutes."""
    use_fast_digest(monkeypatch)
    incident, schedule, _argon2_receipt = scheduled
    org = session.get(Organisation, incident.organisation_id)
    receipt = add_report(session, vault, org, incident=incident)
    session.commit()
    flood(session, vault, settings, receipt, 500)
    for n in range(500, 520):  # the defender's own address (a Tor exit, an office proxy)
        assert check_in(client, other_prefix(receipt, n), "help").status_code == 404
    page = check_in(client, receipt, "help")
    assert page.status_code == 200 and "The team has been alerted now" in page.text
    assert [c.safe for c in _check_ins(session, schedule.id)] == [False]
    assert len(_tasks(session, incident.id)) == 1
