"""The merchant is told when the courier should come to collect: on the dashboard, which
groups the orders by that time, and on the order page; « pas encore planifiée » before."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from delivery.collection_times import CollectionWindow, expected_collections
from delivery.model import Stop, StopKind
from reference_app.formatting import hour_text
from shop_core.database import Database
from shop_core.orders.model import DeliveryMethod
from shop_core.territories.model import Territory

from .backoffice import merchant_order_of, place_order
from .conftest import World, login
from .rounds_setup import NOW, TUESDAY, add_fleet, configure, make_ready, plan


@pytest.fixture(autouse=True)
def _delivery_app(app: Flask) -> None:
    configure(app)  # Monday: Tuesday's rounds get planned


def _text(html: str) -> str:
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def _window(app: Flask, db: Database, world: World, mo_id: int) -> tuple[str, str]:
    """The window the delivery layer expects for the baker's order, as the pages write it."""
    with db.uow() as uow:
        territory = uow.session.get_one(Territory, world.territory_id)
        found: dict[int, CollectionWindow] = expected_collections(
            uow.session, territory=territory, merchant_id=world.baker_id, today=NOW.date()
        )
    with app.test_request_context():
        return hour_text(found[mo_id].earliest), hour_text(found[mo_id].latest)


def test_before_the_day_is_planned_the_shop_reads_that_the_collection_is_not_planned_yet(
    client: FlaskClient, db: Database, world: World
) -> None:
    add_fleet(db, world)
    oid = place_order(db, world, {world.bread_id: 1})
    make_ready(db, oid)
    mo = merchant_order_of(db, oid, world.baker_id)
    login(client, world.baker_email)

    dashboard = _text(client.get("/boutique").get_data(as_text=True))
    detail = _text(client.get(f"/boutique/commandes/{mo.id}").get_data(as_text=True))

    assert "Livraison à domicile · Matin (9 h – 12 h) · collecte pas encore planifiée" in (
        dashboard
    )
    assert "Prête : le livreur passera la prendre (collecte pas encore planifiée)." in dashboard
    assert "Collecte Pas encore planifiée : l'heure de passage du livreur" in detail


def test_once_planned_the_shop_is_told_when_the_courier_should_come(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    add_fleet(db, world)
    ready = place_order(db, world, {world.bread_id: 1})
    make_ready(db, ready)
    to_accept = place_order(db, world, {world.cake_id: 1}, DeliveryMethod.PICKUP_POINT)
    plan(db, world)
    mo = merchant_order_of(db, ready, world.baker_id)
    start, end = _window(app, db, world, mo.id)
    login(client, world.baker_email)

    dashboard = _text(client.get("/boutique").get_data(as_text=True))
    detail = _text(client.get(f"/boutique/commandes/{mo.id}").get_data(as_text=True))

    # One group for the courier's visit: the home delivery and the pickup point's parcel.
    assert dashboard.count(f"Collecte par le livreur entre {start} et {end}") == 1
    group = dashboard.split(f"Collecte par le livreur entre {start} et {end}", 1)[1]
    other = merchant_order_of(db, to_accept, world.baker_id)
    assert mo.reference in group and other.reference in group
    assert f"Prête : le livreur devrait passer la prendre entre {start} et {end}." in dashboard
    assert "pas encore planifiée" not in dashboard
    assert f"Collecte Entre {start} et {end}, par le livreur" in detail
    assert "pas encore planifiée" not in detail.lower()


def test_an_order_the_shopper_collects_has_no_courier_collection(
    client: FlaskClient, db: Database, world: World
) -> None:
    add_fleet(db, world)
    oid = place_order(db, world, {world.bread_id: 1}, DeliveryMethod.CLICK_COLLECT)
    plan(db, world)
    mo = merchant_order_of(db, oid, world.baker_id)
    login(client, world.baker_email)

    dashboard = _text(client.get("/boutique").get_data(as_text=True))
    detail = _text(client.get(f"/boutique/commandes/{mo.id}").get_data(as_text=True))

    assert "Retrait à la boutique par le client" in dashboard
    assert "Collecte" not in dashboard and "Collecte" not in detail


def test_a_planned_day_links_its_packing_list_on_the_dashboard_and_the_order_page(
    client: FlaskClient, db: Database, world: World
) -> None:
    add_fleet(db, world)
    ready = place_order(db, world, {world.bread_id: 1})
    make_ready(db, ready)
    place_order(db, world, {world.cake_id: 1}, DeliveryMethod.PICKUP_POINT)
    login(client, world.baker_email)
    link = f'href="/boutique/preparation.pdf?date={TUESDAY.isoformat()}"'
    mo = merchant_order_of(db, ready, world.baker_id)
    # Before the plan the list would be empty: no link.
    assert link not in client.get("/boutique").get_data(as_text=True)
    assert link not in client.get(f"/boutique/commandes/{mo.id}").get_data(as_text=True)

    plan(db, world)
    dashboard = client.get("/boutique").get_data(as_text=True)
    detail = client.get(f"/boutique/commandes/{mo.id}").get_data(as_text=True)

    assert dashboard.count(link) == 1
    assert "Imprimer la liste de préparation" in _text(dashboard.split(link, 1)[1])[:60]
    assert link in detail
    assert client.get(f"/boutique/preparation.pdf?date={TUESDAY.isoformat()}").status_code == 200


def test_parcels_said_on_a_planned_day_reach_the_courier(
    client: FlaskClient, db: Database, world: World
) -> None:
    # The courier read « Colis collectés (1) » for a butcher's three bags.
    add_fleet(db, world)
    oid = place_order(db, world, {world.cake_id: 1})
    plan(db, world)
    mo = merchant_order_of(db, oid, world.baker_id)
    login(client, world.baker_email)
    client.post(f"/boutique/commandes/{mo.id}/accepter")

    client.post(f"/boutique/commandes/{mo.id}/pesee", data={"colis": "3", "action": "ready"})

    with db.uow() as uow:
        found = uow.session.scalars(select(Stop).where(Stop.merchant_order_id == mo.id)).all()
        assert {(s.kind, s.parcels) for s in found} == {
            (StopKind.COLLECT, 3),
            (StopKind.DELIVER, 3),
        }
