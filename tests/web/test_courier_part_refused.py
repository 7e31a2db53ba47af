"""At a door with several orders, the courier hands over what the shopper takes: each order
is ticked « Remis au client », the unticked ones are refused and go back to their shops."""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

import delivery.model  # noqa: F401  (delivery tables and migrations)
from delivery.model import Stop, StopKind, StopStatus
from reference_app import payments
from shop_core.database import Database
from shop_core.orders.model import MerchantOrder, MerchantOrderStatus, Order, PaymentMethod
from shop_core.payments.model import OfflinePayment, PaymentMeans, Receiver

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


def on_board(
    db: Database, world: World, client: FlaskClient, *baskets: dict[int, int]
) -> tuple[list[int], list[Stop]]:
    """Jeanne's orders (one per basket) collected by the courier, who is logged in; the
    orders and the stops at her door."""
    add_fleet(db, world)
    oids = [place_order(db, world, basket) for basket in baskets]
    for oid in oids:
        make_ready(db, oid)
    plan(db, world)
    login(client, world.courier_email)
    for pickup in [s for s in stops(db, world) if s.kind is StopKind.COLLECT]:
        assert client.post(f"/livreur/arrets/{pickup.id}/collecte").status_code == 302
    return oids, [s for s in stops(db, world) if s.kind is StopKind.DELIVER]


def door_of_two(db: Database, world: World, client: FlaskClient) -> tuple[int, Stop, int, int]:
    """Jeanne's bread and apples (one order, two shops, paid at the door) on board; the
    order, her door's stop, and the bread's and the apples' merchant order ids."""
    (oid,), drops = on_board(db, world, client, {world.bread_id: 1, world.apples_id: 1})
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


def due(db: Database, merchant_order_id: int) -> int:
    with db.uow() as uow:
        return uow.session.get_one(MerchantOrder, merchant_order_id).total_incl_cents


def euros(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d}\u00a0€"


def amounts(page: str) -> tuple[str, str]:
    """The amount of the card's « À encaisser » line and the payment's legend, each in the
    span courier-handover.js updates as the ticks change."""
    line = re.search(r"À encaisser : <span data-due-amount>([^<]+)</span>", page)
    legend = re.search(r"Paiement reçu \(<span data-due-amount>([^<]+)</span>\)", page)
    assert line and legend, "an amount does not follow the ticks"
    return line.group(1), legend.group(1)


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


def test_the_card_and_the_payment_say_one_amount_the_one_of_the_orders_ticked(
    client: FlaskClient, db: Database, world: World
) -> None:
    _, drop, bread, apples = door_of_two(db, world, client)
    whole = euros(due(db, bread) + due(db, apples))

    page = text(client.get(f"/livreur/{DAY}"))

    assert amounts(page) == (whole, whole)  # every order ticked, as the page opens

    # Sent with the bread alone ticked (a wrong code): it comes back ticked so, and says
    # the bread's amount even to a phone that runs no script.
    wrong = f"{(int(code_of(drop)) + 1) % 10000:04d}"
    refused = client.post(
        f"/livreur/arrets/{drop.id}/livraison",
        data={"code": wrong, "means": "cash", "proposee": [bread, apples], "remise": [bread]},
    )

    assert refused.status_code == 422
    assert amounts(text(refused)) == (euros(due(db, bread)), euros(due(db, bread)))
    assert whole not in text(refused)


def bread_and_apples(
    db: Database, world: World, client: FlaskClient, *, apples_online: bool
) -> tuple[Stop, int, int]:
    """Jeanne's bread (paid at the door) and, in a second order, her apples (paid online,
    or at the door too) on board; her door's stop, the bread's and the apples' merchant
    order ids."""
    (first, second), drops = on_board(db, world, client, {world.bread_id: 1}, {world.apples_id: 1})
    if apples_online:
        with db.uow() as uow:
            uow.session.get_one(Order, second).payment_method = PaymentMethod.ONLINE
            uow.commit()
    of = {s.merchant_order.order_id: s.merchant_order_id for s in drops}
    return drops[0], of[first], of[second]


def card_head(page: str, drop: Stop) -> str:
    """The head of the door's card, above its orders, where its money is said."""
    card = page[page.index(f'id="arret-{drop.id}"') :]
    return card[: card.index('class="visit-items"')]


def test_at_a_door_with_an_order_paid_online_only_the_other_is_to_take(
    client: FlaskClient, db: Database, world: World
) -> None:
    drop, bread, apples = bread_and_apples(db, world, client, apples_online=True)

    page = text(client.get(f"/livreur/{DAY}"))

    assert amounts(page) == (euros(due(db, bread)), euros(due(db, bread)))
    assert f'name="remise" value="{apples}" data-due="0" checked' in page

    # Jeanne refuses the bread and takes the apples: nothing to take at her door.
    done = client.post(
        f"/livreur/arrets/{drop.id}/livraison",
        data={"code": code_of(drop), "proposee": [bread, apples], "remise": [apples]},
    )
    assert done.status_code == 302
    money = card_head(text(client.get(f"/livreur/{DAY}")), drop)
    assert "Payée en ligne : rien à encaisser" in money and "À encaisser" not in money


@pytest.mark.parametrize("apples_online", [False, True])
def test_a_door_with_an_order_paid_already_asks_only_for_the_rest(
    client: FlaskClient, db: Database, world: World, apples_online: bool
) -> None:
    """The bread handed over and paid already, the apples still to hand over (set here by
    hand, as the page would show such a door): the card says both, and the payment asks
    for the apples only, not at all when they were paid online."""
    drop, bread, apples = bread_and_apples(db, world, client, apples_online=apples_online)
    paid = due(db, bread)
    with db.uow() as uow:
        handed = uow.session.scalar(
            select(Stop).where(Stop.merchant_order_id == bread, Stop.kind == StopKind.DELIVER)
        )
        assert handed is not None
        handed.status = StopStatus.DONE
        uow.session.add(
            OfflinePayment(
                merchant_order_id=bread, amount_cents=paid, means=PaymentMeans.CASH,
                receiver=Receiver.COURIER, received_by_id=world.courier_id,
            )
        )  # fmt: skip
        uow.commit()

    page = text(client.get(f"/livreur/{DAY}"))

    taken = f"Encaissé : {euros(paid)} (Espèces)"
    if apples_online:
        assert "À encaisser" not in card_head(page, drop) and taken in page
        assert "Paiement reçu" not in page
    else:
        rest = euros(due(db, apples))
        assert f"{taken} · <strong>À encaisser : {rest}</strong>" in page
        assert f"Paiement reçu ({rest})" in page


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
    assert f'id="code-{drop.id}-err"' not in page  # the code was right
    assert not re.search(r'name="remise" value="\d+" data-due="\d+" checked', page)  # as sent
    assert set(by_shop(db, world).values()) == {(S.HANDED_TO_COURIER, StopStatus.TODO)}


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("", "Demandez son code au client."),
        ("WRONG", "Code incorrect : demandez au client le code à 4 chiffres"),
    ],
)
def test_nothing_ticked_and_the_code_refused_are_said_at_once(
    client: FlaskClient, db: Database, world: World, typed: str, said: str
) -> None:
    _, drop, bread, apples = door_of_two(db, world, client)
    if typed == "WRONG":
        typed = f"{(int(code_of(drop)) + 1) % 10000:04d}"

    refused = client.post(
        f"/livreur/arrets/{drop.id}/livraison",
        data={"code": typed, "proposee": [bread, apples]},
    )

    assert refused.status_code == 422
    page = text(refused)
    assert re.search(rf'id="remis-{drop.id}-err" role="alert">{re.escape(NOTHING_TAKEN)}<', page)
    assert re.search(rf'id="code-{drop.id}-err" role="alert">{re.escape(said)}', page)
    # One field takes the focus: the ticks, above the code.
    (focused,) = re.findall(r"<input[^>]*\bautofocus\b[^>]*>", page)
    assert 'name="remise"' in focused
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
