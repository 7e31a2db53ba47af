"""The courier's pages follow the delivery layer's rules: a parcel refused at the door is
offered only its way back to the shop, and tomorrow's round is only to look at."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

import delivery.model  # noqa: F401  (delivery tables and migrations)
from delivery.model import StopKind, StopStatus
from shop_core.database import Database
from shop_core.orders.model import DeliveryMethod, MerchantOrderStatus
from shop_core.territories.model import PickupPointHours

from .backoffice import place_order
from .conftest import World, login
from .rounds_setup import (
    ON_THE_DAY,
    TUESDAY,
    add_fleet,
    configure,
    make_ready,
    on_the_day,
    plan,
    statuses,
    stops,
)
from .test_courier import planned_order

S = MerchantOrderStatus
DAY = f"?date={TUESDAY.isoformat()}"
REFUSED_GOES_BACK = (
    "Un colis refusé par le client ne se représente pas : il retourne à sa boutique."
)
NOT_YET = (
    "Cette tournée est prévue le mardi 24 novembre 2026 : les colis ne sont pas encore à bord. "
    "Vous pourrez enregistrer cet arrêt ce jour-là."
)


@pytest.fixture(autouse=True)
def _delivery_app(app: Flask) -> None:
    configure(app)  # Monday 23 November, the day before the round


def text(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def collected_on_the_day(app: Flask, client: FlaskClient, db: Database, world: World) -> int:
    """Jeanne's loaf on board on Tuesday morning; the id of the stop at her door."""
    planned_order(db, world)
    pickup, drop = stops(db, world)
    on_the_day(app)
    login(client, world.courier_email)
    assert client.post(f"/livreur/arrets/{pickup.id}/collecte").status_code == 302
    return drop.id


# --- a parcel refused at the door ---------------------------------------------------------


def test_the_failure_page_offers_where_the_parcel_may_go_after_each_reason(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    drop = collected_on_the_day(app, client, db, world)

    page = text(client.get(f"/livreur/arrets/{drop}/echec"))

    found = re.findall(
        r'<div class="then-choice" data-reasons="([^"]*)"( hidden)?>\s*'
        r'<label class="choice"><input[^>]*value="(\w+)"',
        page,
    )
    choices = {value: (reasons.split(), bool(hidden)) for reasons, hidden, value in found}
    everyone_else = ["-", "absent", "adresse", "acces", "autre"]
    assert choices == {
        "next_round": (everyone_else, False),
        "pickup_point": (everyone_else, False),
        "return_to_shop": (["refus"], True),  # shown once « refused » is chosen
    }
    assert "Colis refusé par le client" in page
    assert "courier-failure.js" in page


def test_a_parcel_refused_at_the_door_goes_back_to_its_shop_and_both_are_told(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    drop = collected_on_the_day(app, client, db, world)
    outbox = app.extensions["cabas_outbox"]
    outbox.clear()

    done = client.post(
        f"/livreur/arrets/{drop}/echec",
        data={"reason": "refus", "details": "N'en veut plus", "then": "return_to_shop"},
        follow_redirects=True,
    )

    assert done.status_code == 200
    assert "Refus noté : le colis retourne à sa boutique." in text(done)
    (mo_status,) = statuses(db, stops(db, world)[1].merchant_order.order_id)
    assert mo_status is S.RETURNED
    (shopper,) = [m for m in outbox if m.to == world.shopper_email]  # not « livraison impossible »
    assert shopper.subject == "Votre commande chez Boulangerie Lefebvre retourne à la boutique"
    assert "Motif : Colis refusé par le client : N'en veut plus" in shopper.body
    (baker,) = [m for m in outbox if m.to == world.baker_email]
    assert "les colis reviennent à la boutique" in baker.subject


def test_a_refused_parcel_sent_to_the_next_round_by_hand_is_refused(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    drop = collected_on_the_day(app, client, db, world)

    crafted = client.post(
        f"/livreur/arrets/{drop}/echec", data={"reason": "refus", "then": "next_round"}
    )

    assert crafted.status_code == 422
    page = text(crafted)
    assert f'<p class="error" id="then-err">{REFUSED_GOES_BACK}</p>' in page  # by its choices
    # The page now offers only the way back to the shop, ticked: one more tap records it
    # (a phone without the page's script sent « Le représenter », the first choice).
    assert re.search(r'data-reasons="refus "\s*>', page)
    (ticked,) = [i for i in re.findall(r'<input[^>]*name="then"[^>]*>', page) if "checked" in i]
    assert 'value="return_to_shop"' in ticked
    (mo_status,) = statuses(db, stops(db, world)[1].merchant_order.order_id)
    assert mo_status is S.HANDED_TO_COURIER
    assert stops(db, world)[1].status is StopStatus.TODO

    english = text(
        client.post(
            f"/livreur/arrets/{drop}/echec?lang=en", data={"reason": "refus", "then": "next_round"}
        )
    )
    assert "A parcel the customer refused is not presented again" in english


def test_nobody_refuses_at_a_pickup_point_so_the_page_does_not_offer_it(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    add_fleet(db, world)
    oid = place_order(db, world, {world.bread_id: 1}, DeliveryMethod.PICKUP_POINT)
    make_ready(db, oid)
    plan(db, world)
    pickup, drop = stops(db, world)
    on_the_day(app)
    login(client, world.courier_email)
    client.post(f"/livreur/arrets/{pickup.id}/collecte")

    page = text(client.get(f"/livreur/arrets/{drop.id}/echec"))
    assert "Personne à l'adresse" in page and "Colis refusé par le client" not in page

    crafted = client.post(
        f"/livreur/arrets/{drop.id}/echec", data={"reason": "refus", "then": "return_to_shop"}
    )
    assert crafted.status_code == 422
    assert "le client n'est pas là pour refuser le colis" in text(crafted)
    assert statuses(db, oid) == [S.HANDED_TO_COURIER]


def test_a_pickup_points_stop_shows_when_the_point_is_open_not_a_slot(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    """The town hall's stop read « Créneau : 8 h 30 – 12 h », a shopper's word for what
    are the point's hours; a stop taking parcels back there showed no hours at all."""
    add_fleet(db, world)
    with db.uow() as uow:
        for weekday in range(7):
            uow.session.add(
                PickupPointHours(
                    pickup_point_id=world.pickup_point_id, weekday=weekday,
                    opens=dt.time(8, 30), closes=dt.time(12),
                )
            )  # fmt: skip
        uow.commit()
    oid = place_order(db, world, {world.bread_id: 1}, DeliveryMethod.PICKUP_POINT)
    make_ready(db, oid)
    plan(db, world)
    drop = next(s for s in stops(db, world) if s.kind is StopKind.DELIVER)
    assert drop.window_end is not None  # planned within the point's hours
    on_the_day(app)
    login(client, world.courier_email)

    page = text(client.get("/livreur/"))
    assert "Point ouvert : 8\u00a0h\u00a030 – 12\u00a0h" in page
    assert "Créneau :" not in page
    english = text(client.get("/livreur/?lang=en"))
    assert "Point open:" in english


# --- tomorrow's round ---------------------------------------------------------------------


def test_tomorrows_round_is_shown_without_anything_to_tap(
    client: FlaskClient, db: Database, world: World
) -> None:
    planned_order(db, world)
    pickup, drop = stops(db, world)
    login(client, world.courier_email)

    page = text(client.get(f"/livreur/{DAY}"))

    assert "Boulangerie Lefebvre" in page and "Jeanne Martin" in page  # the stops, to read
    assert "Tournée à venir : vous pourrez enregistrer les collectes et les livraisons" in page
    # Nothing to record (correcting a place on the map stays possible ahead of the day).
    assert "/livreur/arrets/" not in re.sub(r"/livreur/arrets/\d+/position", "", page)
    assert "Colis collectés" not in page and "Absent ou problème" not in page
    today = text(client.get("/livreur/"))  # Monday: nothing of the kind
    assert "Tournée à venir" not in today


def test_a_tap_on_tomorrows_round_is_refused_with_a_word_not_recorded(
    client: FlaskClient, db: Database, world: World
) -> None:
    oid = planned_order(db, world)
    pickup, drop = stops(db, world)
    login(client, world.courier_email)

    for url in (
        f"/livreur/arrets/{pickup.id}/collecte",
        f"/livreur/arrets/{drop.id}/livraison",
        f"/livreur/arrets/{drop.id}/echec",
    ):
        tapped = client.post(url, data={"code": "1234", "reason": "absent", "then": "next_round"})
        assert tapped.status_code == 302, url
        assert tapped.headers["Location"].startswith(f"/livreur/{DAY}#arret-"), url
        assert NOT_YET in text(client.get(tapped.headers["Location"]))
    opened = client.get(f"/livreur/arrets/{drop.id}/echec")
    assert opened.status_code == 302 and NOT_YET in text(client.get(opened.headers["Location"]))
    kept = client.post(f"/livreur/arrets/{pickup.id}/collecte", headers={"X-Cabas-Sent-Later": "1"})
    assert kept.status_code == 409  # the phone lists it among the taps not recorded

    assert statuses(db, oid) == [S.READY]
    assert {s.status for s in stops(db, world)} == {StopStatus.TODO}

    client.get("/?lang=en")
    client.post(f"/livreur/arrets/{pickup.id}/collecte")
    english = text(client.get(f"/livreur/{DAY}"))
    assert (
        "This round is planned for Tuesday 24 November 2026: the parcels are not on board yet."
        in english
    )


def test_a_refusal_recorded_on_an_english_page_is_stored_in_french_for_the_emails(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    drop = collected_on_the_day(app, client, db, world)
    outbox = app.extensions["cabas_outbox"]
    outbox.clear()

    done = client.post(
        f"/livreur/arrets/{drop}/echec?lang=en",
        data={"reason": "refus", "details": "Wrong order", "then": "return_to_shop"},
        follow_redirects=True,
    )

    assert "Refusal recorded: the parcel goes back to its shop." in text(done)
    (shopper,) = [m for m in outbox if m.to == world.shopper_email]
    assert "Motif : Colis refusé par le client : Wrong order" in shopper.body
    assert "Parcel refused by the customer" not in shopper.body


# --- a delivery before its collection -----------------------------------------------------


def card(page: str, stop_id: int) -> str:
    """The stop's card on the courier's page."""
    start = page.index(f'id="arret-{stop_id}"')
    end = page.find('<li class="visit ', start)
    return page[start : end if end != -1 else page.index("</ol>", start)]


def test_a_delivery_whose_parcels_are_at_the_shop_says_where_to_collect_them_first(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    # The code and the payment were asked at the door, and refused only after the tap
    # (delivery.stops refuses a delivery whose parcels were not collected).
    planned_order(db, world)
    pickup, drop = stops(db, world)
    on_the_day(app)
    login(client, world.courier_email)

    door = card(text(client.get(f"/livreur/{DAY}")), drop.id)

    assert "Colis pas encore à bord." in door
    assert "À collecter d'abord : Boulangerie Lefebvre, arrêt 1." in door
    # Its form waits, hidden, for the collection: tapped without network, the phone shows
    # it (courier-offline.js).
    assert f'<div class="visit-handover" data-waits-for="{pickup.id}" hidden>' in door
    assert f'data-waiting-note data-waits-for="{pickup.id}"' in door

    assert client.post(f"/livreur/arrets/{pickup.id}/collecte").status_code == 302
    door = card(text(client.get(f"/livreur/{DAY}")), drop.id)
    assert "Colis pas encore à bord." not in door and "data-waits-for" not in door
    assert '<div class="visit-handover">' in door and "Code donné par le client" in door


def test_a_parcel_back_at_the_depot_after_a_failure_is_offered_without_a_collection(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    # Nobody home on Tuesday: the loaf goes with Wednesday's round, loaded at the depot.
    drop = collected_on_the_day(app, client, db, world)
    failed = client.post(
        f"/livreur/arrets/{drop}/echec", data={"reason": "absent", "then": "next_round"}
    )
    assert failed.status_code == 302
    wednesday = TUESDAY + dt.timedelta(days=1)
    plan(db, world, wednesday)
    app.config["FIXED_NOW"] = ON_THE_DAY + dt.timedelta(days=1)
    again = [s for s in stops(db, world) if s.kind is StopKind.DELIVER][-1]  # Wednesday's
    assert again.id != drop and again.is_open

    door = card(text(client.get(f"/livreur/?date={wednesday.isoformat()}")), again.id)

    assert "Colis pas encore à bord." not in door
    assert '<div class="visit-handover">' in door and "Code donné par le client" in door
