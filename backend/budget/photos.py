"""Proposal photos: only real JPEG, PNG or WebP images, size-limited, decoded with a pixel
limit (decompression bombs) and re-encoded from the pixels alone, so no metadata (EXIF, GPS,
comments, colour profiles) survives."""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

from backend.errors import Invalid
from backend.i18n import gettext as _

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 48 Mpx phone photo is resized by the phone before upload
MAX_SIDE = 1600
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}


class PhotoRefused(Invalid):
    def __init__(self, message: str):
        super().__init__(message, field="photo")


def read_limited(stream: BinaryIO, limit: int = MAX_BYTES) -> bytes:
    """Read at most limit + 1 bytes: enough to know the file is too big, never more."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise PhotoRefused(_("La photo est trop lourde (8 Mo au plus). Choisissez une photo plus petite."))
    return bytes(data)


def clean_photo(raw: bytes) -> bytes:
    """The photo re-encoded as a JPEG of at most MAX_SIDE pixels, without any metadata."""
    if len(raw) > MAX_BYTES:
        raise PhotoRefused(_("La photo est trop lourde (8 Mo au plus). Choisissez une photo plus petite."))
    wrong_type = PhotoRefused(_("Ce fichier n'est pas une photo JPEG, PNG ou WebP."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw), formats=sorted(ALLOWED_FORMATS))
            if image.format not in ALLOWED_FORMATS:
                raise wrong_type
            width, height = image.size
            if width * height > MAX_PIXELS or width > 20_000 or height > 20_000:
                raise PhotoRefused(_("L'image est trop grande (40 millions de pixels au plus)."))
            image.seek(0)  # first frame of an animation
            image.load()
    except PhotoRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoRefused(_("L'image est trop grande (40 millions de pixels au plus).")) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise wrong_type from exc
    picture: Image.Image = ImageOps.exif_transpose(
        image
    )  # keep the orientation the phone meant, then drop EXIF
    if picture.mode in ("RGBA", "LA", "P", "PA"):
        picture = picture.convert("RGBA")
        background = Image.new("RGB", picture.size, (255, 255, 255))
        background.paste(picture, mask=picture.getchannel("A"))
        picture = background
    else:
        picture = picture.convert("RGB")
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    # A fresh image holds pixels only: nothing from the original's info dictionary.
    clean = Image.new("RGB", picture.size)
    clean.paste(picture)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=82, optimize=True)
    return out.getvalue()


@dataclass(frozen=True)
class PhotoFolder:
    """Where cleaned photos of one kind are kept: upload_dir/<subdir>/<random name>.jpg."""

    subdir: str

    def store(self, upload_dir: Path, data: bytes) -> str:
        """Save cleaned bytes under a random name; returns the name."""
        directory = upload_dir / self.subdir
        directory.mkdir(parents=True, exist_ok=True)
        name = f"{secrets.token_hex(16)}.jpg"
        (directory / name).write_bytes(data)
        return name

    def path(self, upload_dir: Path, name: str | None) -> Path | None:
        """The stored file for a name we generated (never a path from the request)."""
        if not name or "/" in name or "\\" in name or not name.endswith(".jpg") or len(name) != 36:
            return None
        path = upload_dir / self.subdir / name
        return path if path.is_file() else None

    def delete(self, upload_dir: Path, name: str | None) -> None:
        path = self.path(upload_dir, name)
        if path is not None:
            path.unlink(missing_ok=True)


PROPOSAL_PHOTOS = PhotoFolder("budget")
store_photo = PROPOSAL_PHOTOS.store
photo_path = PROPOSAL_PHOTOS.path
delete_photo = PROPOSAL_PHOTOS.delete
