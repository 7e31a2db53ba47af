"""French company identifiers: SIREN, SIRET and intra-EU VAT numbers."""

from __future__ import annotations

import re


def luhn_valid(digits: str) -> bool:
    """Luhn checksum, as used by SIREN and SIRET."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def clean(value: str) -> str:
    return re.sub(r"[\s.\-]", "", value).upper()


def valid_siren(value: str) -> bool:
    v = clean(value)
    return len(v) == 9 and v.isdigit() and luhn_valid(v)


def valid_siret(value: str) -> bool:
    v = clean(value)
    return len(v) == 14 and v.isdigit() and luhn_valid(v)


def vat_number_for(siren: str) -> str:
    """The French intra-EU VAT number of a SIREN: FR + key + SIREN."""
    v = clean(siren)
    key = (12 + 3 * (int(v) % 97)) % 97
    return f"FR{key:02d}{v}"


def valid_vat_number(value: str, siren: str) -> bool:
    """``value`` is the VAT number of ``siren`` (False when ``siren`` is no SIREN)."""
    return valid_siren(siren) and clean(value) == vat_number_for(siren)
