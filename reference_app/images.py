"""Uploaded photos and logos: checked by content, stripped of metadata, re-encoded to WebP.

Nothing the visitor sent is stored as is: the file is decoded with Pillow (so a text file
named ``.jpg`` is refused), limited in pixels (decompression bombs are refused before
decoding), turned upright, and written anew as WebP — which drops EXIF, GPS and comments.
"""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass

from flask_babel import gettext
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 8 * 1024 * 1024
#: 40 megapixels: any phone photo, far below what a decompression bomb unpacks to.
MAX_PIXELS = 40_000_000
MAX_SIDE = 1600
THUMB_SIDE = 400
ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "MPO"})


def N_(text: str) -> str:  # noqa: N802 - Babel's marker for "extract, translate when shown"
    return text


class ImageRejected(ValueError):
    """The upload is not an acceptable image; ``str()`` is a French message, :meth:`shown`
    the message in the page's language."""

    def shown(self) -> str:
        """The message in the page's language (the French text where none is known)."""
        return gettext(str(self))


@dataclass(frozen=True, slots=True)
class StoredImage:
    key: str
    thumb_key: str


def _open(data: bytes) -> Image.Image:
    if not data:
        raise ImageRejected(N_("Le fichier est vide."))
    if len(data) > MAX_BYTES:
        raise ImageRejected(N_("La photo est trop lourde (8 Mo au plus)."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ALLOWED_FORMATS:
                raise ImageRejected(N_("Format non accepté : envoyez une photo JPEG, PNG ou WebP."))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ImageRejected(N_("Cette image est trop grande (40 mégapixels au plus)."))
            image.load()
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(N_("Cette image est trop grande (40 mégapixels au plus).")) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ImageRejected(
            N_("Ce fichier n'est pas une image lisible : envoyez une photo JPEG, PNG ou WebP.")
        ) from None
    return image


def _flatten(image: Image.Image) -> Image.Image:
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P"):
        return image.convert("RGBA")
    return image.convert("RGB")


def _webp(image: Image.Image, side: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # A fresh encode without exif=/icc_profile= arguments carries no metadata.
    copy.save(out, format="WEBP", quality=82, method=4)
    return out.getvalue()


def reencode(data: bytes) -> tuple[bytes, bytes]:
    """The photo (1600 px at most) and its thumbnail (400 px) as WebP bytes."""
    image = _flatten(_open(data))
    return _webp(image, MAX_SIDE), _webp(image, THUMB_SIDE)


def store(data: bytes, folder: str) -> StoredImage:
    """Check, re-encode and store an uploaded image under random keys in ``folder``."""
    from reference_app.storage import storage

    full, thumb = reencode(data)
    name = secrets.token_urlsafe(16)
    key, thumb_key = f"{folder}/{name}.webp", f"{folder}/{name}-400.webp"
    backend = storage()
    backend.save(key, full, "image/webp")
    backend.save(thumb_key, thumb, "image/webp")
    return StoredImage(key=key, thumb_key=thumb_key)
