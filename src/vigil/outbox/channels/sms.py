"""SMS and voice pages to staff through Twilio's REST API, with Twilio's own client library.

``VIGIL_SMS_URL`` replaces Twilio's API host (``https://api.twilio.com``) through the
library's documented extension point, a custom HTTP client: a Twilio-compatible gateway or a
test server receives exactly the requests Twilio would. A voice page is a call that reads the
page's text aloud twice (TwiML ``<Say>``, escaped by the library).

Twilio answers 2xx when it has taken the message. 429 and 5xx, timeouts and refused
connections are retried; 401/403 (a wrong account or token) wait without using up an
attempt, like e-mail that is not configured, since the operator must fix it and the page
must not be lost meanwhile; any other 4xx (an invalid or unreachable number) is permanent.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse

from vigil.core.config import Settings
from vigil.outbox.channels import DeliveryFailed, Outgoing

TWILIO_API = "https://api.twilio.com"
RETRYABLE_STATUS = {408, 425, 429}
#: Twilio's library logs every request at INFO; the URLs carry the account SID.
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)


class RebasedHttpClient(TwilioHttpClient):
    """Twilio's HTTP client, sending what it would send to a ``*.twilio.com`` host (any
    region or edge) to ``base`` instead; with Twilio's own base it changes nothing."""

    def __init__(self, base: str, *, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.base = base.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        parts = urlsplit(url)
        if self.base != TWILIO_API and (parts.hostname or "").endswith(".twilio.com"):
            url = self.base + urlunsplit(("", "", parts.path, parts.query, ""))
        return super().request(method, url, *args, **kwargs)


def spoken(text: str) -> str:
    """The TwiML of a voice page: the text read twice, then the call ends."""
    answer = VoiceResponse()
    answer.say(text, loop=2)
    return str(answer)


class TwilioChannel:
    """One Twilio client (one HTTP connection pool) for a batch of SMS and voice pages."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: Client | None = None

    def _twilio(self) -> Client:
        if self._client is None:
            token = self.settings.sms_auth_token
            self._client = Client(
                self.settings.sms_account_sid,
                token.get_secret_value() if token else None,
                http_client=RebasedHttpClient(
                    self.settings.sms_url, timeout=self.settings.paging_timeout_seconds
                ),
            )
        return self._client

    def send(self, outgoing: Outgoing, *, now: datetime) -> None:
        if not self.settings.sms_configured:
            raise DeliveryFailed("SMS is not configured", counts=False)
        text = outgoing.content["text"]
        sender = self.settings.sms_from
        try:
            if outgoing.channel == "voice":
                self._twilio().calls.create(to=outgoing.address, from_=sender, twiml=spoken(text))
            else:
                self._twilio().messages.create(to=outgoing.address, from_=sender, body=text)
        except TwilioRestException as error:
            raise _refused(error) from None
        except requests.Timeout:
            raise DeliveryFailed(
                f"timed out after {self.settings.paging_timeout_seconds:g} s"
            ) from None
        except requests.ConnectionError:
            raise DeliveryFailed("connection refused or host unreachable") from None
        except (requests.RequestException, TwilioException) as error:
            raise DeliveryFailed(f"Twilio error: {type(error).__name__}") from None

    def close(self) -> None:
        if self._client is not None:
            session = getattr(self._client.http_client, "session", None)
            if session is not None:
                session.close()
            self._client = None


def _refused(error: TwilioRestException) -> DeliveryFailed:
    """Twilio's answer as a failure: its status and error code, never the number."""
    status = int(error.status)
    reason = f"Twilio HTTP {status}" + (f" (error {error.code})" if error.code else "")
    if status in (401, 403):
        return DeliveryFailed(reason + ": check VIGIL_SMS_ACCOUNT_SID and the token", counts=False)
    return DeliveryFailed(reason, permanent=status < 500 and status not in RETRYABLE_STATUS)
