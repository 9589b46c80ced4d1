"""Settings, read once from ``VIGIL_*`` environment variables and passed in explicitly.

Nothing in Vigil reads the environment at import time: entry points call :func:`load_settings`
and hand the frozen object to ``create_app`` / the CLI commands, and tests build ``Settings``
directly.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class Settings(BaseSettings):
    """Every setting has a safe default; each one is documented in README.md (tests check it)."""

    model_config = SettingsConfigDict(env_prefix="VIGIL_", frozen=True, extra="ignore")

    env: Environment = Environment.development
    data_dir: Path = Path("var")
    database_url: str | None = None
    #: SQLite only: how long a request waits for another write to finish before giving up.
    database_busy_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    secret_key: SecretStr | None = None
    master_key: SecretStr | None = None
    #: A second place (another disk or machine) where the worker writes a signed checkpoint
    #: of the audit log's newest entry every day; unset: no checkpoints.
    audit_checkpoint_dir: Path | None = None
    base_url: str = "http://127.0.0.1:8000"
    cookie_secure: bool = True
    session_idle_minutes: int = Field(default=60, ge=5)
    session_max_hours: int = Field(default=12, ge=1)
    enrolment_valid_hours: int = Field(default=72, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    #: Sign-in failures are counted per account *and client* pair (the tight limit), per
    #: account from all clients (higher: only a distributed attack reaches it) and per client
    #: over all accounts; one client's failures never pause other clients' sign-in.
    login_max_failures_per_account_and_client: int = Field(default=5, ge=1)
    login_max_failures_per_account: int = Field(default=50, ge=1)
    login_max_failures_per_client: int = Field(default=20, ge=1)
    #: Wrong receipts sharing their first digits (``intake.receipts``); a right receipt
    #: is never refused by this limit on the help check-in.
    receipt_max_failures_per_prefix: int = Field(default=10, ge=1)
    #: Comma-separated addresses or networks of reverse proxies whose ``X-Forwarded-For`` is
    #: believed; empty: the direct peer is the client.
    trusted_proxies: str = ""
    attachment_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    attachment_max_files: int = Field(default=5, ge=0, le=20)
    #: Images (and images inside PDFs) over this many pixels are refused before decoding.
    attachment_max_pixels: int = Field(default=40_000_000, ge=1_000_000)
    #: Address space of the process that cleans one file, and how long it may take.
    attachment_clean_memory_mb: int = Field(default=1024, ge=256)
    attachment_clean_seconds: float = Field(default=60.0, gt=0, le=600)
    #: Files cleaned at the same time; others wait their turn.
    attachment_cleaners: int = Field(default=2, ge=1, le=16)
    triage_target_hours: int = Field(default=72, ge=1)
    #: How long a confirmed emergency exception (casework/emergency.py) holds unless renewed.
    emergency_exception_hours: int = Field(default=72, ge=1)
    imminent_target_minutes: int = Field(default=60, ge=1)
    stale_case_days: int = Field(default=14, ge=1)
    retention_rejected_report_days: int = Field(default=90, ge=1)
    retention_closed_attachment_days: int = Field(default=365, ge=1)
    #: Public counts: a count below this is withheld ("fewer than N"); 1 would publish
    #: single incidents, so 2 is the least accepted.
    public_min_cell: int = Field(default=5, ge=2, le=100)
    #: Public counts only include incidents verified at least this many days before the
    #: daily publication batch.
    publication_delay_days: int = Field(default=30, ge=0, le=3650)
    #: The public register is refreshed this often by the worker, so a withdrawn consent
    #: takes its incident off the register within minutes (``VIGIL_REGISTER_REFRESH_MINUTES``).
    register_refresh_minutes: int = Field(default=15, ge=1, le=1440)
    #: The licence of the register's open data (an SPDX identifier, e.g. CC-BY-4.0), stated
    #: in the data package, the downloads and the data dictionary.
    public_data_licence: str = Field(default="CC-BY-4.0", min_length=1, max_length=64)
    #: Right of reply: days a company has to respond (``VIGIL_RESPONSE_DEADLINE_DAYS``).
    response_deadline_days: int = Field(default=7, ge=1, le=90)
    #: ``smtp://user:pass@host:587?starttls=true`` or ``smtps://…`` (implicit TLS); unset:
    #: e-mail is not configured and messages stay queued (never dropped).
    smtp_url: SecretStr | None = None
    smtp_from: str = "vigil@localhost"
    dkim_private_key_file: Path | None = None
    dkim_selector: str = "vigil"
    dkim_domain: str | None = None
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    #: SMS and voice pages through Twilio's REST API (``outbox/channels/sms.py``): its base
    #: URL (another only for a Twilio-compatible gateway or a test server), the account SID,
    #: auth token and the sending number (E.164). Any of the last three unset: the SMS and
    #: voice channels are off and nothing is queued for them.
    sms_url: str = "https://api.twilio.com"
    sms_account_sid: str | None = None
    sms_auth_token: SecretStr | None = None
    sms_from: str | None = None
    #: Signal pages through a ``signal-cli-rest-api`` server (its base URL) and the Signal
    #: number registered there; either unset: the Signal channel is off.
    signal_url: str | None = None
    signal_number: str | None = None
    #: How long an SMS, voice or Signal request may take before it is retried.
    paging_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    #: The outbox's one retry policy (``outbox/retry.py``), for alert deliveries and staff
    #: e-mail alike: attempts, back-off base and how long a worker holds what it claimed.
    delivery_max_attempts: int = Field(default=8, ge=1, le=100)
    delivery_backoff_seconds: float = Field(default=60.0, gt=0)
    delivery_claim_seconds: float = Field(default=300.0, gt=0)
    delivery_connections: int = Field(default=4, ge=1, le=32)
    worker_id: str | None = Field(default=None, max_length=100)
    worker_poll_seconds: float = Field(default=5.0, gt=0)
    #: Requests for more information one alert recipient may send per 24 hours (signed links).
    link_info_requests_per_day: int = Field(default=3, ge=1, le=100)
    #: The "needs me now" inbox (``inbox/jobs.py``): minutes an item may stay unacknowledged
    #: before the people on duty are paged again (then the coordinators too, every as many
    #: minutes, until someone acknowledges it). 0: never paged again; the kinds where a life
    #: may be at stake cannot be switched off.
    inbox_page_help_call_minutes: int = Field(default=10, ge=1, le=1440)
    inbox_page_urgent_report_minutes: int = Field(default=10, ge=1, le=1440)
    inbox_page_missed_check_in_minutes: int = Field(default=15, ge=1, le=1440)
    inbox_page_approval_requested_minutes: int = Field(default=10, ge=1, le=1440)
    inbox_page_reporter_message_minutes: int = Field(default=60, ge=0, le=10080)
    inbox_page_information_request_minutes: int = Field(default=240, ge=0, le=10080)
    inbox_page_recipient_response_minutes: int = Field(default=0, ge=0, le=10080)
    inbox_page_closure_review_minutes: int = Field(default=0, ge=0, le=10080)
    inbox_page_referral_deadline_minutes: int = Field(default=0, ge=0, le=10080)
    inbox_page_company_response_minutes: int = Field(default=0, ge=0, le=10080)
    #: Lets a monitoring system read /healthz's details (``Authorization: Bearer …``) without
    #: signing in; unset: only signed-in staff see them.
    health_token: SecretStr | None = None
    default_locale: str = "en"
    log_level: str = "INFO"

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url_scheme(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None  # an empty variable means "not configured"
        if not value.get_secret_value().startswith(("smtp://", "smtps://")):
            raise ValueError("must start with smtp:// (STARTTLS with ?starttls=true) or smtps://")
        return value

    @field_validator("sms_account_sid", "sms_from", "signal_url", "signal_number")
    @classmethod
    def _empty_is_unset(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("sms_auth_token")
    @classmethod
    def _empty_token_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        return value if value is not None and value.get_secret_value().strip() else None

    @property
    def sms_configured(self) -> bool:
        """SMS and voice pages are sent (and queued) only with an account, token and sender."""
        return bool(self.sms_account_sid and self.sms_auth_token and self.sms_from)

    @property
    def signal_configured(self) -> bool:
        """Signal pages are sent (and queued) only with a server and a sending number."""
        return bool(self.signal_url and self.signal_number)

    @field_validator("trusted_proxies")
    @classmethod
    def _trusted_proxy_networks(cls, value: str) -> str:
        for part in value.split(","):
            if part.strip():
                try:
                    ipaddress.ip_network(part.strip(), strict=False)
                except ValueError:
                    raise ValueError(f"{part.strip()!r} is not an address or network") from None
        return value

    @property
    def trusted_proxy_networks(self) -> tuple[IPNetwork, ...]:
        return tuple(
            ipaddress.ip_network(part.strip(), strict=False)
            for part in self.trusted_proxies.split(",")
            if part.strip()
        )

    @property
    def effective_database_url(self) -> str:
        """SQLite under ``data_dir`` unless ``VIGIL_DATABASE_URL`` says otherwise."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'vigil.db').as_posix()}"

    @property
    def keys_dir(self) -> Path:
        """Key-encryption keys live here (unless ``VIGIL_MASTER_KEY`` is set): never in the
        database, so a stolen database or backup cannot be decrypted."""
        return self.data_dir / "keys"

    @property
    def secret(self) -> bytes:
        if self.secret_key is None:
            raise RuntimeError("settings were not loaded with load_settings(): no secret key")
        return self.secret_key.get_secret_value().encode()


def _read_or_create_secret(data_dir: Path) -> str:
    """Generate a random secret into ``data_dir`` on first run (mode 0600); never a fixed
    default in code."""
    path = data_dir / SECRET_KEY_FILE
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment (plus overrides), with a secret key guaranteed present."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        problems = "; ".join(
            f"VIGIL_{str(err['loc'][0]).upper()}: {err['msg']}" for err in error.errors()
        )
        raise ConfigError(f"Invalid setting: {problems}.") from None
    if settings.secret_key is None:
        if (
            settings.env is Environment.production
            and not (settings.data_dir / SECRET_KEY_FILE).exists()
        ):
            raise ConfigError(
                "VIGIL_SECRET_KEY is not set and no secret exists under VIGIL_DATA_DIR; "
                "in production create one deliberately (e.g. run `vigil db upgrade` once "
                "with VIGIL_ENV=development) or set VIGIL_SECRET_KEY."
            )
        secret = _read_or_create_secret(settings.data_dir)
        settings = settings.model_copy(update={"secret_key": SecretStr(secret)})
    if len(settings.secret) < 32:
        raise ConfigError("VIGIL_SECRET_KEY must be at least 32 characters long.")
    return settings


class ConfigError(Exception):
    """A configuration mistake the operator must fix; shown as one line, never a traceback."""
