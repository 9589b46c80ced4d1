"""Images: decode with Pillow and re-encode the pixels alone, so no metadata can survive."""

from __future__ import annotations

import io

from PIL import Image, ImageOps, JpegImagePlugin

from ._errors import RejectedFile

PILLOW_FORMATS = {
    "image/jpeg": ("JPEG", "MPO"),  # MPO: phone JPEGs with extra embedded images
    "image/png": ("PNG",),
    "image/webp": ("WEBP",),
    "image/gif": ("GIF",),
}
_SAVE_AS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/gif": "GIF"}
# The only entries of Image.info we carry over: they describe pixels, not the author or device.
_KEEP_INFO = ("transparency", "background", "duration", "loop")


def _open(data: bytes, media_type: str, max_pixels: int) -> Image.Image:
    """Open without decoding, and refuse more than ``max_pixels`` from the declared size alone.

    This check (not Pillow's process-wide Image.MAX_IMAGE_PIXELS, a global) stops the cheap
    decompression bombs before a pixel buffer exists; the memory cap of the cleaning process
    (`_sandbox`) bounds whatever a header does not announce."""
    formats = PILLOW_FORMATS[media_type]
    im = Image.open(io.BytesIO(data), formats=[f for f in formats if f != "MPO"])
    if im.format not in formats:
        raise RejectedFile("corrupt")
    width, height = im.size
    if width * height > max_pixels:
        raise RejectedFile("decompression_bomb")
    return im


def _notes(im: Image.Image) -> list[str]:
    info = im.info
    notes = []
    try:
        exif = im.getexif()
    except Exception:  # unreadable EXIF: it goes all the same
        exif = Image.Exif()
    if exif or info.get("exif"):
        notes.append("EXIF (incl. GPS)" if 0x8825 in exif else "EXIF")
    text = getattr(im, "text", {}) or {}
    if info.get("xmp") or "XML:com.adobe.xmp" in text:
        notes.append("XMP")
    if info.get("photoshop"):
        notes.append("IPTC/Photoshop data")
    if info.get("icc_profile"):
        notes.append("ICC colour profile")
    if info.get("comment"):
        notes.append("comment")
    if set(text) - {"XML:com.adobe.xmp"}:
        notes.append("PNG text chunks")
    if im.format == "MPO":
        notes.append("additional embedded images (MPO)")
    if getattr(im, "is_animated", False):
        notes.append("animation frames after the first")
    return notes


def sanitise_image(data: bytes, media_type: str, max_pixels: int) -> tuple[bytes, list[str]]:
    try:
        with _open(data, media_type, max_pixels) as im:
            im.verify()  # structural checks (CRCs for PNG) before decoding anything
        with _open(data, media_type, max_pixels) as im:
            im.load()
            try:
                clean = ImageOps.exif_transpose(im)  # a new image: EXIF orientation applied
            except Exception:  # unreadable EXIF: keep the pixels as stored
                clean = im.copy()
            notes = _notes(im)
            clean.info = {key: im.info[key] for key in _KEEP_INFO if key in im.info}
            options: dict[str, object] = {}
            if media_type == "image/jpeg":
                sampling = JpegImagePlugin.get_sampling(im)
                quantization = getattr(im, "quantization", None)
                if quantization and sampling != -1:  # keep the original quality
                    options = {"qtables": quantization, "subsampling": sampling}
                else:
                    options = {"quality": 95}
            elif media_type == "image/webp":
                lossless = data[12:16] == b"VP8L"
                options = {"lossless": True} if lossless else {"quality": 95}
            out = io.BytesIO()
            clean.save(out, _SAVE_AS[media_type], **options)
    except RejectedFile:
        raise
    except Image.DecompressionBombError as error:
        raise RejectedFile("decompression_bomb") from error
    except MemoryError as error:
        raise RejectedFile("too_complex") from error
    except ValueError as error:
        # PngImagePlugin refuses text chunks that inflate past its limits with ValueError.
        text = str(error).lower()
        code = "decompression_bomb" if "too large" in text or "too much" in text else "corrupt"
        raise RejectedFile(code) from error
    except Exception as error:  # Pillow raises OSError, SyntaxError, struct.error, EOFError…
        raise RejectedFile("corrupt") from error
    return out.getvalue(), notes
