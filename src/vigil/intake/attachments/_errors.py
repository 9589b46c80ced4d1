"""The one exception the sanitiser raises: a refusal whose message can be shown to the reporter."""

from __future__ import annotations

from vigil.core.errors import Invalid

MESSAGES = {
    "empty": "The file is empty.",
    "too_large": "The file is too large.",
    "unsupported_type": (
        "This kind of file is not accepted. Please send photos (JPEG, PNG, WebP, GIF), "
        "PDF documents, audio (MP3, M4A, Ogg, WAV, FLAC) or video (MP4, MOV)."
    ),
    "decompression_bomb": (
        "The image has too many pixels to be processed safely. Please send a smaller image."
    ),
    "corrupt": "The file seems damaged or incomplete and could not be read.",
    "encrypted": (
        "The document is protected by a password. Please remove the password and send it again."
    ),
    "too_complex": (
        "The file needs too much memory or time to be cleaned safely. "
        "Please send a smaller or simpler file."
    ),
    "pdf_image": (
        "The document contains images (JPEG 2000, JBIG2 or fax) that cannot be cleaned of "
        "hidden information here. Please print it to a new PDF or send photos of the pages."
    ),
}


class RejectedFile(Invalid):
    """An upload we refuse. ``code`` is stable (the caller translates by it); ``str(error)`` is a
    plain English sentence that is safe to show to the reporter: it never echoes file contents."""

    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        super().__init__(message or MESSAGES[code])
