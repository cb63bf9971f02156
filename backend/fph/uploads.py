"""Receipts and photos: the type is decided by the content, never by the name or the browser.

Images are decoded and re-encoded with Pillow (this drops EXIF data such as the GPS position of
a photo, and anything hidden after the image data); PDFs are checked by header, trailer and size
and are only ever served as downloads. Files get random names under `upload_dir/fph`.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from backend.errors import Invalid
from backend.i18n import gettext as _

MAX_BYTES = 5 * 1024 * 1024
MAX_FILES = 10
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
MAX_SIDE = 2000  # photos are scaled down: enough for a bilan, light on slow networks
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


@dataclass(frozen=True)
class CleanFile:
    data: bytes
    content_type: str
    extension: str
    original_name: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _safe_name(name: str) -> str:
    base = Path(name or "fichier").name
    cleaned = "".join(c for c in base if c.isalnum() or c in " ._-()")[:150].strip()
    return cleaned or "fichier"


def is_pdf(data: bytes) -> bool:
    # The header may follow a few junk bytes in real-world files; the trailer is near the end.
    return b"%PDF-" in data[:1024] and b"%%EOF" in data[-2048:]


def clean_image(data: bytes, name: str) -> CleanFile:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                if fmt not in IMAGE_FORMATS:
                    raise Invalid(
                        _("Ce format d'image n'est pas accepté. Envoyez une photo JPEG ou PNG."),
                        field="files",
                    )
                if probe.width * probe.height > MAX_PIXELS:
                    raise Invalid(
                        _("Cette image est trop grande. Envoyez une photo plus petite."), field="files"
                    )
                probe.verify()
            with Image.open(io.BytesIO(data)) as opened:
                img = ImageOps.exif_transpose(opened)
                img.thumbnail((MAX_SIDE, MAX_SIDE))
                out = io.BytesIO()
                if fmt == "PNG":
                    img.save(out, "PNG", optimize=True)
                    content_type, ext = "image/png", "png"
                else:
                    img.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
                    content_type, ext = "image/jpeg", "jpg"
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:  # fmt: skip
        raise Invalid(
            _("Ce fichier n'est pas une image lisible. Envoyez une photo JPEG ou PNG, ou un PDF."),
            field="files",
        ) from exc
    stem = Path(_safe_name(name)).stem or "photo"
    return CleanFile(out.getvalue(), content_type, ext, f"{stem}.{ext}")


def clean_upload(data: bytes, name: str, *, allow_pdf: bool) -> CleanFile:
    """Check one uploaded file; raise Invalid with a plain French message when it is refused."""
    if not data:
        raise Invalid(_("Le fichier « {name} » est vide.").format(name=_safe_name(name)), field="files")
    if len(data) > MAX_BYTES:
        raise Invalid(
            _("Le fichier « {name} » est trop lourd : 5 Mo au plus par fichier.").format(
                name=_safe_name(name)
            ),
            field="files",
        )
    if data.startswith(b"%PDF-") or (allow_pdf and is_pdf(data)):
        if not allow_pdf:
            raise Invalid(_("Les photos doivent être des images JPEG ou PNG, pas des PDF."), field="files")
        if not is_pdf(data):
            raise Invalid(
                _("Ce PDF semble abîmé ou incomplet. Enregistrez-le à nouveau puis réessayez."), field="files"
            )
        stem = Path(_safe_name(name)).stem or "justificatif"
        return CleanFile(data, "application/pdf", "pdf", f"{stem}.pdf")
    return clean_image(data, name)


def store(upload_dir: Path, clean: CleanFile) -> str:
    """Write the file under a random name; returns its token (the name stored in the database)."""
    folder = upload_dir / "fph"
    folder.mkdir(parents=True, exist_ok=True)
    token = f"{secrets.token_urlsafe(24)}.{clean.extension}"
    tmp = folder / f".{token}.part"
    tmp.write_bytes(clean.data)
    tmp.replace(folder / token)
    return token


def path_of(upload_dir: Path, token: str) -> Path:
    # Tokens are generated here, but never trust a stored value to stay inside the folder.
    if "/" in token or "\\" in token or token.startswith("."):
        raise Invalid(_("Fichier introuvable."))
    return upload_dir / "fph" / token


def remove(upload_dir: Path, token: str) -> None:
    with contextlib.suppress(OSError, Invalid):
        path_of(upload_dir, token).unlink(missing_ok=True)
