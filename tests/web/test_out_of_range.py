"""Ids beyond what the database can hold (in an address or a form) and dates beyond what
Python can count (in an address): a page that does not exist (404) or a French refusal,
never a 500. SQLite refuses to bind an integer above 2⁶³ − 1 (OverflowError), PostgreSQL
one above its column's range; the month after December 9999 does not exist."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop_core.database import Database
from shop_core.orders.model import MerchantOrderStatus

from .backoffice import place_order
from .conftest import World, login
from .rounds_setup import add_fleet, configure, make_ready, on_the_day, plan, statuses, stops

HUGE = [str(2**31), str(2**63), str(10**30)]


def _paths(app: Flask) -> list[tuple[str, str]]:
    """Every page address with an integer in it, and its methods, the integers replaced by
    a placeholder."""
    found = []
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule or rule.rule.startswith("/api/"):
            continue
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<int:{argument}>", "{id}")
            path = path.replace(f"<{argument}>", "x")
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, path))
    return found


@pytest.mark.parametrize(
    "who", ["", "shopper_email", "farmer_email", "operator_email", "courier_email"]
)
def test_an_id_too_large_in_an_address_is_a_page_that_does_not_exist(
    app: Flask, client: FlaskClient, db: Database, world: World, who: str
) -> None:
    if who:
        login(client, getattr(world, who))
    paths = _paths(app)
    assert len(paths) > 20
    for method, path in paths:
        for huge in HUGE:
            url = path.replace("{id}", huge)
            answer = client.open(url, method=method)
            assert answer.status_code < 500, (method, url, answer.status_code)


DATES = ["9999-12-31", "0001-01-01", "2026-02-30", "99999-01-01"]
MONTHS = ["9999-12", "0001-01", "2026-13", "10000-01"]


@pytest.mark.parametrize(
    ("who", "pages"),
    [
        (
            "operator_email",
            [
                "/admin/tournees?date={date}",
                "/admin/tournees/arrets.csv?date={date}",
                "/admin/paiements?mois={month}",
            ],
        ),  # fmt: skip
        ("courier_email", ["/livreur/?date={date}"]),
        ("farmer_email", ["/boutique/paiements?mois={month}"]),
    ],
)
def test_a_date_or_month_out_of_range_in_an_address_is_not_an_error(
    app: Flask, client: FlaskClient, db: Database, world: World, who: str, pages: list[str]
) -> None:
    configure(app)
    add_fleet(db, world)
    login(client, getattr(world, who))
    for page in pages:
        for date, month in zip(DATES, MONTHS, strict=True):
            url = page.format(date=date, month=month)
            answer = client.get(url)
            assert answer.status_code in (200, 404), (url, answer.status_code)


def test_an_id_too_large_chosen_in_a_form_is_refused_in_french(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    configure(app)
    fleet = add_fleet(db, world)
    order = place_order(db, world, {world.bread_id: 1})
    make_ready(db, order)
    plan(db, world)
    pickup, drop = stops(db, world)
    on_the_day(app)  # the round's day: its stops can be recorded
    login(client, world.courier_email)
    client.post(f"/livreur/arrets/{pickup.id}/collecte")
    for huge in HUGE:
        failed = client.post(
            f"/livreur/arrets/{drop.id}/echec",
            data={"reason": "absent", "then": "pickup_point", "pickup_point": huge},
        )
        assert failed.status_code == 422
        assert "Choix non valide" in failed.get_data(as_text=True)
    assert statuses(db, order) == [MerchantOrderStatus.HANDED_TO_COURIER]

    client.post("/logout")
    login(client, world.operator_email)
    edit = f"/admin/tournees/{fleet.saint_pol}/modifier"
    form = {
        "name": "Saint-Pol", "courier_id": "0", "depot_id": str(fleet.depot_id),
        "weekdays": ["1"], "starts": "09:00", "ends": "12:00", "capacity": "25",
        "max_duration_min": "", "insee_codes": ["62767"], "active": "y",
    }  # fmt: skip
    assert client.post(edit, data=form).status_code == 302  # the form as sent: saved
    for name in ("courier_id", "depot_id"):
        for huge in HUGE:
            edited = client.post(edit, data={**form, name: huge})
            assert edited.status_code == 422, (name, huge, edited.status_code)
            assert "Choix non valide" in edited.get_data(as_text=True)
