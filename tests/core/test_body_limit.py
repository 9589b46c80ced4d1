"""Bodies over the cap are refused while they stream in, even without Content-Length."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from vigil.web.limits import BodySizeLimit


async def _reading_app(scope, receive, send):  # type: ignore[no-untyped-def]
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def _run(chunks: list[bytes], headers: list[tuple[bytes, bytes]]) -> int:
    sent: list[dict] = []  # type: ignore[type-arg]
    queue = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]

    async def receive():  # type: ignore[no-untyped-def]
        return queue.pop(0)

    async def send(message):  # type: ignore[no-untyped-def]
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/report", "headers": headers}
    app = BodySizeLimit(_reading_app, max_bytes=100)
    # In a thread of its own: Playwright's session keeps an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    return sent[0]["status"]


def test_chunked_body_over_the_cap_is_refused():
    assert _run([b"x" * 60, b"x" * 60], []) == 413


def test_declared_length_over_the_cap_is_refused_at_once():
    assert _run([b""], [(b"content-length", b"101")]) == 413


def test_body_within_the_cap_passes():
    assert _run([b"x" * 50, b"x" * 50], []) == 200
