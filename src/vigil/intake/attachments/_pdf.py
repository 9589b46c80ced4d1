"""PDF: pikepdf (qpdf) rewrites the file without metadata, active content or attachments.

qpdf writes only the objects still reachable after our deletions, so removed dictionaries and
streams (and earlier incremental-update revisions) do not survive in the output bytes.
"""

from __future__ import annotations

import io

import pikepdf
from pikepdf import Array, Dictionary, Stream

from ._errors import RejectedFile

DOCINFO = "PDF document info"
XMP = "PDF XMP metadata"
ACTIVE = "PDF scripts and automatic actions"
EMBEDDED = "PDF embedded files"
IMAGE_META = "EXIF/XMP of images inside the PDF"
PRIVATE = "PDF application data and annotation authors"

_DANGEROUS_ACTIONS = {
    "/JavaScript",
    "/Launch",
    "/SubmitForm",
    "/ImportData",
    "/Rendition",
    "/RichMediaExecute",
    "/GoToE",
}
# Annotation subtypes whose /T is the author's name (for widgets it is the form field's name).
_MARKUP = {"/Text", "/FreeText", "/Line", "/Square", "/Circle", "/Polygon", "/PolyLine", "/Ink"}
_MARKUP |= {"/Highlight", "/Underline", "/Squiggly", "/StrikeOut", "/Stamp", "/Caret", "/Redact"}
_MARKUP |= {"/FileAttachment", "/Sound"}


def strip_jpeg_metadata(jpeg: bytes) -> bytes:
    """Drop APP1–APP13, APP15 (EXIF, XMP, ICC, IPTC…) and COM segments, without re-encoding.

    APP0 (JFIF) and APP14 (Adobe colour transform) are kept: decoders need them."""
    if not jpeg.startswith(b"\xff\xd8"):
        return jpeg
    out = bytearray(b"\xff\xd8")
    pos = 2
    while pos + 4 <= len(jpeg) and jpeg[pos] == 0xFF:
        marker = jpeg[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xDA, 0xD9):  # start of scan / end of image: the rest is image data
            break
        end = pos + 2 + int.from_bytes(jpeg[pos + 2 : pos + 4], "big")
        if not ((0xE1 <= marker <= 0xEF and marker != 0xEE) or marker == 0xFE):
            out += jpeg[pos:end]
        pos = end
    return bytes(out + jpeg[pos:])


def _is_dangerous(action: object) -> bool:
    if isinstance(action, Array):
        return any(_is_dangerous(item) for item in action)
    return isinstance(action, Dictionary) and str(action.get("/S")) in _DANGEROUS_ACTIONS


def _only_dct(stream: Stream) -> bool:
    filters = stream.get("/Filter")
    if isinstance(filters, Array):
        return len(filters) == 1 and str(filters[0]) == "/DCTDecode"
    return filters is not None and str(filters) == "/DCTDecode"


def _clean_dictionary(obj: Dictionary | Stream, found: set[str]) -> None:
    def drop(key: str, note: str) -> None:
        if key in obj:
            del obj[key]
            found.add(note)

    drop("/Metadata", XMP)
    drop("/PieceInfo", PRIVATE)
    drop("/AA", ACTIVE)
    drop("/JS", ACTIVE)
    drop("/AF", EMBEDDED)
    drop("/EF", EMBEDDED)
    for key in ("/A", "/Next"):
        if _is_dangerous(obj.get(key)):
            drop(key, ACTIVE)
    subtype = str(obj.get("/Subtype"))
    if subtype == "/FileAttachment":
        drop("/FS", EMBEDDED)
    if subtype in _MARKUP:
        drop("/T", PRIVATE)
    if isinstance(obj, Stream) and subtype == "/Image" and _only_dct(obj):
        raw = obj.read_raw_bytes()
        cleaned = strip_jpeg_metadata(raw)
        if cleaned != raw:
            obj.write(
                cleaned, filter=obj.Filter, decode_parms=obj.get("/DecodeParms"), type_check=False
            )
            found.add(IMAGE_META)


def _clean(pdf: pikepdf.Pdf) -> list[str]:
    found: set[str] = set()
    if "/Info" in pdf.trailer:
        del pdf.trailer["/Info"]
        found.add(DOCINFO)
    if "/ID" in pdf.trailer:  # a fingerprint shared with the copy on the reporter's device
        del pdf.trailer["/ID"]
    root = pdf.Root
    for key in ("/OpenAction", "/AA"):
        if key in root:
            del root[key]
            found.add(ACTIVE)
    names = root.get("/Names")
    for key, note in (("/JavaScript", ACTIVE), ("/EmbeddedFiles", EMBEDDED)):
        if isinstance(names, Dictionary) and key in names:
            del names[key]
            found.add(note)
    if "/Collection" in root:  # a PDF portfolio: a wrapper around attachments
        del root["/Collection"]
        found.add(EMBEDDED)
    form = root.get("/AcroForm")
    if isinstance(form, Dictionary) and "/XFA" in form:  # XFA forms carry their own scripts
        del form["/XFA"]
        found.add(ACTIVE)
    # Every object, and the direct (inline) dictionaries and arrays nested inside it.
    pending: list[object] = [root, *pdf.objects]
    while pending:
        obj = pending.pop()
        if isinstance(obj, Dictionary | Stream):
            _clean_dictionary(obj, found)
            children = list(obj.values())
        elif isinstance(obj, Array):
            children = list(obj)
        else:
            continue
        pending.extend(
            child
            for child in children
            if isinstance(child, Dictionary | Array) and not child.is_indirect
        )
    return [note for note in (DOCINFO, XMP, ACTIVE, EMBEDDED, IMAGE_META, PRIVATE) if note in found]


def sanitise_pdf(data: bytes) -> tuple[bytes, list[str]]:
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            notes = _clean(pdf)
            out = io.BytesIO()
            pdf.save(out, encryption=False, preserve_pdfa=False, fix_metadata_version=False)
    except pikepdf.PasswordError as error:
        raise RejectedFile("encrypted") from error
    except Exception as error:  # qpdf errors, and anything odd in a damaged file
        raise RejectedFile("corrupt") from error
    return out.getvalue(), notes
