"""Photo uploads: only real images, size-limited, bombs refused, metadata (GPS) stripped."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from backend.budget.photos import MAX_BYTES, PhotoRefused, clean_photo, photo_path, store_photo


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 80, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = {1: "N", 2: (43.0, 20.0, 10.0), 3: "E", 4: (5.0, 24.0, 3.0)}
    exif[0x8825] = gps  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, comment=b"secret")
    return out.getvalue()


def encode(fmt: str, size: tuple[int, int] = (40, 30), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, format=fmt)
    return out.getvalue()


def test_jpeg_is_reencoded_without_exif_or_gps() -> None:
    raw = jpeg_with_gps()
    assert Image.open(io.BytesIO(raw)).getexif()  # the test file does carry EXIF
    cleaned = clean_photo(raw)
    image = Image.open(io.BytesIO(cleaned))
    assert image.format == "JPEG"
    assert not image.getexif()
    assert "exif" not in image.info and "comment" not in image.info
    assert b"PhoneMaker" not in cleaned and b"secret" not in cleaned


@pytest.mark.parametrize("fmt,mode", [("PNG", "RGBA"), ("WEBP", "RGB"), ("PNG", "P")])
def test_png_and_webp_accepted(fmt: str, mode: str) -> None:
    assert Image.open(io.BytesIO(clean_photo(encode(fmt, mode=mode)))).format == "JPEG"


def test_large_photo_is_resized() -> None:
    cleaned = clean_photo(encode("JPEG", (4000, 3000)))
    assert max(Image.open(io.BytesIO(cleaned)).size) == 1600


@pytest.mark.parametrize(
    "raw",
    [
        encode("GIF"),  # a real image of a refused type (as if renamed photo.jpg)
        encode("BMP"),
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"%PDF-1.4 not a photo",
        b"\xff\xd8\xff\xe0 truncated jpeg",
        b"",
    ],
)
def test_wrong_types_are_refused(raw: bytes) -> None:
    with pytest.raises(PhotoRefused) as info:
        clean_photo(raw)
    assert info.value.field == "photo"


def test_oversize_file_refused() -> None:
    with pytest.raises(PhotoRefused, match="trop lourde"):
        clean_photo(b"\xff" * (MAX_BYTES + 1))


def test_decompression_bomb_refused() -> None:
    # 12,000 × 12,000 black pixels compress to a few hundred kilobytes.
    bomb = encode("PNG", (12_000, 12_000), mode="1")
    assert len(bomb) < 1_000_000
    with pytest.raises(PhotoRefused, match="trop grande"):
        clean_photo(bomb)


def test_stored_names_are_ours_only(tmp_path) -> None:  # type: ignore[no-untyped-def]
    name = store_photo(tmp_path, clean_photo(encode("PNG")))
    assert photo_path(tmp_path, name) is not None
    for bad in ("../etc/passwd", "..\\x.jpg", "x.png", name.replace(".jpg", "/..jpg")):
        assert photo_path(tmp_path, bad) is None
