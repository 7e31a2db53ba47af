"""Money as integer cents plus a currency; never a float.

Cabas stores every amount as an integer number of cents (``int``) in one currency per
territory (EUR). Arithmetic that can produce fractions of a cent (VAT, commission, price per
kilogram × weight) goes through :func:`round_half_up` on :class:`~decimal.Decimal` values.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("1")
MAX_AMOUNT = Decimal(10) ** 12  # euros; beyond this an input is not a price


class TooManyDecimals(ValueError):
    """An amount with fractions of a cent ("2,555"): readable, but not a price."""


def round_half_up(value: Decimal) -> int:
    """Round a Decimal amount of cents to a whole cent, halves away from zero."""
    return int(value.quantize(CENT, rounding=ROUND_HALF_UP))


def cents_from_euros(text: str | Decimal | int) -> int:
    """Parse an amount in euros ("12,50", "12.5", Decimal) into integer cents.

    Raises ``ValueError`` for anything that is not a finite amount with at most two decimals
    (``TooManyDecimals``, a ``ValueError``, for a readable amount with more).
    """
    if isinstance(text, int):
        return text * 100
    raw = str(text).strip().replace("\u00a0", "").replace(" ", "").replace("€", "")
    raw = raw.replace(",", ".")
    try:
        value = Decimal(raw)
    except ArithmeticError as exc:  # InvalidOperation
        raise ValueError(f"montant invalide : {text!r}") from exc
    if not value.is_finite() or abs(value) >= MAX_AMOUNT:
        raise ValueError(f"montant invalide : {text!r}")
    cents = value * 100
    if cents != cents.to_integral_value():
        raise TooManyDecimals(f"montant avec plus de deux décimales : {text!r}")
    return int(cents)


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in integer cents and an ISO 4217 currency."""

    cents: int
    currency: str = "EUR"

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.cents + other.cents, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.cents - other.cents, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")

    @property
    def amount(self) -> Decimal:
        """The amount in currency units, exact."""
        return Decimal(self.cents) / 100

    def format_fr(self) -> str:
        """French formatting: ``12,50 €`` with a narrow no-break space between thousands."""
        sign = "-" if self.cents < 0 else ""
        euros, cents = divmod(abs(self.cents), 100)
        grouped = f"{euros:,}".replace(",", "\u202f")
        symbol = "€" if self.currency == "EUR" else self.currency
        return f"{sign}{grouped},{cents:02d}\u00a0{symbol}"
