"""Signal pages to staff through a ``signal-cli-rest-api`` server
(https://github.com/bbernhard/signal-cli-rest-api): ``POST {VIGIL_SIGNAL_URL}/v2/send`` with
``{"message", "number", "recipients"}``, ``number`` being the Signal account registered on
that server (``VIGIL_SIGNAL_NUMBER``).

2xx means the server sent it. Timeouts, a refused connection, 5xx, 408, 425 and 429 are
retried; any other answer (a 400 for a number not on Signal) is permanent.
"""

from __future__ import annotations

from datetime import datetime

import httpx

from vigil.core.config import Settings
from vigil.outbox.channels import DeliveryFailed, Outgoing

RETRYABLE_STATUS = {408, 425, 429}


class SignalChannel:
    """One HTTP client for a batch of Signal pages; redirects are not followed."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: httpx.Client | None = None

    def _http(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                timeout=self.settings.paging_timeout_seconds, follow_redirects=False
            )
        return self._client

    def send(self, outgoing: Outgoing, *, now: datetime) -> None:
        if not self.settings.signal_configured:
            raise DeliveryFailed("Signal is not configured", counts=False)
        url = f"{(self.settings.signal_url or '').rstrip('/')}/v2/send"
        body = {
            "message": outgoing.content["text"],
            "number": self.settings.signal_number,
            "recipients": [outgoing.address],
        }
        try:
            response = self._http().post(url, json=body)
        except httpx.TimeoutException:
            raise DeliveryFailed(
                f"timed out after {self.settings.paging_timeout_seconds:g} s"
            ) from None
        except httpx.ConnectError:
            raise DeliveryFailed("connection refused or host unreachable") from None
        except httpx.HTTPError as error:
            raise DeliveryFailed(f"HTTP error: {type(error).__name__}") from None
        status = response.status_code
        if 200 <= status < 300:
            return
        reason = f"signal-cli-rest-api HTTP {status} {response.reason_phrase}".strip()
        raise DeliveryFailed(reason, permanent=status < 500 and status not in RETRYABLE_STATUS)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
