"""The backup archive: one JSON header line, then the payload as a libsodium secretstream.

Layout::

    {"magic": "VIGIL-BACKUP", "format": 1, ...}\\n     header line (plain, at most 4 KiB)
    24 bytes                                          secretstream header (random nonce)
    ciphertext chunks                                 XChaCha20-Poly1305, 1 MiB of payload
                                                      + 17 bytes each; TAG_FINAL on the last

Why this shape:
- The stream key is derived from a key-encryption key (KEK) — ``blake2b(key=KEK, salt=random
  16 bytes, person="vigil-backup")`` — so an archive is exactly as hard to read as the database
  it came from, and nothing new has to be kept secret. The KEK itself is never written into an
  archive: without the keys directory (or ``VIGIL_MASTER_KEY``) an archive is useless, which is
  the point, so the keys must be backed up separately. The random salt gives every archive its
  own key.
- The header line is the associated data of the first chunk: changing a single byte of it
  (say, the database kind or the revision) makes decryption fail.
- Every chunk is authenticated and the stream must end with ``TAG_FINAL`` followed by the end
  of the file, so a tampered, reordered, truncated or extended archive is refused with
  :class:`~vigil.core.errors.Invalid`. Readers write the plaintext to a temporary file and only
  use it once the whole stream verified, so nothing is ever restored partially.
- Payloads are streamed chunk by chunk: a database is never held in memory.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import secrets
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import nacl.bindings as sodium
import nacl.exceptions

from vigil import __version__
from vigil.core.crypto import KeyRing
from vigil.core.errors import Invalid

MAGIC = "VIGIL-BACKUP"
FORMAT = 1
CHUNK_BYTES = 1024 * 1024
MAX_HEADER_BYTES = 4096
DATABASE_KINDS = ("sqlite", "postgresql")
_PERSON = b"vigil-backup"
_SALT_BYTES = 16
_ABYTES = sodium.crypto_secretstream_xchacha20poly1305_ABYTES
_STREAM_HEADER_BYTES = sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES
_TAG_MESSAGE = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
_TAG_FINAL = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL


@dataclass(frozen=True)
class ArchiveInfo:
    """What the header line says (authenticated once the archive has been decrypted)."""

    database: str
    revision: str
    kek_id: str
    created_at: str
    vigil_version: str
    format: int = FORMAT


@dataclass(frozen=True)
class ArchiveFile:
    """An archive as written or read: its header, size and SHA-256 (for the audit log)."""

    info: ArchiveInfo
    size: int
    sha256: str


def stream_key(kek: bytes, salt: bytes) -> bytes:
    """The secretstream key of one archive: a keyed BLAKE2b of the KEK, salted per archive."""
    return hashlib.blake2b(
        b"vigil backup stream key",
        key=kek,
        salt=salt,
        person=_PERSON,
        digest_size=sodium.crypto_secretstream_xchacha20poly1305_KEYBYTES,
    ).digest()


def _header_line(info: ArchiveInfo, salt: bytes) -> bytes:
    fields = {
        "magic": MAGIC,
        "format": info.format,
        "created_at": info.created_at,
        "database": info.database,
        "revision": info.revision,
        "kek_id": info.kek_id,
        "vigil_version": info.vigil_version,
        "salt": base64.b64encode(salt).decode(),
    }
    line = json.dumps(fields, ensure_ascii=True, separators=(", ", ": ")).encode() + b"\n"
    assert len(line) <= MAX_HEADER_BYTES
    return line


def _parse_header(line: bytes, name: str) -> tuple[ArchiveInfo, bytes]:
    not_a_backup = Invalid(f"{name} is not a Vigil backup.")
    if not line.endswith(b"\n"):
        raise not_a_backup
    try:
        fields = json.loads(line)
    except ValueError:
        raise not_a_backup from None
    if not isinstance(fields, dict) or fields.get("magic") != MAGIC:
        raise not_a_backup
    if fields.get("format") != FORMAT:
        raise Invalid(
            f"{name} uses backup format {fields.get('format')!r}; this Vigil reads format "
            f"{FORMAT} only (restore it with the Vigil version that made it, or a newer one)."
        )
    try:
        info = ArchiveInfo(
            database=_text(fields, "database"),
            revision=_text(fields, "revision"),
            kek_id=_text(fields, "kek_id"),
            created_at=_text(fields, "created_at"),
            vigil_version=_text(fields, "vigil_version"),
        )
        salt = base64.b64decode(_text(fields, "salt"), validate=True)
    except (TypeError, binascii.Error):
        raise Invalid(f"{name} has a damaged header.") from None
    if info.database not in DATABASE_KINDS or len(salt) != _SALT_BYTES:
        raise Invalid(f"{name} has a damaged header.")
    return info, salt


def _text(fields: dict[str, object], name: str) -> str:
    value = fields.get(name)
    if not isinstance(value, str) or not value:
        raise TypeError(name)
    return value


def _read_header(handle: IO[bytes], name: str) -> tuple[ArchiveInfo, bytes, bytes]:
    line = handle.readline(MAX_HEADER_BYTES + 1)
    info, salt = _parse_header(line, name)
    return info, salt, line


def read_info(path: Path) -> ArchiveInfo:
    """The header of an archive, *not yet authenticated*: enough to refuse early (wrong database
    kind, unknown revision) before decrypting; :func:`decrypt_archive` verifies it."""
    try:
        with open(path, "rb") as handle:
            return _read_header(handle, path.name)[0]
    except FileNotFoundError:
        raise Invalid(f"There is no file {path}.") from None
    except IsADirectoryError:
        raise Invalid(f"{path} is a directory, not a backup file.") from None


class _HashingReader:
    def __init__(self, handle: IO[bytes]) -> None:
        self.handle, self.digest, self.size = handle, hashlib.sha256(), 0

    def read(self, size: int) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data

    def readline(self, limit: int) -> bytes:
        data = self.handle.readline(limit)
        self.digest.update(data)
        self.size += len(data)
        return data


def check_destination(path: Path) -> None:
    """Refuse early a path that exists (archives are never overwritten) or has no directory."""
    if path.exists():
        raise Invalid(f"{path} already exists: choose a new file name (backups never overwrite).")
    if not path.parent.is_dir():
        raise Invalid(f"The directory {path.parent} does not exist.")


def write_archive(
    path: Path,
    ring: KeyRing,
    *,
    database: str,
    revision: str,
    payload: Iterable[bytes],
) -> ArchiveFile:
    """Encrypt ``payload`` (any sized pieces) into a new archive at ``path`` with the ring's
    active KEK. The archive appears at ``path`` (mode 0600) only once complete; if ``payload``
    raises, nothing is left behind. An existing ``path`` is never overwritten."""
    if database not in DATABASE_KINDS:
        raise ValueError(database)
    path = Path(path)
    check_destination(path)
    info = ArchiveInfo(
        database=database,
        revision=revision,
        kek_id=ring.active_id,
        created_at=datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        vigil_version=__version__,
    )
    salt = secrets.token_bytes(_SALT_BYTES)
    line = _header_line(info, salt)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    tmp = Path(tmp_name)
    digest, size = hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), 0o600)

            def emit(data: bytes) -> None:
                nonlocal size
                out.write(data)
                digest.update(data)
                size += len(data)

            state = sodium.crypto_secretstream_xchacha20poly1305_state()
            emit(line)
            emit(
                sodium.crypto_secretstream_xchacha20poly1305_init_push(
                    state, stream_key(ring.keks[ring.active_id], salt)
                )
            )
            associated: bytes | None = line  # binds the header to the first chunk
            pending = bytearray()
            for piece in payload:
                pending += piece
                while len(pending) > CHUNK_BYTES:  # always keep something for the final chunk
                    emit(
                        sodium.crypto_secretstream_xchacha20poly1305_push(
                            state, bytes(pending[:CHUNK_BYTES]), associated, _TAG_MESSAGE
                        )
                    )
                    associated = None
                    del pending[:CHUNK_BYTES]
            emit(
                sodium.crypto_secretstream_xchacha20poly1305_push(
                    state, bytes(pending), associated, _TAG_FINAL
                )
            )
            out.flush()
            os.fsync(out.fileno())
        _publish(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_directory(path.parent)
    return ArchiveFile(info=info, size=size, sha256=digest.hexdigest())


def _publish(tmp: Path, path: Path) -> None:
    """Give the finished temporary file its final name, never replacing an existing file."""
    try:
        os.link(tmp, path)  # atomic, and fails if ``path`` appeared meanwhile
    except FileExistsError:
        raise Invalid(f"{path} already exists: choose a new file name.") from None
    except OSError:  # a file system without hard links
        if path.exists():
            raise Invalid(f"{path} already exists: choose a new file name.") from None
        os.replace(tmp, path)


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def decrypt_archive(path: Path, ring: KeyRing, out: IO[bytes]) -> ArchiveFile:
    """Decrypt and verify the whole archive into ``out``.

    Raises :class:`Invalid` if the archive is not one, was made with a KEK this ring does not
    hold, or fails verification anywhere (tampered, truncated, extended, wrong key). ``out`` may
    then hold a verified prefix: callers must discard it unless this function returned."""
    name = path.name
    damaged = Invalid(
        f"{name} could not be decrypted: it was altered or damaged, or it was not made with "
        "the key-encryption key of that name in this keys directory. Nothing was restored."
    )
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed in the finally below
    except FileNotFoundError:
        raise Invalid(f"There is no file {path}.") from None
    except IsADirectoryError:
        raise Invalid(f"{path} is a directory, not a backup file.") from None
    try:
        reader = _HashingReader(handle)
        line = reader.readline(MAX_HEADER_BYTES + 1)
        info, salt = _parse_header(line, name)
        kek = ring.keks.get(info.kek_id)
        if kek is None:
            raise Invalid(
                f"{name} was encrypted with key-encryption key {info.kek_id!r}, which is not "
                "available: copy the keys directory of the installation that made the backup "
                "into VIGIL_DATA_DIR/keys (or set the VIGIL_MASTER_KEY it used)."
            )
        stream_header = reader.read(_STREAM_HEADER_BYTES)
        if len(stream_header) != _STREAM_HEADER_BYTES:
            raise Invalid(f"{name} is incomplete (truncated). Nothing was restored.")
        state = sodium.crypto_secretstream_xchacha20poly1305_state()
        sodium.crypto_secretstream_xchacha20poly1305_init_pull(
            state, stream_header, stream_key(kek, salt)
        )
        associated: bytes | None = line
        while True:
            chunk = reader.read(CHUNK_BYTES + _ABYTES)
            if not chunk:
                raise Invalid(f"{name} is incomplete (truncated). Nothing was restored.")
            try:
                plain, tag = sodium.crypto_secretstream_xchacha20poly1305_pull(
                    state, chunk, associated
                )
            except nacl.exceptions.CryptoError:
                raise damaged from None
            associated = None
            if tag not in (_TAG_MESSAGE, _TAG_FINAL):
                raise damaged
            out.write(plain)
            if tag == _TAG_FINAL:
                if reader.read(1):
                    raise Invalid(f"{name} has data after its end: it was altered.")
                break
    finally:
        handle.close()
    out.flush()
    return ArchiveFile(info=info, size=reader.size, sha256=reader.digest.hexdigest())
