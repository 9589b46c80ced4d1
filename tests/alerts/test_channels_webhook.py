"""Alert webhooks to a real local HTTP receiver: Standard Webhooks signatures that the
``standardwebhooks`` library verifies, the same webhook-id on every retry, and each kind of
receiver failure retried or given up with its reason."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook, WebhookVerificationError

from tests.alerts.delivery_support import (
    WebhookReceiver,
    add_contact,
    fast,
    make_world,
    new_secret,
    queue,
)
from vigil.alerts.channels.webhook import private_address
from vigil.alerts.models import AlertEvent, Delivery
from vigil.alerts.sender import send_due_deliveries
from vigil.core.config import Environment
from vigil.core.db import utcnow

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
    assert send_due_deliveries(session_factory, fast(settings)) == 1
    [hook] = receiver.received
    headers = {k.lower(): v for k, v in hook.headers.items()}
    assert headers["webhook-id"] == delivery.idempotency_key
    assert headers["content-type"] == "application/json"
    assert abs(int(headers["webhook-timestamp"]) - utcnow().timestamp()) < 5
    payload = Webhook(contact.webhook_secret).verify(hook.body, headers)
    assert payload["data"]["text"] == "Amenaza ñ"
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(hook.body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(contact.webhook_secret).verify(hook.body.replace(b"Amenaza", b"Nada"), headers)
    session.expire_all()
    assert session.get(Delivery, delivery.id).state == "sent"


def test_a_retry_has_the_same_webhook_id_and_a_fresh_signature(
    session, session_factory, settings, vault, receiver
):
    contact, delivery = _hook(session, vault, receiver)
    receiver.mode = "500"
    now = utcnow()
    send_due_deliveries(session_factory, fast(settings), now=now)
    receiver.mode = "ok"
    send_due_deliveries(session_factory, fast(settings), now=now + timedelta(minutes=1))
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.idempotency_key
    for hook in (first, second):
        Webhook(contact.webhook_secret).verify(hook.body, hook.headers)
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
        assert send_due_deliveries(session_factory, three, now=now + timedelta(hours=round_)) == 1
    assert send_due_deliveries(session_factory, three, now=now + timedelta(hours=9)) == 0
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
    send_due_deliveries(session_factory, fast(settings))
    session.expire_all()
    stored = session.get(Delivery, delivery.id)
    assert (stored.state, stored.attempts, stored.last_error) == ("failed", 1, "HTTP 404 Not Found")


def test_no_secret_or_plain_http_in_production_is_refused_without_sending(
    session, session_factory, settings, vault, receiver
):
    world = make_world(session, vault)
    unsigned = add_contact(session, world, webhook_url=receiver.url)
    first = queue(session, vault, world, channel="webhook", address=receiver.url, contact=unsigned)
    session.commit()
    send_due_deliveries(session_factory, fast(settings))
    _contact, second = _hook(session, vault, receiver)
    send_due_deliveries(session_factory, fast(settings, env=Environment.production))
    assert receiver.received == []
    session.expire_all()
    assert session.get(Delivery, first.id).last_error == "the contact has no webhook secret"
    assert session.get(Delivery, second.id).last_error == "webhooks must use https in production"


def test_the_readme_verification_snippet_accepts_vigil_webhooks_and_drops_replays(
    session, session_factory, settings, vault, receiver
):
    contact, _delivery = _hook(session, vault, receiver)
    send_due_deliveries(session_factory, fast(settings))
    [hook] = receiver.received
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.DOTALL)
    [snippet] = [b for b in blocks if "from standardwebhooks import" in b]
    namespace: dict = {}
    exec(snippet, namespace)  # the documented code, as a receiver would paste it
    namespace["WEBHOOK_SECRET"] = contact.webhook_secret
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
    send_due_deliveries(session_factory, fast(settings, env=Environment.production))
    assert receiver.received == []
    session.expire_all()
    stored = session.get(Delivery, delivery.id)
    assert stored.state == "failed"
    assert (
        stored.last_error == "the webhook address is on a private network (refused in production)"
    )


def test_private_addresses_are_recognised() -> None:
    assert private_address("127.0.0.1") and private_address("10.1.2.3")
    assert private_address("localhost") and private_address("169.254.169.254")
    assert not private_address("93.184.216.34")
