"""The audit chain's anchors outside the database: the head file and signed checkpoints.

A keyed chain stops anyone who can write the database from *rewriting* entries, but not from
deleting the newest ones (or all of them): what is left is still a valid, shorter chain. The
head file (``VIGIL_DATA_DIR/audit-head.json``, mode 0600) records the position and MAC of the
newest committed entry, so ``vigil audit verify`` can tell that entries are missing at the end.
A checkpoint is the same record signed with the audit key and kept somewhere else (another
disk, another machine), so that replacing the head file with an older copy is caught too.

The head file is written after the transaction that added entries has committed (never before:
it must not name an entry that a failed commit never stored), under a file lock, and only
forwards: when several processes commit one after the other, a slow writer never moves the
head back to an older entry. If a process dies between its commit and the write, the head is a
few entries behind; ``verify`` says so, and the next entry brings it up to date.
"""

from __future__ import annotations

import fcntl
import hmac
import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from vigil.core.crypto import AuditKeys

HEAD_FILE = "audit-head.json"
CHECKPOINT_FORMAT = "vigil-audit-checkpoint/1"


class AnchorError(Exception):
    """A head file or checkpoint that cannot be read or whose signature does not hold."""


@dataclass(frozen=True)
class Head:
    """The newest entry as an anchor knows it: its position, id, MAC and signing key."""

    seq: int
    entry_id: int
    mac: str
    key_id: str

    @classmethod
    def from_mapping(cls, data: object) -> Head:
        if not isinstance(data, dict):
            raise AnchorError("it is not a JSON object")
        try:
            return cls(
                seq=int(data["seq"]),
                entry_id=int(data["entry_id"]),
                mac=str(data["mac"]),
                key_id=str(data["key_id"]),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise AnchorError(f"it lacks a valid {error}") from None


def read_head(path: Path) -> Head | None:
    """The head file's content, or None when there is none yet."""
    try:
        raw = path.read_text()
    except FileNotFoundError:
        return None
    try:
        return Head.from_mapping(json.loads(raw))
    except ValueError as error:
        raise AnchorError(f"{path} is not valid JSON") from error


def _write_private(path: Path, content: str) -> None:
    """Write ``content`` to ``path`` atomically: a reader sees the old file or the new one,
    never half of it, even after a crash (temporary file, fsync, rename, fsync the folder)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def write_head(path: Path, head: Head, *, force: bool = False) -> bool:
    """Record ``head`` unless the file already names the same or a later entry (``force``
    overrides that, for a restore). Returns whether the file was written."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    lock = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not force:
            current = read_head(path)  # a damaged file is kept as evidence: AnchorError
            if current is not None and current.seq >= head.seq:
                return False
        _write_private(path, json.dumps(asdict(head), indent=2) + "\n")
        return True
    finally:
        os.close(lock)  # releases the lock


def _signed_message(body: dict[str, object]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def write_checkpoint(path: Path, head: Head, keys: AuditKeys, *, created_at: datetime) -> None:
    """Write ``head`` signed with the active audit key to ``path`` (never overwritten)."""
    body: dict[str, object] = {
        "format": CHECKPOINT_FORMAT,
        "created_at": created_at.isoformat(),
        "head": asdict(head),
        "signed_with": keys.active_id,
    }
    body["signature"] = keys.sign(keys.active_id, _signed_message(body))
    if path.exists():
        raise FileExistsError(f"{path} already exists")
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_private(path, json.dumps(body, indent=2) + "\n")


def read_checkpoint(path: Path, keys: AuditKeys) -> Head:
    """The head a checkpoint anchors, once its signature is checked with the audit keys."""
    try:
        body = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise AnchorError(f"{path} cannot be read: {error}") from None
    if not isinstance(body, dict) or body.get("format") != CHECKPOINT_FORMAT:
        raise AnchorError(f"{path} is not a Vigil audit checkpoint")
    signature = body.pop("signature", None)
    expected = keys.sign(str(body.get("signed_with")), _signed_message(body))
    if expected is None or not isinstance(signature, str):
        raise AnchorError(f"{path} is signed with an audit key that is not available")
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        raise AnchorError(f"{path} has an invalid signature (it was altered)")
    return Head.from_mapping(body.get("head"))
