"""Audio and video: mutagen removes the tags it knows, and what it cannot parse is refused.

Where mutagen leaves metadata behind we finish the job ourselves: MP3 files are rebuilt from
their audio frames alone, found and measured by mutagen's own frame parser (bytes between and
after frames, trailing ID3v1/APE tags or text, go); WAV files are rebuilt from their audio
chunks alone, and in MP4/MOV every box that playback does not need (QuickTime user
data and metadata, where phones put the ©xyz location and Apple's location keys; XMP; vendor
boxes) is overwritten in place by a `free` box of zeros, so no sample offset moves, and the
creation/modification times of the movie and its tracks are zeroed.

Not covered: data hidden inside the audio frames themselves (an MP3 frame's ancillary bits),
and metadata carried as media samples of a timed-metadata track (e.g. GoPro GPMF or
DJI subtitle GPS tracks) stays in the media data; removing a track needs remuxing.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable

import mutagen
from mutagen import apev2, id3
from mutagen.flac import FLAC
from mutagen.mp3 import MP3, MPEGFrame
from mutagen.mp4 import MP4
from mutagen.ogg import OggFileType, OggPage
from mutagen.oggflac import OggFLAC
from mutagen.oggopus import OggOpus
from mutagen.oggspeex import OggSpeex
from mutagen.oggtheora import OggTheora
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE

from ._errors import RejectedFile

_OGG_KINDS: list[type[OggFileType]] = [OggVorbis, OggOpus, OggFLAC, OggSpeex, OggTheora]
_FLAC_KEEP = {0, 1, 3}  # STREAMINFO, PADDING, SEEKTABLE: no tags, pictures, cue sheets or app data
_WAV_KEEP = {b"fmt ", b"fact", b"data"}
# ISO-BMFF boxes we keep, per parent (b"" is the top level); we descend into the parents listed.
# Any other box (udta, meta, uuid/XMP, vendor boxes, old free space) becomes a zeroed `free`.
_BOX_KEEP = {
    b"": {b"ftyp", b"moov", b"mdat", b"moof", b"mfra", b"sidx", b"ssix", b"styp", b"prft", b"wide"},
    b"moov": {b"mvhd", b"trak", b"mvex", b"iods"},
    b"trak": {b"tkhd", b"mdia", b"edts", b"tref", b"tapt"},
    b"mdia": {b"mdhd", b"hdlr", b"minf", b"elng"},
    b"minf": {b"vmhd", b"smhd", b"hmhd", b"nmhd", b"gmhd", b"sthd", b"dinf", b"stbl", b"hdlr"},
    b"mvex": {b"mehd", b"trex", b"leva"},
    b"moof": {b"mfhd", b"traf"},
    b"traf": {b"tfhd", b"tfdt", b"trun", b"sbgp", b"sgpd", b"subs", b"saiz", b"saio", b"senc"},
}
_BOX_TIMES = {b"mvhd", b"tkhd", b"mdhd"}
_MP3_RUN = 3  # frames that must follow each other for a sync found after junk to be believed


def _mp3_frame_end(bio: io.BytesIO, pos: int, size: int) -> int | None:
    """Where the MPEG audio frame starting at ``pos`` ends, or None if there is none."""
    bio.seek(pos)
    try:
        MPEGFrame(bio)  # mutagen's parser: strict header checks, leaves us at the frame's end
    except Exception:  # HeaderNotFoundError, and struct/EOF errors on a truncated frame
        return None
    end = bio.tell()
    return end if pos < end <= size else None


def _mp3_chain(bio: io.BytesIO, pos: int, size: int) -> bool:
    """True if ``_MP3_RUN`` frames follow each other from ``pos`` (or fewer, up to the end)."""
    for _ in range(_MP3_RUN):
        end = _mp3_frame_end(bio, pos, size)
        if end is None:
            return False
        if end == size:
            return True
        pos = end
    return True


def _mp3_frames(data: bytes) -> bytes:
    """The audio frames of ``data`` end to end; anything between or after them is left out."""
    bio, size, pos, frames = io.BytesIO(data), len(data), 0, bytearray()
    in_run = False
    while pos < size:
        end = _mp3_frame_end(bio, pos, size)
        if end is not None and (in_run or _mp3_chain(bio, pos, size)):
            frames += data[pos:end]
            pos, in_run = end, True
            continue
        in_run = False
        pos = data.find(b"\xff", pos + 1)
        if pos < 0:
            break
    return bytes(frames)


def _mp3(data: bytes) -> tuple[bytes, list[str]]:
    bio = io.BytesIO(data)
    MP3(bio)  # audio frames must be there
    had_id3 = data.startswith(b"ID3") or data[-128:-125] == b"TAG"
    had_ape = b"APETAGEX" in data
    bio.seek(0)
    id3.delete(bio)
    bio.seek(0)
    apev2.delete(bio)
    untagged = bio.getvalue()
    content = _mp3_frames(untagged)
    if not content:
        raise RejectedFile("corrupt")
    MP3(io.BytesIO(content))
    notes = ["ID3 tags"] * had_id3 + ["APE tags"] * had_ape
    return content, notes + ["data between or after the audio frames"] * (content != untagged)


def _ogg(data: bytes) -> tuple[bytes, list[str]]:
    bio = io.BytesIO(data)
    serials = set()
    while bio.tell() < len(data):
        serials.add(OggPage(bio).serial)
    if len(serials) != 1:  # mutagen only cleans the first of several multiplexed/chained streams
        raise RejectedFile("unsupported_type")
    bio.seek(0)
    audio = mutagen.File(bio, options=_OGG_KINDS)
    if audio is None:
        raise RejectedFile("unsupported_type")
    had = bool(audio.tags)
    bio.seek(0)
    audio.delete(bio)
    return bio.getvalue(), ["Ogg comments (incl. pictures)"] * had


def _flac(data: bytes) -> tuple[bytes, list[str]]:
    bio = io.BytesIO(data)
    audio = FLAC(bio)
    kept = [block for block in audio.metadata_blocks if block.code in _FLAC_KEEP]
    had = len(kept) != len(audio.metadata_blocks)
    audio.metadata_blocks, audio.tags, audio.cuesheet = kept, None, None
    bio.seek(0)
    audio.save(bio, deleteid3=True, padding=lambda info: 0)
    notes = ["FLAC tags and pictures"] * had
    return bio.getvalue(), notes + ["ID3 tags"] * data.startswith(b"ID3")


def _wav(data: bytes) -> tuple[bytes, list[str]]:
    WAVE(io.BytesIO(data))
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise RejectedFile("corrupt")
    kept, kept_ids, removed, pos = bytearray(), set(), [], 12
    while pos + 8 <= len(data):
        chunk_id, size = data[pos : pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        body = data[pos + 8 : pos + 8 + size]
        if chunk_id in _WAV_KEEP:
            kept += chunk_id + struct.pack("<I", len(body)) + body + b"\0" * (len(body) % 2)
            kept_ids.add(chunk_id)
        else:
            removed.append(chunk_id.decode("latin-1").strip())
        pos += 8 + size + size % 2
    if not {b"fmt ", b"data"} <= kept_ids:
        raise RejectedFile("corrupt")
    content = b"RIFF" + struct.pack("<I", 4 + len(kept)) + b"WAVE" + bytes(kept)
    WAVE(io.BytesIO(content))
    notes = ["ID3 tags"] * any(c.lower() == "id3" for c in removed)
    others = sorted({c for c in removed if c.lower() != "id3"})
    return content, notes + [f"WAV metadata chunks ({', '.join(others)})"] * bool(others)


def _zero(buf: bytearray, start: int, end: int) -> None:
    end = min(end, len(buf))
    if end > start:
        buf[start:end] = bytes(end - start)


def _blank_boxes(buf: bytearray, start: int, end: int, parent: bytes, found: set[str]) -> None:
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", buf, pos)
        header = 8
        if size == 1 and pos + 16 <= end:
            size, header = struct.unpack_from(">Q", buf, pos + 8)[0], 16
        elif size == 0:
            size = end - pos
        if size < header:
            raise RejectedFile("corrupt")
        stop = min(pos + size, end)  # a truncated last box runs to the end of its parent
        if kind not in _BOX_KEEP[parent]:
            if kind not in (b"free", b"skip"):
                found.add("MP4 user data and metadata boxes (incl. ©xyz location)")
            buf[pos + 4 : pos + 8] = b"free"
            _zero(buf, pos + header, stop)
        elif kind in _BOX_KEEP:
            _blank_boxes(buf, pos + header, stop, kind, found)
        elif kind in _BOX_TIMES and pos + header < stop:
            width = 8 if buf[pos + header] == 1 else 4  # version 1 boxes have 64-bit times
            times = slice(pos + header + 4, min(pos + header + 4 + 2 * width, stop))
            if any(buf[times]):
                found.add("MP4 creation and modification times")
                _zero(buf, times.start, times.stop)
        pos += size


def _mp4(data: bytes) -> tuple[bytes, list[str]]:
    bio = io.BytesIO(data)
    video = MP4(bio)
    had = bool(video.tags)
    bio.seek(0)
    video.delete(bio)
    buf, found = bytearray(bio.getvalue()), set()
    _blank_boxes(buf, 0, len(buf), b"", found)
    cleaned = MP4(io.BytesIO(buf))
    if cleaned.tags:
        raise RejectedFile("corrupt")
    return bytes(buf), ["MP4 tags"] * had + sorted(found)


HANDLERS: dict[str, Callable[[bytes], tuple[bytes, list[str]]]] = {
    "audio/mpeg": _mp3,
    "audio/ogg": _ogg,
    "audio/flac": _flac,
    "audio/wav": _wav,
    "audio/mp4": _mp4,
    "video/mp4": _mp4,
    "video/quicktime": _mp4,
    "video/3gpp": _mp4,
}


def sanitise_media(data: bytes, media_type: str) -> tuple[bytes, list[str]]:
    try:
        return HANDLERS[media_type](data)
    except RejectedFile:
        raise
    except MemoryError as error:
        raise RejectedFile("too_complex") from error
    except Exception as error:  # mutagen errors, struct.error, EOFError… on damaged files
        raise RejectedFile("corrupt") from error
