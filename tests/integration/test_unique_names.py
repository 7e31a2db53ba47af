"""Two depots, two rounds or two pickup points of a territory never share a name, even when
two requests give it at the same instant: the database holds each name's key unique per
territory (shop_core.names), and its refusal reads as the services' own French one."""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

import delivery.services
import shop_core.territories.admin
import shop_core.territories.services
from delivery.model import Depot, Round
from delivery.services import DepotInput, RoundInput, create_depot, create_round, update_round
from shop_core.audit.model import AuditEntry
from shop_core.database import Database
from shop_core.errors import ValidationError
from shop_core.names import name_key
from shop_core.territories.admin import update_pickup_point
from shop_core.territories.model import PickupPoint
from shop_core.territories.services import add_pickup_point
from shop_core.testing.factories import make_territory

from .at_once import at_once
from .conftest import Shop
from .delivery_setup import SYSTEM, Fleet, add_fleet

DEPOT_TAKEN = "Un autre dépôt porte déjà ce nom."
ROUND_TAKEN = "Une autre tournée porte déjà ce nom."
POINT_TAKEN = "Un autre point de retrait porte déjà ce nom : choisissez-en un autre."

Model = type[Depot] | type[Round] | type[PickupPoint]


def depot(db: Database, shop: Shop, name: str) -> Callable[[], int]:
    def create() -> int:
        with db.uow() as uow:
            data = DepotInput(
                name, "Zone artisanale", "62130", "Saint-Pol-sur-Ternoise", 50.38, 2.33
            )
            return create_depot(uow=uow, territory_id=shop.territory_id, data=data, actor=SYSTEM)

    return create


def a_round(fleet: Fleet, name: str) -> RoundInput:
    return RoundInput(
        name=name,
        depot_id=fleet.depot_id,
        weekdays=(1, 3),
        starts=dt.time(14),
        ends=dt.time(18),
        capacity=10,
    )


def new_round(db: Database, shop: Shop, fleet: Fleet, name: str) -> Callable[[], int]:
    def create() -> int:
        with db.uow() as uow:
            data = a_round(fleet, name)
            return create_round(uow=uow, territory_id=shop.territory_id, data=data, actor=SYSTEM)

    return create


def point(db: Database, shop: Shop, name: str) -> Callable[[], int]:
    def create() -> int:
        with db.uow() as uow:
            return add_pickup_point(
                uow=uow,
                territory_id=shop.territory_id,
                name=name,
                address="Place de la Mairie",
                postal_code="62270",
                city="Frévent",
            )

    return create


def named(db: Database, model: Model, name: str) -> int:
    """How many rows of ``model`` have a name that reads as ``name``."""
    with db.uow() as uow:
        return (
            uow.session.scalar(select(func.count(model.id)).where(model.name_key == name_key(name)))
            or 0
        )


def audited(db: Database) -> int:
    with db.uow() as uow:
        return uow.session.scalar(select(func.count(AuditEntry.id))) or 0


def check_missed_once(
    monkeypatch: pytest.MonkeyPatch, module: types.ModuleType, check: str, free: Any
) -> None:
    """Make the services' name check answer ``free`` the first time only: as when another
    request writes the name after the check and before this one writes it."""
    real = getattr(module, check)
    calls: list[int] = []

    def missed_once(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return free if len(calls) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(module, check, missed_once)


def test_two_depots_of_one_name_created_at_once_give_one_depot_and_one_french_refusal(
    db: Database, shop: Shop
) -> None:
    outcomes = at_once(depot(db, shop, "Hangar nord"), depot(db, shop, "HANGAR Nord"))

    assert outcomes == ["ok", f"refused: {DEPOT_TAKEN}"]
    assert named(db, Depot, "Hangar nord") == 1


def test_two_rounds_of_one_name_created_at_once_give_one_round_and_one_french_refusal(
    db: Database, shop: Shop
) -> None:
    fleet = add_fleet(db, shop)

    outcomes = at_once(
        new_round(db, shop, fleet, "Tournée du marché"),
        new_round(db, shop, fleet, "tournee du marche"),
    )

    assert outcomes == ["ok", f"refused: {ROUND_TAKEN}"]
    assert named(db, Round, "Tournée du marché") == 1


def test_two_pickup_points_of_one_name_created_at_once_give_one_point_and_one_french_refusal(
    db: Database, shop: Shop
) -> None:
    outcomes = at_once(point(db, shop, "Mairie de Frévent"), point(db, shop, "mairie de frevent"))

    assert outcomes == ["ok", f"refused: {POINT_TAKEN}"]
    assert named(db, PickupPoint, "Mairie de Frévent") == 1


def test_a_name_given_meanwhile_by_another_request_is_refused_by_the_database_in_french(
    db: Database, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    fleet = add_fleet(db, shop)  # « Bureau de poste », « Saint-Pol matin », « Mairie de Saint-Pol »
    before = audited(db)

    check_missed_once(monkeypatch, delivery.services, "_name_taken", False)
    with pytest.raises(ValidationError, match=DEPOT_TAKEN):
        depot(db, shop, "BUREAU DE POSTE")()
    check_missed_once(monkeypatch, delivery.services, "_name_taken", False)
    with pytest.raises(ValidationError, match=ROUND_TAKEN):
        new_round(db, shop, fleet, "saint pol MATIN")()
    check_missed_once(monkeypatch, delivery.services, "_name_taken", False)
    with pytest.raises(ValidationError, match=ROUND_TAKEN), db.uow() as uow:
        data = a_round(fleet, "Saint-Pol matin")
        update_round(
            uow=uow, territory_id=shop.territory_id, round_id=fleet.frevent, data=data, actor=SYSTEM
        )
    check_missed_once(monkeypatch, shop_core.territories.services, "check_pickup_point_name", None)
    with pytest.raises(ValidationError, match=POINT_TAKEN):
        point(db, shop, "Mairie de Saint Pol")()
    check_missed_once(monkeypatch, shop_core.territories.admin, "check_pickup_point_name", None)
    with pytest.raises(ValidationError, match=POINT_TAKEN), db.uow() as uow:
        update_pickup_point(
            uow=uow,
            territory_id=shop.territory_id,
            point_id=point(db, shop, "Salle des fêtes")(),
            name="mairie de saint-pol",
            address="Place",
            postal_code="62130",
            city="Saint-Pol-sur-Ternoise",
        )

    assert named(db, Depot, "Bureau de poste") == 1
    assert named(db, Round, "Saint-Pol matin") == 1
    assert named(db, PickupPoint, "Mairie de Saint-Pol") == 1
    assert audited(db) == before  # nothing of the refused writes was kept


def test_the_database_refuses_a_second_name_written_without_the_services(
    db: Database, shop: Shop
) -> None:
    add_fleet(db, shop)
    with pytest.raises(IntegrityError), db.uow() as uow:
        uow.session.add(
            PickupPoint(
                territory_id=shop.territory_id,
                name="MAIRIE DE SAINT-POL",
                address="Place",
                postal_code="62130",
                city="Saint-Pol-sur-Ternoise",
            )
        )
        uow.commit()
    # Another territory may have its own « Bureau de poste ».
    with db.uow() as uow:
        other = make_territory(uow)
    with db.uow() as uow:
        data = DepotInput("Bureau de poste", "Rue", "62130", "Saint-Pol-sur-Ternoise", 50.38, 2.33)
        create_depot(uow=uow, territory_id=other, data=data, actor=SYSTEM)
    assert named(db, Depot, "Bureau de poste") == 2
