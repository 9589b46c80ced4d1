"""Local fakes of the paging providers, real HTTP servers on 127.0.0.1 in a thread: Twilio's
REST API (Messages and Calls, as its client library calls them) and signal-cli-rest-api's
``/v2/send``. ``status`` sets the answer (201 by default)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

SID = "AC" + "0" * 32
TOKEN = "twilio-test-token"
FROM = "+15005550006"
SIGNAL_FROM = "+4915112345678"


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class FakeProvider:
    """Answers every POST with ``status``; Twilio-shaped JSON, so the client can read it."""

    def __init__(self) -> None:
        self.status = 201
        self.received: list[Request] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                fake.received.append(Request(self.path, dict(self.headers.items()), body))
                ok = 200 <= fake.status < 300
                answer = (
                    {"sid": "SM" + "1" * 32, "status": "queued", "account_sid": SID}
                    if ok
                    else {"code": 21211, "message": "refused", "status": fake.status}
                )
                data = json.dumps(answer).encode()
                self.send_response(fake.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
