"""No client address anywhere: reports are filed through a real server on loopback from a
known client port, then every log line and every database value is searched for it."""

from __future__ import annotations

import base64
import http.client
import logging
import re
import secrets
import socket
import threading
import time
from urllib.parse import urlencode

import pytest
import uvicorn
from sqlalchemy import select

from tests.conftest import create_pg_database, drop_pg_database, pg_database_name
from vigil.app import create_app
from vigil.core.config import Environment, Settings
from vigil.core.db import make_engine, make_sessionmaker, session_scope
from vigil.core.logs import configure_logging
from vigil.core.migrations import upgrade
from vigil.models import metadata
from vigil.organisations.service import ensure_organisation
from vigil.vocabularies.service import seed_vocabularies


def _free_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


class _Client:
    """HTTP over loopback, with cookies, remembering the client ports it used."""

    def __init__(self, server_port: int) -> None:
        self.cookies: dict[str, str] = {}
        self.ports: set[int] = set()  # every client port the server saw
        self.conn = http.client.HTTPConnection("127.0.0.1", server_port, timeout=30)

    def request(self, method: str, path: str, fields: dict[str, str] | None = None) -> str:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if fields is not None:
            body = urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        self.ports.add(self.conn.sock.getsockname()[1])
        response = self.conn.getresponse()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";")[0]
        return response.read().decode()


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request, tmp_path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ip.db'}"
        return
    name = pg_database_name("_noip")
    yield create_pg_database(name)
    drop_pg_database(name)


def test_no_client_address_in_logs_or_database(fresh_url, tmp_path, caplog):
    settings = Settings(
        env=Environment.test,
        data_dir=tmp_path,
        database_url=fresh_url,
        secret_key=secrets.token_urlsafe(48),
        cookie_secure=False,
        master_key=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    )
    upgrade(fresh_url)
    engine = make_engine(fresh_url)
    with session_scope(make_sessionmaker(engine)) as session:
        seed_vocabularies(session)
        ensure_organisation(session, slug="noip", name="No IP")
    configure_logging(settings)
    root = logging.getLogger()
    root.addHandler(caplog.handler)
    for name in ("vigil", "uvicorn", "uvicorn.error"):
        logging.getLogger(name).addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG)

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=port, log_config=None, access_log=False
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        client = _Client(port)
        for number in range(2):
            page = client.request("GET", "/report")
            token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page).group(1)
            receipt_page = client.request(
                "POST",
                "/report",
                {
                    "csrf_token": token,
                    "submission_id": f"noip-{number}",
                    "country": "CO",
                    "narrative": "Threat at the river crossing.",
                    "imminent": "yes",
                },
            )
            receipt = re.search(r'id="receipt">([\d ]+)<', receipt_page).group(1)
            client.request(
                "POST",
                "/report/status",
                {"csrf_token": token, "receipt": receipt, "message": "Still here."},
            )
            client.request(
                "POST", "/report/status", {"csrf_token": token, "receipt": "1111 2222 3333 4444"}
            )
            client.request(
                "POST",
                "/login",
                {"csrf_token": token, "email": "x@y.org", "password": "wrong password"},
            )
        client.conn.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        for name in ("vigil", "uvicorn", "uvicorn.error"):
            logging.getLogger(name).removeHandler(caplog.handler)
        root.removeHandler(caplog.handler)

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "POST /report 201" in logged  # the access log did record the requests
    assert "127.0.0.1" not in logged.replace(f"127.0.0.1:{port}", "")  # only the server's bind
    ports = {str(p) for p in client.ports}
    assert ports and not any(p in logged for p in ports)

    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)):
                for value in row:
                    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                    assert "127.0.0.1" not in text, table.name
                    if isinstance(value, str) and not re.fullmatch(r"[0-9a-f]{64}", value):
                        assert not any(p in text for p in ports), (table.name, value)
    engine.dispose()
