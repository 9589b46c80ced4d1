"""Sanitise files uploaded by anonymous reporters before they are stored.

A photo or a recording can give a reporter away: GPS coordinates, the phone's make and serial,
the author's name in a PDF. `sanitise` accepts images, PDF, audio and video up to a size limit,
decides the type from the content (never from the file name), removes the metadata and returns
the cleaned bytes with a SHA-256 of the bytes as uploaded (chain of custody). Anything it cannot
clean with confidence is refused with `RejectedFile`, whose message can be shown to the reporter.

- Images (JPEG, PNG, WebP, GIF) are decoded with Pillow, turned upright from their EXIF
  orientation and re-encoded from pixels alone: no EXIF/GPS, XMP, IPTC, ICC profile, comments or
  text chunks (colours of wide-gamut photos may shift slightly). Only the first frame of an
  animation is kept. Images over 50 megapixels are refused as decompression bombs before any
  pixel is decoded. HEIC/HEIF needs a plugin Pillow does not ship, so it is refused with advice.
- PDF is rewritten by pikepdf (qpdf) without document info, XMP, the file /ID, JavaScript and
  automatic actions, embedded files, annotation authors, and EXIF/XMP segments of the JPEG
  images inside it. Password-protected PDFs are refused.
- Audio (MP3, AAC, M4A, Ogg Vorbis/Opus/FLAC, WAV, FLAC) and video (MP4, MOV, 3GP): tags are
  removed with mutagen, see `_media` for what is done beyond it. WebM/Matroska is refused:
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
from collections.abc import Callable
from dataclasses import dataclass

import filetype

from ._errors import MESSAGES, RejectedFile
from ._images import MAX_IMAGE_PIXELS, sanitise_image
from ._media import sanitise_media
from ._pdf import sanitise_pdf

__all__ = [
    "ALLOWED_TYPES",
    "MAX_IMAGE_PIXELS",
    "MESSAGES",
    "CleanFile",
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
    "audio/aac": ".aac",
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


@dataclass(frozen=True)
class CleanFile:
    content: bytes  # sanitised bytes to store
    media_type: str  # detected from content
    extension: str  # canonical extension for media_type, e.g. ".jpg"
    original_sha256: str  # hex SHA-256 of the bytes as uploaded (chain of custody)
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


def _handler(media_type: str) -> Callable[[bytes, str], tuple[bytes, list[str]]]:
    if media_type.startswith("image/"):
        return sanitise_image
    if media_type == "application/pdf":
        return lambda data, _type: sanitise_pdf(data)
    return sanitise_media


def sanitise(data: bytes, *, filename: str | None, max_bytes: int) -> CleanFile:
    """Check and clean one upload; raise RejectedFile (with a `code`) if it cannot be accepted."""
    del filename  # deliberately unused, see the module docstring
    if not data:
        raise RejectedFile("empty")
    if len(data) > max_bytes:
        raise RejectedFile("too_large", f"The file is larger than the limit of {_size(max_bytes)}.")
    original_sha256 = hashlib.sha256(data).hexdigest()
    media_type = detect(data)
    content, stripped = _handler(media_type)(data, media_type)
    return CleanFile(
        content=content,
        media_type=media_type,
        extension=ALLOWED_TYPES[media_type],
        original_sha256=original_sha256,
        stripped=stripped,
    )
