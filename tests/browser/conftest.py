"""Browser tests: a real uvicorn server on 127.0.0.1 over a migrated SQLite database with the
demo data, driven by Playwright through Debian's Chromium (Playwright may not download one)."""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlparse

import pytest
import uvicorn

from tests.factories import StaffAccount, make_staff
from vigil.app import create_app
from vigil.core.config import Environment, Settings
from vigil.core.crypto import Vault, init_key_files, keystore_for
from vigil.core.db import make_engine, make_sessionmaker, session_scope, utcnow
from vigil.core.migrations import upgrade
from vigil.demo.alerts import load_alert_demo
from vigil.demo.loader import load_demo
from vigil.organisations.service import get_organisation_by_slug
from vigil.public.publication import publish_snapshot

CHROMIUM = "/usr/bin/chromium"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.path):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:  # type: ignore[type-arg]
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@dataclass
class LiveServer:
    url: str
    database_url: str
    settings: Settings


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("live")
    settings = Settings(
        env=Environment.test,
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'vigil.db'}",
        secret_key=secrets.token_urlsafe(48),
    )
    init_key_files(settings.keys_dir)
    upgrade(settings.effective_database_url)
    engine = make_engine(settings.effective_database_url)
    with session_scope(make_sessionmaker(engine)) as session:
        vault = Vault(session=session, ring=keystore_for(settings).current())
        load_demo(session, settings=settings, vault=vault)
        load_alert_demo(session)
        publish_snapshot(  # what the worker does daily: the home page shows these counts
            session,
            now=utcnow(),
            min_cell=settings.public_min_cell,
            delay_days=settings.publication_delay_days,
        )
    engine.dispose()

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=port, log_level="warning", access_log=False
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("live server did not start")
        time.sleep(0.05)
    yield LiveServer(
        url=f"http://127.0.0.1:{port}",
        database_url=settings.effective_database_url,
        settings=settings,
    )
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def seen_hosts(context) -> list[str]:  # type: ignore[no-untyped-def]
    """Every host the test's pages asked for; anything off 127.0.0.1 is aborted and recorded."""
    hosts: list[str] = []
    context.on("request", lambda request: hosts.append(urlparse(request.url).hostname or ""))
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if urlparse(route.request.url).hostname == "127.0.0.1"
            else route.abort()
        ),
    )
    return hosts


@pytest.fixture
def analyst(live_server: LiveServer) -> StaffAccount:
    """A fresh analyst of the demo organisation red-andina (a new TOTP seed per test, so the
    replay protection never sees the same code twice)."""
    engine = make_engine(live_server.database_url)
    with session_scope(make_sessionmaker(engine)) as session:
        org = get_organisation_by_slug(session, slug="red-andina")
        vault = Vault(session=session, ring=keystore_for(live_server.settings).current())
        account = make_staff(session, org, role="analyst", vault=vault)
    engine.dispose()
    return account


@pytest.fixture
def second_analyst(live_server: LiveServer) -> StaffAccount:
    """Another analyst of red-andina: high-risk closures need a second pair of eyes."""
    engine = make_engine(live_server.database_url)
    with session_scope(make_sessionmaker(engine)) as session:
        org = get_organisation_by_slug(session, slug="red-andina")
        vault = Vault(session=session, ring=keystore_for(live_server.settings).current())
        account = make_staff(session, org, role="analyst", vault=vault)
    engine.dispose()
    return account
