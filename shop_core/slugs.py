"""Readable URL slugs from French names."""

from __future__ import annotations

import re
import unicodedata


def slugify(value: str, *, max_length: int = 80) -> str:
    """ "Pain de campagne à l'ancienne" → "pain-de-campagne-a-l-ancienne"."""
    decomposed = unicodedata.normalize("NFKD", value)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "item"
