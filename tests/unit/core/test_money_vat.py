"""Money and VAT: integer cents, the rounding rule, per-rate reconciliation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop_core.catalogue.model import Unit
from shop_core.money import Money, cents_from_euros, round_half_up
from shop_core.pricing import line_total_cents
from shop_core.vat import FranchiseVatPolicy, VatPolicy, VatRate, vat_included


def test_round_half_up_rounds_halves_away_from_zero() -> None:
    assert round_half_up(Decimal("2.5")) == 3
    assert round_half_up(Decimal("2.4999")) == 2
    assert round_half_up(Decimal("-2.5")) == -3


@pytest.mark.parametrize(
    ("text", "cents"),
    [("12,50", 1250), ("12.5", 1250), ("0,99 €", 99), ("1 200", 120000), ("3", 300)],
)
def test_cents_from_euros_accepts_french_and_english_notation(text: str, cents: int) -> None:
    assert cents_from_euros(text) == cents


@pytest.mark.parametrize("text", ["12,505", "abc", "", "NaN", "1e999999"])
def test_cents_from_euros_rejects_what_is_not_an_amount_in_cents(text: str) -> None:
    with pytest.raises(ValueError):
        cents_from_euros(text)


def test_money_formats_the_french_way() -> None:
    assert Money(1250).format_fr() == "12,50\u00a0€"
    assert Money(123456789).format_fr() == "1\u202f234\u202f567,89\u00a0€"
    assert Money(-5).format_fr() == "-0,05\u00a0€"


def test_money_refuses_to_mix_currencies() -> None:
    with pytest.raises(ValueError):
        Money(100, "EUR") + Money(100, "USD")


def test_vat_included_in_a_price_with_reduced_rate() -> None:
    # 3,50 € TTC at 5.5 %: VAT = 350 × 5.5 / 105.5 = 18.246… → 18 cents
    assert vat_included(350, VatRate.REDUCED) == 18
    assert vat_included(1200, VatRate.STANDARD) == 200


def test_vat_rate_parses_french_percentages() -> None:
    assert VatRate.from_percent("5,5") is VatRate.REDUCED
    assert VatRate.from_percent("20 %") is VatRate.STANDARD
    assert VatRate.REDUCED.label == "5,5\u00a0%"
    with pytest.raises(ValueError):
        VatRate.from_percent("7")


rates = st.sampled_from(list(VatRate))
lines = st.lists(st.tuples(rates, st.integers(min_value=0, max_value=5_000_000)), max_size=40)


@given(lines)
def test_breakdown_reconciles_to_the_cent_per_rate_and_in_total(
    items: list[tuple[VatRate, int]],
) -> None:
    breakdown = VatPolicy().breakdown(items)
    for line in breakdown.lines:
        assert line.excl_cents + line.vat_cents == line.incl_cents
        assert line.incl_cents == sum(amount for rate, amount in items if rate is line.rate)
        # VAT is within half a cent of the exact value
        exact = Decimal(line.incl_cents) * line.rate.value / (10000 + line.rate.value)
        assert abs(Decimal(line.vat_cents) - exact) <= Decimal("0.5")
    assert breakdown.incl_cents == sum(amount for _, amount in items)
    assert breakdown.excl_cents + breakdown.vat_cents == breakdown.incl_cents
    assert len({line.rate for line in breakdown.lines}) == len(breakdown.lines)


@given(lines)
def test_franchise_policy_charges_no_vat(items: list[tuple[VatRate, int]]) -> None:
    breakdown = FranchiseVatPolicy().breakdown(items)
    assert breakdown.vat_cents == 0
    assert breakdown.excl_cents == breakdown.incl_cents == sum(a for _, a in items)


@given(
    st.integers(min_value=1, max_value=100_000),
    st.integers(min_value=1, max_value=50_000),
)
def test_price_by_weight_is_price_per_kg_times_weight_rounded_to_the_cent(
    price_per_kg: int, grams: int
) -> None:
    total = line_total_cents(price_per_kg, Unit.KG, 1, grams)
    exact = Decimal(price_per_kg) * grams / 1000
    assert abs(Decimal(total) - exact) <= Decimal("0.5")


def test_price_per_100_g_scales_by_ten_grams() -> None:
    # 2,40 € / 100 g, 250 g → 6,00 €
    assert line_total_cents(240, Unit.HUNDRED_G, 1, 250) == 600
    assert line_total_cents(350, Unit.PIECE, 3) == 1050
