"""Sanitise files uploaded by anonymous reporters before they are stored.

A photo or a recording can give a reporter away: GPS coordinates, the phone's make and serial,
the author's name in a PDF. `sanitise` accepts images, PDF, audio and video up to a size limit,
decides the type from the content (never from the file name), removes the metadata and returns
the cleaned bytes with their SHA-256. No hash of the bytes as uploaded is made: anyone holding
the original (the reporter's phone, the person who took the photo) could match it and prove the
file was reported. Anything it cannot clean with confidence is refused with `RejectedFile`,
whose message can be shown to the reporter.

The cleaning itself runs in a child process with a memory cap and a deadline (`_sandbox`), one
or two at a time, so a small file that decodes into a huge one cannot exhaust the server.

- Images (JPEG, PNG, WebP, GIF) are decoded with Pillow, turned upright from their EXIF
  orientation and re-encoded from pixels alone: no EXIF/GPS, XMP, IPTC, ICC profile, comments or
  text chunks (colours of wide-gamut photos may shift slightly). Only the first frame of an
  animation is kept. Images over `CleaningLimits.max_pixels` (40 megapixels by default) are
  refused as decompression bombs before any pixel is decoded. HEIC/HEIF needs a plugin Pillow
  does not ship, so it is refused with advice.
- PDF is rewritten by pikepdf (qpdf) without document info, XMP, the file /ID, JavaScript and
  automatic actions, embedded files and annotation authors; every image in it is re-encoded
  from its pixels, whatever its filters (see `_pdf`). Password-protected PDFs are refused.
- Audio (MP3, M4A, Ogg Vorbis/Opus/FLAC, WAV, FLAC) and video (MP4, MOV, 3GP): tags are
  removed with mutagen, see `_media` for what is done beyond it (MP3 is rebuilt from its audio
  frames alone). Raw AAC (ADTS) is refused with advice: bytes between and after its frames
  could carry anything, and no well-kept library here re-muxes it. WebM/Matroska is refused:
  mutagen cannot read its tags and we do not store what we cannot clean.

Type detection: `filetype` (PyPI, MIT, pure Python, no libmagic). It returns one canonical MIME
type from the first bytes and covers every format above (ISO-BMFF brands told apart: M4A, MP4,
MOV, 3GP, HEIC). Its last release is 1.2.0 (2022); its signature table for these long-stable
formats is all we use, and every detected type must then be parsed by that format's own library,
so a wrong guess is refused, never stored. `puremagic` is more active but returns ranked, loosely
named guesses (".jfif" before ".jpg", no MIME type for M4A) and our lock resolves it to different
major versions on Python 3.11 and 3.12+; python-magic needs the system libmagic.

The file name is deliberately ignored: it may identify the reporter or the device, and the
caller should not store it either.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import filetype

from ._cleaners import clean
from ._errors import MESSAGES, RejectedFile
from ._sandbox import CleaningLimits, run_bounded

__all__ = [
    "ALLOWED_TYPES",
    "MESSAGES",
    "CleanFile",
    "CleaningLimits",
    "RejectedFile",
    "detect",
    "sanitise",
]

ALLOWED_TYPES: dict[str, str] = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/gif": ".gif",
    "application/pdf": ".pdf",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "audio/ogg": ".ogg",
    "audio/wav": ".wav",
    "audio/flac": ".flac",
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "video/3gpp": ".3gp",
}
_ALIASES = {"audio/x-wav": "audio/wav", "audio/x-flac": "audio/flac", "video/x-m4v": "video/mp4"}
_REFUSED = {
    "image/heic": (
        "HEIC photos cannot be cleaned of hidden information here yet. Please send the photo "
        "as JPEG (on an iPhone: Settings, Camera, Formats, Most Compatible)."
    ),
    "video/webm": (
        "WebM and MKV videos cannot be cleaned of hidden information here yet. "
        "Please send the video as MP4 or MOV."
    ),
}
_REFUSED["video/x-matroska"] = _REFUSED["video/webm"]
_REFUSED["audio/aac"] = (
    "Raw AAC recordings cannot be cleaned of hidden information here yet. "
    "Please send the recording as M4A or MP3."
)


@dataclass(frozen=True)
class CleanFile:
    content: bytes  # sanitised bytes to store
    media_type: str  # detected from content
    extension: str  # canonical extension for media_type, e.g. ".jpg"
    sha256: str  # hex SHA-256 of the cleaned bytes, i.e. of `content` (never of the original)
    stripped: list[str]  # human-readable notes of what was removed


def _id3_length(data: bytes) -> int:
    size = 0
    for byte in data[6:10]:  # "synchsafe": 7 bits per byte
        size = (size << 7) | (byte & 0x7F)
    return 10 + size + (10 if len(data) > 5 and data[5] & 0x10 else 0)


def detect(data: bytes) -> str:
    """The media type of `data` from its content, or RejectedFile("unsupported_type")."""
    kind = filetype.guess(data)
    media_type = kind.mime if kind else ""
    if media_type == "audio/mpeg" and data.startswith(b"ID3"):  # ID3 may also precede FLAC/AAC
        inner = filetype.guess(data[_id3_length(data) :])
        if inner and inner.mime in ("audio/x-flac", "audio/aac"):
            media_type = inner.mime
    media_type = _ALIASES.get(media_type, media_type)
    if media_type in _REFUSED:
        raise RejectedFile("unsupported_type", _REFUSED[media_type])
    if media_type not in ALLOWED_TYPES:
        raise RejectedFile("unsupported_type")
    return media_type


def _size(limit: int) -> str:
    value, unit = float(limit), "bytes"
    for larger in ("KB", "MB", "GB"):
        if value < 1024:
            break
        value, unit = value / 1024, larger
    return f"{round(value, 1):g} {unit}"


def sanitise(
    data: bytes,
    *,
    filename: str | None,
    max_bytes: int,
    limits: CleaningLimits | None = None,
) -> CleanFile:
    """Check and clean one upload; raise RejectedFile (with a `code`) if it cannot be accepted.

    ``limits`` bound the cleaning (pixels, memory, time, how many at once); the web app passes
    ``CleaningLimits.from_settings(settings)``."""
    del filename  # deliberately unused, see the module docstring
    limits = limits or CleaningLimits()
    if not data:
        raise RejectedFile("empty")
    if len(data) > max_bytes:
        raise RejectedFile("too_large", f"The file is larger than the limit of {_size(max_bytes)}.")
    media_type = detect(data)
    content, stripped = run_bounded(clean, data, media_type, limits.max_pixels, limits=limits)
    return CleanFile(
        content=content,
        media_type=media_type,
        extension=ALLOWED_TYPES[media_type],
        sha256=hashlib.sha256(content).hexdigest(),
        stripped=stripped,
    )
