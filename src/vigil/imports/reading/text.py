"""Text files of unknown encoding and line endings, read as numbered physical lines.

Spreadsheets saved on Windows come in Windows-1252, older systems in Latin-1, Excel's
"Unicode text" in UTF-16 with a byte-order mark, and files assembled from several sources in
UTF-8 with a few stray bytes. The encoding is chosen once per file (a byte-order mark; else
UTF-8 if the file is UTF-8, or mostly so; else ``charset-normalizer`` on a sample), then
lines are decoded one at a time: a line with bytes the encoding cannot decode is kept with
U+FFFD in their place and its number is reported, so one bad byte never stops an import.

Line breaks may be ``\\r\\n`` (Windows), ``\\n`` or a lone ``\\r`` (old Mac); every physical
line is given with its break normalised to ``\\n``, so a quoted cell's own break reads ``\\n``
and line numbers count the lines a person sees in an editor.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import AnyStr, BinaryIO

from charset_normalizer import from_bytes

from vigil.core.errors import Invalid

CHUNK = 1 << 16
SAMPLE = 1 << 19  # bytes charset-normalizer sees: enough text, bounded memory
FEW_HIGH_BYTES = 16
_ESCAPED = re.compile("[\udc80-\udcff]")  # bytes that are not UTF-8, as surrogateescape gives
_PREFERRED = ("utf-8", "cp1252", "iso8859-1", "iso8859-15")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True, slots=True)
class TextLine:
    number: int  # 1-based physical line
    text: str  # ends with "\n" unless it is the file's last line without a final break
    undecodable: bool  # some bytes were replaced by U+FFFD


def checked_encoding(name: str) -> str:
    """A declared encoding's Python codec name; ``Invalid`` for one Python does not know."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise Invalid(f"Unknown text encoding {name!r}.") from None


def detect_encoding(path: Path) -> str:
    """The Python codec name to read ``path`` with, reading it in chunks (constant memory)."""
    with path.open("rb") as raw:
        head = raw.read(4)
        for bom, name in _BOMS:
            if head.startswith(bom):
                return name
        raw.seek(0)
        sample = raw.read(SAMPLE)
        if b"\x00" in sample:  # UTF-16/32 without a mark: NULs are valid UTF-8 but mean that
            return _normalizer_guess(sample)
        raw.seek(0)
        errors, multibyte, first_error = _utf8_scan(raw)
    if errors == 0 or multibyte >= errors:
        return "utf-8"  # UTF-8, perhaps with a few stray bytes reported line by line
    if first_error >= len(sample):  # show the detector the bytes that are not UTF-8
        with path.open("rb") as raw:
            raw.seek(max(first_error - CHUNK // 2, 0))
            sample = sample[: SAMPLE - CHUNK] + raw.read(CHUNK)
    return _normalizer_guess(sample)


def _utf8_scan(raw: BinaryIO) -> tuple[int, int, int]:
    """Count bytes that are not UTF-8 and extra bytes of valid multi-byte characters (a
    Windows-1252 file has many of the first and almost none of the second); also the offset
    of the first bad byte, so the detector can be shown it."""
    errors = multibyte = 0
    first_error = -1
    offset = 0
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    for chunk in iter(lambda: raw.read(CHUNK), b""):
        text = decoder.decode(chunk)
        bad = len(_ESCAPED.findall(text)) if _has_escape(text) else 0
        if bad and first_error < 0:
            first_error = offset
        errors += bad
        multibyte += len(chunk) - len(text)  # approximate across chunk edges
        offset += len(chunk)
    return errors, multibyte, first_error


def _has_escape(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _normalizer_guess(sample: bytes) -> str:
    """charset-normalizer's best guess; among guesses it finds equally good (a short Spanish
    sample reads the same in Windows-1250, -1252 and -1258 but for "ñ"), Windows-1252, the
    commonest export of Western spreadsheets; when it has none, Windows-1252 too, with the
    bytes it cannot decode reported."""
    if _few_high_bytes(sample):
        return "cp1252"
    matches = from_bytes(sample)
    best = matches.best()
    if best is None:
        return "cp1252"
    tied = {
        codecs.lookup(match.encoding).name
        for match in matches
        if (match.chaos, match.coherence) == (best.chaos, best.coherence)
    }
    name = next((pick for pick in _PREFERRED if pick in tied), codecs.lookup(best.encoding).name)
    return "utf-8" if name == "ascii" else name


def _few_high_bytes(sample: bytes) -> bool:
    """A handful of non-ASCII bytes is too little for any detector ("Á" alone reads as
    Japanese to charset-normalizer): when they are that few and Windows-1252 decodes them,
    it is chosen; a person can still declare the encoding."""
    high = sum(1 for byte in sample[:SAMPLE] if byte >= 0x80) if len(sample) else 0
    if high >= FEW_HIGH_BYTES:
        return False
    try:
        sample.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def _line_codec(encoding: str) -> str | None:
    """The codec to decode each byte line with, when line breaks are the ASCII bytes (so
    bytes can be cut into lines before decoding); ``None`` for UTF-16 and UTF-32."""
    if codecs.lookup(encoding).name == "utf-8-sig":
        return "utf-8"
    try:
        same = "a\n\r,".encode(encoding) == b"a\n\r,"
    except UnicodeEncodeError:
        same = False
    return encoding if same else None


def read_lines(path: Path, encoding: str) -> Iterator[TextLine]:
    """Every physical line of ``path`` decoded with ``encoding``, numbered from 1."""
    with path.open("rb") as raw:
        chunks = iter(lambda: raw.read(CHUNK), b"")
        line_codec = _line_codec(encoding)
        if line_codec is not None:
            number = 0
            for batch in split_batches(chunks, b"\r", b"\n"):
                if number == 0 and batch[0].startswith(codecs.BOM_UTF8):
                    batch[0] = batch[0][len(codecs.BOM_UTF8) :]
                for text, undecodable in _decoded(batch, line_codec):
                    number += 1
                    yield TextLine(number, text, undecodable)
            return
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        texts = (decoder.decode(chunk) for chunk in chunks)
        for number, text in enumerate(split_lines(_with_tail(texts, decoder), "\r", "\n"), 1):
            yield TextLine(number, text.lstrip("\ufeff") if number == 1 else text, "\ufffd" in text)


def _with_tail(texts: Iterable[str], decoder: codecs.IncrementalDecoder) -> Iterator[str]:
    yield from texts
    yield decoder.decode(b"", final=True)


def split_lines(chunks: Iterable[AnyStr], cr: AnyStr, lf: AnyStr) -> Iterator[AnyStr]:
    """Cut a stream of chunks into lines (see ``split_batches``)."""
    for batch in split_batches(chunks, cr, lf):
        yield from batch


def split_batches(chunks: Iterable[AnyStr], cr: AnyStr, lf: AnyStr) -> Iterator[list[AnyStr]]:
    """Cut a stream of chunks at ``\\r\\n``, ``\\n`` or a lone ``\\r`` and end every line
    with ``lf`` (the last one has none when the file has no final break), a chunk's complete
    lines at a time. A ``\\r`` at the end of a chunk waits for the next chunk to know whether
    a ``\\n`` follows."""
    pending: AnyStr | None = None
    for chunk in chunks:
        pending = chunk if pending is None else pending + chunk
        held = pending.endswith(cr)
        parts = _unify(pending[:-1] if held else pending, cr, lf).split(lf)
        if len(parts) > 1:
            yield [part + lf for part in parts[:-1]]
        pending = parts[-1] + cr if held else parts[-1]
    if pending:
        parts = _unify(pending, cr, lf).split(lf)
        last = [parts[-1]] if parts[-1] else []
        yield [part + lf for part in parts[:-1]] + last


def _decoded(batch: list[bytes], codec: str) -> list[tuple[str, bool]]:
    """A batch of byte lines decoded in one call (a call per line costs more than the
    decoding); when the batch holds a byte the codec refuses, line by line, the bad lines
    with U+FFFD and marked."""
    try:
        parts = b"".join(batch).decode(codec).split("\n")
    except UnicodeDecodeError:
        parts = []
    if len(parts) in (len(batch), len(batch) + 1):
        texts = [part + "\n" for part in parts[:-1]]
        if parts[-1] or len(parts) == len(batch):
            texts.append(parts[-1])
        if len(texts) == len(batch):
            return [(text, False) for text in texts]
    lines = []
    for line in batch:
        try:
            lines.append((line.decode(codec), False))
        except UnicodeDecodeError:
            lines.append((line.decode(codec, errors="replace"), True))
    return lines


def _unify(buffer: AnyStr, cr: AnyStr, lf: AnyStr) -> AnyStr:
    return buffer.replace(cr + lf, lf).replace(cr, lf)


def count_lines(path: Path) -> int:
    """Line breaks in ``path`` without decoding it (``\\r`` alone when it has no ``\\n``),
    plus one for a last line without a break; an estimate for a progress bar."""
    newlines = returns = 0
    last = b""
    with path.open("rb") as raw:
        for chunk in iter(lambda: raw.read(CHUNK), b""):
            newlines += chunk.count(b"\n")
            returns += chunk.count(b"\r")
            last = chunk
    breaks = newlines or returns
    return breaks + (1 if last and not last.endswith((b"\n", b"\r")) else 0)
