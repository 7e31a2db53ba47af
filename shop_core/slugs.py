"""Readable URL slugs from French names.

A shop's and a category's slug is their address (``/boutiques/<slug>``,
``/categories/<slug>``), kept in bookmarks and printed on flyers: once stored it stays, even
when the way slugs are made changes. Before ligatures were spelled out, « Fromages, crèmerie
et œufs » got « fromages-cremerie-et-ufs »: a database keeps that one, and only names added
since get « oe ». (A product's address carries its id: its slug follows its name, and an
address with an older slug redirects.)
"""

from __future__ import annotations

import re
import unicodedata

# Letters that NFKD leaves whole, spelled as French (and its neighbours) spell them in ASCII.
_SPELLED = str.maketrans(
    {"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th"}
)


def slugify(value: str, *, max_length: int = 80) -> str:
    """ "Pain de campagne à l'ancienne" → "pain-de-campagne-a-l-ancienne"; "Bœuf" → "boeuf"."""
    decomposed = unicodedata.normalize("NFKD", value.lower().translate(_SPELLED))
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "item"
