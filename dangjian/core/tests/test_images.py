"""The image gate: pixel bombs refused in Chinese, location data stripped, orientation kept."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from dangjian.core.images import ImageRejected, clean_image

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def png(width: int, height: int, mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height)).save(out, "PNG", optimize=True)
    return out.getvalue()


def jpeg_with_gps(fmt: str = "JPEG") -> bytes:
    img = Image.new("RGB", (40, 20), "red")
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # rotate 90° to display upright
    exif[GPS_IFD] = {1: "N", 2: (35.0, 30.0, 0.0), 3: "E", 4: (116.0, 20.0, 0.0)}
    exif[0x010F] = "手机厂商"  # device make
    out = io.BytesIO()
    img.save(out, fmt, exif=exif)
    return out.getvalue()


def test_a_thirty_thousand_pixel_square_one_bit_png_is_refused_in_chinese():
    bomb = png(30000, 30000, "1")
    assert len(bomb) < 200 * 1024  # tiny on disk, 900 megapixels decoded
    with pytest.raises(ImageRejected) as exc:
        clean_image(bomb)
    assert exc.value.code == "too_many_pixels" and "百万像素" in exc.value.messages[0]


def test_a_photo_over_the_pixel_setting_is_refused_naming_the_cap(settings):
    settings.PHOTO_MAX_PIXELS = 1_000_000
    with pytest.raises(ImageRejected) as exc:
        clean_image(png(1200, 1000))
    assert exc.value.code == "too_many_pixels"
    assert "1200×1000" in exc.value.messages[0] and "1百万像素" in exc.value.messages[0]


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP"])
def test_location_and_device_are_stripped_and_the_photo_stands_upright(fmt):
    cleaned = clean_image(jpeg_with_gps(fmt))
    with Image.open(io.BytesIO(cleaned.content)) as stored:
        assert stored.format == fmt
        assert stored.size == (20, 40)  # orientation applied
        exif = stored.getexif()
        assert GPS_IFD not in exif and not exif.get_ifd(GPS_IFD) and 0x010F not in exif
        assert exif.get(ORIENTATION, 1) == 1  # never turned twice
        assert b"Exif" not in cleaned.content


def test_png_text_and_exif_chunks_are_dropped():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("XML:com.adobe.xmp", "<x:xmpmeta>GPSLatitude 35,30N</x:xmpmeta>")
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (35.0, 30.0, 0.0)}
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "PNG", pnginfo=info, exif=exif)
    cleaned = clean_image(out.getvalue()).content
    assert b"GPSLatitude" not in cleaned and b"eXIf" not in cleaned and b"Exif" not in cleaned


def test_a_file_that_is_no_image_is_refused():
    with pytest.raises(ImageRejected) as exc:
        clean_image(b"%PDF-1.4 not an image")
    assert exc.value.code == "not_image" and "不是图片" in exc.value.messages[0]


def test_an_animated_gif_counts_every_frame_against_the_cap(settings):
    settings.PHOTO_MAX_PIXELS = 100 * 100 * 5
    frames = [Image.new("L", (100, 100), i * 20) for i in range(10)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    with pytest.raises(ImageRejected):
        clean_image(out.getvalue(), formats=("GIF",))


# --- every upload goes through the gate


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.mark.django_db
def test_a_pixel_bomb_on_the_meeting_photo_page_answers_a_message_not_a_500(secretary_client, branch, media):
    from dangjian.activities.models import ActivityPhoto
    from dangjian.activities.tests.factories import meeting

    activity = meeting(branch)
    response = secretary_client.post(
        reverse("activities:photo_upload", args=[activity.pk]),
        {"image": SimpleUploadedFile("bomb.png", png(30000, 30000, "1"), "image/png")},
        follow=True,
    )
    assert response.status_code == 200 and "像素过大" in response.content.decode()
    assert not ActivityPhoto.objects.exists()


@pytest.mark.django_db
def test_a_meeting_photo_is_stored_without_its_gps_position(secretary, branch, media):
    from dangjian.activities import services
    from dangjian.activities.tests.factories import meeting

    upload = SimpleUploadedFile("a.jpg", jpeg_with_gps(), "image/jpeg")
    photo = services.add_photo(actor=secretary, activity=meeting(branch), upload=upload)
    with Image.open(media / photo.image.name) as stored:
        assert stored.size == (20, 40) and not stored.getexif().get_ifd(GPS_IFD)


@pytest.mark.django_db
def test_a_144_megapixel_project_photo_is_refused(secretary, branch, media):
    from dangjian.projects import services
    from dangjian.projects.tests.factories import ProjectFactory

    project = ProjectFactory(org=branch, progress=10)
    upload = SimpleUploadedFile("big.png", png(12000, 12000, "1"), "image/png")
    with pytest.raises(services.ProjectError) as exc:
        services.report_progress(actor=secretary, project=project, progress=30, photo=upload)
    assert exc.value.code == "too_many_pixels"


@pytest.mark.django_db
def test_a_pixel_bomb_as_checklist_evidence_is_refused_in_chinese(secretary, zone, branch, media):
    from dangjian.checklists import services
    from dangjian.checklists.tests import factories as f

    assignment = f.assignment(f.task(zone, [branch]), branch)
    upload = SimpleUploadedFile("bomb.png", png(30000, 30000, "1"), "image/png")
    with pytest.raises(services.ChecklistError) as exc:
        services.submit_report(actor=secretary, assignment=assignment, text="进展", uploads=[upload])
    assert "像素过大" in exc.value.messages[0]


@pytest.mark.django_db
def test_checklist_photo_evidence_is_stored_without_gps(secretary, zone, branch, media):
    from dangjian.checklists import services
    from dangjian.checklists.tests import factories as f

    assignment = f.assignment(f.task(zone, [branch]), branch)
    upload = SimpleUploadedFile("site.jpg", jpeg_with_gps(), "image/jpeg")
    report = services.submit_report(actor=secretary, assignment=assignment, text="进展", uploads=[upload])
    evidence = report.evidence.get()
    with Image.open(media / evidence.file.name) as stored:
        assert not stored.getexif().get_ifd(GPS_IFD) and stored.size == (20, 40)


def test_a_pixel_bomb_signature_is_refused():
    import base64

    from dangjian.payouts.services import PayoutError, decode_signature

    with pytest.raises(PayoutError) as exc:
        decode_signature(base64.b64encode(png(30000, 30000, "1")).decode())
    assert "像素过大" in exc.value.messages[0]


def _chunk(kind: bytes, body: bytes) -> bytes:
    import struct
    import zlib

    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _idat(content: bytes) -> bytes:
    """The concatenated IDAT data of a PNG."""
    import struct

    pos, out = 8, b""
    while pos < len(content):
        (length,) = struct.unpack(">I", content[pos : pos + 4])
        if content[pos + 4 : pos + 8] == b"IDAT":
            out += content[pos + 8 : pos + 8 + length]
        pos += 12 + length
    return out


def _signature_png(**save) -> bytes:
    from PIL import ImageDraw

    img = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    ImageDraw.Draw(img).line([(10, 50), (80, 20), (150, 80), (290, 30)], fill=(0, 0, 0, 255), width=4)
    out = io.BytesIO()
    img.save(out, "PNG", **save)
    return out.getvalue()


def test_a_plain_png_keeps_its_pixel_stream_and_loses_its_text_and_what_trails_it():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "GPSLatitude 35,30N")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>device</x:xmpmeta>")
    raw = _signature_png(pnginfo=info) + b"trailing GPSLatitude"
    cleaned = clean_image(raw, formats=("PNG",))
    assert b"GPSLatitude" not in cleaned.content and b"xmpmeta" not in cleaned.content
    assert _idat(cleaned.content) == _idat(raw)  # not re-encoded: the same compressed pixels
    assert (cleaned.width, cleaned.height, cleaned.format) == (300, 100, "PNG")
    with Image.open(io.BytesIO(cleaned.content)) as stored, Image.open(io.BytesIO(raw)) as sent:
        assert stored.tobytes() == sent.tobytes()


def test_a_png_whose_pixel_stream_is_cut_short_is_refused_even_with_sound_checksums():
    raw = _signature_png()
    header = raw[8 : 8 + 25]
    forged = b"\x89PNG\r\n\x1a\n" + header + _chunk(b"IDAT", _idat(raw)[:-40]) + _chunk(b"IEND", b"")
    with pytest.raises(ImageRejected) as exc:
        clean_image(forged, formats=("PNG",))
    assert exc.value.code == "not_image"


def test_a_png_stream_holding_more_rows_than_its_header_is_never_stored_as_it_came():
    import struct
    import zlib

    rows = b"".join(b"\x00" + b"\xff" * 30 for _ in range(5000))  # 5000 rows of a 10-pixel RGB line
    header = _chunk(b"IHDR", struct.pack(">IIBBBBB", 10, 10, 8, 2, 0, 0, 0))
    forged = b"\x89PNG\r\n\x1a\n" + header + _chunk(b"IDAT", zlib.compress(rows)) + _chunk(b"IEND", b"")
    try:
        cleaned = clean_image(forged, formats=("PNG",))
    except ImageRejected:
        return
    assert cleaned.content != forged and (cleaned.width, cleaned.height) == (10, 10)
    assert len(zlib.decompress(_idat(cleaned.content))) == 10 * 31


def test_an_interlaced_png_takes_the_long_road_and_is_still_cleaned_of_its_text():
    import struct
    import zlib

    # One pixel: Adam7's first pass holds it all, so the plain pixel stream is also the interlaced one.
    header = _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 1))
    text = _chunk(b"tEXt", b"Comment\x00GPSLatitude 35,30N")
    pixels = _chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
    raw = b"\x89PNG\r\n\x1a\n" + header + text + pixels + _chunk(b"IEND", b"")
    cleaned = clean_image(raw, formats=("PNG",))
    assert b"GPSLatitude" not in cleaned.content and (cleaned.width, cleaned.height) == (1, 1)
    with Image.open(io.BytesIO(cleaned.content)) as stored:
        assert stored.convert("RGB").getpixel((0, 0)) == (255, 0, 0)


def test_a_png_whose_pixel_stream_fails_its_own_checksum_is_never_stored_as_it_came():
    raw = _signature_png()
    stream = bytearray(_idat(raw))
    stream[-2] ^= 0xFF  # inside the stream's Adler-32: every chunk's CRC is still sound
    forged = b"\x89PNG\r\n\x1a\n" + raw[8 : 8 + 25] + _chunk(b"IDAT", bytes(stream)) + _chunk(b"IEND", b"")
    try:
        cleaned = clean_image(forged, formats=("PNG",))
    except ImageRejected as exc:
        assert exc.code == "not_image"
        return
    assert _idat(cleaned.content) != bytes(stream)


def test_a_pixel_row_with_an_unknown_filter_type_fails_the_plain_check():
    import zlib

    from dangjian.core.images import _rows_sound

    good = b"".join(b"\x01" + b"\x00" * 12 for _ in range(4))
    assert _rows_sound(zlib.compress(good), 13, 4)
    assert not _rows_sound(zlib.compress(good[:13] + b"\x05" + good[14:]), 13, 4)
    assert not _rows_sound(zlib.compress(good)[:-1], 13, 4)  # cut inside its checksum
    assert not _rows_sound(zlib.compress(good) + b"x", 13, 4)  # bytes after the stream
    assert not _rows_sound(zlib.compress(good + b"\x00" * 13), 13, 4)  # a row more than declared


def test_a_tablet_signature_is_checked_without_being_decoded_and_keeps_its_pixels():
    from PIL import ImageDraw

    img = Image.new("RGBA", (1400, 440), (0, 0, 0, 0))
    ImageDraw.Draw(img).line([(80, 220), (700, 90), (1300, 330)], fill=(0, 0, 0, 255), width=5)
    out = io.BytesIO()
    img.save(out, "PNG")
    cleaned = clean_image(out.getvalue(), formats=("PNG",))
    assert cleaned.content == out.getvalue()  # Pillow writes no chunk the gate drops
    assert (cleaned.width, cleaned.height) == (1400, 440)
