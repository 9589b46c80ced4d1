"""Alert e-mail through the worker's sender to a real SMTP server (aiosmtpd on loopback):
what a recipient's mail server receives, DKIM signatures a verifier accepts, and how each
SMTP failure is classified (retried, given up, or kept waiting)."""

from __future__ import annotations

import base64
import subprocess
from datetime import timedelta
from pathlib import Path

import dkim
import nacl.signing
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from tests.outbox.delivery_support import SmtpServer, add_contact, fast, make_world, queue
from vigil.alerts.delivery_timeline import ALERT_TIMELINE
from vigil.alerts.models import Alert, AlertEvent
from vigil.core.config import ConfigError, load_settings
from vigil.core.db import utcnow
from vigil.outbox.mailer import smtp_target
from vigil.outbox.models import Delivery
from vigil.outbox.sender import send_due_deliveries


@pytest.fixture
def smtp():  # type: ignore[no-untyped-def]
    server = SmtpServer().start()
    yield server
    server.stop()


def _events(session, delivery_id):  # type: ignore[no-untyped-def]
    return session.scalars(
        select(AlertEvent).where(AlertEvent.delivery_id == delivery_id).order_by(AlertEvent.id)
    ).all()


def test_alert_email_is_multipart_in_the_recipients_language_with_one_click_unsubscribe(
    session, session_factory, settings, vault, smtp
):
    world = make_world(session, vault)
    contact = add_contact(session, world, email="ana@operator.example", language="es")
    delivery = queue(
        session,
        vault,
        world,
        address="ana@operator.example",
        contact=contact,
        html="<p>Una defensora fue <b>amenazada</b>.</p>",
    )
    assert b"amenazada" not in delivery.content_sealed  # sealed at rest
    session.commit()

    assert (
        send_due_deliveries(
            session_factory, fast(settings, smtp_url=smtp.url), timeline=ALERT_TIMELINE
        )
        == 1
    )

    [received] = smtp.sink.messages
    assert received.rcpt == "ana@operator.example"
    message = received.message
    assert message["Subject"] == "Alerta urgente – amenaza contra defensora ñ"
    assert message["From"] == "Vigil <alerts@vigil.test>"
    assert message["Content-Language"] == "es"
    assert message["Message-ID"] == f"<{delivery.idempotency_key}@vigil.test>"
    assert delivery.idempotency_key.startswith("vigil-")
    assert message["List-Unsubscribe"] == "<https://vigil.test/l/unsubscribe-token>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.get_payload()
    assert text.get_content_type() == "text/plain"
    assert "Por favor acuse recibo." in text.get_content()
    assert html.get_content_type() == "text/html"
    assert "<b>amenazada</b>" in html.get_content()

    session.expire_all()
    stored = session.get(Delivery, delivery.id)
    assert stored.state == "sent" and stored.attempts == 1 and stored.sent_at is not None
    assert session.get(Alert, world.alert.id).first_delivered_at == stored.sent_at
    kinds = [e.kind for e in _events(session, delivery.id)]
    assert kinds == ["queued", "sent"]
    assert all("@" not in e.detail for e in _events(session, delivery.id))
    assert (
        send_due_deliveries(
            session_factory, fast(settings, smtp_url=smtp.url), timeline=ALERT_TIMELINE
        )
        == 0
    )


def test_text_only_message_gets_an_escaped_html_part_and_no_unsubscribe_header(
    session, session_factory, settings, vault, smtp
):
    world = make_world(session, vault)
    queue(
        session,
        vault,
        world,
        address="b@example.org",
        language="fr",
        text="<script>x</script> & co\n\nSecond paragraph",
        unsubscribe_url=None,
    )
    session.commit()
    send_due_deliveries(session_factory, fast(settings, smtp_url=smtp.url), timeline=ALERT_TIMELINE)
    message = smtp.sink.messages[0].message
    assert "List-Unsubscribe" not in message
    html = message.get_payload()[1].get_content()
    assert "&lt;script&gt;x&lt;/script&gt; &amp; co" in html and "<script>" not in html
    assert '<html lang="fr">' in html and "<p>Second paragraph</p>" in html


@pytest.mark.parametrize("connections", [1, 3])
def test_a_batch_reuses_its_connections_and_urgent_messages_go_first(
    session, session_factory, settings, vault, smtp, connections
):
    world = make_world(session, vault)
    urgencies = [3, 0, 2, 0, 1, 3, 0, 3, 1, 0, 3, 2]
    for i, urgency in enumerate(urgencies):
        queue(session, vault, world, address=f"r{i}-u{urgency}@example.org", urgency=urgency)
    session.commit()
    config = fast(settings, smtp_url=smtp.url, delivery_connections=connections)
    assert send_due_deliveries(session_factory, config, timeline=ALERT_TIMELINE) == len(urgencies)
    assert smtp.sink.connections == connections  # one per lane for the whole batch
    order = [int(m.rcpt.split("-u")[1][0]) for m in smtp.sink.messages]
    assert order == sorted(urgencies)  # each urgency level is finished before the next


def _rsa_key(tmp_path: Path) -> tuple[Path, bytes]:
    key = tmp_path / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    return key, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def _ed25519_key(tmp_path: Path) -> tuple[Path, bytes]:
    signing = nacl.signing.SigningKey.generate()
    key = tmp_path / "dkim.ed25519"
    key.write_bytes(base64.b64encode(bytes(signing)))
    public = base64.b64encode(bytes(signing.verify_key))
    return key, b"v=DKIM1; k=ed25519; p=" + public


@pytest.mark.parametrize("make_key", [_rsa_key, _ed25519_key], ids=["rsa", "ed25519"])
def test_dkim_signature_covers_the_unsubscribe_headers_and_verifies(
    session, session_factory, settings, vault, smtp, tmp_path, make_key
):
    key_file, dns_record = make_key(tmp_path)
    world = make_world(session, vault)
    queue(session, vault, world, address="ana@operator.example")
    session.commit()
    signing = fast(
        settings,
        smtp_url=smtp.url,
        dkim_private_key_file=key_file,
        dkim_selector="alerts2026",
        dkim_domain="vigil.test",
    )
    send_due_deliveries(session_factory, signing, timeline=ALERT_TIMELINE)
    data = smtp.sink.messages[0].data
    assert data.startswith(b"DKIM-Signature:")
    looked_up: list[bytes] = []

    def dns(name: bytes, timeout: int = 5) -> bytes:
        looked_up.append(name)
        return dns_record if name == b"alerts2026._domainkey.vigil.test." else b""

    assert dkim.verify(data, dnsfunc=dns)
    assert looked_up == [b"alerts2026._domainkey.vigil.test."]
    signature = smtp.sink.messages[0].message["DKIM-Signature"]
    signed = signature.replace(" ", "").replace("\t", "").split("h=")[1].split(";")[0]
    assert {"from", "subject", "list-unsubscribe", "list-unsubscribe-post"} <= set(
        signed.lower().split(":")
    )
    tampered = data.replace(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click", b"X: y")
    assert not dkim.verify(tampered, dnsfunc=dns)


def test_unreadable_dkim_key_keeps_messages_queued_rather_than_unsigned(
    session, session_factory, settings, vault, smtp, tmp_path
):
    world = make_world(session, vault)
    delivery = queue(session, vault, world, address="a@example.org")
    session.commit()
    missing = fast(settings, smtp_url=smtp.url, dkim_private_key_file=tmp_path / "nope.pem")
    send_due_deliveries(session_factory, missing, timeline=ALERT_TIMELINE)
    assert smtp.sink.messages == []
    session.expire_all()
    stored = session.get(Delivery, delivery.id)
    assert stored.state == "queued" and stored.attempts == 0
    assert "DKIM key file unreadable" in stored.last_error


def test_refused_recipients_fail_for_good_on_5xx_and_are_retried_on_4xx(
    session, session_factory, settings, vault, smtp
):
    smtp.sink.refuse = {
        "gone@example.org": "550 5.1.1 <gone@example.org>: Recipient address rejected",
        "full@example.org": "452 4.2.2 <full@example.org>: Mailbox full",
    }
    world = make_world(session, vault)
    gone = queue(session, vault, world, address="gone@example.org")
    full = queue(session, vault, world, address="full@example.org")
    fine = queue(session, vault, world, address="fine@example.org")
    bad = queue(session, vault, world, address="not an address")
    session.commit()
    now = utcnow()
    send_due_deliveries(
        session_factory, fast(settings, smtp_url=smtp.url), now=now, timeline=ALERT_TIMELINE
    )
    assert [m.rcpt for m in smtp.sink.messages] == ["fine@example.org"]
    session.expire_all()
    states = {d.address: d for d in session.scalars(select(Delivery))}
    assert states["gone@example.org"].state == "failed"
    assert states["gone@example.org"].last_error.startswith("recipient refused: 550")
    assert "gone@example.org" not in states["gone@example.org"].last_error
    assert states["full@example.org"].state == "queued"
    assert states["full@example.org"].attempts == 1
    assert states["full@example.org"].next_attempt_at > now
    assert states["not an address"].state == "failed"
    assert states["not an address"].last_error.startswith("invalid address")
    assert states["fine@example.org"].state == "sent"
    [failed] = [e for e in _events(session, gone.id) if e.kind == "failed"]
    assert "550" in failed.detail and "@" not in failed.detail
    [retrying] = [e for e in _events(session, full.id) if e.kind == "retrying"]
    assert "attempt 1 failed" in retrying.detail and "@" not in retrying.detail
    assert fine.id and bad.id


def test_without_smtp_url_deliveries_wait_with_a_clear_error(
    session, session_factory, settings, vault
):
    world = make_world(session, vault)
    delivery = queue(session, vault, world, address="a@example.org")
    session.commit()
    now = utcnow()
    assert (
        send_due_deliveries(session_factory, fast(settings), now=now, timeline=ALERT_TIMELINE) == 1
    )
    session.expire_all()
    stored = session.get(Delivery, delivery.id)
    assert stored.state == "queued" and stored.attempts == 0
    assert stored.last_error == "e-mail is not configured: VIGIL_SMTP_URL is not set"
    assert stored.next_attempt_at == now + timedelta(seconds=0.05)


def test_starttls_asked_for_but_not_offered_is_never_sent_in_clear(
    session, session_factory, settings, vault, smtp
):
    world = make_world(session, vault)
    delivery = queue(session, vault, world, address="a@example.org")
    session.commit()
    tls = SecretStr(f"smtp://127.0.0.1:{smtp.port}?starttls=true")
    send_due_deliveries(session_factory, fast(settings, smtp_url=tls), timeline=ALERT_TIMELINE)
    assert smtp.sink.messages == []
    session.expire_all()
    stored = session.get(Delivery, delivery.id)
    assert stored.state == "queued" and stored.attempts == 1
    assert "SMTPNotSupportedError" in stored.last_error


def test_erased_content_fails_for_good(session, session_factory, settings, vault, smtp):
    world = make_world(session, vault)
    delivery = queue(session, vault, world, address="a@example.org")
    vault.destroy(world.data_key_id)  # the person was forgotten
    session.commit()
    send_due_deliveries(session_factory, fast(settings, smtp_url=smtp.url), timeline=ALERT_TIMELINE)
    assert smtp.sink.messages == []
    session.expire_all()
    stored = session.get(Delivery, delivery.id)
    assert stored.state == "failed" and stored.last_error.startswith("content erased")


def test_smtp_url_forms():
    def target(url: str):  # type: ignore[no-untyped-def]
        return smtp_target(load_settings(smtp_url=url, secret_key="k" * 40))

    plain = target("smtp://mail.example.org")
    assert (plain.host, plain.port, plain.starttls, plain.implicit_tls) == (
        "mail.example.org",
        25,
        False,
        False,
    )
    submission = target("smtp://alerts%40ngo.org:p%3Ass%40@mail.example.org:587?starttls=true")
    assert submission.port == 587 and submission.starttls
    assert (submission.username, submission.password) == ("alerts@ngo.org", "p:ss@")
    implicit = target("smtps://u:p@mail.example.org")
    assert implicit.implicit_tls and implicit.port == 465
    assert load_settings(smtp_url="", secret_key="k" * 40).smtp_url is None
    with pytest.raises(ConfigError, match="VIGIL_SMTP_URL"):
        load_settings(smtp_url="mail.example.org:25", secret_key="k" * 40)
    assert "p:ss" not in repr(load_settings(smtp_url="smtp://u:p%3Ass@h", secret_key="k" * 40))


@pytest.fixture
def tls_files(tmp_path):  # type: ignore[no-untyped-def]
    """A self-signed certificate for 127.0.0.1."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subject = ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
    files = ["-keyout", str(key), "-out", str(cert)]
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            *subject,
            *files,
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.parametrize("scheme", ["starttls", "smtps"])
def test_tls_connections_verify_the_server_and_deliver(
    session, session_factory, settings, vault, tls_files, scheme, monkeypatch
):
    import ssl

    from aiosmtpd.controller import Controller

    from tests.outbox.delivery_support import SmtpSink, free_port

    cert, key = tls_files
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    sink, port = SmtpSink(), free_port()
    if scheme == "starttls":
        controller = Controller(
            sink, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True
        )
        url = f"smtp://127.0.0.1:{port}?starttls=true"
    else:
        controller = Controller(sink, hostname="127.0.0.1", port=port, ssl_context=context)
        url = f"smtps://127.0.0.1:{port}"
    controller.start()
    try:
        world = make_world(session, vault)
        delivery = queue(session, vault, world, address="a@example.org")
        session.commit()
        config = fast(settings, smtp_url=SecretStr(url))
        monkeypatch.setenv("SSL_CERT_FILE", str(cert.parent / "none.pem"))
        now = utcnow()
        send_due_deliveries(
            session_factory, config, now=now, timeline=ALERT_TIMELINE
        )  # an untrusted certificate
        assert sink.messages == []
        session.expire_all()
        assert "CERTIFICATE_VERIFY_FAILED" in session.get(Delivery, delivery.id).last_error
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trusted by this process only
        send_due_deliveries(
            session_factory, config, now=now + timedelta(hours=1), timeline=ALERT_TIMELINE
        )
    finally:
        controller.stop()
    assert [m.rcpt for m in sink.messages] == ["a@example.org"]
    session.expire_all()
    assert session.get(Delivery, delivery.id).state == "sent"
