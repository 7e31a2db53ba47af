"""Uploaded images are decoded, bounded, stripped and re-encoded before anything is stored."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from reference_app import images


def _encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def test_a_photo_becomes_a_1600_px_webp_and_a_400_px_thumbnail() -> None:
    full, thumb = images.reencode(_encoded(Image.new("RGB", (3200, 2400), "red"), "JPEG"))
    big, small = Image.open(io.BytesIO(full)), Image.open(io.BytesIO(thumb))
    assert (big.format, big.size) == ("WEBP", (1600, 1200))
    assert (small.format, small.size) == ("WEBP", (400, 300))


def test_a_small_image_is_not_enlarged_and_transparency_is_kept() -> None:
    full, _ = images.reencode(_encoded(Image.new("RGBA", (300, 100), (0, 0, 0, 0)), "PNG"))
    image = Image.open(io.BytesIO(full))
    assert image.size == (300, 100) and image.mode == "RGBA"


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    # 100 megapixels that compress to a few kilobytes.
    bomb = _encoded(Image.new("1", (10_000, 10_000)), "PNG")
    assert len(bomb) < 100_000
    with pytest.raises(images.ImageRejected, match="trop grande"):
        images.reencode(bomb)


def test_text_pretending_to_be_a_photo_is_refused_in_french() -> None:
    with pytest.raises(images.ImageRejected, match="n'est pas une image lisible"):
        images.reencode(b"GIF89a mais en fait du texte")


def test_other_image_formats_and_oversized_files_are_refused() -> None:
    with pytest.raises(images.ImageRejected, match="Format non accepté"):
        images.reencode(_encoded(Image.new("RGB", (10, 10)), "BMP"))
    with pytest.raises(images.ImageRejected, match="8 Mo"):
        images.reencode(b"\xff" * (images.MAX_BYTES + 1))
    with pytest.raises(images.ImageRejected, match="vide"):
        images.reencode(b"")


def test_the_camera_rotation_is_applied_and_exif_is_dropped() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    exif[0x8825] = {1: "N"}  # a GPS block
    photo = _encoded(Image.new("RGB", (200, 100), "blue"), "JPEG", exif=exif)
    full, _ = images.reencode(photo)
    image = Image.open(io.BytesIO(full))
    assert image.size == (100, 200)
    assert not image.getexif() and "exif" not in image.info
