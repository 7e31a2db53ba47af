"""Text written into a CSV file that people open in a spreadsheet."""

from __future__ import annotations

# A cell starting with one of these is read as a formula by Excel and LibreOffice
# (OWASP, "CSV injection"): « =HYPERLINK(…) » typed as a name would run when opened.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(text: str) -> str:
    """``text`` typed by a shopper, a shop or a courier, kept from being read as a formula:
    a leading apostrophe, which spreadsheets show as nothing (« +33 6 … » stays readable)."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def uncell(text: str) -> str:
    """``text`` as it was before :func:`cell`: a file exported, then imported again, gives
    back « =HYPERLINK(…) » rather than « '=HYPERLINK(…) »."""
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_STARTS) else text
