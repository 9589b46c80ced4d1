"""Report follow-up (``/report/status``) and ``/check-in`` check a typed receipt with one
function, ``intake.receipts.check_receipt``: a wrong receipt on either page spends the same
per-prefix budget, so moving between the pages gains a guesser nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from tests.checkins.test_checkin_guard import check_in
from tests.checkins.test_checkins import _start, _tasks, _team
from tests.intake.receipt_support import add_report, freeze_receipt_clock
from tests.intake.test_receipt_check import look_up, same_prefix
from vigil.app import create_app
from vigil.intake import receipts
from vigil.surfaces.intake import checkins, reports

LIMIT = 3


def _on_status(client: TestClient, receipt: str) -> int:
    return look_up(client, receipt).status_code


def _on_check_in(client: TestClient, receipt: str) -> int:
    return check_in(client, receipt, "safe").status_code


PAGES: dict[str, Callable[[TestClient, str], int]] = {
    "/report/status": _on_status,
    "/check-in": _on_check_in,
}


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
    _start(session, settings, org, incident, assignee)
    receipt = add_report(session, vault, org, incident=incident)
    session.commit()
    return incident, receipt


def test_both_pages_call_the_one_check() -> None:
    assert reports.check_receipt is receipts.check_receipt
    assert checkins.check_receipt is receipts.check_receipt


@pytest.mark.parametrize("first", list(PAGES))
def test_wrong_receipts_on_either_page_spend_one_prefix_budget(
    first, session, strict_client, scheduled
):
    """Wrong receipts alternate between the pages; with a budget per page, or a page that
    did not count, the guess after the limit would still be answered."""
    incident, receipt = scheduled
    second = next(page for page in PAGES if page != first)
    wrong = [same_prefix(receipt, n) for n in range(LIMIT + 1)]
    for n in range(LIMIT - 1):  # limit − 1 wrong, spread over both pages
        page = (first, second)[n % 2]
        assert PAGES[page](strict_client, wrong[n]) == 404
    # The right receipt works on both pages and uses up nothing.
    assert _on_status(strict_client, receipt) == 200
    assert _on_check_in(strict_client, receipt) == 200
    # The limit-th wrong receipt is still answered (as wrong) ...
    assert PAGES[second](strict_client, wrong[LIMIT - 1]) == 404
    # ... and the next (limit + 1) is refused, on either page, right receipt or not.
    assert PAGES[first](strict_client, wrong[LIMIT]) == 429
    assert _on_status(strict_client, receipt) == 429
    assert _on_check_in(strict_client, receipt) == 429
    # "I need help now" with the right receipt still gets through.
    help_page = check_in(strict_client, receipt, "help")
    assert help_page.status_code == 202
    assert len(_tasks(session, incident.id)) == 1
