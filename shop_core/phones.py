"""Phone numbers as people type them: finding one whatever its separators and prefix."""

from __future__ import annotations

import re

from sqlalchemy import func
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

_CHARS = frozenset("0123456789 +.-")

#: What a form says of a number ``is_valid`` refuses.
INVALID_PHONE = (
    "Numéro de téléphone invalide : écrivez par exemple "
    "03\u00a021\u00a012\u00a034\u00a056 ou +33\u00a03\u00a021\u00a012\u00a034\u00a056."
)


def is_valid(typed: str) -> bool:
    """Whether ``typed`` reads as a phone number: 10 to 15 digits, separated by spaces, dots
    or dashes, a « + » only in front (« 03 21 12 34 56 », « +33 3 21 12 34 56 »)."""
    text = " ".join(typed.split())
    count = sum(c.isdigit() for c in text)
    return len(text) <= 30 and set(text) <= _CHARS and "+" not in text[1:] and 10 <= count <= 15


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def search_forms(typed: str) -> list[str]:
    """The digit strings a stored number (separators removed) may contain for ``typed``:
    "06 12 34 56 78", "06.12.34.56.78", "0612345678" and "+33 6 12 34 56 78" are one
    number, stored by shoppers either way ("0612345678" or "33612345678")."""
    found = digits(typed)
    if found.startswith("33") and len(found) == 11:
        found = "0" + found[2:]
    forms = [found]
    if found.startswith("0") and not found.startswith("00"):
        forms.append("33" + found[1:])
    return forms


def bare(column: ColumnElement[str] | InstrumentedAttribute[str]) -> ColumnElement[str]:
    """``column`` without the separators people type in a number."""
    stripped: ColumnElement[str] = func.replace(column, " ", "")
    for separator in (".", "-", "+", "(", ")"):
        stripped = func.replace(stripped, separator, "")
    return stripped
