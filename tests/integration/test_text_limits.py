"""A name, an address or a note longer than its column holds is refused by the core with a
French message naming the field, whoever calls it (the API, a script, another app), and
nothing is written: PostgreSQL would stop it with a ``DataError``, SQLite would keep it all;
the web forms are not the only guard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select

from delivery.model import Depot, Round
from delivery.services import (
    DepotInput,
    RoundInput,
    create_depot,
    create_round,
    update_depot,
    update_round,
)
from shop_core.database import Database
from shop_core.errors import ValidationError
from shop_core.persistence.uow import UnitOfWork
from shop_core.territories.admin import update_pickup_point
from shop_core.territories.model import Commune, PickupPoint, Territory
from shop_core.territories.services import (
    add_commune,
    add_pickup_point,
    create_territory,
    set_branding,
)

from .conftest import Shop
from .delivery_setup import SYSTEM, add_fleet

POINT = {
    "name": "Mairie de Saint-Pol",
    "address": "Place de l'Hôtel de Ville",
    "postal_code": "62130",
    "city": "Saint-Pol-sur-Ternoise",
    "kind": "mairie",
    "insee_code": "62767",
    "opening_notes": "Du lundi au vendredi, 9 h – 17 h.",
}
DEPOT = DepotInput("Hangar", "Zone artisanale", "62130", "Saint-Pol-sur-Ternoise", 50.38, 2.33)


def count(db: Database, model: type[Any]) -> int:
    with db.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model)) or 0


def row(db: Database, model: type[Any], row_id: int) -> dict[str, object]:
    """A row's columns, to tell it was left as it was."""
    with db.uow() as uow:
        found = uow.session.get_one(model, row_id)
        return {c.key: getattr(found, c.key) for c in model.__table__.columns}


def refused(call: Callable[[UnitOfWork], object], db: Database) -> ValidationError:
    with db.uow() as uow, pytest.raises(ValidationError) as error:
        call(uow)
    return error.value


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "M" * 121, "Le nom est trop long (120 caractères au plus)."),
        ("address", "A" * 201, "L'adresse est trop longue (200 caractères au plus)."),
        ("city", "C" * 121, "Le nom de la commune est trop long (120 caractères au plus)."),
        ("kind", "k" * 31, "Le type de lieu est trop long (30 caractères au plus)."),
        (
            "opening_notes",
            "n" * 301,
            "Les horaires et consignes sont trop longs (300 caractères au plus).",
        ),
        ("insee_code", "627670", "Code INSEE invalide."),
    ],
)
def test_a_pickup_point_field_too_long_is_refused_in_french_and_nothing_is_written(
    db: Database, shop: Shop, field: str, value: str, message: str
) -> None:
    point_id = add_fleet(db, shop).point_id
    before, kept = count(db, PickupPoint), row(db, PickupPoint, point_id)
    wrong = {**POINT, field: value}

    added = refused(
        lambda uow: add_pickup_point(uow=uow, territory_id=shop.territory_id, **wrong), db
    )
    changed = refused(
        lambda uow: update_pickup_point(
            uow=uow, territory_id=shop.territory_id, point_id=point_id, **wrong
        ),
        db,
    )

    for error in (added, changed):
        assert (str(error), error.field) == (message, field)
    assert (count(db, PickupPoint), row(db, PickupPoint, point_id)) == (before, kept)


def test_a_pickup_point_at_the_limits_is_kept_whole(db: Database, shop: Shop) -> None:
    whole = {
        **POINT, "name": "M" * 120, "address": "A" * 200, "city": "C" * 120,
        "kind": "k" * 30, "opening_notes": "n" * 300, "insee_code": "2A004",
    }  # fmt: skip
    with db.uow() as uow:
        # A point stands in a commune the territory serves: this one, with the longest name.
        add_commune(
            uow=uow, territory_id=shop.territory_id, insee_code="2A004", postal_code="62130",
            name="C" * 120, lat=50.38, lon=2.33,
        )  # fmt: skip
        point_id = add_pickup_point(uow=uow, territory_id=shop.territory_id, **whole)
    with db.uow() as uow:
        point = uow.session.get_one(PickupPoint, point_id)
        assert {key: getattr(point, key) for key in whole} == whole


def test_a_pickup_point_text_is_stored_as_it_was_measured(db: Database, shop: Shop) -> None:
    """Each text is checked without its outer spaces, so it is kept without them: a kind of
    30 characters and two spaces was let through, then stopped by PostgreSQL (31 > 30)."""
    padded = {**POINT, "kind": "k" * 30 + "  ", "name": "  Salle des fêtes  "}
    with db.uow() as uow:
        point_id = add_pickup_point(uow=uow, territory_id=shop.territory_id, **padded)
    with db.uow() as uow:
        update_pickup_point(
            uow=uow, territory_id=shop.territory_id, point_id=point_id,
            **{**padded, "kind": " " + "m" * 30 + " "},
        )  # fmt: skip
    with db.uow() as uow:
        point = uow.session.get_one(PickupPoint, point_id)
        assert (point.kind, point.name) == ("m" * 30, "Salle des fêtes")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": "H" * 121}, "name", "Le nom est trop long (120 caractères au plus)."),
        (
            {"address": "Z" * 201},
            "address",
            "L'adresse est trop longue (200 caractères au plus).",
        ),
        (
            {"city": "C" * 121},
            "city",
            "Le nom de la commune est trop long (120 caractères au plus).",
        ),
        ({"postal_code": "621300"}, "postal_code", "Le code postal doit comporter 5 chiffres."),
    ],
)
def test_a_depot_field_too_long_is_refused_in_french_and_nothing_is_written(
    db: Database, shop: Shop, change: dict[str, str], field: str, message: str
) -> None:
    """Before, the service cut the name, the address and the city short without a word (and
    kept six digits of a postal code as five)."""
    fleet = add_fleet(db, shop)
    before, kept = count(db, Depot), row(db, Depot, fleet.depot_id)
    wrong = replace(DEPOT, **change)

    added = refused(
        lambda uow: create_depot(uow=uow, territory_id=shop.territory_id, data=wrong, actor=SYSTEM),
        db,
    )
    changed = refused(
        lambda uow: update_depot(
            uow=uow,
            territory_id=shop.territory_id,
            depot_id=fleet.depot_id,
            data=wrong,
            actor=SYSTEM,
        ),  # fmt: skip
        db,
    )

    for error in (added, changed):
        assert (str(error), error.field) == (message, field)
    assert (count(db, Depot), row(db, Depot, fleet.depot_id)) == (before, kept)


def test_a_round_name_too_long_is_refused_not_cut(db: Database, shop: Shop) -> None:
    fleet = add_fleet(db, shop)
    data = RoundInput(
        name="R" * 121, depot_id=fleet.depot_id, weekdays=(1,), starts=dt.time(8),
        ends=dt.time(12), capacity=10,
    )  # fmt: skip
    before, kept = count(db, Round), row(db, Round, fleet.saint_pol)

    added = refused(
        lambda uow: create_round(uow=uow, territory_id=shop.territory_id, data=data, actor=SYSTEM),
        db,
    )
    changed = refused(
        lambda uow: update_round(
            uow=uow,
            territory_id=shop.territory_id,
            round_id=fleet.saint_pol,
            data=data,
            actor=SYSTEM,
        ),  # fmt: skip
        db,
    )

    for error in (added, changed):
        assert (str(error), error.field) == (
            "Le nom est trop long (120 caractères au plus).",
            "name",
        )
    assert (count(db, Round), row(db, Round, fleet.saint_pol)) == (before, kept)


def test_a_territorys_name_tagline_or_commune_too_long_is_refused(db: Database, shop: Shop) -> None:
    territories, kept = count(db, Territory), row(db, Territory, shop.territory_id)
    name = refused(lambda uow: create_territory(uow=uow, name="T" * 121), db)
    tagline = refused(lambda uow: create_territory(uow=uow, name="Ternois", tagline="s" * 201), db)
    branding = refused(
        lambda uow: set_branding(
            uow=uow,
            territory_id=shop.territory_id,
            name="Ternois",
            tagline="s" * 201,
            primary_color="#1d4e89",
            accent_color="#f2a541",
        ),  # fmt: skip
        db,
    )
    communes = count(db, Commune)
    commune = refused(
        lambda uow: add_commune(
            uow=uow,
            territory_id=shop.territory_id,
            insee_code="62001",
            postal_code="62130",
            name="c" * 121,
            lat=50.4,
            lon=2.3,
        ),  # fmt: skip
        db,
    )

    assert (str(name), name.field) == (
        "Le nom du territoire est trop long (120 caractères au plus).",
        "name",
    )
    for error in (tagline, branding):
        assert (str(error), error.field) == (
            "Le slogan est trop long (200 caractères au plus).",
            "tagline",
        )
    assert (str(commune), commune.field) == (
        "Le nom de la commune est trop long (120 caractères au plus).",
        "name",
    )
    assert count(db, Territory) == territories
    assert count(db, Commune) == communes
    assert row(db, Territory, shop.territory_id) == kept
