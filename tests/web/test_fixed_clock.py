"""``CABAS_FIXED_NOW`` pins the app's clock: a demonstration can walk a day to come (an
order placed today is delivered on a later day, and a courier acts only on their day)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from reference_app.config import fixed_now
from reference_app.rounds import settings
from shop_core.database import Database

from .conftest import World, app_config, login

PARIS = "Europe/Paris"


def test_a_time_without_offset_is_the_territorys() -> None:
    assert fixed_now("2026-12-08T10:00", PARIS) == dt.datetime(2026, 12, 8, 9, 0, tzinfo=dt.UTC)
    assert fixed_now("2026-07-08T10:00", PARIS) == dt.datetime(2026, 7, 8, 8, 0, tzinfo=dt.UTC)
    assert fixed_now("2026-12-08T10:00+00:00", PARIS) == dt.datetime(
        2026, 12, 8, 10, 0, tzinfo=dt.UTC
    )
    moment = dt.datetime(2026, 12, 8, 9, 0, tzinfo=dt.UTC)
    assert fixed_now(moment, PARIS) == moment
    assert fixed_now(None, PARIS) is None and fixed_now("", PARIS) is None


@pytest.mark.parametrize("value", ["mardi 8", "2026-13-08T10:00", "8/12/2026"])
def test_a_time_that_is_not_one_is_refused_at_start_with_an_example(value: str) -> None:
    with pytest.raises(RuntimeError, match=r"CABAS_FIXED_NOW=.*2026-12-08T10:00"):
        fixed_now(value, PARIS)


def test_the_environment_pins_the_pages_clock(
    monkeypatch: pytest.MonkeyPatch, db: Database, world: World, tmp_path: Path
) -> None:
    from reference_app import create_app

    monkeypatch.setenv("CABAS_FIXED_NOW", "2026-12-08T10:00")
    app = create_app(app_config(db, tmp_path))
    try:
        with app.app_context():
            assert settings.now() == dt.datetime(2026, 12, 8, 9, 0, tzinfo=dt.UTC)
        client = app.test_client()
        login(client, world.courier_email)
        page = client.get("/livreur/").get_data(as_text=True)
        assert "mardi 8 décembre 2026" in page
    finally:
        app.extensions["cabas_db"].dispose()
