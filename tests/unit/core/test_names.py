"""The name key depots, rounds and pickup points are told apart by (shop_core.names)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, text

from shop_core.names import KEY_LENGTH, fill_name_keys, name_key


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


def test_names_whose_keys_fill_the_column_are_numbered_too() -> None:
    """« ½ » reads « 1-2 »: 120 of them give a key cut at its column's length, where a
    number added at the end of the name would not show; the migration must not look for
    a free number for ever."""
    engine = create_engine("sqlite://", connect_args={"check_same_thread": False})
    long_name = "½" * 120
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE place (id INTEGER PRIMARY KEY, territory_id INTEGER, "
                "name TEXT, name_key TEXT)"
            )
        )
        for name in (long_name, long_name, "Mairie", "MAIRIE"):
            connection.execute(
                text("INSERT INTO place (territory_id, name) VALUES (1, :name)"), {"name": name}
            )
        # In a daemon thread: a search without an end fails the test instead of hanging it.
        worker = threading.Thread(target=fill_name_keys, args=(connection, "place"), daemon=True)
        worker.start()
        worker.join(timeout=20)
        assert not worker.is_alive(), "fill_name_keys never ended"
        rows = connection.execute(text("SELECT name, name_key FROM place ORDER BY id")).all()

    assert [name for name, _ in rows][2:] == ["Mairie", "MAIRIE (2)"]
    first, second = rows[0], rows[1]
    assert first.name == long_name
    assert second.name.endswith(" (2)") and len(second.name) <= 120
    assert len({key for _, key in rows}) == 4
    assert all(len(key) <= KEY_LENGTH for _, key in rows)
