"""Dates and times as the page's reader writes them (French first, English second)."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

from reference_app.formatting import (
    MEANS_WORDS,
    date_fr,
    hand_means,
    hour_text,
    hours_together,
    vat_label,
)
from reference_app.shopfront.display import day_choice, day_label
from shop_core.payments.model import PaymentMeans
from shop_core.vat import VatRate

FIRST = dt.date(2026, 12, 1)  # a Tuesday
SECOND = dt.date(2026, 12, 2)


def test_french_writes_the_first_of_the_month_1er(app: Flask) -> None:
    with app.test_request_context("/"):
        assert date_fr(FIRST) == "mardi 1er décembre 2026"
        assert date_fr(FIRST, "d MMM") == "1er déc."
        # Inside a sentence French writes the weekday in lower case; a label starts with one.
        assert day_label(FIRST) == "mardi 1er décembre"
        assert day_choice(FIRST) == "Mardi 1er décembre"
        assert day_choice(FIRST, today=dt.date(2026, 11, 30)) == "Demain, mardi 1er décembre"
        placed = dt.datetime(2026, 12, 1, 8, 5, tzinfo=dt.UTC)  # 9:05 in Paris
        assert date_fr(placed) == "1er décembre 2026 à 9\u00a0h\u00a005"
        assert date_fr(SECOND) == "mercredi 2 décembre 2026"
        # Half past midnight in Paris on the 1st is still the 30th in UTC.
        late = dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC)
        assert date_fr(late) == "1er décembre 2026 à 0\u00a0h\u00a030"


def test_english_keeps_its_own_dates_and_times(app: Flask) -> None:
    with app.test_request_context("/?lang=en"):
        assert date_fr(FIRST) == "Tuesday 1 December 2026"
        assert day_label(FIRST) == day_choice(FIRST) == "Tuesday 1 December"
        placed = dt.datetime(2026, 12, 1, 8, 5, tzinfo=dt.UTC)
        assert date_fr(placed) == "1 December 2026 at 9:05 AM"
        assert hour_text(dt.time(12, 30)) == "12:30\u202fPM"


def test_french_hours(app: Flask) -> None:
    with app.test_request_context("/"):
        assert hour_text(dt.time(8, 0)) == "8\u00a0h"
        assert hour_text(dt.time(12, 30)) == "12\u00a0h\u00a030"
        assert hour_text(dt.datetime(2026, 12, 1, 11, 14)) == "11\u00a0h\u00a014"
        assert hour_text(None) == ""


def test_paying_by_hand_names_every_means_a_hand_over_records_and_no_other(app: Flask) -> None:
    # A card, promised at checkout while couriers, points and shops could only record cash
    # or a cheque: the words come from the means they record.
    assert set(MEANS_WORDS) == set(PaymentMeans)
    with app.test_request_context("/"):
        assert hand_means() == "en espèces ou par chèque"


def test_vat_rates_are_written_in_the_readers_language(app: Flask) -> None:
    with app.test_request_context("/"):
        assert [vat_label(r) for r in VatRate] == [
            "20\u00a0%",
            "10\u00a0%",
            "5,5\u00a0%",
            "2,1\u00a0%",
        ]
    with app.test_request_context("/?lang=en"):
        assert [vat_label(r) for r in VatRate] == ["20%", "10%", "5.5%", "2.1%"]


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        (
            "Du lundi au vendredi, 8 h 30 - 12 h et 13 h 30 – 17 h",
            "Du lundi au vendredi, 8\u00a0h\u00a030 - 12\u00a0h et 13\u00a0h\u00a030 – 17\u00a0h",
        ),
        ("9h-12h, 14h30-18h", "9\u00a0h-12\u00a0h, 14\u00a0h\u00a030-18\u00a0h"),
        ("Ouvert 24 heures sur 24", "Ouvert 24 heures sur 24"),
    ],
)
def test_hours_typed_by_the_operator_never_break_inside_an_hour(typed: str, shown: str) -> None:
    """A town hall's « 8 h 30 » was cut « 8 / h 30 » at the end of a line on a phone."""
    assert hours_together(typed) == shown
