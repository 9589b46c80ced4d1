"""A cap on request bodies, enforced while they stream in.

Starlette limits plain form fields but reads uploaded files in full before the app sees them,
so an anonymous client could fill the disk or the memory. This ASGI middleware refuses a body
larger than the cap with 413, from ``Content-Length`` at once or by counting chunked bodies.

Uploads are kept in memory, never spooled to a temporary file: Starlette would write every part
over 1 MB in clear to ``/tmp``, where a reporter's photo could outlive the request (and the
disk). The cap bounds what a request can hold in memory.
"""

from __future__ import annotations

from starlette.formparsers import MultiPartParser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vigil.core.i18n import gettext


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # Starlette's documented knob (a class attribute): no part of a body within the cap
        # ever rolls over from memory to a file on disk.
        MultiPartParser.spool_max_size = max(MultiPartParser.spool_max_size, max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _refuse(send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _refuse(send)


async def _refuse(send: Send) -> None:
    # Runs inside VigilHTTPMiddleware, so the reader's language is already known.
    body = gettext("The files are too large together. Send fewer or smaller files.").encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
