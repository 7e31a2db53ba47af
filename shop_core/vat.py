"""French VAT rates and the rounding rule Cabas applies.

Rounding rule (written down once, applied everywhere):

1. Prices are entered and stored **including VAT**, in cents, as shoppers see them.
2. A line's total including VAT is ``unit price × quantity`` (exact), or for goods sold by
   weight ``price per unit of weight × weight``, rounded half-up to the cent.
3. For each merchant order (one seller, one invoice), line totals are summed **per VAT rate**.
   The VAT of a rate is ``round_half_up(total_incl × rate / (100 + rate))`` and the amount
   excluding VAT is ``total_incl − VAT``. Hence, per rate and overall,
   ``excl + VAT = incl`` to the cent, by construction.
4. Unit prices excluding VAT printed on invoice lines are informative, rounded half-up; the
   legally relevant figures are the per-rate bases and VAT amounts of rule 3.
5. An order's figures are the sums of its merchant orders' figures (each seller invoices its
   own VAT).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from shop_core.money import round_half_up


class VatRate(enum.IntEnum):
    """A French VAT rate, in basis points (hundredths of a percent)."""

    STANDARD = 2000  # 20 %
    INTERMEDIATE = 1000  # 10 % (restaurants, some services)
    REDUCED = 550  # 5.5 % (most food)
    SUPER_REDUCED = 210  # 2.1 % (press, some medicines)

    @property
    def percent(self) -> Decimal:
        """The rate as a percentage, e.g. ``Decimal('5.5')``."""
        return Decimal(self.value) / 100

    @property
    def label(self) -> str:
        """French label, e.g. ``5,5 %``."""
        text = f"{self.percent.normalize():f}".replace(".", ",")
        return f"{text}\u00a0%"

    @classmethod
    def from_percent(cls, value: str | Decimal | float | int) -> VatRate:
        """Parse ``"5.5"``, ``"5,5"`` or ``20`` into a rate; ``ValueError`` otherwise."""
        try:
            bp = Decimal(str(value).replace(",", ".").replace("%", "").strip()) * 100
        except ArithmeticError as exc:
            raise ValueError(f"taux de TVA inconnu : {value}") from exc
        for rate in cls:
            if rate.value == bp:
                return rate
        raise ValueError(f"taux de TVA inconnu : {value} (20, 10, 5,5 ou 2,1 %)")


def vat_included(total_incl_cents: int, rate: VatRate) -> int:
    """The VAT contained in an amount including VAT, rounded half-up to the cent."""
    bp = Decimal(rate.value)
    return round_half_up(Decimal(total_incl_cents) * bp / (Decimal(10000) + bp))


def excl_vat_unit_price(price_incl_cents: int, rate: VatRate) -> int:
    """An informative unit price excluding VAT (rule 4 of the module docstring)."""
    return price_incl_cents - vat_included(price_incl_cents, rate)


@dataclass(frozen=True, slots=True)
class VatLine:
    """The figures of one VAT rate: base excluding VAT, VAT, total including VAT."""

    rate: VatRate
    excl_cents: int
    vat_cents: int
    incl_cents: int


@dataclass(frozen=True, slots=True)
class VatBreakdown:
    """Per-rate figures of one invoice-like document, plus its totals."""

    lines: tuple[VatLine, ...]

    @property
    def excl_cents(self) -> int:
        return sum(line.excl_cents for line in self.lines)

    @property
    def vat_cents(self) -> int:
        return sum(line.vat_cents for line in self.lines)

    @property
    def incl_cents(self) -> int:
        return sum(line.incl_cents for line in self.lines)


class VatPolicy:
    """Computes VAT figures from lines including VAT.

    Override :meth:`breakdown` to apply another rule (e.g. a merchant under the VAT franchise
    scheme, whose invoices carry no VAT): the rest of the core only consumes ``VatBreakdown``.
    """

    def breakdown(self, lines: Iterable[tuple[VatRate, int]]) -> VatBreakdown:
        """Group ``(rate, total_incl_cents)`` pairs per rate and apply the rounding rule."""
        per_rate: dict[VatRate, int] = {}
        for rate, incl in lines:
            per_rate[rate] = per_rate.get(rate, 0) + incl
        result = []
        for rate in sorted(per_rate, reverse=True):
            incl = per_rate[rate]
            vat = vat_included(incl, rate)
            result.append(VatLine(rate=rate, excl_cents=incl - vat, vat_cents=vat, incl_cents=incl))
        return VatBreakdown(lines=tuple(result))


class FranchiseVatPolicy(VatPolicy):
    """VAT franchise (art. 293 B du CGI): the seller charges no VAT, totals are net."""

    def breakdown(self, lines: Iterable[tuple[VatRate, int]]) -> VatBreakdown:
        per_rate: dict[VatRate, int] = {}
        for rate, incl in lines:
            per_rate[rate] = per_rate.get(rate, 0) + incl
        return VatBreakdown(
            lines=tuple(
                VatLine(rate=r, excl_cents=per_rate[r], vat_cents=0, incl_cents=per_rate[r])
                for r in sorted(per_rate, reverse=True)
            )
        )
