"""Real receivers for the delivery tests: an SMTP server (aiosmtpd on loopback) and an HTTP
webhook receiver that can answer 2xx, fail with 500, stall past the timeout or hang up; plus
builders for an alert with queued deliveries."""

from __future__ import annotations

import asyncio
import base64
import email.policy
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from pydantic import SecretStr
from sqlalchemy.orm import Session

from tests.factories import consent_of_the_defender, make_incident, make_org
from vigil.alerts.delivery_timeline import ALERT_TIMELINE
from vigil.alerts.models import Alert
from vigil.contacts.models import Contact
from vigil.contacts.service import webhook_secret
from vigil.core.config import Settings
from vigil.core.crypto import Vault
from vigil.outbox.models import Delivery
from vigil.outbox.service import queue_delivery


def free_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


@dataclass
class Received:
    rcpt: str
    data: bytes
    at: float

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=email.policy.default)  # type: ignore[return-value]


@dataclass
class SmtpSink:
    """aiosmtpd handler: keeps every message; refuses recipients listed in ``refuse``
    (address → SMTP reply); counts connections (EHLOs)."""

    messages: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    connections: int = 0
    delay: float = 0.0  # seconds per message: a slower server, for the crash tests

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # type: ignore[no-untyped-def]
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        if self.delay:
            await asyncio.sleep(self.delay)
        for rcpt in envelope.rcpt_tos:
            self.messages.append(Received(rcpt, envelope.original_content, time.monotonic()))
        return "250 OK"

    def by_recipient(self) -> dict[str, list[Received]]:
        found: dict[str, list[Received]] = {}
        for item in list(self.messages):
            found.setdefault(item.rcpt, []).append(item)
        return found


class SmtpServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.sink = SmtpSink()
        self.controller: Controller | None = None

    @property
    def url(self) -> SecretStr:
        return SecretStr(f"smtp://127.0.0.1:{self.port}")

    def start(self) -> SmtpServer:
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@dataclass
class Hook:
    headers: dict[str, str]
    body: bytes


class WebhookReceiver:
    """``mode``: "ok" (204), "500", "404", "429", "slow" (sleeps past the client's timeout),
    "close" (hangs up without answering), "302" / "307" (redirects to ``/hooks/elsewhere`` on
    the same receiver, which records any request that follows the redirect)."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.received: list[Hook] = []
        self.paths: list[str] = []  # the path of every request, in order
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                receiver.received.append(Hook(dict(self.headers.items()), body))
                receiver.paths.append(self.path)
                mode = receiver.mode
                if mode == "close":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if mode == "slow":
                    time.sleep(0.6)
                if self.path != "/hooks/vigil":  # a followed redirect: always "answer" 204
                    mode = "ok"
                status = {"ok": 204, "slow": 204, "500": 500, "404": 404, "429": 429}
                self.send_response(status.get(mode) or int(mode))
                if mode in ("302", "307"):
                    self.send_header("location", "/hooks/elsewhere")
                self.send_header("content-length", "0")
                self.end_headers()

            def do_GET(self) -> None:  # a 302 followed as a GET
                receiver.received.append(Hook(dict(self.headers.items()), b""))
                receiver.paths.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:  # keep the test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/vigil"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


@dataclass
class World:
    org_id: int
    incident_id: int
    data_key_id: int
    alert: Alert


def make_world(session: Session, vault: Vault, *, urgency: int = 1) -> World:
    org = make_org(session)
    incident = make_incident(session, org, vault=vault)
    # An active alert needs the defender's consent: the worker cancels queued deliveries of
    # alerts whose consent lapsed (alerts/jobs.py).
    consent_of_the_defender(session, incident)
    alert = Alert(organisation_id=org.id, incident_id=incident.id, status="active", urgency=urgency)
    session.add(alert)
    session.flush()
    return World(org.id, incident.id, incident.data_key_id, alert)


def content(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "subject": "Alerta urgente – amenaza contra defensora ñ",
        "text": "Una defensora fue amenazada.\n\nPor favor acuse recibo.",
        "html": None,
        "unsubscribe_url": "https://vigil.test/l/unsubscribe-token",
        "payload": None,
    }
    base.update(changes)
    return base


def vault_of(session: Session) -> Vault:
    """A vault on the test app's key ring (the ``session`` fixture carries it)."""
    return Vault(session=session, ring=session.info["keyring"])


def secret_of(session: Session, contact: Contact) -> str | None:
    """The contact's webhook secret, opened as the worker opens it."""
    return webhook_secret(vault_of(session), contact)


def add_contact(session: Session, world: World, **fields: Any) -> Contact:
    """A contact row; ``webhook_secret`` is sealed as the directory seals it."""
    secret = fields.pop("webhook_secret", None)
    contact = Contact(organisation_id=world.org_id, name=fields.pop("name", "Ana"), **fields)
    session.add(contact)
    if secret is not None:
        vault = vault_of(session)
        contact.data_key_id = vault.new_key().id
        contact.webhook_secret_sealed = vault.seal(contact.data_key_id, secret)
    session.flush()
    return contact


def queue(
    session: Session,
    vault: Vault,
    world: World,
    *,
    address: str,
    channel: str = "email",
    contact: Contact | None = None,
    urgency: int | None = None,
    language: str = "es",
    **changes: Any,
) -> Delivery:
    return queue_delivery(
        session,
        vault,
        organisation_id=world.org_id,
        data_key_id=world.data_key_id,
        alert_id=world.alert.id,
        contact_id=contact.id if contact else None,
        tier=1,
        purpose="alert",
        channel=channel,
        address=address,
        language=language,
        urgency=world.alert.urgency if urgency is None else urgency,
        content=content(**changes),
        timeline=ALERT_TIMELINE,
    )


def fast(settings: Settings, **changes: Any) -> Settings:
    """Settings for delivery tests: short backoff, timeouts and claims."""
    values: dict[str, Any] = {
        "delivery_backoff_seconds": 0.05,
        "delivery_claim_seconds": 5.0,
        "webhook_timeout_seconds": 0.3,
        "smtp_from": "Vigil <alerts@vigil.test>",
    }
    values.update(changes)
    return settings.model_copy(update=values)
