"""Receipt guessing (``intake.receipts.check_receipt``, directly and via ``/report/status``):
wrong receipts count per prefix, at most the limit of them get an answer, a right receipt is
never used up, and no crowd of guessers, from many addresses or one, locks anyone out of their
report."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from tests.committed_db import at_once, committed_database
from tests.factories import csrf_from, make_org
from tests.intake.receipt_support import (
    add_report,
    flood,
    freeze_receipt_clock,
    other_prefix,
    use_fast_digest,
)
from vigil.app import create_app
from vigil.core.config import Settings
from vigil.core.crypto import Vault, keystore_for
from vigil.core.db import make_engine, session_scope, utcnow
from vigil.intake.receipts import PREFIX_DIGITS, Answer, check_receipt, new_receipt

LIMIT = 3


def same_prefix(receipt: str, n: int) -> str:
    """The n-th wrong receipt sharing ``receipt``'s prefix (never the receipt itself)."""
    tail = f"{n:0{16 - PREFIX_DIGITS}d}"
    guess = receipt[:PREFIX_DIGITS] + tail
    return guess if guess != receipt else receipt[:PREFIX_DIGITS] + f"{n + 10**9:010d}"


def look_up(client: TestClient, receipt: str):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/report/status").text)
    return client.post("/report/status", data={"csrf_token": token, "receipt": receipt})


@pytest.fixture
def strict_client(settings, session_factory, monkeypatch) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    freeze_receipt_clock(monkeypatch)
    app = create_app(
        settings.model_copy(update={"receipt_max_failures_per_prefix": LIMIT}),
        session_factory=session_factory,
    )
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client


def test_wrong_receipts_of_one_prefix_are_answered_up_to_the_limit(session, vault, strict_client):
    org = make_org(session)
    receipt = add_report(session, vault, org)
    session.commit()
    for n in range(LIMIT - 1):
        assert look_up(strict_client, same_prefix(receipt, n)).status_code == 404
    # limit − 1 wrong: the right receipt is shown, and uses up nothing.
    assert look_up(strict_client, receipt).status_code == 200
    last = look_up(strict_client, same_prefix(receipt, LIMIT))
    assert last.status_code == 404 and "No report matches this receipt" in last.text
    over = look_up(strict_client, same_prefix(receipt, LIMIT + 1))
    assert over.status_code == 429 and "Too many attempts" in over.text
    # Over the limit the prefix gets no answer, right or wrong.
    assert look_up(strict_client, receipt).status_code == 429


def test_the_prefix_is_exactly_the_first_six_digits(session, vault, strict_client):
    org = make_org(session)
    receipt = add_report(session, vault, org, "1234560000000001")
    neighbour = add_report(session, vault, org, "1234570000000001")  # differs at digit 6
    session.commit()
    for n in range(LIMIT):
        assert look_up(strict_client, f"123456{n + 2:010d}").status_code == 404
    # Differing in the 7th digit: the same prefix, paused; in the 6th: another prefix.
    assert look_up(strict_client, "1234561000000000").status_code == 429
    assert look_up(strict_client, receipt).status_code == 429
    assert look_up(strict_client, neighbour).status_code == 200
    assert look_up(strict_client, "1234579999999999").status_code == 404


def test_text_that_is_not_a_receipt_is_refused_without_counting(session, vault, strict_client):
    org = make_org(session)
    receipt = add_report(session, vault, org)
    session.commit()
    for _ in range(LIMIT + 2):
        assert look_up(strict_client, receipt[:15]).status_code == 404
    assert look_up(strict_client, receipt).status_code == 200


def test_500_wrong_receipts_then_more_from_one_address_do_not_lock_anyone_out(
    session, vault, settings, client, monkeypatch
):
    """The attack that used to pause every receipt for 15 minutes: 500 wrong receipts (from
    50 addresses), then more from the reporter's own address (a proxy or a Tor exit)."""
    use_fast_digest(monkeypatch)
    org = make_org(session)
    receipt = add_report(session, vault, org)
    session.commit()
    flood(session, vault, settings, receipt, 500)
    for n in range(500, 520):
        assert look_up(client, other_prefix(receipt, n)).status_code == 404
    page = look_up(client, receipt)
    assert page.status_code == 200 and "Received, waiting to be read" in page.text


def test_over_the_limit_only_a_help_call_reaches_the_report(session, vault, settings):
    """Over the limit a refused answer carries no report (a page cannot leak it by mistake);
    a help call carries it when the receipt is right, and nothing when it is wrong."""
    strict = settings.model_copy(update={"receipt_max_failures_per_prefix": LIMIT})
    org = make_org(session)
    receipt = add_report(session, vault, org)
    session.commit()
    now = utcnow()  # one instant: the count must not cross a window's edge mid-test

    def check(typed: str, help_call: bool = False):  # type: ignore[no-untyped-def]
        return check_receipt(
            session, vault=vault, settings=strict, typed=typed, now=now, help_call=help_call
        )

    for n in range(LIMIT):
        assert check(same_prefix(receipt, n)).answer is Answer.WRONG
    right = check(receipt)
    assert (right.answer, right.report, right.receipt) == (Answer.REFUSED, None, receipt)
    helped = check(receipt, help_call=True)
    assert helped.answer is Answer.UNCONFIRMED and helped.report is not None
    wrong = check(same_prefix(receipt, LIMIT), help_call=True)
    assert (wrong.answer, wrong.report) == (Answer.UNCONFIRMED, None)
    not_a_receipt = check(receipt[:15], help_call=True)
    assert (not_a_receipt.answer, not_a_receipt.report) == (Answer.WRONG, None)


@pytest.fixture(params=["sqlite", "postgresql"])
def committed_settings(request, tmp_path) -> Iterator[Settings]:  # type: ignore[no-untyped-def]
    with committed_database(request.param, tmp_path) as url:
        yield Settings(
            env="test",
            data_dir=tmp_path / "var",
            database_url=url,
            secret_key=secrets.token_urlsafe(48),
            master_key=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            receipt_max_failures_per_prefix=10,
        )


def test_concurrent_wrong_receipts_are_answered_exactly_up_to_the_limit(committed_settings):
    """Forty wrong receipts of one prefix at once, each in its own transaction: exactly ten
    are answered (as wrong) and thirty refused; none fails (40 used to get through)."""
    settings = committed_settings
    engine = make_engine(settings.effective_database_url, pool_size=40, max_overflow=0)
    factory = sessionmaker(engine, expire_on_commit=False)
    ring = keystore_for(settings).current()
    prefix = new_receipt()[:PREFIX_DIGITS]
    now = utcnow()

    def guess(n: int) -> bool:
        with session_scope(factory) as session:
            checked = check_receipt(
                session,
                vault=Vault(session=session, ring=ring),
                settings=settings,
                typed=prefix + f"{n:010d}",
                now=now,
            )
            assert checked.report is None
            assert checked.answer in (Answer.WRONG, Answer.REFUSED)
            return checked.answer is Answer.WRONG

    try:
        outcomes = at_once(40, guess)
    finally:
        engine.dispose()
    assert [o for o in outcomes if isinstance(o, BaseException)] == []
    assert outcomes.count(True) == 10 and outcomes.count(False) == 30
