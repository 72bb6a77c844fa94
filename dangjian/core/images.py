"""The one gate every uploaded image passes: bytes and pixels capped, turned upright, metadata gone.

A 1-bit 30000×30000 PNG is 109 KB on disk and gigabytes once decoded, so the pixel count is checked
from the header before anything is decoded (``settings.PHOTO_MAX_PIXELS``); Pillow's own bomb guard
is a second line, answered with the same Chinese message. The image is then re-encoded with its EXIF
orientation applied, so what is stored carries no EXIF at all (no GPS position, no device) and
still stands the right way up.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, ImageOps, UnidentifiedImageError

CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")


class ImageRejected(ValidationError):
    """The upload is refused; ``messages[0]`` is the Chinese reason, ``code`` one of
    ``too_large``, ``too_many_pixels``, ``not_image``."""


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    format: str  # Pillow's name: JPEG, PNG, WEBP, GIF
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]


def _read(upload) -> bytes:
    if isinstance(upload, bytes | bytearray):
        return bytes(upload)
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


def _size_text(n: int) -> str:
    return f"{n // (1024 * 1024)}MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)}KB"


def _pixel_message(what: str, size: tuple[int, int] | None) -> str:
    cap = settings.PHOTO_MAX_PIXELS
    cap_text = f"{cap // 1_000_000}百万像素" if cap >= 1_000_000 else f"{cap}像素"
    shown = f"（{size[0]}×{size[1]}）" if size else ""
    return f"{what}像素过大{shown}，不能超过{cap_text}，请缩小后再上传。"


def clean_image(
    upload, *, what: str = "照片", formats: tuple[str, ...] = PHOTO_FORMATS, max_bytes: int | None = None
) -> CleanImage:
    """Check and re-encode an uploaded image (a file object or bytes); raise ``ImageRejected``.

    Contract: at most ``max_bytes`` (default ``settings.PHOTO_MAX_BYTES``) and
    ``settings.PHOTO_MAX_PIXELS`` pixels (frames counted for an animated GIF), one of ``formats``;
    the result keeps its format and its pixels, upright, with no EXIF, XMP or text chunks.
    """
    limit = settings.PHOTO_MAX_BYTES if max_bytes is None else max_bytes
    data = _read(upload)
    if len(data) > limit:
        raise ImageRejected(f"{what}不能超过{_size_text(limit)}。", code="too_large")
    if not data:
        raise ImageRejected(f"上传的{what}是空文件。", code="not_image")
    allowed = "、".join("WebP" if f == "WEBP" else f for f in formats)
    try:
        with warnings.catch_warnings():
            # Pillow warns (not raises) between its own cap and twice it; a warning is a refusal here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt, size = probe.format, probe.size
                frames = getattr(probe, "n_frames", 1) if fmt == "GIF" else 1
            if size[0] * size[1] * max(frames, 1) > settings.PHOTO_MAX_PIXELS:
                raise ImageRejected(_pixel_message(what, size), code="too_many_pixels")
            if fmt not in formats:
                raise ImageRejected(f"{what}只接受 {allowed} 格式。", code="not_image")
            with Image.open(io.BytesIO(data)) as img:
                out = io.BytesIO()
                if fmt == "GIF":
                    # Frames kept as they are; a GIF carries no EXIF, and its comments are dropped.
                    img.save(out, "GIF", save_all=True, comment=b"")
                    upright = img
                else:
                    upright = ImageOps.exif_transpose(img)
                    _save_without_metadata(upright, fmt, out)
                width, height = upright.size
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(_pixel_message(what, None), code="too_many_pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise ImageRejected(
            f"上传的文件不是图片或无法识别（{what}只接受 {allowed} 格式）。", code="not_image"
        ) from None
    return CleanImage(out.getvalue(), fmt, width, height)


def _save_without_metadata(img: Image.Image, fmt: str, out: io.BytesIO) -> None:
    icc = img.info.get("icc_profile")  # colours, not personal data: kept so the photo looks the same
    extra = {"icc_profile": icc} if icc else {}
    if fmt == "JPEG":
        if img.mode not in ("RGB", "L", "CMYK"):
            img = img.convert("RGB")
        img.save(out, "JPEG", quality=88, optimize=True, **extra)
    elif fmt == "WEBP":
        img.save(out, "WEBP", quality=88, **extra)
    else:
        # Saving without pnginfo/exif drops eXIf, tEXt/iTXt (XMP) and every other ancillary chunk.
        img.save(out, "PNG", optimize=False, **extra)
