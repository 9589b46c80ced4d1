"""What runs inside the bounded child process (`_sandbox`): pick the cleaner for a media type.

Imported ahead of time by the fork server, so every library a cleaner needs is already loaded
when a child starts."""

from __future__ import annotations

from PIL import Image

from ._images import sanitise_image
from ._media import sanitise_media
from ._pdf import sanitise_pdf

Image.init()  # Pillow loads its format plugins on first use: once here, not in every child


def clean(data: bytes, media_type: str, max_pixels: int) -> tuple[bytes, list[str]]:
    if media_type.startswith("image/"):
        return sanitise_image(data, media_type, max_pixels)
    if media_type == "application/pdf":
        return sanitise_pdf(data, max_pixels)
    return sanitise_media(data, media_type)
