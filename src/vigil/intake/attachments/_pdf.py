"""PDF: pikepdf (qpdf) rewrites the file without metadata, active content or attachments.

qpdf writes only the objects still reachable after our deletions, so removed dictionaries and
streams (and earlier incremental-update revisions) do not survive in the output bytes.

Every image is rebuilt from its decoded samples, whatever its filter chain: an image stream
can hide a whole JPEG with EXIF/GPS behind ``[/FlateDecode /DCTDecode]``, or data after the
last row of pixels. Inline images are first turned into image XObjects by qpdf, so they go the
same way. qpdf decodes every standard filter but JPEG 2000, JBIG2 and CCITT fax; a PDF with
such an image is refused with a reason, never stored half-cleaned. The file's /ID (a
fingerprint shared with the copy on the reporter's device) is replaced with random bytes.
"""

from __future__ import annotations

import io
import secrets
import zlib

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream
from PIL import Image

from ._errors import RejectedFile

DOCINFO = "PDF document info"
XMP = "PDF XMP metadata"
ACTIVE = "PDF scripts and automatic actions"
EMBEDDED = "PDF embedded files"
IMAGE_META = "EXIF/XMP of images inside the PDF"
IMAGES = "PDF images re-encoded from their pixels"
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


_COMPONENTS = {"/DeviceGray": 1, "/CalGray": 1, "/Indexed": 1, "/Separation": 1}
_COMPONENTS |= {"/DeviceRGB": 3, "/CalRGB": 3, "/Lab": 3, "/DeviceCMYK": 4}
_JPEG_MODES = {1: "L", 3: "RGB"}
# What marks EXIF, XMP, ICC and IPTC segments in a JPEG: only used to say what was found.
_METADATA_MARKERS = (b"Exif\0", b"<x:xmpmeta", b"http://ns.adobe.com/xap/", b"Photoshop 3.0")


def _components(image: Stream) -> int:
    """Colour components per pixel, or 0 when the colour space is not one we know."""
    if image.get("/ImageMask"):
        return 1
    space = image.get("/ColorSpace")
    if isinstance(space, Array) and len(space) > 1:
        family = str(space[0])
        if family == "/ICCBased" and isinstance(space[1], Stream):
            return int(space[1].get("/N", 0))
        if family == "/DeviceN" and isinstance(space[1], Array):
            return len(space[1])
        space = space[0]
    return _COMPONENTS.get(str(space), 0)


def _filters(image: Stream) -> list[str]:
    filters = image.get("/Filter")
    return [str(f) for f in filters] if isinstance(filters, Array) else [str(filters or "")]


def _carries_metadata(image: Stream) -> bool:
    """Whether the encoded image shows EXIF/XMP/IPTC, also behind a first /FlateDecode."""
    raw = image.read_raw_bytes()
    if any(marker in raw for marker in _METADATA_MARKERS):
        return True
    if _filters(image)[0] != "/FlateDecode":
        return False
    try:  # bounded: the markers sit in the first segments of a JPEG
        head = zlib.decompressobj().decompress(raw, 1024 * 1024)
    except zlib.error:
        return False
    return any(marker in head for marker in _METADATA_MARKERS)


def _reencode_image(image: Stream, max_pixels: int) -> bool:
    """Replace the image with its decoded samples, re-encoded (JPEG stays JPEG, the rest is
    Flate), cut to the exact size of its pixels. True if the old encoding carried metadata."""
    width, height = int(image.get("/Width", 0)), int(image.get("/Height", 0))
    if width <= 0 or height <= 0:
        raise RejectedFile("corrupt")
    if width * height > max_pixels:  # before qpdf decodes anything
        raise RejectedFile("decompression_bomb")
    bits = 1 if image.get("/ImageMask") else int(image.get("/BitsPerComponent", 8))
    components = _components(image)
    if not components or bits not in (1, 2, 4, 8, 16):
        raise RejectedFile("pdf_image")
    had_metadata = _carries_metadata(image)
    try:
        samples = image.read_bytes(decode_level=pikepdf.StreamDecodeLevel.all)
    except pikepdf.PdfError as error:  # JPEG 2000, JBIG2, CCITT fax: qpdf cannot decode them
        raise RejectedFile("pdf_image") from error
    samples = samples[: height * ((width * components * bits + 7) // 8)]
    mode = _JPEG_MODES.get(components)
    if _filters(image)[-1] == "/DCTDecode" and bits == 8 and mode:
        out = io.BytesIO()
        Image.frombytes(mode, (width, height), samples).save(out, "JPEG", quality=95)
        image.write(out.getvalue(), filter=Name.DCTDecode)
    else:  # CMYK JPEGs too: re-encoding them through Pillow could invert their colours
        image.write(zlib.compress(samples), filter=Name.FlateDecode)
    return had_metadata


def _reencode_images(pdf: pikepdf.Pdf, max_pixels: int, found: set[str]) -> None:
    for page in pdf.pages:  # inline images (in the page and its forms) become XObjects
        page.externalize_inline_images(min_size=0)
    images = [
        obj for obj in pdf.objects if isinstance(obj, Stream) and obj.get("/Subtype") == "/Image"
    ]
    for image in images:
        if _reencode_image(image, max_pixels):
            found.add(IMAGE_META)
    if images:
        found.add(IMAGES)


def _is_dangerous(action: object) -> bool:
    if isinstance(action, Array):
        return any(_is_dangerous(item) for item in action)
    return isinstance(action, Dictionary) and str(action.get("/S")) in _DANGEROUS_ACTIONS


def _clean_dictionary(obj: Dictionary | Stream, found: set[str]) -> None:
    def drop(key: str, note: str) -> None:
        if key in obj:
            del obj[key]
            found.add(note)

    drop("/Metadata", XMP)
    drop("/PieceInfo", PRIVATE)
    drop("/OPI", PRIVATE)  # prepress links to the original image files (paths, names)
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


def _clean(pdf: pikepdf.Pdf, max_pixels: int) -> list[str]:
    found: set[str] = set()
    if "/Info" in pdf.trailer:
        del pdf.trailer["/Info"]
        found.add(DOCINFO)
    # A fingerprint shared with the copy on the reporter's device: qpdf would keep its first half.
    pdf.trailer.ID = Array([pikepdf.String(secrets.token_bytes(16)) for _ in range(2)])
    _reencode_images(pdf, max_pixels, found)
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
    notes = (DOCINFO, XMP, ACTIVE, EMBEDDED, IMAGE_META, IMAGES, PRIVATE)
    return [note for note in notes if note in found]


def sanitise_pdf(data: bytes, max_pixels: int) -> tuple[bytes, list[str]]:
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            notes = _clean(pdf, max_pixels)
            out = io.BytesIO()
            pdf.save(out, encryption=False, preserve_pdfa=False, fix_metadata_version=False)
    except RejectedFile:
        raise
    except pikepdf.PasswordError as error:
        raise RejectedFile("encrypted") from error
    except MemoryError as error:
        raise RejectedFile("too_complex") from error
    except Exception as error:  # qpdf errors, and anything odd in a damaged file
        raise RejectedFile("corrupt") from error
    return out.getvalue(), notes
