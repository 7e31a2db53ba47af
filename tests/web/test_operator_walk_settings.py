"""What the operator's settings say and refuse, found walking the admin: names that must
tell places apart, closing a pickup point that still has orders, deactivating a courier who
still drives rounds, taking the logo away."""

from __future__ import annotations

import html
import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from delivery.model import Depot, Round, RoundRun, StopStatus
from shop_core.accounts.model import User
from shop_core.database import Database
from shop_core.orders.model import DeliveryMethod
from shop_core.territories.model import PickupPoint, Territory

from .backoffice import place_order, png_bytes
from .conftest import World, login
from .rounds_setup import TUESDAY, add_fleet, configure, on_the_day, place_neighbour_order, plan

POINT = {
    "name": "Médiathèque de Frévent",
    "kind": "tiers_lieu",
    "address": "12 rue de la Gare",
    "postal_code": "62270",
    "city": "Frévent",
    "lat": "",
    "lon": "",
    "opening_notes": "Mardi et samedi, 10 h – 12 h",
}


@pytest.fixture(autouse=True)
def _delivery_app(app: Flask) -> None:
    configure(app)


def _text(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def _points_named(db: Database, world: World, name: str) -> int:
    with db.uow() as uow:
        return (
            uow.session.scalar(
                select(func.count(PickupPoint.id)).where(
                    PickupPoint.territory_id == world.territory_id, PickupPoint.name == name
                )
            )
            or 0
        )


def test_a_pickup_point_cannot_take_the_name_of_another_one(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.operator_email)
    assert client.post("/admin/points-retrait/nouveau", data=POINT).status_code == 302

    again = client.post(
        "/admin/points-retrait/nouveau", data={**POINT, "name": "mediatheque de FREVENT"}
    )
    page = _text(again)
    assert again.status_code == 422
    assert "Un autre point de retrait porte déjà ce nom" in page
    assert "Mardi et samedi, 10 h – 12 h" in page  # what was typed is still there
    assert _points_named(db, world, "mediatheque de FREVENT") == 0

    # Renaming the world's point to the new one's name is refused too; keeping its own name
    # while changing the rest is not.
    renamed = client.post(
        f"/admin/points-retrait/{world.pickup_point_id}",
        data={**POINT, "name": "Médiathèque de Frévent"},
    )
    assert renamed.status_code == 422
    assert "Un autre point de retrait porte déjà ce nom" in _text(renamed)
    kept = client.post(
        f"/admin/points-retrait/{world.pickup_point_id}",
        data={**POINT, "name": "Le Tiers-Lieu du Ternois", "opening_notes": "Le mardi"},
    )
    assert kept.status_code == 302
    assert _points_named(db, world, "Médiathèque de Frévent") == 1


def test_closing_a_pickup_point_says_the_orders_already_placed_for_it_still_go_there(
    client: FlaskClient, db: Database, world: World
) -> None:
    place_order(db, world, {world.bread_id: 1}, method=DeliveryMethod.PICKUP_POINT)
    login(client, world.operator_email)

    closed = client.post(
        f"/admin/points-retrait/{world.pickup_point_id}/etat",
        data={"active": "0"},
        follow_redirects=True,
    )
    page = _text(closed)
    assert "« Le Tiers-Lieu du Ternois » n'est plus proposé aux clients." in page
    assert "1 commande déjà passée pour ce point y reste" in page
    assert '<span class="tag">fermé</span>' in page

    # Reopened, then closed again once it has no order to hand over: no such sentence.
    client.post(f"/admin/points-retrait/{world.pickup_point_id}/etat", data={"active": "1"})
    client.post("/admin/points-retrait/nouveau", data=POINT)
    with db.uow() as uow:
        empty = uow.session.scalar(select(PickupPoint.id).where(PickupPoint.name == POINT["name"]))
    quiet = _text(
        client.post(
            f"/admin/points-retrait/{empty}/etat", data={"active": "0"}, follow_redirects=True
        )
    )
    assert "n'est plus proposé aux clients." in quiet
    assert "déjà passée" not in quiet and "déjà passées" not in quiet


def test_deactivating_a_courier_names_the_rounds_and_planned_days_still_theirs(
    client: FlaskClient, db: Database, world: World
) -> None:
    add_fleet(db, world)
    place_neighbour_order(db, world)
    plan(db, world, TUESDAY)
    with db.uow() as uow:
        assert uow.session.scalar(
            select(RoundRun.id).where(RoundRun.courier_id == world.courier_id)
        )
    login(client, world.operator_email)

    # A day planned ahead for him: asked first, naming it.
    asked = _text(client.post(f"/admin/livreurs/{world.courier_id}/etat", data={"active": "0"}))
    assert "Tournées déjà planifiées pour Marc Facteur :" in asked
    assert "« Saint-Pol matin » (mardi 24 novembre)" in asked
    assert "Aujourd'hui" not in asked
    page = _text(
        client.post(
            f"/admin/livreurs/{world.courier_id}/etat",
            data={"active": "0", "confirm": "1"},
            follow_redirects=True,
        )
    )
    assert "Le compte de Marc Facteur est désactivé : ses sessions sont fermées." in page
    assert "Tournées confiées à Marc Facteur : « Saint-Pol matin »." in page
    assert "Tournées déjà planifiées pour" in page
    assert "« Saint-Pol matin » (mardi 24 novembre)" in page
    assert "Frévent après-midi" not in page  # the other courier's round

    # Once that run is done, it is no longer named.
    client.post(f"/admin/livreurs/{world.courier_id}/etat", data={"active": "1"})
    with db.uow() as uow:
        run = uow.session.scalars(
            select(RoundRun).where(RoundRun.courier_id == world.courier_id)
        ).one()
        for stop in run.stops:
            stop.status = StopStatus.DONE
        uow.commit()
    done = _text(
        client.post(
            f"/admin/livreurs/{world.courier_id}/etat", data={"active": "0"}, follow_redirects=True
        )
    )
    assert "Tournées confiées à Marc Facteur" in done
    assert "Tournées déjà planifiées pour" not in done

    # Reactivated and deactivated once the round has another courier and no day planned
    # for him: only the deactivation is said.
    client.post(f"/admin/livreurs/{world.courier_id}/etat", data={"active": "1"})
    with db.uow() as uow:
        for run in uow.session.scalars(
            select(RoundRun).where(RoundRun.courier_id == world.courier_id)
        ):
            run.courier_id = None
        for round_ in uow.session.scalars(
            select(Round).where(Round.courier_id == world.courier_id)
        ):
            round_.courier_id = None
        uow.commit()
    quiet = _text(
        client.post(
            f"/admin/livreurs/{world.courier_id}/etat",
            data={"active": "0"},
            follow_redirects=True,
        )
    )
    assert "est désactivé" in quiet
    assert "Tournées confiées" not in quiet and "déjà planifiées" not in quiet


def _couriers_active(db: Database, *ids: int) -> list[bool]:
    with db.uow() as uow:
        return [uow.session.get_one(User, uid).active for uid in ids]


def test_deactivating_a_courier_on_todays_round_asks_to_confirm_naming_it(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    fleet = add_fleet(db, world)
    place_neighbour_order(db, world)
    plan(db, world, TUESDAY)
    on_the_day(app)
    login(client, world.operator_email)

    asked = client.post(f"/admin/livreurs/{world.courier_id}/etat", data={"active": "0"})
    assert asked.status_code == 200
    page = _text(asked)
    assert '<h1 id="desactiver">Désactiver le compte de Marc Facteur ?</h1>' in page
    assert "Aujourd'hui, Marc Facteur livre la tournée « Saint-Pol matin »." in page
    assert 'name="confirm" value="1"' in page
    assert "Garder le compte actif" in page
    assert _couriers_active(db, world.courier_id) == [True]  # nothing done yet

    done = client.post(
        f"/admin/livreurs/{world.courier_id}/etat",
        data={"active": "0", "confirm": "1"},
        follow_redirects=True,
    )
    assert "Le compte de Marc Facteur est désactivé" in _text(done)
    assert _couriers_active(db, world.courier_id) == [False]

    # A courier with nothing planned is deactivated at once.
    quiet = client.post(f"/admin/livreurs/{fleet.other_courier_id}/etat", data={"active": "0"})
    assert quiet.status_code == 302
    assert _couriers_active(db, fleet.other_courier_id) == [False]


def _round_form(depot_id: int, name: str) -> dict[str, object]:
    return {
        "name": name,
        "depot_id": str(depot_id),
        "courier_id": "0",
        "weekdays": ["1", "3"],
        "starts": "14:00",
        "ends": "18:00",
        "capacity": "15",
        "max_duration_min": "",
        "insee_codes": ["62767"],
        "active": "y",
    }


def test_two_rounds_or_two_depots_cannot_share_a_name(
    client: FlaskClient, db: Database, world: World
) -> None:
    fleet = add_fleet(db, world)
    login(client, world.operator_email)

    twin = client.post(
        "/admin/tournees/nouvelle", data=_round_form(fleet.depot_id, "saint-pol MATIN ")
    )
    assert twin.status_code == 422
    assert "Une autre tournée porte déjà ce nom." in _text(twin)
    renamed = client.post(
        f"/admin/tournees/{fleet.frevent}/modifier",
        data=_round_form(fleet.depot_id, "Saint-Pol matin"),
    )
    assert renamed.status_code == 422
    assert "Une autre tournée porte déjà ce nom." in _text(renamed)
    # A round saved under its own name is not a twin of itself.
    own = client.post(
        f"/admin/tournees/{fleet.saint_pol}/modifier",
        data=_round_form(fleet.depot_id, "Saint-Pol matin"),
    )
    assert own.status_code == 302

    depot = {"address": "Zone", "postal_code": "62130", "city": "Saint-Pol-sur-Ternoise"}
    same = client.post("/admin/depots/nouveau", data={**depot, "name": "Bureau de Poste"})
    assert same.status_code == 422
    assert "Un autre dépôt porte déjà ce nom." in _text(same)
    assert (
        client.post(
            f"/admin/depots/{fleet.depot_id}/modifier", data={**depot, "name": "Bureau de poste"}
        ).status_code
        == 302
    )
    with db.uow() as uow:
        assert uow.session.scalar(select(func.count(Round.id))) == 2
        assert uow.session.scalar(select(func.count(Depot.id))) == 1


def test_the_logo_can_be_taken_away_and_the_name_stands_alone(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.operator_email)
    form = {
        "name": "Ternois",
        "tagline": "Le marché du Ternois",
        "primary_color": "#1d4e89",
        "accent_color": "#f2a541",
    }
    assert "remove_logo" not in client.get("/admin/apparence").get_data(as_text=True)
    client.post(
        "/admin/apparence",
        data={**form, "logo": (io.BytesIO(png_bytes(300, 100)), "logo.png")},
        content_type="multipart/form-data",
    )
    with_logo = client.get("/admin/apparence").get_data(as_text=True)
    assert 'class="brand-logo"' in with_logo and 'name="remove_logo"' in with_logo

    removed = client.post("/admin/apparence", data={**form, "remove_logo": "y"})
    assert removed.status_code == 302
    with db.uow() as uow:
        assert uow.session.get_one(Territory, world.territory_id).logo_key is None
    assert 'class="brand-logo"' not in client.get("/admin/apparence").get_data(as_text=True)
