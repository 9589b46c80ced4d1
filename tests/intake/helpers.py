"""Building report form submissions for tests."""

from __future__ import annotations

import io
import secrets

from PIL import Image

from tests.factories import csrf_from


def gps_jpeg() -> bytes:
    """A real JPEG whose EXIF carries a GPS position and a camera model."""
    image = Image.new("RGB", (32, 24), (120, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "PlantedCamMaker"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (2.0, 26.0, 31.0), 3: "W", 4: (76.0, 36.0, 22.0)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def report_fields(client, **overrides: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/report").text)
    fields = {
        "csrf_token": token,
        "submission_id": secrets.token_urlsafe(12),
        "imminent": "yes",
        "target_kind": "person",
        "defender_type": "community_leader",
        "defender_name": "Quetzali Planted-Name",
        "defender_contact": "+57 300 000 4242",
        "attack_type": "death_threat",
        "year": "2026",
        "month": "10",
        "day": "3",
        "country": "CO",
        "region": "Cauca",
        "place": "Vereda El Planted",
        "narrative": "A handwritten threat was left at the door after the hearing.",
        "perpetrator_type": "unknown",
        "responsible": "Minera Andina del Cauca",
        "wish": "quiet",
    }
    fields.update(overrides)
    return fields
