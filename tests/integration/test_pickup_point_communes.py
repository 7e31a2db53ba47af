"""A pickup point stands in a commune its territory serves, whoever creates or moves it."""

from __future__ import annotations

import pytest

from shop_core.database import Database
from shop_core.errors import ValidationError
from shop_core.territories.admin import update_pickup_point
from shop_core.territories.model import PickupPoint
from shop_core.territories.services import add_pickup_point, remove_commune
from shop_core.testing.factories import make_territory

LILLE = {"address": "1 rue Nationale", "postal_code": "59000", "city": "Lille"}
SAINT_POL = {
    "address": "Place de l'Hôtel de Ville",
    "postal_code": "62130",
    "city": "Saint-Pol-sur-Ternoise",
    "insee_code": "62767",
}


def _points(db: Database, territory: int) -> list[tuple[str, str]]:
    with db.uow() as uow:
        points = uow.session.query(PickupPoint).filter_by(territory_id=territory)
        return sorted((p.name, p.city) for p in points)


def test_a_point_outside_the_territorys_communes_is_refused_and_one_inside_is_created(
    db: Database,
) -> None:
    with db.uow() as uow:
        territory = make_territory(uow)  # serves Saint-Pol-sur-Ternoise and Frévent
    with db.uow() as uow, pytest.raises(ValidationError) as refused:
        add_pickup_point(
            uow=uow, territory_id=territory, name="Épicerie Lille", insee_code="59350", **LILLE
        )
    assert (refused.value.code, refused.value.field) == ("commune_not_served", "city")
    assert refused.value.params["city"] == "Lille"
    assert str(refused.value) == (
        "Lille n'est pas une commune desservie par le territoire : ajoutez-la d'abord aux "
        "communes desservies, ou choisissez un point dans l'une d'elles."
    )
    assert _points(db, territory) == []
    with db.uow() as uow:
        add_pickup_point(uow=uow, territory_id=territory, name="Mairie", **SAINT_POL)
        # Without an INSEE code, the postal code and the name find the served commune.
        add_pickup_point(
            uow=uow, territory_id=territory, name="Tiers-lieu", address="2 rue de Doullens",
            postal_code="62270", city="frevent",
        )  # fmt: skip
    assert _points(db, territory) == [
        ("Mairie", "Saint-Pol-sur-Ternoise"),
        ("Tiers-lieu", "frevent"),
    ]


def test_a_point_moved_out_of_the_territory_is_refused_one_keeping_its_commune_is_changed(
    db: Database,
) -> None:
    with db.uow() as uow:
        territory = make_territory(uow)
        point = add_pickup_point(uow=uow, territory_id=territory, name="Mairie", **SAINT_POL)
    with db.uow() as uow, pytest.raises(ValidationError, match="Lille n'est pas une commune"):
        update_pickup_point(uow=uow, territory_id=territory, point_id=point, name="Mairie", **LILLE)
    assert _points(db, territory) == [("Mairie", "Saint-Pol-sur-Ternoise")]
    # Saint-Pol is no longer served: its point may still change name or hours, in place.
    with db.uow() as uow:
        remove_commune(uow=uow, territory_id=territory, insee_code="62767")
        update_pickup_point(
            uow=uow, territory_id=territory, point_id=point, name="Mairie annexe", **SAINT_POL
        )
    assert _points(db, territory) == [("Mairie annexe", "Saint-Pol-sur-Ternoise")]
