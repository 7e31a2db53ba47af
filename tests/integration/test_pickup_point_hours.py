"""A pickup point's weekly hours, kept by the core with its other details."""

from __future__ import annotations

import datetime as dt

import pytest

from shop_core.database import Database
from shop_core.errors import ValidationError
from shop_core.territories.admin import update_pickup_point
from shop_core.territories.model import PickupPoint
from shop_core.territories.services import add_pickup_point
from shop_core.testing.factories import make_territory

MORNING = (dt.time(8, 30), dt.time(12))
AFTERNOON = (dt.time(13, 30), dt.time(17))
PLACE = {
    "address": "Place de l'Hôtel de Ville",
    "postal_code": "62130",
    "city": "Saint-Pol-sur-Ternoise",
}


def _hours(db: Database, point_id: int) -> list[tuple[int, dt.time, dt.time]]:
    with db.uow() as uow:
        point = uow.session.get_one(PickupPoint, point_id)
        return [(h.weekday, h.opens, h.closes) for h in point.opening_hours]


@pytest.fixture
def town_hall(db: Database) -> tuple[int, int]:
    """A territory and its town hall, open Monday to Friday, with a lunch break."""
    with db.uow() as uow:
        territory = make_territory(uow)
        point = add_pickup_point(
            uow=uow, territory_id=territory, name="Mairie", **PLACE,
            hours=[(d, *w) for w in (AFTERNOON, MORNING) for d in range(5)],
        )  # fmt: skip
    return territory, point


def test_a_new_point_keeps_its_hours_in_order(db: Database, town_hall: tuple[int, int]) -> None:
    hours = _hours(db, town_hall[1])
    assert hours[:2] == [(0, *MORNING), (0, *AFTERNOON)]
    assert len(hours) == 10 and {day for day, _, _ in hours} == set(range(5))


def test_hours_stay_when_a_change_does_not_give_them_and_go_when_given_empty(
    db: Database, town_hall: tuple[int, int]
) -> None:
    territory, point = town_hall
    with db.uow() as uow:
        update_pickup_point(
            uow=uow, territory_id=territory, point_id=point, name="Mairie de Saint-Pol", **PLACE
        )
    assert len(_hours(db, point)) == 10
    with db.uow() as uow:
        update_pickup_point(
            uow=uow, territory_id=territory, point_id=point, name="Mairie", **PLACE,
            hours=[(5, *MORNING)],
        )  # fmt: skip
    assert _hours(db, point) == [(5, *MORNING)]
    with db.uow() as uow:
        update_pickup_point(
            uow=uow, territory_id=territory, point_id=point, name="Mairie", **PLACE, hours=[]
        )
    assert _hours(db, point) == []


def test_overlapping_hours_are_refused_and_nothing_changes(
    db: Database, town_hall: tuple[int, int]
) -> None:
    territory, point = town_hall
    with db.uow() as uow, pytest.raises(ValidationError, match="se chevauchent"):
        update_pickup_point(
            uow=uow, territory_id=territory, point_id=point, name="Autre nom", **PLACE,
            hours=[(0, dt.time(8), dt.time(12)), (0, dt.time(11), dt.time(17))],
        )  # fmt: skip
    with db.uow() as uow:
        assert uow.session.get_one(PickupPoint, point).name == "Mairie"
    assert len(_hours(db, point)) == 10


def test_a_new_point_with_hours_closing_before_they_open_is_not_created(db: Database) -> None:
    with db.uow() as uow:
        territory = make_territory(uow)
    with db.uow() as uow, pytest.raises(ValidationError, match="doit suivre l'ouverture"):
        add_pickup_point(
            uow=uow, territory_id=territory, name="Mairie", **PLACE,
            hours=[(0, dt.time(17), dt.time(8))],
        )  # fmt: skip
    with db.uow() as uow:
        assert uow.session.query(PickupPoint).filter_by(territory_id=territory).count() == 0
