"""Envelope encryption of sensitive fields (PyNaCl), blind indexes, crypto-shredding.

Why this shape:
- Each defender / report / incident has its own random *data key*; sensitive fields are sealed
  with it (XSalsa20-Poly1305, ``nacl.secret.SecretBox``). A stolen database file or dump holds
  only ciphertext.
- Data keys are stored *wrapped* by a key-encryption key (KEK) that never enters the database:
  it lives in ``<data_dir>/keys/`` (mode 0600, ``vigil keys init``) or in ``VIGIL_MASTER_KEY``.
- Rotating the KEK re-wraps the small data keys only; no field has to be re-encrypted, so it
  runs without downtime.
- Destroying a data key (crypto-shredding) makes every field sealed with it unreadable for
  good. Archives made earlier still contain the key *wrapped*: after `vigil keys rotate`,
  `vigil keys retire OLD` deletes the old KEK, and with it every older archive's readability.
- Exact-match lookups (e.g. a defender's name) use a keyed blind index (HMAC-SHA256 with a
  separate index key), never plaintext.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import nacl.exceptions
import nacl.secret
import nacl.utils
from sqlalchemy import LargeBinary, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from vigil.core.config import Settings
from vigil.core.db import Base, utcnow
from vigil.core.errors import VigilError
from vigil.core.i18n import N_, gettext

KEY_BYTES = nacl.secret.SecretBox.KEY_SIZE  # 32
ACTIVE_FILE = "active"
INDEX_KEY_FILE = "index.key"
#: What a page shows in place of a text sealed with a destroyed key.
FORGOTTEN = N_("Forgotten: erased together with the person it could name.")


class KeyError_(VigilError):  # trailing underscore: not the builtin KeyError
    """Keys are missing or unusable; the message tells the operator what to do."""


class Withheld(VigilError):
    """The data key was destroyed (crypto-shredded): the value is gone for good."""


class DataKey(Base):
    __tablename__ = "data_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kek_id: Mapped[str] = mapped_column(String(32), index=True)
    #: The data key sealed with the KEK ``kek_id``; NULL once destroyed.
    wrapped: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    destroyed_at: Mapped[datetime | None]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.strip().encode())


@dataclass(frozen=True)
class KeyRing:
    """The key-encryption keys known to this process, the active one, and the index key."""

    keks: dict[str, bytes]
    active_id: str
    index_key: bytes
    source: str = "files"

    def wrap(self, data_key: bytes) -> tuple[str, bytes]:
        box = nacl.secret.SecretBox(self.keks[self.active_id])
        return self.active_id, bytes(box.encrypt(data_key))

    def unwrap(self, kek_id: str, wrapped: bytes) -> bytes:
        kek = self.keks.get(kek_id)
        if kek is None:
            raise KeyError_(
                f"Key-encryption key {kek_id!r} is not available: restore it into the keys "
                "directory or finish `vigil keys rotate`."
            )
        return bytes(nacl.secret.SecretBox(kek).decrypt(wrapped))

    def blind_index(self, purpose: str, value: str) -> str:
        """Deterministic keyed digest of a normalised value, for exact-match lookups."""
        normalised = " ".join(unicodedata.normalize("NFKC", value).casefold().split())
        message = f"{purpose}\x1f{normalised}".encode()
        return hmac.new(self.index_key, message, hashlib.sha256).hexdigest()


def _derive(master: bytes, purpose: bytes) -> bytes:
    return hashlib.blake2b(purpose, key=master, digest_size=KEY_BYTES).digest()


def _write_secret_file(path: Path, content: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(content + "\n")


def init_key_files(keys_dir: Path) -> bool:
    """Create a first KEK, an index key and an audit key (mode 0600). Returns False if keys
    already exist."""
    if (keys_dir / ACTIVE_FILE).exists():
        return False
    keys_dir.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # the data directory
    keys_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(keys_dir, 0o700)
    kek_id = secrets.token_hex(4)
    _write_secret_file(keys_dir / f"kek-{kek_id}.key", _b64(nacl.utils.random(KEY_BYTES)))
    if not (keys_dir / INDEX_KEY_FILE).exists():
        _write_secret_file(keys_dir / INDEX_KEY_FILE, _b64(nacl.utils.random(KEY_BYTES)))
    (keys_dir / ACTIVE_FILE).write_text(kek_id + "\n")
    init_audit_key(keys_dir)
    return True


def add_kek_file(keys_dir: Path) -> str:
    """Write a new KEK next to the old ones and make it active (old ones stay for unwrapping)."""
    kek_id = secrets.token_hex(4)
    _write_secret_file(keys_dir / f"kek-{kek_id}.key", _b64(nacl.utils.random(KEY_BYTES)))
    tmp = keys_dir / f"{ACTIVE_FILE}.tmp"
    tmp.write_text(kek_id + "\n")
    tmp.replace(keys_dir / ACTIVE_FILE)
    return kek_id


def retire_kek(session: Session, keys_dir: Path, kek_id: str) -> None:
    """Delete an old KEK file once no live data key depends on it. Archives made while it was
    active become unreadable for good: that is how crypto-shredding reaches older backups."""
    ring = load_keyring(keys_dir)
    if kek_id == ring.active_id:
        raise KeyError_("The active key cannot be retired: run `vigil keys rotate` first.")
    path = keys_dir / f"kek-{kek_id}.key"
    if not path.exists():
        raise KeyError_(f"No key {kek_id!r} in {keys_dir}.")
    still_used = session.scalar(
        select(DataKey.id).where(DataKey.kek_id == kek_id, DataKey.wrapped.is_not(None)).limit(1)
    )
    if still_used is not None:
        raise KeyError_(f"Key {kek_id!r} still protects data keys: run `vigil keys rotate`.")
    path.unlink()


def load_keyring(keys_dir: Path, master_key: str | None = None) -> KeyRing:
    """Keys from ``VIGIL_MASTER_KEY`` (base64 of 32 bytes) if given, else from ``keys_dir``."""
    if master_key:
        try:
            master = _unb64(master_key)
        except ValueError as error:
            raise KeyError_("VIGIL_MASTER_KEY is not valid base64.") from error
        if len(master) != KEY_BYTES:
            raise KeyError_("VIGIL_MASTER_KEY must encode exactly 32 bytes.")
        return KeyRing(
            keks={"env": master},
            active_id="env",
            index_key=_derive(master, b"vigil-blind-index"),
            source="environment",
        )
    active_file = keys_dir / ACTIVE_FILE
    if not active_file.exists():
        raise KeyError_(f"No encryption keys in {keys_dir}: run `vigil keys init` first.")
    keks = {
        path.stem.removeprefix("kek-"): _unb64(path.read_text())
        for path in sorted(keys_dir.glob("kek-*.key"))
    }
    active_id = active_file.read_text().strip()
    if active_id not in keks:
        raise KeyError_(f"The active key {active_id!r} is missing from {keys_dir}.")
    return KeyRing(
        keks=keks, active_id=active_id, index_key=_unb64((keys_dir / INDEX_KEY_FILE).read_text())
    )


class KeyStore:
    """Hands out the current key ring, re-reading the keys directory when ``active`` changes,
    so running web processes pick up a rotation done by ``vigil keys rotate`` elsewhere."""

    def __init__(self, keys_dir: Path, master_key: str | None = None) -> None:
        self.keys_dir = keys_dir
        self.master_key = master_key
        self._ring: KeyRing | None = None
        self._stamp: int | None = None

    def current(self) -> KeyRing:
        if self.master_key:
            if self._ring is None:
                self._ring = load_keyring(self.keys_dir, self.master_key)
            return self._ring
        try:
            stamp = (self.keys_dir / ACTIVE_FILE).stat().st_mtime_ns
        except FileNotFoundError:
            stamp = None
        if self._ring is None or stamp != self._stamp:
            self._ring = load_keyring(self.keys_dir)
            self._stamp = stamp
        return self._ring


@dataclass
class Vault:
    """Seals and opens fields within one unit of work, caching unwrapped data keys."""

    session: Session
    ring: KeyRing
    _plain: dict[int, bytes] = field(default_factory=dict)

    def new_key(self) -> DataKey:
        plain = nacl.utils.random(KEY_BYTES)
        kek_id, wrapped = self.ring.wrap(plain)
        key = DataKey(kek_id=kek_id, wrapped=wrapped)
        self.session.add(key)
        self.session.flush()
        self._plain[key.id] = plain
        return key

    def _key(self, key_id: int) -> bytes:
        if key_id not in self._plain:
            key = self.session.get(DataKey, key_id)
            if key is None or key.wrapped is None:
                raise Withheld("withheld")
            self._plain[key_id] = self.ring.unwrap(key.kek_id, key.wrapped)
        return self._plain[key_id]

    def seal(self, key_id: int, value: str | bytes | None) -> bytes | None:
        if value is None:
            return None
        data = value.encode() if isinstance(value, str) else value
        return bytes(nacl.secret.SecretBox(self._key(key_id)).encrypt(data))

    def open_bytes(self, key_id: int | None, sealed: bytes | None) -> bytes | None:
        if sealed is None or key_id is None:
            return None
        try:
            return bytes(nacl.secret.SecretBox(self._key(key_id)).decrypt(sealed))
        except nacl.exceptions.CryptoError as error:
            raise Withheld("withheld") from error

    def open(self, key_id: int | None, sealed: bytes | None) -> str | None:
        data = self.open_bytes(key_id, sealed)
        return None if data is None else data.decode()

    def reveal(self, key_id: int | None, sealed: bytes | None) -> str | None:
        """``open`` for pages: a value whose key was destroyed (a forgotten person, see
        ``vigil.forgetting``) reads as a translated "forgotten" placeholder instead of
        failing the whole page."""
        try:
            return self.open(key_id, sealed)
        except Withheld:
            return gettext(FORGOTTEN)

    def destroy(self, key_id: int) -> None:
        """Crypto-shred: forget the wrapped key; every value sealed with it is lost."""
        key = self.session.get(DataKey, key_id)
        if key is not None and key.wrapped is not None:
            key.wrapped = None
            key.destroyed_at = utcnow()
            self.session.flush()
        self._plain.pop(key_id, None)


def rewrap_all(
    session: Session, ring: KeyRing, *, batch: int = 500, limit: int | None = None
) -> int:
    """Re-wrap live data keys with the ring's active KEK; returns how many changed.

    Idempotent and resumable: keys already under the active KEK are skipped. ``limit`` lets
    the caller commit in small transactions."""
    changed = 0
    while limit is None or changed < limit:
        keys = session.scalars(
            select(DataKey)
            .where(DataKey.kek_id != ring.active_id, DataKey.wrapped.is_not(None))
            .order_by(DataKey.id)
            .limit(batch)
        ).all()
        if not keys:
            return changed
        for key in keys:
            assert key.wrapped is not None
            plain = ring.unwrap(key.kek_id, key.wrapped)
            key.kek_id, key.wrapped = ring.wrap(plain)
            changed += 1
        session.flush()
    return changed


def keystore_for(settings: Settings) -> KeyStore:
    master = settings.master_key.get_secret_value() if settings.master_key else None
    return KeyStore(settings.keys_dir, master)


# --- the audit chain's MAC keys --------------------------------------------------------------

AUDIT_ACTIVE_FILE = "audit-active"
AUDIT_MASTER_KEY_ID = "env"


@dataclass(frozen=True)
class AuditKeys:
    """HMAC keys of the audit chain (``core.audit``). They live outside the database like the
    KEKs, so whoever can write the database still cannot give an edited entry a valid MAC.
    Each entry names the key that signed it: after a rotation the older keys stay here, and
    entries they signed still verify."""

    keys: dict[str, bytes]
    active_id: str

    def sign(self, key_id: str, message: bytes) -> str | None:
        """HMAC-SHA256 of ``message`` under key ``key_id`` (hex); None for an unknown key."""
        key = self.keys.get(key_id)
        return None if key is None else hmac.new(key, message, hashlib.sha256).hexdigest()


def _add_active_audit_key(keys_dir: Path) -> str:
    key_id = secrets.token_hex(4)
    _write_secret_file(keys_dir / f"audit-{key_id}.key", _b64(nacl.utils.random(KEY_BYTES)))
    tmp = keys_dir / f"{AUDIT_ACTIVE_FILE}.tmp"
    tmp.write_text(key_id + "\n")
    tmp.replace(keys_dir / AUDIT_ACTIVE_FILE)
    return key_id


def init_audit_key(keys_dir: Path) -> bool:
    """Create the first audit key (also for installations whose KEK predates it)."""
    if (keys_dir / AUDIT_ACTIVE_FILE).exists():
        return False
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    _add_active_audit_key(keys_dir)
    return True


def rotate_audit_key(keys_dir: Path) -> str:
    """Make a new audit key active; new entries are signed with it, older ones keep theirs."""
    load_audit_keys(keys_dir)  # refuse before creating anything if there is no key yet
    return _add_active_audit_key(keys_dir)


def load_audit_keys(keys_dir: Path, master_key: str | None = None) -> AuditKeys:
    """From ``VIGIL_MASTER_KEY`` (derived with its own purpose, id ``env``) if given, else
    every ``audit-*.key`` file of ``keys_dir``."""
    if master_key:
        master = load_keyring(keys_dir, master_key).keks["env"]  # validated there
        derived = _derive(master, b"vigil-audit-chain")
        return AuditKeys(keys={AUDIT_MASTER_KEY_ID: derived}, active_id=AUDIT_MASTER_KEY_ID)
    active_file = keys_dir / AUDIT_ACTIVE_FILE
    if not active_file.exists():
        raise KeyError_(f"No audit key in {keys_dir}: run `vigil keys init`.")
    keys = {
        path.stem.removeprefix("audit-"): _unb64(path.read_text())
        for path in sorted(keys_dir.glob("audit-*.key"))
    }
    active_id = active_file.read_text().strip()
    if active_id not in keys:
        raise KeyError_(f"The active audit key {active_id!r} is missing from {keys_dir}.")
    return AuditKeys(keys=keys, active_id=active_id)


class AuditKeyStore:
    """The audit keys, re-read when ``audit-active`` changes, so running processes sign with
    the key made active by ``vigil keys rotate-audit`` elsewhere."""

    def __init__(self, keys_dir: Path, master_key: str | None = None) -> None:
        self.keys_dir = keys_dir
        self.master_key = master_key
        self._keys: AuditKeys | None = None
        self._stamp: int | None = None

    def current(self) -> AuditKeys:
        stamp = None
        if not self.master_key:
            try:
                stamp = (self.keys_dir / AUDIT_ACTIVE_FILE).stat().st_mtime_ns
            except FileNotFoundError:
                stamp = None
        if self._keys is None or stamp != self._stamp:
            self._keys = load_audit_keys(self.keys_dir, self.master_key)
            self._stamp = stamp
        return self._keys
