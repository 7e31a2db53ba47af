"""At a door with several orders, the courier hands over what the shopper takes: each order
is ticked « Remis au client », the unticked ones are refused and go back to their shops."""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

import delivery.model  # noqa: F401  (delivery tables and migrations)
from delivery.model import Stop, StopKind, StopStatus
from reference_app import payments
from shop_core.database import Database
from shop_core.orders.model import MerchantOrderStatus

from .backoffice import place_order
from .conftest import World, login
from .rounds_setup import TUESDAY, add_fleet, configure, make_ready, on_the_day, plan, stops

S = MerchantOrderStatus
DAY = f"?date={TUESDAY.isoformat()}"
NOTHING_TAKEN = (
    "Cochez au moins une commande remise au client. S'il refuse tout, touchez « Absent ou "
    "problème » puis « Colis refusé par le client »."
)
CHANGED = (
    "Les commandes de cet arrêt ont changé depuis l'affichage de la page : vérifiez-les et "
    "recommencez."
)


@pytest.fixture(autouse=True)
def _delivery_app(app: Flask) -> None:
    configure(app)
    on_the_day(app)


def text(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def door_of_two(db: Database, world: World, client: FlaskClient) -> tuple[int, Stop, int, int]:
    """Jeanne's bread and apples (one order, two shops) on board; the order, her door's
    stop, and the bread's and the apples' merchant order ids."""
    add_fleet(db, world)
    oid = place_order(db, world, {world.bread_id: 1, world.apples_id: 1})
    make_ready(db, oid)
    plan(db, world)
    login(client, world.courier_email)
    for pickup in [s for s in stops(db, world) if s.kind is StopKind.COLLECT]:
        assert client.post(f"/livreur/arrets/{pickup.id}/collecte").status_code == 302
    drops = [s for s in stops(db, world) if s.kind is StopKind.DELIVER]
    by_shop = {s.merchant_order.merchant_id: s.merchant_order_id for s in drops}
    return oid, drops[0], by_shop[world.baker_id], by_shop[world.farmer_id]


def by_shop(db: Database, world: World) -> dict[int, tuple[S, StopStatus]]:
    return {
        s.merchant_order.merchant_id: (s.merchant_order.status, s.status)
        for s in stops(db, world)
        if s.kind is StopKind.DELIVER
    }


def code_of(drop: Stop) -> str:
    return drop.merchant_order.order.delivery_code


def test_a_door_with_two_orders_offers_each_ticked_and_the_amount_follows_the_ticks(
    client: FlaskClient, db: Database, world: World
) -> None:
    _, drop, bread, apples = door_of_two(db, world, client)

    page = client.get(f"/livreur/{DAY}").get_data(as_text=True)

    ticks = re.findall(
        r'<input type="checkbox" name="remise" value="(\d+)" data-due="(\d+)"( checked)?', page
    )
    assert {int(mo) for mo, _, checked in ticks if checked} == {bread, apples}
    assert sorted(int(mo) for mo in re.findall(r'name="proposee" value="(\d+)"', page)) == sorted(
        (bread, apples)
    )
    assert "Remis au client" in page and "courier-handover.js" in page
    assert re.search(r"Paiement reçu \(<span data-due-amount>[^<]+</span>\)", page)


def test_the_shopper_takes_the_bread_and_the_apples_go_back_to_the_farm(
    app: Flask, client: FlaskClient, db: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    oid, drop, bread, apples = door_of_two(db, world, client)
    settled: list[int] = []
    monkeypatch.setattr(payments, "settle_order", settled.append)
    outbox = app.extensions["cabas_outbox"]
    outbox.clear()

    done = client.post(
        f"/livreur/arrets/{drop.id}/livraison",
        data={
            "code": code_of(drop),
            "means": "cash",
            "proposee": [bread, apples],
            "remise": [bread],
        },
        follow_redirects=True,
    )

    assert done.status_code == 200
    assert (
        "Livraison enregistrée, sauf 1 commande refusée par le client : son colis retourne à sa "
        "boutique." in text(done)
    )
    assert by_shop(db, world) == {
        world.baker_id: (S.DELIVERED, StopStatus.DONE),
        world.farmer_id: (S.RETURNED, StopStatus.FAILED),
    }
    assert settled == [oid]  # as after a refusal: what was paid online is refunded
    to_shopper = [m.subject for m in outbox if m.to == world.shopper_email]
    assert "Votre commande chez Ferme du Ternois retourne à la boutique" in to_shopper
    (farm,) = [m for m in outbox if m.to == world.farmer_email]
    assert "les colis reviennent à la boutique" in farm.subject
    assert not [m for m in outbox if m.to == world.baker_email and "reviennent" in m.subject]


def test_nothing_ticked_is_refused_by_the_ticks_and_nothing_is_recorded(
    client: FlaskClient, db: Database, world: World
) -> None:
    _, drop, bread, apples = door_of_two(db, world, client)

    refused = client.post(
        f"/livreur/arrets/{drop.id}/livraison",
        data={"code": code_of(drop), "means": "cash", "proposee": [bread, apples]},
    )

    assert refused.status_code == 422
    page = text(refused)
    assert re.search(rf'id="remis-{drop.id}-err" role="alert">{re.escape(NOTHING_TAKEN)}<', page)
    assert not re.search(r'name="remise" value="\d+" data-due="\d+" checked', page)  # as sent
    assert set(by_shop(db, world).values()) == {(S.HANDED_TO_COURIER, StopStatus.TODO)}


def test_a_wrong_code_brings_the_page_back_ticked_as_it_was_sent(
    client: FlaskClient, db: Database, world: World
) -> None:
    _, drop, bread, apples = door_of_two(db, world, client)
    wrong = f"{(int(code_of(drop)) + 1) % 10000:04d}"

    refused = client.post(
        f"/livreur/arrets/{drop.id}/livraison",
        data={"code": wrong, "means": "cash", "proposee": [bread, apples], "remise": [bread]},
    )

    assert refused.status_code == 422
    ticked = re.findall(r'name="remise" value="(\d+)" data-due="\d+" checked', text(refused))
    assert [int(mo) for mo in ticked] == [bread]
    assert set(by_shop(db, world).values()) == {(S.HANDED_TO_COURIER, StopStatus.TODO)}


@pytest.mark.parametrize(
    "crafted",
    [
        {"proposee": ["abc"], "remise": ["1"]},
        {"proposee": ["999999"], "remise": ["999999"]},
        {"proposee": ["BREAD", "999999"], "remise": ["BREAD"]},  # the apples neither
        {"proposee": ["BREAD", "APPLES"], "remise": ["BREAD", "999999"]},
    ],
)
def test_orders_not_of_this_door_are_refused_with_a_message(
    client: FlaskClient, db: Database, world: World, crafted: dict[str, list[str]]
) -> None:
    _, drop, bread, apples = door_of_two(db, world, client)
    ids = {"BREAD": str(bread), "APPLES": str(apples)}
    data = {key: [ids.get(v, v) for v in values] for key, values in crafted.items()}

    refused = client.post(
        f"/livreur/arrets/{drop.id}/livraison",
        data={"code": code_of(drop), "means": "cash", **data},
    )

    assert refused.status_code == 422
    assert CHANGED in text(refused)
    assert set(by_shop(db, world).values()) == {(S.HANDED_TO_COURIER, StopStatus.TODO)}


def test_a_tap_without_the_ticks_hands_the_whole_door_over(
    client: FlaskClient, db: Database, world: World
) -> None:
    # A page kept on the phone from before the ticks, or a tap it kept offline.
    _, drop, _, _ = door_of_two(db, world, client)

    done = client.post(
        f"/livreur/arrets/{drop.id}/livraison",
        data={"code": code_of(drop), "means": "cash", "recorded_at": "2026-11-24T10:00:00+01:00"},
        headers={"X-Cabas-Sent-Later": "1"},
    )

    assert done.status_code == 302
    assert set(by_shop(db, world).values()) == {(S.DELIVERED, StopStatus.DONE)}


def test_a_door_with_one_order_has_no_ticks(
    client: FlaskClient, db: Database, world: World
) -> None:
    add_fleet(db, world)
    oid = place_order(db, world, {world.bread_id: 1})
    make_ready(db, oid)
    plan(db, world)
    login(client, world.courier_email)

    page = client.get(f"/livreur/{DAY}").get_data(as_text=True)

    assert 'name="remise"' not in page and "data-due-amount" not in page
