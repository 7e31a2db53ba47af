"""What a walk through the courier's pages on a phone found: where the answer to a tap
shows, what a failure needs to say, which day a parcel leaves again, whose position a stop
corrects."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

import delivery.model  # noqa: F401  (delivery tables and migrations)
from delivery.model import StopKind, StopStatus
from shop_core.database import Database
from shop_core.merchants.model import Merchant
from shop_core.orders.model import MerchantOrderStatus

from .backoffice import dropped_at_point
from .conftest import NOW, World, login
from .rounds_setup import (
    OTHER_COURIER_EMAIL,
    TUESDAY,
    add_fleet,
    configure,
    on_the_day,
    order_of,
    place_frevent_order,
    plan,
    statuses,
    stops,
)
from .test_courier import planned_order

S = MerchantOrderStatus
DAY = f"?date={TUESDAY.isoformat()}"


@pytest.fixture(autouse=True)
def _delivery_app(app: Flask) -> None:
    configure(app)
    on_the_day(app)  # Tuesday, the round's day: its stops can be recorded


def card(html: str, stop_id: int) -> str:
    """The stop's card on the courier's page."""
    start = html.index(f'id="arret-{stop_id}"')
    end = html.find('<li class="visit ', start)
    return html[start : end if end != -1 else html.index("</ol>", start)]


def test_what_came_of_a_tap_shows_in_the_card_of_its_stop(
    client: FlaskClient, db: Database, world: World
) -> None:
    # The page opens at the stop (#arret-…): a message at the top of the page, a phone's
    # length away, went unseen.
    planned_order(db, world)
    pickup, drop = stops(db, world)
    login(client, world.courier_email)

    tapped = client.post(f"/livreur/arrets/{pickup.id}/collecte")
    assert tapped.headers["Location"] == f"/livreur/{DAY}#arret-{pickup.id}"
    html = client.get(tapped.headers["Location"]).get_data(as_text=True)

    told = "Collecte enregistrée : 1 commande à bord."
    assert html.count(told) == 1
    assert told in html[html.index(f'id="arret-{pickup.id}"') : html.index(f'id="arret-{drop.id}"')]
    again = client.get(f"/livreur/{DAY}").get_data(as_text=True)
    assert told not in again  # said once


def test_a_message_for_no_stop_of_the_page_stays_at_its_top(
    client: FlaskClient, db: Database, world: World
) -> None:
    planned_order(db, world)
    pickup, _ = stops(db, world)
    login(client, world.courier_email)
    client.post(f"/livreur/arrets/{pickup.id}/collecte")

    # Another day's page: the stop is not there, the message is not lost.
    html = client.get("/livreur/?date=2026-11-30").get_data(as_text=True)

    assert "Collecte enregistrée : 1 commande à bord." in html
    assert html.index("Collecte enregistrée") < html.index("<h1>")


def test_a_refused_tap_brings_the_page_back_to_its_stop(
    client: FlaskClient, db: Database, world: World
) -> None:
    planned_order(db, world, ready=False)
    pickup, _ = stops(db, world)
    login(client, world.courier_email)

    refused = client.post(f"/livreur/arrets/{pickup.id}/collecte")

    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    # Each form of the stop posts to an address ending at the stop: the browser opens the
    # answer there, where the reason is written.
    actions = re.findall(rf'action="(/livreur/arrets/{pickup.id}/collecte[^"]*)"', html)
    assert actions == [f"/livreur/arrets/{pickup.id}/collecte#arret-{pickup.id}"] * 2


def test_another_reason_for_a_failed_delivery_needs_a_few_words(
    client: FlaskClient, db: Database, world: World
) -> None:
    oid = planned_order(db, world)
    pickup, drop = stops(db, world)
    login(client, world.courier_email)
    client.post(f"/livreur/arrets/{pickup.id}/collecte")
    # The field said « (facultatif) » although this reason cannot do without it.
    form = client.get(f"/livreur/arrets/{drop.id}/echec").get_data(as_text=True)
    form = form.replace("&#39;", "'")
    assert "facultatif" not in form
    assert re.search(r'<label[^>]*for="details"[^>]*>\s*Précisions\s*<', form)
    assert "Obligatoires pour « Autre raison »" in form

    bare = client.post(
        f"/livreur/arrets/{drop.id}/echec",
        data={"reason": "autre", "details": "  ", "then": "next_round"},
    )

    assert bare.status_code == 422
    html = bare.get_data(as_text=True).replace("&#39;", "'")
    assert "Pour « Autre raison », dites en quelques mots ce qui s'est passé." in html
    assert re.search(r'<input[^>]*checked[^>]*value="autre"|value="autre"[^>]*checked', html)
    assert statuses(db, oid) == [S.HANDED_TO_COURIER]

    said = client.post(
        f"/livreur/arrets/{drop.id}/echec",
        data={"reason": "autre", "details": "Colis mouillé", "then": "next_round"},
    )

    assert said.status_code == 302
    failed = next(s for s in stops(db, world) if s.kind is StopKind.DELIVER)
    assert failed.reason == "Autre raison : Colis mouillé"


@pytest.mark.parametrize(
    ("lang", "day"), [("fr", "mercredi 25 novembre"), ("en", "Wednesday 25 November")]
)
def test_the_day_a_failed_parcel_leaves_again_is_named_in_the_readers_language(
    client: FlaskClient, db: Database, world: World, lang: str, day: str
) -> None:
    # « 25/11 » reads as a date only in French; in English, « 07/12 » is 12 July.
    planned_order(db, world)
    pickup, drop = stops(db, world)
    login(client, world.courier_email)
    client.get(f"/livreur/{DAY}&lang={lang}")
    client.post(f"/livreur/arrets/{pickup.id}/collecte")

    done = client.post(
        f"/livreur/arrets/{drop.id}/echec",
        data={"reason": "absent", "then": "next_round"},
        follow_redirects=True,
    )

    assert f" {day}" in done.get_data(as_text=True)


def returned_and_planned(client: FlaskClient, db: Database, world: World) -> int:
    """Jeanne's loaf, never fetched at the point, sent back to the bakery; Tuesday planned
    with its way back. The order's id."""
    add_fleet(db, world)
    order = dropped_at_point(db, world)
    login(client, world.operator_email)
    client.post(f"/admin/retraits/{order.id}/retour", data={"reason": "Jamais venue"})
    client.post("/logout")
    plan(db, world)
    return order.id


def test_a_way_back_at_a_point_has_no_position_for_the_courier_to_correct(
    client: FlaskClient, db: Database, world: World
) -> None:
    oid = returned_and_planned(client, db, world)
    take = next(s for s in stops(db, world) if s.kind is StopKind.TAKE_BACK)
    before = order_of(db, oid)
    login(client, world.courier_email)

    assert client.get(f"/livreur/arrets/{take.id}/position").status_code == 404
    moved = client.post(
        f"/livreur/arrets/{take.id}/position", data={"lat": "50,3000", "lon": "2,3000"}
    )

    assert moved.status_code == 404
    after = order_of(db, oid)
    assert (after.lat, after.lon) == (before.lat, before.lon)


def test_a_way_back_at_the_shop_corrects_the_shops_position(
    client: FlaskClient, db: Database, world: World
) -> None:
    oid = returned_and_planned(client, db, world)
    give = next(s for s in stops(db, world) if s.kind is StopKind.BRING_BACK)
    before = order_of(db, oid)
    login(client, world.courier_email)
    assert f"/livreur/arrets/{give.id}/position" in client.get(f"/livreur/{DAY}").get_data(
        as_text=True
    )

    saved = client.post(
        f"/livreur/arrets/{give.id}/position", data={"lat": "50,3851", "lon": "2,3302"}
    )

    assert saved.status_code == 302
    with db.uow() as uow:
        baker = uow.session.get_one(Merchant, world.baker_id)
        assert (baker.lat, baker.lon) == (50.3851, 2.3302)
    after = order_of(db, oid)
    assert (after.lat, after.lon) == (before.lat, before.lon)  # the shopper's is not the shop's


def test_a_way_back_put_off_without_a_word_opens_its_form_again(
    client: FlaskClient, db: Database, world: World
) -> None:
    returned_and_planned(client, db, world)
    take = next(s for s in stops(db, world) if s.kind is StopKind.TAKE_BACK)
    login(client, world.courier_email)

    refused = client.post(
        f"/livreur/arrets/{take.id}/retour-impossible", data={"reason": "", "other": " "}
    )

    assert refused.status_code == 422
    html = card(refused.get_data(as_text=True).replace("&#39;", "'"), take.id)
    problem = html[html.index('<details class="visit-problem"') :]
    assert problem.startswith('<details class="visit-problem" open>')
    form = problem[problem.index("<form") :]
    assert "Indiquez ce qui s'est passé." in form  # in the form it is about
    assert re.search(r'<option value="" selected>Autre \(précisez\)</option>', form)
    assert re.search(r'<input id="autre-\d+"[^>]*autofocus', form)
    assert [s.status for s in stops(db, world) if s.kind.returning] == [StopStatus.TODO] * 2


def test_a_day_without_a_round_leads_to_the_couriers_next_one(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    # On a Saturday, « Demain » is a Sunday without rounds: the courier could not reach
    # Monday's round without typing its date in the address.
    planned_order(db, world)
    app.config["FIXED_NOW"] = NOW  # the day before the round
    login(client, world.courier_email)

    today = client.get("/livreur/").get_data(as_text=True)  # Monday 23, nothing planned
    assert "Aucune tournée pour vous ce jour-là." in today
    assert (
        f'<a class="button" href="/livreur/{DAY}">Votre prochaine tournée : mardi 24 novembre</a>'
        in today
    )
    long_ago = client.get("/livreur/?date=2026-10-01").get_data(as_text=True)
    assert f'href="/livreur/{DAY}">Votre prochaine tournée' in long_ago
    after = client.get("/livreur/?date=2026-11-25").get_data(as_text=True)
    assert "Aucune tournée pour vous ce jour-là." in after
    assert "Votre prochaine tournée" not in after  # none planned yet
    english = client.get("/livreur/?lang=en").get_data(as_text=True)
    assert "Tuesday 24 November" in english


def test_another_couriers_round_is_not_the_couriers_next_one(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    planned_order(db, world)
    app.config["FIXED_NOW"] = NOW  # the day before the round
    login(client, OTHER_COURIER_EMAIL)  # Tuesday's Saint-Pol round is not theirs

    html = client.get("/livreur/").get_data(as_text=True)

    assert "Aucune tournée pour vous ce jour-là." in html
    assert "Votre prochaine tournée" not in html


def day_switch(html: str) -> str:
    """The courier's links to their other days."""
    start = html.index('<nav class="day-switch"')
    return html[start : html.index("</nav>", start)]


def test_the_courier_steps_to_their_days_with_a_round_each_named_by_its_date(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    # « Demain » on a Saturday opened a Sunday, where there is never a round. Wednesday is
    # planned too, with nothing to deliver: the courier's run that day has no stop.
    planned_order(db, world)
    plan(db, world, TUESDAY + dt.timedelta(days=1))
    login(client, world.courier_email)

    saturday = client.get("/livreur/?date=2026-11-28").get_data(as_text=True)
    earlier = day_switch(saturday)
    assert f'rel="prev" href="/livreur/{DAY}"' in earlier
    assert "Tournée précédente" in earlier and "mar. 24 nov." in earlier
    assert 'rel="next"' not in earlier  # nothing planned after
    assert f'class="day-today" href="/livreur/{DAY}"' in earlier  # on the day, Tuesday

    app.config["FIXED_NOW"] = NOW  # Monday: the round is tomorrow
    monday = day_switch(client.get("/livreur/").get_data(as_text=True))
    assert f'rel="next" href="/livreur/{DAY}"' in monday and "mar. 24 nov." in monday
    assert 'rel="prev"' not in monday and "day-today" not in monday  # today is shown
    # From Tuesday, Wednesday's run without a stop is not a day to go to.
    tuesday = client.get(f"/livreur/{DAY}").get_data(as_text=True)
    assert 'rel="next"' not in tuesday and 'rel="prev"' not in tuesday
    english = day_switch(client.get("/livreur/?date=2026-11-28&lang=en").get_data(as_text=True))
    assert "Tue 24 Nov" in english


def test_today_is_named_beside_its_date(client: FlaskClient, db: Database, world: World) -> None:
    planned_order(db, world)
    login(client, world.courier_email)

    html = client.get("/livreur/").get_data(as_text=True)

    assert "Aujourd'hui, mardi 24 novembre 2026</span></h1>" in html.replace("&#39;", "'")
    assert "Aujourd'hui, lundi" not in client.get("/livreur/?date=2026-11-23").get_data(
        as_text=True
    ).replace("&#39;", "'")


@pytest.mark.parametrize(
    ("lang", "leaves", "back"),
    [
        ("fr", "Départ\u00a0:", "Retour\u00a0prévu\u00a0:"),
        ("en", "Departure:", "Expected\u00a0back:"),
    ],
)
def test_the_run_says_its_depot_and_times_as_labels(
    client: FlaskClient, db: Database, world: World, lang: str, leaves: str, back: str
) -> None:
    # « Départ 8 h 12 de Dépôt des tournées » : a depot's name takes no article after « de ».
    planned_order(db, world)
    login(client, world.courier_email)

    html = client.get(f"/livreur/{DAY}&lang={lang}").get_data(as_text=True)

    summary = html[html.index('<p class="run-summary">') : html.index('class="run-tools"')]
    assert re.search(
        rf"<strong>{leaves}</strong> Bureau de poste, <span class=\"nowrap\">\d", summary
    )
    assert re.search(rf"<strong>{back}</strong> <span class=\"nowrap\">\d", summary)
    end = html[html.index('<p class="run-end">') :]
    assert re.match(
        rf'<p class="run-end"><strong>{back}</strong> Bureau de poste, <span class="nowrap">\d', end
    )
    assert "de Bureau de poste" not in html and "à Bureau de poste" not in html


def test_a_run_without_a_stop_says_there_is_nothing_to_do_that_day(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    # A plan gives each round a run: nothing goes Frévent's way on Monday. The page read
    # « · 0 km · 0 arrêt à faire », an empty map and « Fin : retour à … . » without a time.
    add_fleet(db, world, frevent_days=(0, 1, 2, 3, 4))
    place_frevent_order(db, world)  # for Tuesday afternoon
    plan(db, world)
    monday = TUESDAY - dt.timedelta(days=1)
    plan(db, world, monday)
    app.config["FIXED_NOW"] = NOW  # Monday
    login(client, OTHER_COURIER_EMAIL)

    html = client.get("/livreur/").get_data(as_text=True).replace("&#39;", "'")

    run = html[html.index('<section class="run"') : html.index("</section>")]
    assert "Frévent après-midi" in run
    assert "Rien à faire ce jour-là sur cette tournée : aucun arrêt n'est prévu." in run
    assert f'href="/livreur/{DAY}">Votre prochaine tournée : mardi 24 novembre' in run
    for empty in ("km", "arrêt à faire", "Départ", "Retour", "round-map", "feuille.pdf"):
        assert empty not in run, empty
    assert "Aucune tournée pour vous" not in html  # there is one: it has nothing to do


def test_a_day_to_come_with_nothing_to_do_has_nothing_to_record_later(
    client: FlaskClient, db: Database, world: World
) -> None:
    planned_order(db, world)
    plan(db, world, TUESDAY + dt.timedelta(days=1))  # Wednesday: no order
    login(client, world.courier_email)

    html = client.get("/livreur/?date=2026-11-25").get_data(as_text=True).replace("&#39;", "'")

    assert "Rien à faire ce jour-là sur cette tournée" in html
    assert "Tournée à venir" not in html  # « you will record the stops on the day »: none


def test_the_round_sheet_opens_in_a_new_tab_and_says_so(
    client: FlaskClient, db: Database, world: World
) -> None:
    # In the same tab, the courier left the round page for the PDF.
    planned_order(db, world)
    sheet = re.compile(
        r'<a class="button" href="(/[^"]+/feuille\.pdf)" target="_blank" rel="noopener">'
        r"Feuille de route \(PDF\)<span class=\"visually-hidden\"> "
        r"\(s'ouvre dans un nouvel onglet\)</span></a>"
    )
    login(client, world.courier_email)
    courier = client.get(f"/livreur/{DAY}").get_data(as_text=True).replace("&#39;", "'")
    client.post("/logout")
    login(client, world.operator_email)
    board = client.get(f"/admin/tournees{DAY}").get_data(as_text=True).replace("&#39;", "'")

    (mine,) = sheet.findall(courier)
    assert mine.startswith("/livreur/tournees/")
    assert sheet.findall(board)  # the operator's board too
