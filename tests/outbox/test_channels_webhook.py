"""Alert webhooks to a real local HTTP receiver: Standard Webhooks signatures that the
``standardwebhooks`` library verifies, the same webhook-id on every retry, and each kind of
receiver failure retried or given up with its reason."""

from __future__ import annotations

import base64
import json
import re
import secrets
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook, WebhookVerificationError

from tests.outbox.delivery_support import (
    WebhookReceiver,
    add_contact,
    fast,
    make_world,
    new_secret,
    queue,
    secret_of,
)
from vigil.alerts.delivery_timeline import ALERT_TIMELINE
from vigil.alerts.models import AlertEvent
from vigil.contacts.service import ContactInput, create_contact, webhook_secret
from vigil.core.config import Environment
from vigil.core.crypto import KeyRing, Vault, rewrap_all
from vigil.core.db import utcnow
from vigil.models import metadata
from vigil.outbox.channels.webhook import private_address
from vigil.outbox.models import Delivery
from vigil.outbox.sender import send_due_deliveries

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def receiver():  # type: ignore[no-untyped-def]
    server = WebhookReceiver()
    yield server
    server.stop()


def _hook(session, vault, receiver, *, secret=None, **changes):  # type: ignore[no-untyped-def]
    world = make_world(session, vault)
    contact = add_contact(
        session, world, webhook_url=receiver.url, webhook_secret=secret or new_secret()
    )
    payload = {"type": "alert.launched", "data": {"alert": world.alert.id, "text": "Amenaza ñ"}}
    delivery = queue(
        session,
        vault,
        world,
        channel="webhook",
        address=receiver.url,
        contact=contact,
        payload=payload,
        **changes,
    )
    session.commit()
    return contact, delivery


def test_webhook_is_signed_so_standardwebhooks_verifies_it(
    session, session_factory, settings, vault, receiver
):
    contact, delivery = _hook(session, vault, receiver)
    assert send_due_deliveries(session_factory, fast(settings), timeline=ALERT_TIMELINE) == 1
    [hook] = receiver.received
    headers = {k.lower(): v for k, v in hook.headers.items()}
    assert headers["webhook-id"] == delivery.idempotency_key
    assert headers["content-type"] == "application/json"
    assert abs(int(headers["webhook-timestamp"]) - utcnow().timestamp()) < 5
    payload = Webhook(secret_of(session, contact)).verify(hook.body, headers)
    assert payload["data"]["text"] == "Amenaza ñ"
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(hook.body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret_of(session, contact)).verify(hook.body.replace(b"Amenaza", b"Nada"), headers)
    session.expire_all()
    assert session.get(Delivery, delivery.id).state == "sent"


def test_a_retry_has_the_same_webhook_id_and_a_fresh_signature(
    session, session_factory, settings, vault, receiver
):
    contact, delivery = _hook(session, vault, receiver)
    receiver.mode = "500"
    now = utcnow()
    send_due_deliveries(session_factory, fast(settings), now=now, timeline=ALERT_TIMELINE)
    receiver.mode = "ok"
    send_due_deliveries(
        session_factory, fast(settings), now=now + timedelta(minutes=1), timeline=ALERT_TIMELINE
    )
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.idempotency_key
    for hook in (first, second):
        Webhook(secret_of(session, contact)).verify(hook.body, hook.headers)
    session.expire_all()
    stored = session.get(Delivery, delivery.id)
    assert stored.state == "sent" and stored.attempts == 2


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("500", "HTTP 500 Internal Server Error"),
        ("429", "HTTP 429 Too Many Requests"),
        ("slow", "timed out after 0.3 s"),
        ("close", "the connection was closed without a response"),
    ],
)
def test_receiver_failures_are_retried_then_given_up_with_the_reason(
    session, session_factory, settings, vault, receiver, mode, reason
):
    _contact, delivery = _hook(session, vault, receiver)
    receiver.mode = mode
    now = utcnow()
    three = fast(settings, delivery_max_attempts=3)
    for round_ in range(3):
        assert (
            send_due_deliveries(
                session_factory, three, now=now + timedelta(hours=round_), timeline=ALERT_TIMELINE
            )
            == 1
        )
    assert (
        send_due_deliveries(
            session_factory, three, now=now + timedelta(hours=9), timeline=ALERT_TIMELINE
        )
        == 0
    )
    assert len(receiver.received) == 3
    session.expire_all()
    stored = session.get(Delivery, delivery.id)
    assert (stored.state, stored.attempts, stored.last_error) == ("failed", 3, reason)
    events = session.scalars(
        select(AlertEvent.kind).where(AlertEvent.delivery_id == delivery.id).order_by(AlertEvent.id)
    ).all()
    assert events == ["queued", "retrying", "retrying", "failed"]


def test_a_4xx_answer_fails_at_once(session, session_factory, settings, vault, receiver):
    _contact, delivery = _hook(session, vault, receiver)
    receiver.mode = "404"
    send_due_deliveries(session_factory, fast(settings), timeline=ALERT_TIMELINE)
    session.expire_all()
    stored = session.get(Delivery, delivery.id)
    assert (stored.state, stored.attempts, stored.last_error) == ("failed", 1, "HTTP 404 Not Found")


@pytest.mark.parametrize(
    ("mode", "reason"), [("302", "HTTP 302 Found"), ("307", "HTTP 307 Temporary Redirect")]
)
def test_a_redirect_is_not_followed_and_fails_at_once(
    session, session_factory, settings, vault, receiver, mode, reason
):
    """A receiver (or whoever took over its address) must not steer the worker to another
    address, e.g. one inside the deployment's network: the redirect is a permanent failure."""
    _contact, delivery = _hook(session, vault, receiver)
    receiver.mode = mode
    now = utcnow()
    assert (
        send_due_deliveries(session_factory, fast(settings), now=now, timeline=ALERT_TIMELINE) == 1
    )
    assert (
        send_due_deliveries(
            session_factory, fast(settings), now=now + timedelta(hours=9), timeline=ALERT_TIMELINE
        )
        == 0
    )
    assert receiver.paths == ["/hooks/vigil"]  # nothing reached /hooks/elsewhere
    session.expire_all()
    stored = session.get(Delivery, delivery.id)
    assert (stored.state, stored.attempts, stored.last_error) == ("failed", 1, reason)


def test_no_secret_or_plain_http_in_production_is_refused_without_sending(
    session, session_factory, settings, vault, receiver
):
    world = make_world(session, vault)
    unsigned = add_contact(session, world, webhook_url=receiver.url)
    first = queue(session, vault, world, channel="webhook", address=receiver.url, contact=unsigned)
    session.commit()
    send_due_deliveries(session_factory, fast(settings), timeline=ALERT_TIMELINE)
    _contact, second = _hook(session, vault, receiver)
    send_due_deliveries(
        session_factory, fast(settings, env=Environment.production), timeline=ALERT_TIMELINE
    )
    assert receiver.received == []
    session.expire_all()
    assert session.get(Delivery, first.id).last_error == "the contact has no webhook secret"
    assert session.get(Delivery, second.id).last_error == "webhooks must use https in production"


def test_the_readme_verification_snippet_accepts_vigil_webhooks_and_drops_replays(
    session, session_factory, settings, vault, receiver
):
    contact, _delivery = _hook(session, vault, receiver)
    send_due_deliveries(session_factory, fast(settings), timeline=ALERT_TIMELINE)
    [hook] = receiver.received
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.DOTALL)
    [snippet] = [b for b in blocks if "from standardwebhooks import" in b]
    namespace: dict = {}
    exec(snippet, namespace)  # the documented code, as a receiver would paste it
    namespace["WEBHOOK_SECRET"] = secret_of(session, contact)
    handle = namespace["handle_vigil_webhook"]
    assert handle(hook.body, hook.headers) == 204
    assert namespace["seen_ids"] == {hook.headers["webhook-id"]}
    assert handle(hook.body, hook.headers) == 204  # a duplicate is acknowledged, not re-run
    assert len(namespace["handled"]) == 1
    assert json.loads(hook.body) == namespace["handled"][0]
    assert handle(hook.body.replace(b"Amenaza", b"Nada"), hook.headers) == 400
    old = dict(hook.headers, **{"webhook-timestamp": str(int(utcnow().timestamp()) - 600)})
    assert handle(hook.body, old) == 400  # outside the replay window


def test_in_production_a_webhook_into_a_private_network_is_refused(
    session, session_factory, settings, vault, receiver
):
    world = make_world(session, vault)
    inside = receiver.url.replace("http://", "https://")
    contact = add_contact(session, world, webhook_url=inside, webhook_secret=new_secret())
    delivery = queue(session, vault, world, channel="webhook", address=inside, contact=contact)
    session.commit()
    send_due_deliveries(
        session_factory, fast(settings, env=Environment.production), timeline=ALERT_TIMELINE
    )
    assert receiver.received == []
    session.expire_all()
    stored = session.get(Delivery, delivery.id)
    assert stored.state == "failed"
    assert (
        stored.last_error == "the webhook address is on a private network (refused in production)"
    )


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "localhost",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # shared address space (carrier-grade NAT): not private, not global
        "192.0.0.8",  # IETF protocol assignments (missed by is_global before Python 3.12.4)
        "::1",
        "fd00::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:10.0.0.1",
        "::7f00:1",  # IPv4-compatible 127.0.0.1
        "::a9fe:a9fe",  # IPv4-compatible 169.254.169.254
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "64:ff9b:1::808:808",  # local-use NAT64 (RFC 8215)
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
    ],
)
def test_addresses_off_the_public_internet_are_refused(address: str) -> None:
    assert private_address(address)


@pytest.mark.parametrize(
    "address",
    [
        "93.184.216.34",
        "8.8.8.8",
        "2606:4700:4700::1111",
        "::ffff:8.8.8.8",  # IPv4-mapped public address
        "64:ff9b::808:808",  # NAT64 of a public address (IPv6-only networks reach IPv4 so)
        "2002:808:808::1",  # 6to4 of a public address
    ],
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert not private_address(address)


def _stored_bytes(session) -> list[tuple[str, bytes]]:  # type: ignore[no-untyped-def]
    """Every value of every table as the database holds it, and on SQLite the files too."""
    found = []
    for table in metadata.sorted_tables:
        for row in session.execute(select(table)).all():
            for column, value in zip(table.columns, row, strict=True):
                if value is not None:
                    raw = bytes(value) if isinstance(value, bytes | memoryview) else None
                    text = raw if raw is not None else json.dumps(value, default=str).encode()
                    found.append((f"{table.name}.{column.name}", text))
    url = session.get_bind().engine.url
    if url.get_backend_name() == "sqlite":
        for suffix in ("", "-wal"):
            path = Path(f"{url.database}{suffix}")
            if path.exists():
                found.append((path.name, path.read_bytes()))
    return found


def test_the_webhook_secret_is_sealed_at_rest_and_deliveries_are_still_signed(
    session, session_factory, settings, vault, receiver
):
    world = make_world(session, vault)
    form = ContactInput(name="Desk", role="security_lead", email="", webhook_url=receiver.url)
    contact = create_contact(session, vault, org_id=world.org_id, data=form, actor_user_id=None)
    queue(session, vault, world, channel="webhook", address=receiver.url, contact=contact)
    session.commit()
    secret = secret_of(session, contact)
    assert secret is not None and secret.startswith("whsec_")
    body = secret.removeprefix("whsec_")
    planted = (body.encode(), base64.b64decode(body), body.encode("utf-16-le"))
    for where, stored in _stored_bytes(session):
        assert not any(p in stored for p in planted), f"the webhook secret is in {where}"

    send_due_deliveries(session_factory, fast(settings), timeline=ALERT_TIMELINE)
    [hook] = receiver.received
    assert Webhook(secret).verify(hook.body, hook.headers)["data"]["subject"]

    # `vigil keys rotate`: the contact's data key is re-wrapped like every other one, and
    # the secret opens with the new key-encryption key alone.
    old = session.info["keyring"]
    new_kek = secrets.token_bytes(32)
    rotating = KeyRing(keks={**old.keks, "new": new_kek}, active_id="new", index_key=old.index_key)
    assert rewrap_all(session, rotating) >= 1
    rotated = KeyRing(keks={"new": new_kek}, active_id="new", index_key=old.index_key)
    assert webhook_secret(Vault(session=session, ring=rotated), contact) == secret
    session.rollback()
