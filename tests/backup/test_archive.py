"""The archive format: authenticated, streamed encryption; any change or cut is refused."""

from __future__ import annotations

import io
import json
import os
import secrets
import stat
from pathlib import Path

import pytest

from vigil.backup.archive import CHUNK_BYTES, MAGIC, decrypt_archive, read_info, write_archive
from vigil.core.crypto import KeyRing
from vigil.core.errors import Invalid

PAYLOAD = os.urandom(3 * CHUNK_BYTES + 12345)  # three full chunks and a partial one


def ring(kek_id: str = "k1", kek: bytes | None = None) -> KeyRing:
    return KeyRing(
        keks={kek_id: kek or secrets.token_bytes(32)},
        active_id=kek_id,
        index_key=secrets.token_bytes(32),
    )


def pieces(data: bytes, size: int = 300_000):
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.fixture(scope="module")
def keys() -> KeyRing:
    return ring()


@pytest.fixture
def archive(tmp_path: Path, keys: KeyRing) -> Path:
    path = tmp_path / "vigil.backup"
    write_archive(path, keys, database="sqlite", revision="0001", payload=pieces(PAYLOAD))
    return path


def decrypt(path: Path, keys: KeyRing) -> bytes:
    out = io.BytesIO()
    decrypt_archive(path, keys, out)
    return out.getvalue()


def test_round_trip_across_several_chunks(archive, keys):
    assert archive.stat().st_size > 3 * CHUNK_BYTES
    assert decrypt(archive, keys) == PAYLOAD
    info = read_info(archive)
    assert (info.database, info.revision, info.kek_id) == ("sqlite", "0001", "k1")
    assert info.created_at.endswith("Z")


@pytest.mark.parametrize("size", [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1])
def test_round_trip_at_chunk_boundaries(tmp_path, keys, size):
    data = os.urandom(size)
    path = tmp_path / f"b{size}"
    written = write_archive(path, keys, database="postgresql", revision="r", payload=pieces(data))
    out = io.BytesIO()
    read = decrypt_archive(path, keys, out)
    assert out.getvalue() == data
    assert read.sha256 == written.sha256 and read.size == written.size == path.stat().st_size


def test_the_header_is_one_plain_json_line_and_the_payload_is_not_plain(archive):
    raw = archive.read_bytes()
    header = json.loads(raw.split(b"\n", 1)[0])
    assert header["magic"] == MAGIC and header["format"] == 1
    assert PAYLOAD[:64] not in raw and PAYLOAD[-64:] not in raw


def test_archive_is_private_and_no_temporary_file_is_left(archive):
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert [p.name for p in archive.parent.iterdir()] == [archive.name]


def test_two_archives_of_the_same_data_differ(tmp_path, keys):
    one, two = tmp_path / "one", tmp_path / "two"
    for path in (one, two):
        write_archive(path, keys, database="sqlite", revision="0001", payload=[b"same"])
    assert one.read_bytes().split(b"\n", 1)[1] != two.read_bytes().split(b"\n", 1)[1]


@pytest.mark.parametrize("where", ["first chunk", "middle", "last byte"])
def test_a_tampered_byte_is_refused(archive, keys, where):
    raw = bytearray(archive.read_bytes())
    body = raw.index(b"\n") + 1
    position = {"first chunk": body + 100, "middle": len(raw) // 2, "last byte": len(raw) - 1}
    raw[position[where]] ^= 0x01
    archive.write_bytes(bytes(raw))
    with pytest.raises(Invalid, match="could not be decrypted"):
        decrypt(archive, keys)


@pytest.mark.parametrize("keep", ["header only", "at a chunk boundary", "mid chunk", "1 short"])
def test_a_truncated_archive_is_refused(archive, keys, keep):
    raw = archive.read_bytes()
    body = raw.index(b"\n") + 1 + 24  # header line + secretstream header
    length = {
        "header only": body,
        "at a chunk boundary": body + 2 * (CHUNK_BYTES + 17),
        "mid chunk": body + CHUNK_BYTES // 2,
        "1 short": len(raw) - 1,
    }[keep]
    archive.write_bytes(raw[:length])
    with pytest.raises(Invalid, match=r"truncated|could not be decrypted"):
        decrypt(archive, keys)


def test_data_after_the_end_is_refused(archive, keys):
    archive.write_bytes(archive.read_bytes() + b"\x00")
    with pytest.raises(Invalid, match=r"after its end|could not be decrypted"):
        decrypt(archive, keys)


@pytest.mark.parametrize(
    ("old", "new"),
    [(b'"sqlite"', b'"SQLITE"'), (b'"0001"', b'"0002"'), (b'"format": 1', b'"format":  1')],
)
def test_a_changed_header_is_refused(archive, keys, old, new):
    raw = archive.read_bytes()
    header, rest = raw.split(b"\n", 1)
    assert old in header
    archive.write_bytes(header.replace(old, new) + b"\n" + rest)
    with pytest.raises(Invalid, match=r"could not be decrypted|damaged header"):
        decrypt(archive, keys)


def test_a_changed_database_kind_is_refused_even_when_valid(archive, keys):
    raw = archive.read_bytes()
    archive.write_bytes(raw.replace(b'"sqlite"', b'"postgresql"', 1))
    assert read_info(archive).database == "postgresql"  # the header alone is not trusted…
    with pytest.raises(Invalid, match="could not be decrypted"):
        decrypt(archive, keys)  # …decryption authenticates it


def test_the_wrong_key_is_refused(archive):
    with pytest.raises(Invalid, match="could not be decrypted"):
        decrypt(archive, ring("k1"))  # same id, other key


def test_a_missing_key_is_named(archive):
    with pytest.raises(Invalid, match="'k1', which is not available"):
        decrypt(archive, ring("k2"))


def test_an_older_kek_still_decrypts_after_rotation(archive, keys):
    rotated = KeyRing(
        keks={**keys.keks, "k2": secrets.token_bytes(32)}, active_id="k2", index_key=b"x" * 32
    )
    assert decrypt(archive, rotated) == PAYLOAD


@pytest.mark.parametrize(
    "content", [b"", b"SQLite format 3\x00", b'{"magic": "OTHER"}\n', b"{" * 10_000 + b"\n"]
)
def test_other_files_are_not_backups(tmp_path, keys, content):
    path = tmp_path / "other"
    path.write_bytes(content)
    with pytest.raises(Invalid, match="is not a Vigil backup"):
        read_info(path)
    with pytest.raises(Invalid, match="is not a Vigil backup"):
        decrypt(path, keys)


def test_a_newer_format_is_named(tmp_path, keys):
    path = tmp_path / "future"
    path.write_bytes(json.dumps({"magic": MAGIC, "format": 2}).encode() + b"\n")
    with pytest.raises(Invalid, match="format 2"):
        read_info(path)


def test_an_existing_file_is_never_overwritten(archive, keys):
    before = archive.read_bytes()
    with pytest.raises(Invalid, match="already exists"):
        write_archive(archive, keys, database="sqlite", revision="0001", payload=[b"x"])
    assert archive.read_bytes() == before


def test_a_failing_payload_leaves_nothing_behind(tmp_path, keys):
    def broken():
        yield os.urandom(CHUNK_BYTES * 2)
        raise Invalid("pg_dump failed")

    with pytest.raises(Invalid, match="pg_dump failed"):
        write_archive(tmp_path / "x", keys, database="postgresql", revision="r", payload=broken())
    assert list(tmp_path.iterdir()) == []


def test_data_after_a_full_final_chunk_is_refused(tmp_path, keys):
    path = tmp_path / "full"
    write_archive(path, keys, database="sqlite", revision="r", payload=[os.urandom(CHUNK_BYTES)])
    path.write_bytes(path.read_bytes() + b"\x00")
    with pytest.raises(Invalid, match="after its end"):
        decrypt(path, keys)
