"""The courier's round on a phone: own stops only, collect, deliver with the code, failures."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

import delivery.model  # noqa: F401  (delivery tables and migrations)
from delivery.model import RoundRun, StopKind, StopStatus
from shop_core.database import Database
from shop_core.orders.model import DeliveryMethod, MerchantOrder, MerchantOrderStatus, Order
from shop_core.territories.services import add_pickup_point

from .backoffice import merchant_order_of, place_order
from .conftest import World, login, shows_code
from .rounds_setup import (
    ON_THE_DAY,
    OTHER_COURIER_EMAIL,
    TUESDAY,
    add_fleet,
    configure,
    make_ready,
    on_the_day,
    order_of,
    place_neighbour_order,
    plan,
    statuses,
    stops,
)

S = MerchantOrderStatus
DAY = f"?date={TUESDAY.isoformat()}"


@pytest.fixture(autouse=True)
def _delivery_app(app: Flask) -> None:
    configure(app)
    on_the_day(app)  # Tuesday: the orders were placed and the day planned on Monday


def planned_order(db: Database, world: World, *, ready: bool = True) -> int:
    """Jeanne's loaf for Tuesday morning, at home, and Tuesday planned; the order's id."""
    add_fleet(db, world)
    oid = place_order(db, world, {world.bread_id: 1})
    if ready:
        make_ready(db, oid)
    plan(db, world)
    return oid


def test_the_courier_sees_their_stops_in_order_with_what_to_do(
    client: FlaskClient, db: Database, world: World
) -> None:
    oid = planned_order(db, world)
    with db.uow() as uow:
        # A code no coordinate or token can contain by chance (a random 4-digit code
        # once matched the decimals of a longitude on the page).
        uow.session.get_one(Order, oid).delivery_code = "QZXWVY"
        uow.commit()
    login(client, world.courier_email)

    page = client.get(f"/livreur/{DAY}")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.index("Boulangerie Lefebvre") < html.index("Jeanne Martin")  # collect first
    assert "Colis collectés (1)" in html
    assert 'href="tel:0601020304"' in html
    assert 'href="geo:' in html
    assert "3 rue des Tilleuls" in html and "position approximative" in html
    assert "Créneau : 9\u00a0h – 12\u00a0h" in html  # as the French write hours
    assert re.search(r">\d+(,\d)?\u00a0km\s", html)  # the unit never wraps alone on a phone
    assert "Code donné par le client" in html
    assert not shows_code(html.replace(TUESDAY.isoformat(), ""), order_of(db, oid).delivery_code)
    owed = order_of(db, oid).total_incl_cents  # paid on delivery: the courier takes it
    assert f"À encaisser : {owed // 100},{owed % 100:02d}\u00a0€" in html
    assert 'class="round-map"' in html and "data-map=" in html
    # The map writes « 1. » before each label: the label had its own, « 1. 1. 9 h 23 … ».
    (data,) = re.findall(r"data-map='([^']*)'", html)
    maps = json.loads(unescape(data))
    labels = [
        stop["label"]
        for run in (maps if isinstance(maps, list) else [maps])
        for stop in run["stops"]
    ]
    assert labels and not any(re.match(r"\d+\.", label) for label in labels)


def test_the_way_to_a_stop_opens_a_map_on_an_iphone_too(
    client: FlaskClient, db: Database, world: World
) -> None:
    """Android opens ``geo:`` links in the courier's navigation app; Safari on an iPhone
    cannot, so an iPhone gets Apple's map link to the same place."""
    planned_order(db, world)
    iphone = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
    )
    android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131 Mobile"
    pages = {}
    ipad = (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/18.1 Safari/605.1.15"
    )
    for phone, agent in (("iphone", iphone), ("ipad", ipad), ("android", android)):
        # The session is tied to the browser it was opened in: log in on each phone.
        client.environ_base["HTTP_USER_AGENT"] = agent
        login(client, world.courier_email)
        pages[phone] = client.get(f"/livreur/{DAY}").text

    apple = re.findall(r'href="(https://maps\.apple\.com/\?daddr=[^"]+)"', pages["iphone"])
    geo = re.findall(r'href="(geo:[^"]+)"', pages["android"])
    assert len(apple) == len(geo) == 2  # the bakery, then Jeanne's door
    assert 'href="geo:' not in pages["iphone"]
    assert re.findall(r'href="(https://maps\.apple\.com/\?daddr=[^"]+)"', pages["ipad"]) == apple
    assert "maps.apple.com" not in pages["android"]
    # The same places, in the same order.
    assert [a.split("daddr=")[1] for a in apple] == [
        g.removeprefix("geo:").split("?")[0] for g in geo
    ]


def test_the_courier_page_writes_times_in_the_readers_language(
    client: FlaskClient, db: Database, world: World
) -> None:
    planned_order(db, world)
    login(client, world.courier_email)
    french = client.get(f"/livreur/{DAY}").get_data(as_text=True)
    english = client.get(f"/livreur/{DAY}&lang=en").get_data(as_text=True)
    assert "Créneau : 9\u00a0h – 12\u00a0h" in french
    assert "Time slot: 9:00\u202fAM – 12:00\u202fPM" in english
    assert re.search(r'class="visit-time">\d{1,2}\u00a0h\u00a0\d\d<', french)
    assert re.search(r'class="visit-time">\d{1,2}:\d\d\u202f[AP]M<', english)
    assert "<strong>1 parcel</strong>" in english and "<strong>1 colis</strong>" in french


def test_the_shopper_sees_when_the_courier_should_come_until_it_is_delivered(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    add_fleet(db, world)
    oid = place_order(db, world, {world.bread_id: 1})
    make_ready(db, oid)
    reference = order_of(db, oid).reference
    login(client, world.shopper_email)
    assert "Le livreur devrait passer" not in client.get(f"/mes-commandes/{reference}").text

    plan(db, world)
    html = client.get(f"/mes-commandes/{reference}").get_data(as_text=True)

    hour = r"(\d+)\u00a0h(?:\u00a0(\d+))?"  # "9 h", "10 h 15", as the French write them
    found = re.search(rf"Le livreur devrait passer entre {hour} et {hour}\.", html)
    assert found, html
    earliest = dt.time(int(found[1]), int(found[2] or 0))
    latest = dt.time(int(found[3]), int(found[4] or 0))
    drop = next(s for s in stops(db, world) if s.kind is StopKind.DELIVER)
    planned_at = drop.expected_start.astimezone(dt.timezone(dt.timedelta(hours=1))).time()
    assert dt.time(9) <= earliest <= planned_at <= latest <= dt.time(12)  # the morning slot
    assert earliest.minute % 15 == 0 and latest.minute % 15 == 0
    span = dt.datetime.combine(TUESDAY, latest) - dt.datetime.combine(TUESDAY, earliest)
    assert span <= dt.timedelta(hours=1)

    pickup, _ = stops(db, world)
    client.post("/logout")
    login(client, world.courier_email)
    client.post(f"/livreur/arrets/{pickup.id}/collecte")
    on_the_way = [m for m in app.extensions["cabas_outbox"] if "en cours de livraison" in m.subject]
    window = found[0].removeprefix("Le livreur devrait passer ").removesuffix(".")
    assert f"Le livreur devrait passer mardi 24 novembre {window}, au " in on_the_way[-1].body
    client.post(
        f"/livreur/arrets/{drop.id}/livraison",
        data={"code": order_of(db, oid).delivery_code, "means": "cash"},
    )
    assert statuses(db, oid) == [S.DELIVERED]
    client.post("/logout")
    login(client, world.shopper_email)
    after = client.get(f"/mes-commandes/{reference}")
    assert after.status_code == 200 and reference in after.text
    assert "Le livreur devrait passer" not in after.text


def test_the_shops_parcels_handed_over_at_one_door_are_told_one_window(
    client: FlaskClient, db: Database, world: World
) -> None:
    add_fleet(db, world)
    oid = place_order(db, world, {world.bread_id: 1, world.apples_id: 1})
    make_ready(db, oid)
    plan(db, world)
    first, second = (s for s in stops(db, world) if s.kind is StopKind.DELIVER)
    assert (first.run_id, second.sequence) == (second.run_id, first.sequence + 1)  # one visit
    with db.uow() as uow:  # the baker's parcel handed over at length, then the farm's
        uow.session.get_one(type(second), second.id).expected_start = (
            first.expected_start + dt.timedelta(minutes=40)
        )
        uow.commit()
    login(client, world.shopper_email)

    html = client.get(f"/mes-commandes/{order_of(db, oid).reference}").get_data(as_text=True)

    # Once, for the whole order, at the time the courier rings (the visit's first stop).
    assert html.count("Le livreur devrait passer") == 1, html
    planned_at = first.expected_start.astimezone(dt.timezone(dt.timedelta(hours=1)))
    hour = r"(\d+)\u00a0h(?:\u00a0(\d+))?"
    found = re.search(rf"Le livreur devrait passer entre {hour} et {hour}\.", html)
    assert found
    latest = dt.time(int(found[3]), int(found[4] or 0))
    assert latest <= (planned_at + dt.timedelta(minutes=45)).time()


NOT_ON_YOUR_ROUNDS = "Cet arrêt ne fait plus partie de vos tournées"


def test_another_courier_sees_nothing_of_it_and_cannot_act_on_its_stops(
    client: FlaskClient, db: Database, world: World
) -> None:
    planned_order(db, world)
    pickup, drop = stops(db, world)
    login(client, OTHER_COURIER_EMAIL)

    assert "Aucun arrêt" not in client.get(f"/livreur/{DAY}").get_data(as_text=True)
    assert "Jeanne Martin" not in client.get(f"/livreur/{DAY}").get_data(as_text=True)
    # As for a stop the operator moved away: their own page again, with a word of why.
    for tapped in (
        client.post(f"/livreur/arrets/{pickup.id}/collecte"),
        client.post(f"/livreur/arrets/{drop.id}/livraison", data={"code": "1234"}),
        client.get(f"/livreur/arrets/{drop.id}/echec"),
    ):
        assert tapped.status_code == 302 and tapped.headers["Location"] == "/livreur/"
    assert NOT_ON_YOUR_ROUNDS in client.get("/livreur/").get_data(as_text=True)
    assert client.get(f"/livreur/arrets/{drop.id}/position").status_code == 404
    assert client.get(f"/livreur/tournees/{pickup.run_id}/feuille.pdf").status_code == 404
    assert statuses(db, drop.merchant_order.order_id) == [S.READY]


def test_courier_pages_are_for_couriers_only(
    client: FlaskClient, db: Database, world: World
) -> None:
    assert client.get("/livreur/").status_code == 302  # to the login page
    login(client, world.shopper_email)
    assert client.get("/livreur/").status_code == 403


def test_collect_then_deliver_refuses_a_wrong_code_and_keeps_it_typed(
    client: FlaskClient, db: Database, world: World
) -> None:
    oid = planned_order(db, world)
    pickup, drop = stops(db, world)
    login(client, world.courier_email)

    collected = client.post(f"/livreur/arrets/{pickup.id}/collecte")
    assert collected.status_code == 302
    assert collected.headers["Location"].endswith(f"#arret-{pickup.id}")
    assert statuses(db, oid) == [S.HANDED_TO_COURIER]

    code = order_of(db, oid).delivery_code
    wrong = f"{(int(code) + 1) % 10000:04d}"
    refused = client.post(f"/livreur/arrets/{drop.id}/livraison", data={"code": wrong})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Code incorrect : demandez au client le code à 4 chiffres" in html
    assert f'value="{wrong}"' in html
    assert statuses(db, oid) == [S.HANDED_TO_COURIER]

    blank = client.post(f"/livreur/arrets/{drop.id}/livraison", data={"code": ""})
    assert blank.status_code == 422  # asked for, not called wrong
    assert "Demandez son code au client." in blank.get_data(as_text=True)
    assert "Code incorrect" not in blank.get_data(as_text=True)
    done = client.post(f"/livreur/arrets/{drop.id}/livraison", data={"code": code, "means": "cash"})
    assert done.status_code == 302
    assert statuses(db, oid) == [S.DELIVERED]
    assert [s.status for s in stops(db, world)] == [StopStatus.DONE, StopStatus.DONE]


def test_the_courier_records_how_the_shopper_paid_and_the_operator_receives_it(
    client: FlaskClient, db: Database, world: World
) -> None:
    oid = planned_order(db, world)
    pickup, drop = stops(db, world)
    owed = order_of(db, oid).total_incl_cents
    euros = f"{owed // 100},{owed % 100:02d}\u00a0€"
    login(client, world.courier_email)
    client.post(f"/livreur/arrets/{pickup.id}/collecte")
    code = order_of(db, oid).delivery_code
    page = client.get(f"/livreur/{DAY}").get_data(as_text=True)
    assert f"Paiement reçu ({euros})" in page
    assert 'name="means" value="cash"' in page and 'name="means" value="cheque"' in page

    forgot = client.post(f"/livreur/arrets/{drop.id}/livraison", data={"code": code})

    assert forgot.status_code == 422
    html = forgot.get_data(as_text=True)
    assert "Indiquez comment le client a payé : espèces ou chèque." in html
    assert f'value="{code}"' in html  # the code typed stays
    assert statuses(db, oid) == [S.HANDED_TO_COURIER]

    done = client.post(
        f"/livreur/arrets/{drop.id}/livraison", data={"code": code, "means": "cheque"}
    )
    assert done.status_code == 302
    assert statuses(db, oid) == [S.DELIVERED]
    after = client.get(f"/livreur/{DAY}").get_data(as_text=True)
    assert f"Encaissé : {euros} (Chèque)" in after
    assert f"Encaissé sur cette tournée : {euros}" in after
    assert f"À remettre à l&#39;animation : {euros}" in after or (
        f"À remettre à l'animation : {euros}" in after
    )

    client.post("/logout")
    login(client, world.operator_email)
    board = client.get(f"/admin/tournees{DAY}").get_data(as_text=True)
    assert f"Encaissé aux portes : {euros}" in board
    assert f"J'ai reçu {euros} du livreur" in board
    received = client.post(
        f"/admin/tournees/passages/{drop.run_id}/argent-remis",
        data={"date": TUESDAY.isoformat()},
        follow_redirects=True,
    )
    html = received.get_data(as_text=True)
    assert f"{euros} reçus du livreur." in html
    assert "J'ai reçu" not in html and "remis à" in html
    with db.uow() as uow:
        part = uow.session.get_one(MerchantOrder, drop.merchant_order_id)
        due, mo_merchant = owed - part.commission_cents, part.merchant_id
    statement = client.get("/admin/paiements").get_data(as_text=True)
    assert "Paiements à la livraison et au retrait · novembre 2026" in statement
    assert "Boulangerie Lefebvre" in statement
    balance = f'{due // 100},{due % 100:02d}\u00a0€</strong><br><span class="small">'
    assert f"{balance}à verser à la boutique" in statement
    october = client.get("/admin/paiements?mois=2026-10").get_data(as_text=True)
    assert "Aucune commande payée en espèces ou par chèque ce mois-ci." in october
    paid_out = f"{due // 100},{due % 100:02d}\u00a0€"
    assert f"J&#39;ai versé {paid_out}" in statement or f"J'ai versé {paid_out}" in statement
    settled = client.post(
        "/admin/paiements/reglements",
        data={"merchant_id": mo_merchant, "mois": "2026-11"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert f"Règlement enregistré : {paid_out} versés à la boutique." in settled
    assert f"réglé {paid_out} le 24 novembre" in settled

    client.post("/logout")
    login(client, world.baker_email)
    detail = client.get(f"/boutique/commandes/{drop.merchant_order_id}").get_data(as_text=True)
    assert f"Payée {euros} en chèque le " in detail
    assert "remis par le livreur à la plateforme le " in detail
    mine = client.get("/boutique/paiements").get_data(as_text=True)
    settled_tag = '</strong><br><span class="small tag tag-on">'
    assert f"{paid_out}{settled_tag}réglé {paid_out} le 24 novembre" in mine
    assert "que la plateforme vous doit" not in mine  # settled: nothing owed any more

    client.post("/logout")
    login(client, world.shopper_email)
    shopper_page = client.get(f"/mes-commandes/{order_of(db, oid).reference}").get_data(
        as_text=True
    )
    assert "Payée à la livraison, au livreur" in shopper_page


def test_the_board_says_what_is_still_to_take_at_the_doors_beside_what_was_taken(
    client: FlaskClient, db: Database, world: World
) -> None:
    """Jeanne and Paul, her neighbour, each pay their loaf at the door: the board's run
    says the whole at first, the rest once Jeanne has paid, nothing once both have."""
    add_fleet(db, world)
    jeanne = place_order(db, world, {world.bread_id: 1})
    paul = place_neighbour_order(db, world)
    for oid in (jeanne, paul):
        make_ready(db, oid)
    plan(db, world)
    owed = {oid: order_of(db, oid).total_incl_cents for oid in (jeanne, paul)}
    drop_of = {s.merchant_order.order_id: s for s in stops(db, world) if s.kind is StopKind.DELIVER}

    def board() -> str:
        client.post("/logout")
        login(client, world.operator_email)
        return client.get(f"/admin/tournees{DAY}").get_data(as_text=True)

    def hand_over(oid: int) -> None:
        client.post("/logout")
        login(client, world.courier_email)
        data = {"code": order_of(db, oid).delivery_code, "means": "cash"}
        done = client.post(f"/livreur/arrets/{drop_of[oid].id}/livraison", data=data)
        assert done.status_code == 302

    def money(cents: int) -> str:
        return f"{cents // 100},{cents % 100:02d}\u00a0€"

    before = board()
    assert f"· {money(owed[jeanne] + owed[paul])} à encaisser aux portes" in before
    assert "Encaissé aux portes" not in before

    client.post("/logout")
    login(client, world.courier_email)
    for pickup in [s for s in stops(db, world) if s.kind is StopKind.COLLECT]:
        assert client.post(f"/livreur/arrets/{pickup.id}/collecte").status_code == 302
    hand_over(jeanne)
    part = board()
    assert f"· encore {money(owed[paul])} à encaisser aux portes" in part
    assert f"Encaissé aux portes : {money(owed[jeanne])}" in part

    hand_over(paul)
    after = board()
    assert "à encaisser aux portes" not in after
    assert f"Encaissé aux portes : {money(owed[jeanne] + owed[paul])}" in after


def test_a_tap_sent_later_keeps_the_time_it_was_made_within_two_days(
    client: FlaskClient, db: Database, world: World
) -> None:
    planned_order(db, world)
    pickup, _ = stops(db, world)
    login(client, world.courier_email)
    two_hours_ago = (ON_THE_DAY - dt.timedelta(hours=2)).isoformat()

    client.post(f"/livreur/arrets/{pickup.id}/collecte", data={"recorded_at": two_hours_ago})

    (collected, _) = stops(db, world)
    assert collected.done_at == ON_THE_DAY - dt.timedelta(hours=2)


@pytest.mark.parametrize(
    "sent",
    ["2026-11-30T10:00:00+00:00", "2026-11-01T10:00:00+00:00", "hier", "2026-11-23T06:00:00"],
)
def test_a_tap_time_from_the_future_too_old_or_unreadable_counts_as_now_or_two_days_back(
    client: FlaskClient, db: Database, world: World, sent: str
) -> None:
    planned_order(db, world)
    pickup, _ = stops(db, world)
    login(client, world.courier_email)

    client.post(f"/livreur/arrets/{pickup.id}/collecte", data={"recorded_at": sent})

    (collected, _) = stops(db, world)
    expected = ON_THE_DAY - dt.timedelta(hours=48) if sent.startswith("2026-11-01") else ON_THE_DAY
    assert collected.done_at == expected


def test_the_service_worker_is_served_for_the_courier_pages(client: FlaskClient) -> None:
    response = client.get("/livreur/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert 'importScripts("/static/js/courier-outbox.js")' in response.get_data(as_text=True)
    assert client.get("/static/js/courier-outbox.js").status_code == 200


def test_a_parcel_not_ready_cannot_be_collected(
    client: FlaskClient, db: Database, world: World
) -> None:
    oid = planned_order(db, world, ready=False)
    pickup, _ = stops(db, world)
    login(client, world.courier_email)

    page = client.get(f"/livreur/{DAY}").get_data(as_text=True)
    assert "pas encore prête" in page  # told before getting there
    assert "partir sans les autres" not in page

    response = client.post(f"/livreur/arrets/{pickup.id}/collecte")

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "attendez qu&#39;elle soit marquée prête, ou partez sans elle." in html
    assert 'name="sans_les_commandes_pas_pretes" value="1"' in html
    assert "Partir sans les colis qui ne sont pas prêts" in html  # none is ready here
    assert statuses(db, oid) == [S.PLACED]
    assert [s.status for s in stops(db, world)] == [StopStatus.TODO, StopStatus.TODO]
    english = client.post(f"/livreur/arrets/{pickup.id}/collecte?lang=en").get_data(as_text=True)
    assert "is not ready yet at “Boulangerie Lefebvre”: wait until it is marked ready" in english


def test_the_courier_can_leave_a_parcel_not_ready_at_the_shop(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    oid = planned_order(db, world, ready=False)
    pickup, _ = stops(db, world)
    login(client, world.courier_email)

    response = client.post(
        f"/livreur/arrets/{pickup.id}/collecte",
        data={"sans_les_commandes_pas_pretes": "1"},
        follow_redirects=True,
    )

    html = response.get_data(as_text=True)
    assert "Aucun colis pris. 1 commande laissée à la boutique" in html
    assert statuses(db, oid) == [S.PLACED]  # still the shop's to prepare, still due
    assert [(s.status, s.reason) for s in stops(db, world)] == [
        (StopStatus.FAILED, "Pas prête au passage du livreur"),
        (StopStatus.FAILED, "Pas prête au passage du livreur"),
    ]
    assert "Livré" not in html.split('id="arret-')[-1]  # no button left on the delivery
    reference = next(s.merchant_order.reference for s in stops(db, world))
    told = [m for m in app.extensions["cabas_outbox"] if "le livreur est passé" in m.subject]
    assert world.baker_email in {m.to for m in told}  # the shop hears of it
    assert told[0].subject == f"Commande {reference} : le livreur est passé, elle n'était pas prête"
    assert "marquez-la « prête » dans votre espace commerçant" in told[0].body

    # Once the shop has it ready, the operator puts it back on a round.
    make_ready(db, oid)
    client.post("/logout")
    login(client, world.operator_email)
    board = client.get(f"/admin/tournees{DAY}").get_data(as_text=True)
    assert "Ajouter la commande au plan sans tout changer" in board
    assert "Pas prête au passage du livreur" in board
    client.post("/admin/tournees/retardataires", data={"date": TUESDAY.isoformat()})
    assert [(s.kind, s.status) for s in stops(db, world)] == [
        (StopKind.COLLECT, StopStatus.FAILED),
        (StopKind.DELIVER, StopStatus.FAILED),
        (StopKind.COLLECT, StopStatus.TODO),
        (StopKind.DELIVER, StopStatus.TODO),
    ]


def test_an_order_left_at_the_shop_can_go_to_the_next_round_instead(
    client: FlaskClient, db: Database, world: World
) -> None:
    oid = planned_order(db, world, ready=False)
    pickup, _ = stops(db, world)
    login(client, world.courier_email)
    client.post(
        f"/livreur/arrets/{pickup.id}/collecte", data={"sans_les_commandes_pas_pretes": "1"}
    )
    client.post("/logout")
    login(client, world.operator_email)
    board = client.get(f"/admin/tournees{DAY}").get_data(as_text=True)
    assert "Reporter la commande non livrée à sa prochaine date possible" in board

    html = client.post(
        "/admin/tournees/reporter", data={"date": TUESDAY.isoformat()}, follow_redirects=True
    ).get_data(as_text=True)

    assert "1 commande reportée" in html
    assert order_of(db, oid).delivery_date == TUESDAY + dt.timedelta(days=1)
    assert statuses(db, oid) == [S.PLACED]  # still the shop's to prepare
    assert "à ajouter au plan" in html and "Ajouter la commande au plan" not in html


def test_a_failed_delivery_needs_a_reason_then_goes_to_the_next_round(
    client: FlaskClient, db: Database, world: World
) -> None:
    oid = planned_order(db, world)
    pickup, drop = stops(db, world)
    login(client, world.courier_email)
    client.post(f"/livreur/arrets/{pickup.id}/collecte")

    form = client.get(f"/livreur/arrets/{drop.id}/echec")
    assert form.status_code == 200
    assert "Personne à l'adresse" in form.get_data(as_text=True)
    missing = client.post(f"/livreur/arrets/{drop.id}/echec", data={"then": "next_round"})
    assert missing.status_code == 422
    assert "Choisissez ce qui s'est passé." in missing.get_data(as_text=True)

    done = client.post(
        f"/livreur/arrets/{drop.id}/echec",
        data={"reason": "absent", "details": "Voisin absent aussi", "then": "next_round"},
        follow_redirects=True,
    )

    assert "Le colis repart avec la tournée du mercredi 25 novembre" in done.get_data(as_text=True)
    assert statuses(db, oid) == [S.DELIVERY_FAILED]
    assert order_of(db, oid).delivery_date == TUESDAY + dt.timedelta(days=1)
    failed = [s for s in stops(db, world) if s.kind is StopKind.DELIVER][0]
    assert failed.reason == "Personne à l'adresse : Voisin absent aussi"


def test_a_door_whose_first_order_stayed_at_its_shop_can_still_be_failed(
    client: FlaskClient, db: Database, world: World
) -> None:
    """Jeanne's two orders are one visit; the baker's was not ready and stayed at the shop
    (its delivery failed on its own). The visit's *Absent ou problème* still works for the
    farm's parcel on board, instead of saying the delivery is already recorded."""
    add_fleet(db, world)
    bread = place_order(db, world, {world.bread_id: 1})
    apples = place_order(db, world, {world.apples_id: 1})
    make_ready(db, apples)
    plan(db, world)
    login(client, world.courier_email)
    for pickup in [s for s in stops(db, world) if s.kind is StopKind.COLLECT]:
        client.post(
            f"/livreur/arrets/{pickup.id}/collecte", data={"sans_les_commandes_pas_pretes": "1"}
        )
    drops = [s for s in stops(db, world) if s.kind is StopKind.DELIVER]
    left = next(s for s in drops if s.merchant_order.order_id == bread)
    on_board = next(s for s in drops if s.merchant_order.order_id == apples)
    assert (left.status, on_board.status) == (StopStatus.FAILED, StopStatus.TODO)
    assert left.run_id == on_board.run_id and abs(left.sequence - on_board.sequence) == 1

    form = client.get(f"/livreur/arrets/{left.id}/echec")

    assert form.status_code == 200 and "Personne à l'adresse" in form.get_data(as_text=True)
    client.post(f"/livreur/arrets/{left.id}/echec", data={"reason": "absent", "then": "next_round"})
    assert statuses(db, apples) == [S.DELIVERY_FAILED]
    assert statuses(db, bread) == [S.PLACED]  # still the shop's to prepare


def test_a_failed_delivery_can_be_left_at_a_pickup_point(
    client: FlaskClient, db: Database, world: World
) -> None:
    oid = planned_order(db, world)
    pickup, drop = stops(db, world)
    login(client, world.courier_email)
    client.post(f"/livreur/arrets/{pickup.id}/collecte")

    no_point = client.post(
        f"/livreur/arrets/{drop.id}/echec",
        data={"reason": "acces", "then": "pickup_point", "pickup_point": "0"},
    )
    assert no_point.status_code == 422
    assert "Choisissez un point de retrait." in no_point.get_data(as_text=True)

    client.post(
        f"/livreur/arrets/{drop.id}/echec",
        data={
            "reason": "acces",
            "then": "pickup_point",
            "pickup_point": str(world.pickup_point_id),
        },
    )

    assert order_of(db, oid).delivery_method is DeliveryMethod.PICKUP_POINT
    page = client.get(f"/livreur/{DAY}").get_data(as_text=True)
    assert "Déposé au point de retrait" in page and "Le Tiers-Lieu du Ternois" in page
    drop_at_point = stops(db, world)[-1]
    dropped = client.post(f"/livreur/arrets/{drop_at_point.id}/livraison")
    assert dropped.status_code == 302
    assert statuses(db, oid) == [S.DELIVERED]
    said = client.get(dropped.headers["Location"]).get_data(as_text=True)
    assert "Dépôt au point de retrait enregistré." in said  # not « Livraison enregistrée. »
    assert "Livraison enregistrée." not in said


def _add_point(db: Database, world: World, name: str, *, lat: float, lon: float, hours=()) -> int:
    with db.uow() as uow:
        point = add_pickup_point(
            uow=uow, territory_id=world.territory_id, name=name, address="1 place du Marché",
            postal_code="62130", city="Saint-Pol-sur-Ternoise", insee_code="62767",
            lat=lat, lon=lon, hours=hours,
        )  # fmt: skip
        uow.commit()
    return point


def test_a_pickup_point_closed_on_the_rounds_day_is_not_offered_and_refused_if_sent(
    client: FlaskClient, db: Database, world: World
) -> None:
    """Tuesday's round: the town hall opens on Mondays only, the tiers-lieu gave no hours
    (it takes parcels any day)."""
    oid = planned_order(db, world)
    closed = _add_point(
        db, world, "Mairie du lundi", lat=50.38, lon=2.33,
        hours=[(0, dt.time(9), dt.time(12))],
    )  # fmt: skip
    pickup, drop = stops(db, world)
    login(client, world.courier_email)
    client.post(f"/livreur/arrets/{pickup.id}/collecte")

    form = client.get(f"/livreur/arrets/{drop.id}/echec").get_data(as_text=True)
    assert "Le Tiers-Lieu du Ternois" in form and "Mairie du lundi" not in form

    sent = client.post(
        f"/livreur/arrets/{drop.id}/echec",
        data={"reason": "absent", "then": "pickup_point", "pickup_point": str(closed)},
    )
    assert sent.status_code == 422
    assert "Ce point de retrait est fermé ce jour-là" in html.unescape(sent.get_data(as_text=True))
    assert statuses(db, oid) == [S.HANDED_TO_COURIER]
    assert order_of(db, oid).delivery_method is DeliveryMethod.HOME


def _return_shown(page: str) -> list[str]:
    return re.findall(
        r"Retour\u00a0prévu\u00a0:</strong>[^<]*<span class=\"nowrap\">([^<]+)<", page
    )


def test_a_drop_added_after_a_failure_moves_the_planned_return_after_it(
    client: FlaskClient, db: Database, world: World
) -> None:
    """A point in Hesdin, 20 km off: the drop comes last, and the return shown at the top
    and at the end of the page follows it instead of staying at the round's old return."""
    planned_order(db, world)
    far = _add_point(db, world, "Point de Hesdin", lat=50.3736, lon=2.0383)
    pickup, drop = stops(db, world)
    login(client, world.courier_email)
    client.post(f"/livreur/arrets/{pickup.id}/collecte")
    before = _return_shown(client.get(f"/livreur/{DAY}").get_data(as_text=True))

    client.post(
        f"/livreur/arrets/{drop.id}/echec",
        data={"reason": "absent", "then": "pickup_point", "pickup_point": str(far)},
    )

    added = stops(db, world)[-1]
    assert added.pickup_point_id == far
    with db.uow() as uow:
        run = uow.session.get_one(RoundRun, added.run_id)
        assert run.return_time is not None and run.return_time > added.expected_start
    after = _return_shown(client.get(f"/livreur/{DAY}").get_data(as_text=True))
    assert len(after) == 2 and after[0] == after[1]  # the header and the end of the page
    assert after != before


def test_an_unreadable_date_shows_todays_round_with_a_word(
    client: FlaskClient, db: Database, world: World
) -> None:
    planned_order(db, world)  # Tuesday, today on the courier's clock
    login(client, world.courier_email)

    page = client.get("/livreur/?date=garbage")

    assert page.status_code == 200  # was « Page introuvable »
    shown = html.unescape(page.get_data(as_text=True))
    assert "Date illisible : voici aujourd'hui." in shown
    assert "Boulangerie Lefebvre" in shown and "Jeanne Martin" in shown  # today's stops


def test_the_courier_corrects_an_approximate_position(
    client: FlaskClient, db: Database, world: World
) -> None:
    oid = planned_order(db, world)
    _, drop = stops(db, world)
    login(client, world.courier_email)

    assert client.get(f"/livreur/arrets/{drop.id}/position").status_code == 200
    bad = client.post(f"/livreur/arrets/{drop.id}/position", data={"lat": "abc", "lon": "2,33"})
    assert bad.status_code == 422
    assert 'value="2,33"' in bad.get_data(as_text=True) or 'value="2.33"' in bad.get_data(
        as_text=True
    )
    good = client.post(
        f"/livreur/arrets/{drop.id}/position", data={"lat": "50,3850", "lon": "2,3301"}
    )

    assert good.status_code == 302
    placed = order_of(db, oid)
    assert (placed.lat, placed.lon, placed.address_approximate) == (50.385, 2.3301, False)
    assert [s for s in stops(db, world) if s.kind is StopKind.DELIVER][0].approximate is False


def test_the_courier_prints_their_round_sheet(
    client: FlaskClient, db: Database, world: World
) -> None:
    planned_order(db, world)
    pickup, _ = stops(db, world)
    login(client, world.courier_email)

    sheet = client.get(f"/livreur/tournees/{pickup.run_id}/feuille.pdf")

    assert sheet.status_code == 200
    assert sheet.mimetype == "application/pdf"
    assert sheet.data.startswith(b"%PDF")


def test_a_malformed_date_is_todays_page_not_a_500(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.courier_email)
    malformed = client.get("/livreur/?date=demain")
    assert malformed.status_code == 200  # today's page, with a word (see above)
    assert "Date illisible" in malformed.get_data(as_text=True)
    assert "Aucune tournée pour vous" in client.get(f"/livreur/{DAY}").get_data(as_text=True)


def test_the_courier_menu_has_their_round_and_no_basket(
    client: FlaskClient, db: Database, world: World
) -> None:
    planned_order(db, world)
    login(client, world.courier_email)

    html = client.get(f"/livreur/{DAY}").get_data(as_text=True)

    menu = html[html.index('class="main-nav"') : html.index("</nav>")]
    assert "Ma tournée" in menu
    assert "Panier" not in menu and 'class="basket-link"' not in menu


def test_a_tap_sent_again_after_the_stop_was_recorded_shows_the_stop_not_an_error(
    client: FlaskClient, db: Database, world: World
) -> None:
    oid = planned_order(db, world)
    pickup, drop = stops(db, world)
    login(client, world.courier_email)
    deliver = {"code": order_of(db, oid).delivery_code, "means": "cash"}
    for _ in range(2):
        collected = client.post(f"/livreur/arrets/{pickup.id}/collecte")
        assert collected.status_code == 302
    for _ in range(2):
        delivered = client.post(f"/livreur/arrets/{drop.id}/livraison", data=deliver)
        assert delivered.status_code == 302
    page = client.get(delivered.headers["Location"]).get_data(as_text=True)
    assert "Cette livraison est déjà enregistrée." in page and "flash-info" in page
    assert statuses(db, oid) == [S.DELIVERED]

    failed = client.post(
        f"/livreur/arrets/{drop.id}/echec", data={"reason": "absent", "then": "next_round"}
    )
    assert failed.status_code == 302  # the failure kept on a phone does not undo the delivery
    assert statuses(db, oid) == [S.DELIVERED]


def test_a_tap_on_a_stop_the_operator_moved_away_explains_and_shows_the_round_again(
    client: FlaskClient, db: Database, world: World
) -> None:
    oid = planned_order(db, world)
    pickup, _ = stops(db, world)
    login(client, world.courier_email)
    with db.uow() as uow:  # what moving the order to another round does to this one
        run = uow.session.get_one(RoundRun, pickup.run_id)
        run.stops = []
        uow.commit()

    tapped = client.post(f"/livreur/arrets/{pickup.id}/collecte")

    assert tapped.status_code == 302 and tapped.headers["Location"] == "/livreur/"
    page = client.get("/livreur/").get_data(as_text=True)
    assert NOT_ON_YOUR_ROUNDS in page and "flash-info" in page
    assert statuses(db, oid) == [S.READY]

    kept = client.post(f"/livreur/arrets/{pickup.id}/collecte", headers={"X-Cabas-Sent-Later": "1"})
    assert kept.status_code == 409  # the phone lists it among the taps not recorded
    assert NOT_ON_YOUR_ROUNDS in client.get("/livreur/").get_data(as_text=True)


def test_a_collection_kept_offline_while_the_operator_moved_the_order_is_not_lost(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    """Marc collects at the baker's without network; meanwhile the operator gives the order
    to Lucie's round. When Marc's tap arrives, nothing is lost: the board and Lucie see
    that Marc has the parcel, and giving the order back to Marc records his collection."""
    fleet = add_fleet(db, world)
    oid = place_order(db, world, {world.bread_id: 1}, method=DeliveryMethod.PICKUP_POINT)
    make_ready(db, oid)
    plan(db, world)
    pickup, drop = stops(db, world)
    login(client, world.courier_email)
    page = client.get(f"/livreur/{DAY}").get_data(as_text=True)
    token = re.search(r'name="commandes" value="([^"]+)"', page)
    assert token, "the collection form names its orders"
    app.config["FIXED_NOW"] = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)  # Tuesday
    tapped_at = dt.datetime(2026, 11, 24, 8, 40, tzinfo=dt.UTC)  # 9 h 40 in Saint-Pol

    operator = app.test_client()
    login(operator, world.operator_email)
    with db.uow() as uow:
        runs = {r.round_id: r.id for r in uow.session.scalars(select(RoundRun))}
    operator.post(
        f"/admin/tournees/arrets/{drop.id}/deplacer",
        data={"date": TUESDAY.isoformat(), "run_id": runs[fleet.frevent]},
    )
    assert {s.run_id for s in stops(db, world)} == {runs[fleet.frevent]}

    kept = client.post(
        f"/livreur/arrets/{pickup.id}/collecte",
        data={"commandes": token.group(1), "recorded_at": tapped_at.isoformat()},
        headers={"X-Cabas-Sent-Later": "1"},
    )

    assert kept.status_code == 302  # recorded, not listed among the refused taps
    reference = merchant_order_of(db, oid, world.baker_id).reference
    assert (
        f"La commande {reference} avait été confiée à un autre livreur pendant que vous étiez "
        "sans réseau." in client.get("/livreur/").get_data(as_text=True).replace("&#39;", "'")
    )
    board = operator.get(f"/admin/tournees?date={TUESDAY.isoformat()}").get_data(as_text=True)
    assert "Colis déjà pris par Marc Facteur à 9\u00a0h\u00a040, sans réseau" in board
    lucie = app.test_client()
    login(lucie, OTHER_COURIER_EMAIL)
    hers = lucie.get(f"/livreur/{DAY}").get_data(as_text=True)
    taken = "Déjà prise par Marc Facteur à 9\u00a0h\u00a040 : rien à prendre pour cette commande."
    assert taken in hers
    assert "Colis collectés (0)" in hers
    assert statuses(db, oid) == [S.READY]

    moved_drop = next(s for s in stops(db, world) if s.kind is StopKind.DELIVER)
    operator.post(
        f"/admin/tournees/arrets/{moved_drop.id}/deplacer",
        data={"date": TUESDAY.isoformat(), "run_id": runs[fleet.saint_pol]},
    )

    collect_stop, _ = stops(db, world)
    assert collect_stop.run_id == runs[fleet.saint_pol]
    assert (collect_stop.status, collect_stop.done_by_id) == (StopStatus.DONE, world.courier_id)
    assert collect_stop.done_at == tapped_at
    assert statuses(db, oid) == [S.HANDED_TO_COURIER]


def test_a_forged_list_of_orders_claims_nothing(
    client: FlaskClient, db: Database, world: World
) -> None:
    oid = planned_order(db, world)
    pickup, _ = stops(db, world)
    login(client, OTHER_COURIER_EMAIL)  # not her stop, and orders her page never showed

    tapped = client.post(
        f"/livreur/arrets/{pickup.id}/collecte",
        data={"commandes": f'[1, "2026-11-24", [{merchant_order_of(db, oid, world.baker_id).id}]]'},
        headers={"X-Cabas-Sent-Later": "1"},
    )

    assert tapped.status_code == 409
    assert all(s.claimed_by_id is None for s in stops(db, world))
