"""Rounds and depots set up by the operator, and the delivery dates they give shoppers."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

import delivery.model  # noqa: F401  (delivery tables and migrations)
from delivery.calendar import check_delivery_day, delivery_dates
from delivery.model import Depot, Round, RoundRun
from delivery.services import (
    DepotInput,
    RoundInput,
    create_depot,
    create_round,
    delete_round,
    update_round,
)
from shop_core.database import Database
from shop_core.errors import InvalidDeliveryChoice, NotFound, ValidationError
from shop_core.territories.model import Territory

from .conftest import NOW, Shop
from .delivery_setup import SYSTEM, add_fleet, order
from .test_delivery_stops import planned

PARIS_EVENING = dt.datetime(2026, 11, 23, 19, 0, tzinfo=dt.UTC)  # 20:00 in Paris


def dates(
    db: Database, shop: Shop, insee: str | None, now: dt.datetime, count: int = 3
) -> list[dt.date]:
    with db.uow() as uow:
        territory = uow.session.get(Territory, shop.territory_id)
        assert territory is not None
        return delivery_dates(uow.session, territory, insee, now, count)


def test_before_the_cutoff_the_first_date_is_the_next_day_the_communes_round_runs(
    db: Database, shop: Shop
) -> None:
    add_fleet(db, shop, frevent_days=(3, 5))  # Frévent: Thursday and Saturday

    assert dates(db, shop, "62361", NOW) == [
        dt.date(2026, 11, 26), dt.date(2026, 11, 28), dt.date(2026, 12, 3),
    ]  # fmt: skip
    assert dates(db, shop, "62767", NOW) == [
        dt.date(2026, 11, 24), dt.date(2026, 11, 25), dt.date(2026, 11, 26),
    ]  # fmt: skip


def test_after_the_cutoff_dates_start_the_day_after(db: Database, shop: Shop) -> None:
    add_fleet(db, shop)
    # Monday 20:00: Tuesday is too soon, Wednesday is the first date.
    assert dates(db, shop, "62767", PARIS_EVENING, 1) == [dt.date(2026, 11, 25)]


def test_without_rounds_every_day_from_the_first_possible_one_is_offered(
    db: Database, shop: Shop
) -> None:
    assert dates(db, shop, "62767", NOW) == [
        dt.date(2026, 11, 24), dt.date(2026, 11, 25), dt.date(2026, 11, 26),
    ]  # fmt: skip


def test_a_commune_no_round_serves_gets_no_date(db: Database, shop: Shop) -> None:
    add_fleet(db, shop)
    assert dates(db, shop, "62001", NOW) == []


def test_a_round_is_checked_before_it_is_saved(db: Database, shop: Shop) -> None:
    fleet = add_fleet(db, shop)
    good = RoundInput(
        name="Heuchin", depot_id=fleet.depot_id, weekdays=(0,), starts=dt.time(9),
        ends=dt.time(12), capacity=20, courier_id=fleet.couriers[0],
    )  # fmt: skip
    cases = {
        "Donnez un nom": {"name": " "},
        "au moins un jour": {"weekdays": ()},
        "doit suivre": {"ends": dt.time(8)},
        "capacité": {"capacity": 0},
        "durée maximale": {"max_duration_min": 5},
        "livreur actif": {"courier_id": shop.shopper_id},
        "hors du territoire": {"insee_codes": ("59350",)},
    }
    for message, change in cases.items():
        with db.uow() as uow, pytest.raises(ValidationError, match=message):
            create_round(
                uow=uow,
                territory_id=shop.territory_id,
                data=RoundInput(**{**good.__dict__, **change}),
                actor=SYSTEM,
            )
    with db.uow() as uow:
        assert uow.session.scalar(select(Round).where(Round.name == "Heuchin")) is None


def test_updating_a_round_replaces_its_days_and_communes(db: Database, shop: Shop) -> None:
    fleet = add_fleet(db, shop)
    with db.uow() as uow:
        update_round(
            uow=uow,
            territory_id=shop.territory_id,
            round_id=fleet.frevent,
            data=RoundInput(
                name="Frévent et Saint-Pol", depot_id=fleet.depot_id, weekdays=(4, 2),
                starts=dt.time(13), ends=dt.time(18), capacity=25,
                insee_codes=("62767", "62361"),
            ),
            actor=SYSTEM,
        )  # fmt: skip
    with db.uow() as uow:
        updated = uow.session.get(Round, fleet.frevent)
        assert updated is not None
        assert (updated.name, updated.weekdays, updated.capacity) == (
            "Frévent et Saint-Pol",
            "24",
            25,
        )
        assert updated.insee_codes == {"62767", "62361"}
        assert updated.courier_id is None


def test_another_territorys_round_is_not_found(db: Database, shop: Shop) -> None:
    fleet = add_fleet(db, shop)
    with db.uow() as uow, pytest.raises(NotFound):
        delete_round(
            uow=uow, territory_id=shop.territory_id + 1, round_id=fleet.frevent, actor=SYSTEM
        )


def test_a_round_never_planned_is_deleted_one_with_history_switched_off(
    db: Database, shop: Shop
) -> None:
    fleet = add_fleet(db, shop)
    order(db, shop, {shop.bread_id: 1})
    planned(db, shop)
    with db.uow() as uow:
        assert uow.session.scalar(select(RoundRun.id).where(RoundRun.round_id == fleet.saint_pol))

    with db.uow() as uow:
        assert (
            delete_round(
                uow=uow, territory_id=shop.territory_id, round_id=fleet.saint_pol, actor=SYSTEM
            )
            is False
        )
    with db.uow() as uow:
        kept = uow.session.get(Round, fleet.saint_pol)
        assert kept is not None and kept.active is False


def test_a_depot_without_coordinates_sits_at_its_communes_centre(db: Database, shop: Shop) -> None:
    with db.uow() as uow:
        depot_id = create_depot(
            uow=uow,
            territory_id=shop.territory_id,
            data=DepotInput("Hub de Frévent", "Rue de la Gare", "62270", "frevent"),
            actor=SYSTEM,
        )
        depot = uow.session.get(Depot, depot_id)
        assert depot is not None
        assert depot.city == "Frévent"
        assert abs(depot.lat - 50.27) < 0.05 and abs(depot.lon - 2.29) < 0.05
    with db.uow() as uow, pytest.raises(ValidationError, match="loin du territoire"):
        create_depot(
            uow=uow,
            territory_id=shop.territory_id,
            data=DepotInput("Inversé", "1 rue", "62130", "Saint-Pol", lat=2.33, lon=50.38),
            actor=SYSTEM,
        )
    # Within reach of the territory, but in Hesdin, 23 km from the Saint-Pol it says.
    with db.uow() as uow, pytest.raises(ValidationError) as far:
        create_depot(
            uow=uow,
            territory_id=shop.territory_id,
            data=DepotInput("Ailleurs", "1 rue", "62130", "Saint-Pol", lat=50.375, lon=2.038),
            actor=SYSTEM,
        )
    assert (far.value.code, far.value.params["city"]) == (
        "far_from_commune",
        "Saint-Pol-sur-Ternoise",
    )
    assert far.value.params["km"] >= 20


def test_a_date_without_a_round_for_the_commune_is_refused_naming_the_next_one(
    db: Database, shop: Shop
) -> None:
    add_fleet(db, shop, frevent_days=(3,))  # Frévent on Thursdays
    with db.uow() as uow:
        territory = uow.session.get_one(Territory, shop.territory_id)
        check_delivery_day(uow.session, territory, "62361", dt.date(2026, 11, 26), NOW)
        with pytest.raises(InvalidDeliveryChoice) as refused:
            check_delivery_day(uow.session, territory, "62361", dt.date(2026, 11, 24), NOW)
    assert str(refused.value) == (
        "Pas de tournée à Frévent ce jour-là : prochaine livraison possible le jeudi 26 novembre "
        "2026."
    )
