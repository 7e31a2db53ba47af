"""The reasons the planner and the nightly postponing store in French, on English pages."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

from delivery.planning import REASONS_FR
from delivery.postponing import KEPT_NO_DATE, KEPT_PARTLY_DELIVERED, NOT_A_MATTER_OF_DATE
from delivery.problem import UnassignedReason
from delivery.queries import UnplannedView
from reference_app.labels import translate
from reference_app.rounds.reasons import unplanned_reason

STORED_FIXED = [*REASONS_FR.values(), *NOT_A_MATTER_OF_DATE.values()]
STORED_FIXED += [KEPT_PARTLY_DELIVERED, KEPT_NO_DATE]


def _view(code: str, **details: object) -> UnplannedView:
    fields: dict[str, object] = dict(
        merchant_order_id=1, order_id=1, reference="C-1-A", merchant="Ferme Dufour",
        customer="Jeanne Martin", city="Frévent", reason_code=code,
        reason=REASONS_FR.get(code, ""), next_date=dt.date(2026, 12, 8),
    )  # fmt: skip
    fields.update(details)
    return UnplannedView(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", STORED_FIXED)
def test_every_fixed_reason_has_an_english_text_and_stays_itself_in_french(
    app: Flask, text: str
) -> None:
    with app.test_request_context("/?lang=en"):
        english = translate(text)
    with app.test_request_context("/?lang=fr"):
        assert translate(text) == text
    assert english != text and "tournée" not in english


@pytest.mark.parametrize(
    ("code", "details", "french", "english"),
    [
        (
            "merchant_closed", {}, "La boutique « Ferme Dufour » est fermée ce jour-là.",
            "The shop “Ferme Dufour” is closed that day.",
        ),
        (
            UnassignedReason.NOT_ALLOWED.value, {},
            "Aucune tournée de ce jour ne dessert Frévent.", "No round that day serves Frévent.",
        ),
        (
            UnassignedReason.TOO_LARGE.value, {"parcels": 64},
            "64 colis : plus que n'en prend une tournée.",
            "64 parcels: more than a round can take.",
        ),
        (
            "held_at_depot", {"depot": "Poste de Frévent"},
            "Les colis attendent au dépôt « Poste de Frévent » : aucune tournée de ce jour n'en "
            "part, ou elles sont déjà parties.",
            "The parcels are waiting at the depot “Poste de Frévent”: no round that day leaves "
            "from it, or they have already left.",
        ),
        (
            "held_at_depot", {}, REASONS_FR["held_at_depot"],
            "The parcels are waiting at a depot: no round that day leaves from it, or they "
            "have already left.",
        ),
        (
            UnassignedReason.FLEET_FULL.value, {}, REASONS_FR[UnassignedReason.FLEET_FULL.value],
            "Rounds full that day (parcels or duration).",
        ),
    ],
)  # fmt: skip
def test_an_unplanned_orders_reason_is_worded_with_its_details(
    app: Flask, code: str, details: dict[str, object], french: str, english: str
) -> None:
    view = _view(code, **details)
    with app.test_request_context("/?lang=fr"):
        assert unplanned_reason(view) == french
    with app.test_request_context("/?lang=en"):
        assert unplanned_reason(view) == english
