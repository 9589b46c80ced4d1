"""Upload sanitiser: real files built here, carrying planted metadata (GPS above all), go in;
what comes out must keep the content and lose the metadata. No database."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import struct
import wave
import zlib

import mutagen
import pikepdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutagen.flac import FLAC, Picture
from mutagen.id3 import ID3, TIT2, TXXX
from mutagen.mp4 import MP4
from mutagen.ogg import OggPage
from mutagen.wave import WAVE
from PIL import Image, ImageChops, PngImagePlugin, TiffImagePlugin

from vigil.intake.attachments import (
    ALLOWED_TYPES,
    CleanFile,
    CleaningLimits,
    RejectedFile,
    sanitise,
)

LIMIT = 10_000_000
PLANTED = b"PLANTED-SECRET"


def clean(data: bytes, filename: str | None = "upload.bin") -> CleanFile:
    return sanitise(data, filename=filename, max_bytes=LIMIT)


def rejected(data: bytes, filename: str | None = "upload.bin", max_bytes: int = LIMIT) -> str:
    with pytest.raises(RejectedFile) as caught:
        sanitise(data, filename=filename, max_bytes=max_bytes)
    assert str(caught.value)  # a message for the reporter
    assert PLANTED.decode() not in str(caught.value)
    return caught.value.code


# --- images -------------------------------------------------------------------------------------


def gradient(size: tuple[int, int] = (64, 48)) -> Image.Image:
    im = Image.new("RGB", size)
    im.putdata(
        [(x * 4 % 256, y * 5 % 256, (x + y) % 256) for y in range(size[1]) for x in range(size[0])]
    )
    return im


def rational(value: float) -> TiffImagePlugin.IFDRational:
    return TiffImagePlugin.IFDRational(round(value * 10000), 10000)


def gps_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PLANTED-SECRET-Make"  # Make
    exif[0x0110] = "PLANTED-SECRET-Model"  # Model
    exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)  # GPSInfo IFD
    gps[1] = "N"  # GPSLatitudeRef
    gps[2] = (rational(40), rational(25), rational(0.48))  # GPSLatitude
    gps[3] = "W"  # GPSLongitudeRef
    gps[4] = (rational(3), rational(42), rational(13.68))  # GPSLongitude
    return exif


def jpeg_with_gps(orientation: int = 1, size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    gradient(size).save(out, "JPEG", quality=90, exif=gps_exif(orientation), comment=PLANTED)
    return out.getvalue()


def test_jpeg_loses_exif_and_gps_but_keeps_its_pixels():
    data = jpeg_with_gps()
    original = Image.open(io.BytesIO(data))
    assert original.getexif().get_ifd(0x8825)[2]  # the upload really carries GPS
    assert PLANTED in data

    result = clean(data, filename="IMG_0001.jpg")

    assert (result.media_type, result.extension) == ("image/jpeg", ".jpg")
    assert (
        result.sha256
        == hashlib.sha256(result.content).hexdigest()
        != hashlib.sha256(data).hexdigest()
    )
    assert "EXIF (incl. GPS)" in result.stripped and "comment" in result.stripped
    out = Image.open(io.BytesIO(result.content))
    assert out.format == "JPEG"
    assert not out.getexif() and not out.getexif().get_ifd(0x8825)
    assert "exif" not in out.info and "comment" not in out.info
    assert PLANTED not in result.content and b"Exif" not in result.content
    assert out.size == original.size
    difference = ImageChops.difference(out.convert("RGB"), original.convert("RGB"))
    assert max(high for _low, high in difference.getextrema()) <= 16  # re-encoding only


def test_jpeg_orientation_is_applied_before_exif_goes():
    result = clean(jpeg_with_gps(orientation=6, size=(40, 20)))  # 6: rotate 90° clockwise
    assert Image.open(io.BytesIO(result.content)).size == (20, 40)


def test_png_text_chunks_and_exif_are_removed_pixels_are_identical():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "PLANTED-SECRET in tEXt")
    info.add_text("Author", "PLANTED-SECRET in zTXt", zip=True)
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>PLANTED-SECRET</x:xmpmeta>")
    out = io.BytesIO()
    gradient().save(out, "PNG", pnginfo=info, exif=gps_exif())
    data = out.getvalue()

    result = clean(data, filename="screenshot.png")

    assert result.media_type == "image/png"
    assert PLANTED not in result.content
    for chunk in (b"tEXt", b"zTXt", b"iTXt", b"eXIf"):
        assert chunk not in result.content
    png = Image.open(io.BytesIO(result.content))
    assert not png.text and not png.getexif()
    assert ImageChops.difference(png.convert("RGB"), gradient()).getbbox() is None
    assert {"EXIF (incl. GPS)", "XMP", "PNG text chunks"} <= set(result.stripped)


@pytest.mark.parametrize(("fmt", "media_type"), [("WEBP", "image/webp"), ("GIF", "image/gif")])
def test_webp_and_gif_lose_their_metadata(fmt, media_type):
    out = io.BytesIO()
    if fmt == "WEBP":
        gradient().save(out, fmt, exif=gps_exif(), xmp=b"<x:xmpmeta>PLANTED-SECRET</x:xmpmeta>")
    else:
        gradient().convert("P").save(out, fmt, comment=PLANTED)
    assert PLANTED in out.getvalue()
    result = clean(out.getvalue(), filename="picture")
    assert result.media_type == media_type
    assert PLANTED not in result.content
    assert Image.open(io.BytesIO(result.content)).size == (64, 48)


def test_mpo_from_a_phone_becomes_a_plain_jpeg():
    out = io.BytesIO()
    gradient().save(out, "MPO", save_all=True, append_images=[gradient((32, 24))], exif=gps_exif())
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    result = clean(out.getvalue())
    assert result.media_type == "image/jpeg"
    assert Image.open(io.BytesIO(result.content)).format == "JPEG"
    assert PLANTED not in result.content
    assert "additional embedded images (MPO)" in result.stripped


def png_declaring(width: int, height: int) -> bytes:
    """A real 1-bit PNG of width x height, all zeros: megapixels that deflate to a few KB."""
    row = b"\0" + bytes((width + 7) // 8)  # filter byte + packed pixels
    raw = zlib.compress(row * height, 9)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


@pytest.mark.parametrize("side", [8_000, 20_000])  # 64 MP: our 50 MP limit; 400 MP: Pillow's
def test_decompression_bomb_is_refused(side):
    data = png_declaring(side, side)
    assert len(data) < 200_000
    assert rejected(data, filename="bomb.png") == "decompression_bomb"


def test_truncated_jpeg_is_corrupt():
    data = jpeg_with_gps(size=(256, 256))
    assert rejected(data[: len(data) // 2], filename="photo.jpg") == "corrupt"


# --- PDF ----------------------------------------------------------------------------------------


def pdf_with_metadata(*, extras: bool = False) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo["/Author"] = "PLANTED-SECRET author"
    pdf.docinfo["/Title"] = "PLANTED-SECRET title"
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["dc:creator"] = ["PLANTED-SECRET xmp creator"]
        meta["dc:description"] = "PLANTED-SECRET xmp"
    if extras:
        pdf.Root.OpenAction = pdf.make_indirect(
            pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS="app.alert('PLANTED-SECRET')")
        )
        pdf.attachments["evidence.txt"] = pikepdf.AttachedFileSpec(pdf, PLANTED + b" attachment")
        note = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Text, Rect=[0, 0, 10, 10],
            T="PLANTED-SECRET annotator", Contents="Seen at the gate",
        )  # fmt: skip
        pdf.pages[0].Annots = pdf.make_indirect([pdf.make_indirect(note)])
        photo = pikepdf.Stream(pdf, jpeg_with_gps(size=(16, 16)))
        photo.Type, photo.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        photo.Width, photo.Height, photo.BitsPerComponent = 16, 16, 8
        photo.ColorSpace, photo.Filter = pikepdf.Name.DeviceRGB, pikepdf.Name.DCTDecode
        pdf.pages[0].Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=photo))
        pdf.pages[0].Contents = pdf.make_stream(b"q 16 0 0 16 0 0 cm /Im0 Do Q")
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def decoded_contents(data: bytes) -> bytes:
    """Everything in the PDF, streams decompressed, so compression cannot hide a leftover."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        parts = [repr(pdf.trailer).encode()]
        for obj in pdf.objects:
            parts.append(repr(obj).encode())
            if isinstance(obj, pikepdf.Stream):
                parts.append(obj.read_raw_bytes())
                with contextlib.suppress(pikepdf.PdfError):
                    parts.append(obj.read_bytes())
        return b"\n".join(parts)


def test_pdf_loses_document_info_and_xmp():
    data = pdf_with_metadata()
    assert PLANTED in data

    result = clean(data, filename="report.pdf")

    assert (result.media_type, result.extension) == ("application/pdf", ".pdf")
    assert (
        result.sha256
        == hashlib.sha256(result.content).hexdigest()
        != hashlib.sha256(data).hexdigest()
    )
    assert PLANTED not in result.content
    assert PLANTED not in decoded_contents(result.content)
    with pikepdf.open(io.BytesIO(result.content)) as pdf:
        assert "/Info" not in pdf.trailer
        assert pikepdf.Name.Author not in pdf.docinfo
        assert "/Metadata" not in pdf.Root
        assert len(pdf.pages) == 1
    assert {"PDF document info", "PDF XMP metadata"} <= set(result.stripped)


def test_pdf_loses_scripts_attachments_annotation_authors_and_image_exif():
    data = pdf_with_metadata(extras=True)
    assert b"Exif" in decoded_contents(data)

    result = clean(data)

    content = decoded_contents(result.content)
    assert PLANTED not in content and b"Exif" not in content
    assert b"Seen at the gate" in content  # the annotation itself stays
    with pikepdf.open(io.BytesIO(result.content)) as pdf:
        assert "/OpenAction" not in pdf.Root
        assert not pdf.attachments
        image = pdf.pages[0].Resources.XObject.Im0
        assert Image.open(io.BytesIO(image.read_raw_bytes())).size == (16, 16)  # still a JPEG
    assert {
        "PDF scripts and automatic actions",
        "PDF embedded files",
        "EXIF/XMP of images inside the PDF",
        "PDF application data and annotation authors",
    } <= set(result.stripped)


def test_password_protected_pdf_is_refused():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(user="secret", owner="secret"))
    assert rejected(out.getvalue(), filename="locked.pdf") == "encrypted"


def test_type_comes_from_content_not_name():
    result = clean(pdf_with_metadata(), filename="holiday.jpg")
    assert (result.media_type, result.extension) == ("application/pdf", ".pdf")


# --- audio and video ----------------------------------------------------------------------------


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def mp3_with_id3() -> bytes:
    frame = b"\xff\xfb\x90\x00" + bytes(413)  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz, 417 bytes
    bio = io.BytesIO(frame * 30)
    tags = ID3()
    tags.add(TIT2(encoding=3, text="PLANTED-SECRET title"))
    tags.add(TXXX(encoding=3, desc="location", text="PLANTED-SECRET 40.4168,-3.7038"))
    tags.save(bio, v1=2)  # ID3v2 at the start and ID3v1 at the end
    return bio.getvalue()


def aac_with_id3() -> bytes:
    """ADTS AAC-LC, 44.1 kHz stereo, 200 frames of 27 bytes, with an ID3v2 tag in front."""
    length = 27
    header = bytes(
        [0xFF, 0xF1, 0x50, 0x80 | length >> 11, length >> 3 & 0xFF, (length & 7) << 5 | 0x1F, 0xFC]
    )
    bio = io.BytesIO((header + bytes(length - 7)) * 200)
    tags = ID3()
    tags.add(TIT2(encoding=3, text="PLANTED-SECRET title"))
    tags.save(bio)
    return bio.getvalue()


def wav_with_tags() -> bytes:
    bio = io.BytesIO()
    with wave.open(bio, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(bytes(range(256)) * 12)
    info = b"INFO" + b"INAM" + struct.pack("<I", 20) + b"PLANTED-SECRET name\0"
    data = bio.getvalue() + b"LIST" + struct.pack("<I", len(info)) + info
    bio = io.BytesIO(data[:4] + struct.pack("<I", len(data) - 8) + data[8:])
    audio = WAVE(bio)
    audio.add_tags()
    audio.tags.add(TIT2(encoding=3, text="PLANTED-SECRET id3"))
    bio.seek(0)
    audio.save(bio)
    return bio.getvalue()


def flac_with_tags() -> bytes:
    samples = (44100 << 44) | (1 << 41) | (15 << 36) | 44100  # 44.1 kHz, stereo, 16 bit, 1 s
    info = struct.pack(">HH", 4096, 4096) + bytes(6) + samples.to_bytes(8, "big") + bytes(16)
    bio = io.BytesIO(b"fLaC\x80" + len(info).to_bytes(3, "big") + info + b"\xff\xf8" + bytes(30))
    audio = FLAC(bio)
    audio.add_tags()
    audio.tags["TITLE"] = "PLANTED-SECRET title"
    picture = Picture()
    picture.mime, picture.data = "image/jpeg", jpeg_with_gps(size=(8, 8))
    audio.add_picture(picture)
    bio.seek(0)
    audio.save(bio)
    return bio.getvalue()


def opus_with_tags() -> bytes:
    head = b"OpusHead" + bytes([1, 1]) + struct.pack("<HIhB", 312, 48000, 0, 0)
    comment = b"TITLE=PLANTED-SECRET title"
    tags = b"OpusTags" + struct.pack("<I", 5) + b"vigil" + struct.pack("<II", 1, len(comment))
    pages = []
    for number, (packet, position) in enumerate(
        [(head, 0), (tags + comment, 0), (b"\xfc" * 9, 48000)]
    ):
        page = OggPage()
        page.serial, page.sequence, page.position, page.packets = 7, number, position, [packet]
        page.first, page.last = number == 0, number == 2
        pages.append(page.write())
    return b"".join(pages)


def mp4_with_location(brand: bytes = b"isom") -> bytes:
    """ftyp + moov(mvhd, udta/©xyz as phones write it) + mdat, then iTunes-style tags by mutagen."""
    mvhd = box(
        b"mvhd",
        bytes(4) + struct.pack(">IIII", 3_700_000_000, 3_700_000_001, 1000, 5000)
        + b"\x00\x01\x00\x00\x01\x00" + bytes(10 + 36 + 24) + struct.pack(">I", 2),
    )  # fmt: skip
    location = box(b"\xa9xyz", struct.pack(">HH", 18, 0x15C7) + b"+40.4168-003.7038/")
    udta = box(b"udta", location + box(b"\xa9mak", b"\0\x15\0\0PLANTED-SECRET phone"))
    compatible = brand if brand == b"qt  " else brand + b"mp41"  # as iPhones / others write them
    data = box(b"ftyp", brand + bytes(4) + compatible) + box(b"moov", mvhd + udta)
    bio = io.BytesIO(data + box(b"mdat", bytes(range(64))))
    video = MP4(bio)
    video.add_tags()
    video.tags["\xa9nam"] = ["PLANTED-SECRET title"]
    video.tags["\xa9xyz"] = ["+40.4168-003.7038/"]
    bio.seek(0)
    video.save(bio)
    return bio.getvalue()


@pytest.mark.parametrize(
    ("build", "media_type", "note"),
    [
        (mp3_with_id3, "audio/mpeg", "ID3 tags"),
        (wav_with_tags, "audio/wav", "ID3 tags"),
        (flac_with_tags, "audio/flac", "FLAC tags and pictures"),
        (opus_with_tags, "audio/ogg", "Ogg comments (incl. pictures)"),
        (mp4_with_location, "video/mp4", "MP4 tags"),
        (functools.partial(mp4_with_location, b"M4A "), "audio/mp4", "MP4 tags"),
        (functools.partial(mp4_with_location, b"qt  "), "video/quicktime", "MP4 tags"),
    ],
    ids=["mp3", "wav", "flac", "opus", "mp4", "m4a", "mov"],
)
def test_audio_and_video_lose_their_tags(build, media_type, note):
    data = build()
    assert PLANTED in data

    result = clean(data, filename="recording")

    assert (result.media_type, result.extension) == (media_type, ALLOWED_TYPES[media_type])
    assert (
        result.sha256
        == hashlib.sha256(result.content).hexdigest()
        != hashlib.sha256(data).hexdigest()
    )
    assert note in result.stripped
    assert PLANTED not in result.content
    assert b"+40.4168" not in result.content  # the ©xyz location, in ilst and in udta
    media = mutagen.File(io.BytesIO(result.content))
    assert media is not None and not media.tags
    before = mutagen.File(io.BytesIO(data)).info.length  # MP3: estimated from the size
    assert media.info.length == pytest.approx(before, rel=0.02)


def test_wav_keeps_its_samples():
    result = clean(wav_with_tags())
    with wave.open(io.BytesIO(result.content)) as w:
        assert w.readframes(w.getnframes()) == bytes(range(256)) * 12
    assert "WAV metadata chunks (LIST)" in result.stripped


def test_mp4_container_times_are_zeroed_and_layout_kept():
    data = mp4_with_location()
    result = clean(data)
    assert "MP4 creation and modification times" in result.stripped
    assert struct.pack(">I", 3_700_000_000) not in result.content
    assert result.content.endswith(box(b"mdat", bytes(range(64))))  # the media data is untouched


# --- refusals -----------------------------------------------------------------------------------


def test_renamed_executable_is_refused():
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(50) + b"PE\0\0" + bytes(200)
    assert rejected(exe, filename="photo.jpg") == "unsupported_type"


@pytest.mark.parametrize(
    ("data", "hint"),
    [
        (box(b"ftyp", b"heic\0\0\0\0mif1heic") + box(b"meta", bytes(20)), "JPEG"),
        (bytes.fromhex("1a45dfa39f4286810142f7810142f2810442f381084282847765626d"), "MP4"),
    ],
    ids=["heic", "webm"],
)
def test_formats_we_cannot_clean_are_refused_with_advice(data, hint):
    with pytest.raises(RejectedFile) as caught:
        clean(data)
    assert caught.value.code == "unsupported_type"
    assert hint in str(caught.value)


@pytest.mark.parametrize("data", [b"plain text, no magic", b"PK\x03\x04" + bytes(40), bytes(64)])
def test_other_content_is_refused(data):
    assert rejected(data, filename="notes.pdf") == "unsupported_type"


def test_too_large_is_refused_before_parsing():
    code = rejected(jpeg_with_gps(), max_bytes=1000)
    assert code == "too_large"
    with pytest.raises(RejectedFile, match="1000 bytes"):
        sanitise(jpeg_with_gps(), filename=None, max_bytes=1000)
    with pytest.raises(RejectedFile, match="10 MB"):
        sanitise(bytes(11 * 1024 * 1024), filename=None, max_bytes=10 * 1024 * 1024)


def test_empty_is_refused():
    assert rejected(b"", filename="empty.jpg") == "empty"


def test_rejected_file_is_a_domain_error():
    from vigil.core.errors import Invalid

    assert issubclass(RejectedFile, Invalid)


# --- robustness ---------------------------------------------------------------------------------

MAGIC_PREFIXES = [
    b"\xff\xd8\xff\xe0",
    b"\x89PNG\r\n\x1a\n",
    b"GIF89a",
    b"RIFF\0\0\0\0WEBPVP8 ",
    b"%PDF-1.7\n",
    b"ID3\x04\0\0\0\0\0\0",
    b"\xff\xfb\x90\x00",
    b"\xff\xf1\x50\x80",
    b"OggS\0\x02",
    b"fLaC",
    b"RIFF\0\0\0\0WAVEfmt ",
    box(b"ftyp", b"isom\0\0\0\0isommp41"),
    box(b"ftyp", b"M4A \0\0\0\0M4A mp42"),
]


def outcome(data: bytes) -> None:
    try:
        result = sanitise(data, filename=None, max_bytes=LIMIT)
    except RejectedFile as error:
        assert error.code in {
            "unsupported_type",
            "corrupt",
            "decompression_bomb",
            "encrypted",
            "pdf_image",
        }
    else:
        assert result.media_type in ALLOWED_TYPES


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(min_size=1, max_size=2048))
def test_random_bytes_only_ever_reject(data):
    outcome(data)


@FUZZ
@given(st.sampled_from(MAGIC_PREFIXES), st.binary(max_size=2048))
def test_random_bytes_behind_real_signatures_only_ever_reject(prefix, tail):
    outcome(prefix + tail)


@functools.cache
def samples() -> list[bytes]:
    return [
        jpeg_with_gps(),
        pdf_with_metadata(extras=True),
        mp3_with_id3(),
        wav_with_tags(),
        flac_with_tags(),
        opus_with_tags(),
        mp4_with_location(),
    ]


@FUZZ
@given(st.data())
def test_damaged_real_files_only_ever_reject(data):
    sample = bytearray(data.draw(st.sampled_from(samples())))
    cut = data.draw(st.integers(1, len(sample)))
    for _ in range(data.draw(st.integers(0, 8))):
        sample[data.draw(st.integers(0, len(sample) - 1))] = data.draw(st.integers(0, 255))
    outcome(bytes(sample[:cut]))


# --- issue 11: bounded cleaning, PDF images of any filter chain, the PDF /ID, MP3 re-mux ------


def test_default_pixel_cap_is_40_megapixels():
    assert CleaningLimits().max_pixels == 40_000_000


@pytest.mark.parametrize(("height", "accepted"), [(999, True), (1000, True), (1001, False)])
def test_pixel_cap_at_its_edge(height, accepted):
    limits = CleaningLimits(max_pixels=1000 * 1000)
    data = png_declaring(1000, height)
    if accepted:
        result = sanitise(data, filename=None, max_bytes=LIMIT, limits=limits)
        assert Image.open(io.BytesIO(result.content)).size == (1000, height)
    else:
        with pytest.raises(RejectedFile) as caught:
            sanitise(data, filename=None, max_bytes=LIMIT, limits=limits)
        assert caught.value.code == "decompression_bomb"


def rgba_png(side: int) -> bytes:
    """An RGBA PNG of side x side that compresses to almost nothing: 4 bytes a pixel decoded."""
    raw = zlib.compress((b"\0" + bytes(side * 4)) * side, 9)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", side, side, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def test_memory_cap_refuses_an_image_under_the_pixel_cap_and_the_server_goes_on():
    data = rgba_png(4000)  # 16 MP, 64 MB decoded, twice over with the upright copy
    assert len(data) < 100_000
    tight = CleaningLimits(memory_bytes=160 * 1024 * 1024)
    with pytest.raises(RejectedFile) as caught:
        sanitise(data, filename=None, max_bytes=LIMIT, limits=tight)
    assert caught.value.code == "too_complex"
    assert str(caught.value)
    assert clean(jpeg_with_gps()).media_type == "image/jpeg"  # later files are cleaned as usual


def test_time_limit_stops_a_slow_cleaning_and_the_next_file_is_cleaned():
    with pytest.raises(RejectedFile) as caught:
        sanitise(
            rgba_png(3000), filename=None, max_bytes=LIMIT, limits=CleaningLimits(seconds=0.01)
        )
    assert caught.value.code == "too_complex"
    assert clean(jpeg_with_gps()).media_type == "image/jpeg"


def pdf_with_image(filters: list[str], encoded: bytes, *, inline: bool = False) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    names = pikepdf.Array([pikepdf.Name(f) for f in filters])
    if inline:
        short = {"/FlateDecode": "/Fl", "/DCTDecode": "/DCT"}
        chain = " ".join(short[f] for f in filters)
        pdf.pages[0].Contents = pdf.make_stream(
            b"q 16 0 0 16 0 0 cm BI /W 16 /H 16 /BPC 8 /CS /RGB /F [" + chain.encode()
            + b"] ID " + encoded + b"\nEI Q"
        )  # fmt: skip
    else:
        photo = pikepdf.Stream(pdf, encoded)
        photo.Type, photo.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        photo.Width, photo.Height, photo.BitsPerComponent = 16, 16, 8
        photo.ColorSpace, photo.Filter = pikepdf.Name.DeviceRGB, names
        form = pikepdf.Stream(pdf, b"q 16 0 0 16 0 0 cm /Im0 Do Q")  # the image inside a form
        form.Type, form.Subtype, form.BBox = pikepdf.Name.XObject, pikepdf.Name.Form, [0, 0, 16, 16]
        form.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=photo))
        pdf.pages[0].Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Fm0=form))
        pdf.pages[0].Contents = pdf.make_stream(b"/Fm0 Do")
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def gps_bytes() -> list[bytes]:
    """What betrays the planted EXIF: its marker and the camera strings next to the GPS IFD."""
    return [b"Exif\0\0", PLANTED]


@pytest.mark.parametrize("inline", [False, True], ids=["xobject-in-form", "inline"])
def test_pdf_image_behind_flate_and_dct_loses_exif_and_gps(inline):
    photo = jpeg_with_gps(size=(16, 16))
    data = pdf_with_image(["/FlateDecode", "/DCTDecode"], zlib.compress(photo), inline=inline)
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(0x8825)  # the photo has GPS
    with pikepdf.open(io.BytesIO(data)) as pdf:  # and it is really in the upload
        images = [o for o in pdf.objects if isinstance(o, pikepdf.Stream) and o.get("/Width")]
        assert inline or zlib.decompress(images[0].read_raw_bytes()) == photo

    result = clean(data)

    content = decoded_contents(result.content)
    with pikepdf.open(io.BytesIO(result.content)) as pdf:
        images = [o for o in pdf.objects if isinstance(o, pikepdf.Stream) and o.get("/Width")]
        assert len(images) == 1
        for image in images:
            content += (
                zlib.decompress(image.read_raw_bytes()) if image.Filter == "/FlateDecode" else b""
            )
            pixels = pikepdf.PdfImage(image).as_pil_image()
    for marker in gps_bytes():
        assert marker not in content
        assert marker not in result.content
    assert pixels.size == (16, 16)
    expected = Image.open(io.BytesIO(photo)).convert("RGB")
    assert (
        max(h for _l, h in ImageChops.difference(pixels.convert("RGB"), expected).getextrema())
        <= 16
    )
    assert "PDF images re-encoded from their pixels" in result.stripped
    assert inline or "EXIF/XMP of images inside the PDF" in result.stripped


def test_pdf_image_data_after_its_pixels_is_cut():
    pixels = bytes(range(256)) * 3  # 16 x 16 RGB
    data = pdf_with_image(["/FlateDecode"], zlib.compress(pixels + PLANTED))
    result = clean(data)
    assert PLANTED not in decoded_contents(result.content)
    with pikepdf.open(io.BytesIO(result.content)) as pdf:
        (image,) = [o for o in pdf.objects if isinstance(o, pikepdf.Stream) and o.get("/Width")]
        assert image.read_bytes() == pixels


def test_pdf_with_an_image_qpdf_cannot_decode_is_refused_with_a_reason():
    data = pdf_with_image(["/JPXDecode"], b"\0\0\0\x0cjP  \r\n\x87\n" + PLANTED)
    assert rejected(data) == "pdf_image"


def test_pdf_file_id_is_not_kept():
    """The /ID is a fingerprint shared with the reporter's copy: none of it may survive."""
    data = pdf_with_metadata()
    with pikepdf.open(io.BytesIO(data)) as original:
        original_id = [bytes(i) for i in original.trailer.ID]
    assert all(len(i) == 16 and i.hex().encode() in data.lower() for i in original_id)

    result = clean(data)

    with pikepdf.open(io.BytesIO(result.content)) as cleaned:
        new_id = [bytes(i) for i in cleaned.trailer.ID]
    assert len(new_id) == 2
    for old in original_id:
        assert old not in new_id
        assert old not in result.content and old.hex().encode() not in result.content.lower()


def test_mp3_keeps_its_frames_and_loses_what_is_between_and_after_them():
    frame = b"\xff\xfb\x90\x00" + bytes(413)  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz
    between = b"PLANTED-SECRET between frames"
    trailer = b"PLANTED-SECRET after the last frame, lat 40.4168"
    apev2_tag = b"APETAGEX" + struct.pack("<IIII", 2000, 32, 0, 0x80000000) + bytes(8)
    data = frame * 10 + between + frame * 10 + trailer + apev2_tag
    assert filetype_guess(data) == "audio/mpeg"

    result = clean(data)

    assert result.content == frame * 20
    assert PLANTED not in result.content and b"APETAGEX" not in result.content
    assert "data between or after the audio frames" in result.stripped
    assert mutagen.File(io.BytesIO(result.content)).info.length > 0


def test_clean_mp3_is_kept_whole():
    frame = b"\xff\xfb\x90\x00" + bytes(413)
    result = clean(frame * 20)
    assert result.content == frame * 20
    assert result.stripped == []


def test_raw_aac_is_refused_with_advice():
    with pytest.raises(RejectedFile) as caught:
        clean(aac_with_id3())
    assert caught.value.code == "unsupported_type"
    assert "M4A" in str(caught.value)


def filetype_guess(data: bytes) -> str:
    from vigil.intake.attachments import detect

    return detect(data)
