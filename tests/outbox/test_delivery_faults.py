"""Faults the delivery pipeline must survive, on SQLite and PostgreSQL:

- ``kill -9`` of a real ``vigil worker`` in the middle of a 1,000-recipient fan-out, then a
  restart: everyone receives the alert, nobody is lost, and duplicates stay within the one
  group of outcomes the killed worker had not recorded (at most one per recipient);
- SIGTERM: the worker stops cleanly and hands back what it had claimed;
- the SMTP server down for several retry periods, then up: everything is delivered after the
  recovery, most urgent first;
- webhook receivers answering 500, stalling or hanging up: retried, then failed with the
  reason, shown on /staff/deliveries and counted on /healthz.
"""

from __future__ import annotations

import base64
import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import create_pg_database, drop_pg_database, pg_database_name
from tests.factories import make_staff, sign_in
from tests.outbox.delivery_support import (
    SmtpServer,
    WebhookReceiver,
    add_contact,
    fast,
    free_port,
    make_world,
    new_secret,
    queue,
)
from vigil.alerts.delivery_timeline import ALERT_TIMELINE
from vigil.core.config import Environment, Settings
from vigil.core.crypto import Vault, keystore_for
from vigil.core.db import make_engine, make_sessionmaker, session_scope, utcnow
from vigil.core.migrations import upgrade
from vigil.organisations.models import Organisation
from vigil.outbox.models import Delivery
from vigil.outbox.sender import send_due_deliveries, unrecorded_at_most
from vigil.vocabularies.service import seed_vocabularies

_script = Path(sys.executable).with_name("vigil")
VIGIL = [str(_script)] if _script.exists() else [sys.executable, "-m", "vigil"]
FAN_OUT = 1000


@pytest.fixture(params=["sqlite", "postgresql"])
def committed_settings(request, tmp_path) -> Iterator[Settings]:  # type: ignore[no-untyped-def]
    """A database of our own that a worker subprocess can see (committed data), dropped
    afterwards."""
    name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'faults.db'}"
    else:
        name = pg_database_name("_faults")
        url = create_pg_database(name)
    upgrade(url)
    settings = Settings(
        env=Environment.test,
        data_dir=tmp_path / "var",
        database_url=url,
        secret_key=secrets.token_urlsafe(48),
        master_key=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        base_url="https://vigil.test",
        smtp_from="alerts@vigil.test",
    )
    try:
        yield settings
    finally:
        if name:
            drop_pg_database(name)


def _worker(settings: Settings, smtp_port: int, log: Path) -> subprocess.Popen[bytes]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    assert settings.secret_key is not None and settings.master_key is not None
    environment.update(
        VIGIL_ENV="test",
        VIGIL_DATA_DIR=str(settings.data_dir),
        VIGIL_DATABASE_URL=settings.effective_database_url,
        VIGIL_SECRET_KEY=settings.secret_key.get_secret_value(),
        VIGIL_MASTER_KEY=settings.master_key.get_secret_value(),
        VIGIL_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}",
        VIGIL_SMTP_FROM=settings.smtp_from,
        VIGIL_DELIVERY_CLAIM_SECONDS="2",
        VIGIL_DELIVERY_BACKOFF_SECONDS="0.2",
        VIGIL_WORKER_POLL_SECONDS="0.2",
    )
    with log.open("ab") as out:
        return subprocess.Popen([*VIGIL, "worker"], env=environment, stdout=out, stderr=out)


def _wait(condition, timeout: float, what: str, log: Path) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}; worker log:\n{log.read_text()[-3000:]}")
        time.sleep(0.02)


def test_kill_9_mid_fan_out_loses_nobody_and_duplicates_at_most_once(committed_settings, tmp_path):
    settings = committed_settings
    engine = make_engine(settings.effective_database_url)
    factory = make_sessionmaker(engine)
    with session_scope(factory) as session:
        seed_vocabularies(session)
        vault = Vault(session=session, ring=keystore_for(settings).current())
        world = make_world(session, vault, urgency=0)
        addresses = [f"recipient{i:04d}@example.org" for i in range(FAN_OUT)]
        for address in addresses:
            queue(session, vault, world, address=address)

    def sent() -> int:
        with session_scope(factory) as session:
            return session.scalar(select(func.count()).where(Delivery.state == "sent"))  # type: ignore[return-value]

    smtp = SmtpServer().start()
    smtp.sink.delay = 0.002  # a little slower than loopback, so the kill lands mid-fan-out
    log = tmp_path / "worker.log"
    try:
        first = _worker(settings, smtp.port, log)
        _wait(lambda: len(smtp.sink.messages) >= 150, 60, "the first messages", log)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        received_before_restart = len(smtp.sink.messages)
        recorded_before_restart = sent()
        assert received_before_restart < FAN_OUT, "the worker finished before the kill"
        unrecorded = received_before_restart - recorded_before_restart
        assert 0 <= unrecorded <= unrecorded_at_most(settings)

        second = _worker(settings, smtp.port, log)
        _wait(lambda: sent() == FAN_OUT, 90, "every delivery to be sent", log)
        second.send_signal(signal.SIGTERM)  # graceful: exits 0, holds nothing
        assert second.wait(15) == 0
    finally:
        smtp.stop()
        for process in (locals().get("first"), locals().get("second")):
            if process is not None and process.poll() is None:
                process.kill()

    per_recipient = smtp.sink.by_recipient()
    assert set(per_recipient) == set(addresses)  # nobody lost
    copies = Counter(len(items) for items in per_recipient.values())
    assert set(copies) <= {1, 2}  # at most one duplicate per recipient per crash
    duplicates = len(smtp.sink.messages) - FAN_OUT
    assert duplicates == copies.get(2, 0) <= unrecorded
    for items in per_recipient.values():  # a duplicate is recognisably the same message
        assert len({item.message["Message-ID"] for item in items}) == 1
    with session_scope(factory) as session:
        assert session.scalar(select(func.count()).where(Delivery.claimed_by.is_not(None))) == 0
        assert session.scalar(select(func.count()).where(Delivery.state != "sent")) == 0
    engine.dispose()


def test_smtp_down_for_several_retry_periods_then_everything_goes_out_most_urgent_first(
    session, session_factory, settings, vault
):
    world = make_world(session, vault)
    urgencies = [3, 1, 0, 3, 2, 0, 1, 3, 0, 2]
    for i, urgency in enumerate(urgencies):
        queue(session, vault, world, address=f"r{i}-u{urgency}@example.org", urgency=urgency)
    session.commit()
    server = SmtpServer(port=free_port())  # nothing listens on it yet
    config = fast(settings, smtp_url=server.url)
    start = utcnow()
    for period in range(3):  # down for three retry periods
        now = start + timedelta(hours=period)
        assert send_due_deliveries(
            session_factory, config, now=now, timeline=ALERT_TIMELINE
        ) == len(urgencies)
    session.expire_all()
    waiting = session.scalars(select(Delivery).where(Delivery.alert_id == world.alert.id)).all()
    assert {(d.state, d.attempts) for d in waiting} == {("queued", 3)}
    assert all("Connection refused" in (d.last_error or "") for d in waiting)

    server.start()
    try:
        later = start + timedelta(hours=4)
        while send_due_deliveries(
            session_factory, config, now=later, batch=3, timeline=ALERT_TIMELINE
        ):
            pass
    finally:
        server.stop()
    order = [int(m.rcpt.split("-u")[1][0]) for m in server.sink.messages]
    assert order == sorted(urgencies)
    session.expire_all()
    states = session.scalars(select(Delivery.state).where(Delivery.alert_id == world.alert.id))
    assert set(states) == {"sent"}


def test_failing_webhooks_are_retried_then_shown_failed_with_the_reason(
    session, session_factory, settings, vault, client
):
    world = make_world(session, vault)
    receivers = {mode: WebhookReceiver() for mode in ("500", "slow", "close")}
    try:
        for mode, receiver in receivers.items():
            receiver.mode = mode
            contact = add_contact(
                session,
                world,
                name=f"Desk {mode}",
                webhook_url=receiver.url,
                webhook_secret=new_secret(),
            )
            queue(session, vault, world, channel="webhook", address=receiver.url, contact=contact)
        analyst = make_staff(session, session.get(Organisation, world.org_id))
        session.commit()
        config = fast(settings, delivery_max_attempts=3)
        start = utcnow()
        for attempt in range(4):
            send_due_deliveries(
                session_factory,
                config,
                now=start + timedelta(hours=attempt),
                timeline=ALERT_TIMELINE,
            )
        assert all(len(r.received) == 3 for r in receivers.values())
    finally:
        for receiver in receivers.values():
            receiver.stop()

    sign_in(client, analyst)
    page = client.get("/staff/deliveries?state=failed").text
    for reason in (
        "HTTP 500 Internal Server Error",
        "timed out after 0.3 s",
        "the connection was closed without a response",
    ):
        assert reason in page
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    assert health.json()["deliveries"]["failed"] == 3
