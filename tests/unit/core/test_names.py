"""The name key depots, rounds and pickup points are told apart by (shop_core.names)."""

from __future__ import annotations

import pytest

from shop_core.names import KEY_LENGTH, name_key


@pytest.mark.parametrize(
    "same",
    [
        ("Médiathèque de Frévent", "MEDIATHEQUE  de frevent", "mediatheque-de-Frévent."),
        ("Rue de l'Église", "rue de l’eglise", "RUE DE L EGLISE"),
        ("Œuvre des Pâtissiers", "oeuvre des patissiers"),
        ("Tournée Nord-Est", "tournee nord est"),
    ],
)
def test_names_that_differ_by_case_accents_spaces_or_punctuation_have_one_key(
    same: tuple[str, ...],
) -> None:
    assert len({name_key(name) for name in same}) == 1, [name_key(n) for n in same]


@pytest.mark.parametrize(
    "different",
    [
        ("Tournée Nord", "Tournée Nord 2"),
        ("Mairie de Saint-Pol", "Mairie de Saint-Pierre"),
        ("***", "???"),  # no words: compared as written, not both empty
        ("Αθήνα", "Σπάρτη"),  # letters of another alphabet are kept
    ],
)
def test_names_that_read_differently_keep_different_keys(different: tuple[str, str]) -> None:
    first, second = different
    assert name_key(first) != name_key(second)
    assert name_key(first) and name_key(second)


def test_a_key_fits_its_column() -> None:
    assert len(name_key("ﷺ" * 120)) == KEY_LENGTH
