"""The operator's refusals on the round board and the set-up pages, in the page's language.

English pages word the core's refusals again (``reference_app.domain_messages``); French
pages show the core's own French, word for word.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from delivery.model import Round, RoundRun
from delivery.services import DepotInput, create_depot
from delivery.stops import AfterFailure, collect, fail
from shop_core.database import Database
from shop_core.orders.model import Order

from .backoffice import place_order
from .conftest import World, login
from .rounds_setup import SYSTEM, TUESDAY, add_fleet, configure, make_ready, plan, stops

DAY = TUESDAY.isoformat()
WEDNESDAY = TUESDAY + dt.timedelta(days=1)
TUESDAY_9 = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _delivery_app(app: Flask) -> None:
    configure(app)


def _in(lang: str, client: FlaskClient, url: str, data: dict[str, Any]) -> str:
    """The page a form sent from a page in ``lang`` ends on, entities decoded."""
    client.get(f"/?lang={lang}")  # the language is kept by the session
    return html.unescape(client.post(url, data=data, follow_redirects=True).get_data(as_text=True))


def test_moving_an_order_to_a_round_that_cannot_take_it_is_refused_in_each_language(
    client: FlaskClient, db: Database, world: World
) -> None:
    # Jeanne's loaf is due in the morning; the Frévent round goes out in the afternoon.
    fleet = add_fleet(db, world)
    place_order(db, world, {world.bread_id: 1})
    plan(db, world)
    login(client, world.operator_email)
    with db.uow() as uow:
        runs = {r.round_id: r.id for r in uow.session.scalars(select(RoundRun))}
    _, drop = stops(db, world)
    move = (
        f"/admin/tournees/arrets/{drop.id}/deplacer",
        {"date": DAY, "run_id": runs[fleet.frevent]},
    )

    english = _in("en", client, *move)
    assert (
        "The round “Frévent après-midi” cannot take this order that day (parcels, hours or "
        "duration)." in english
    )
    assert "ne peut pas prendre" not in english
    french = _in("fr", client, *move)
    assert (
        "La tournée « Frévent après-midi » ne peut pas prendre cette commande ce jour-là "
        "(colis, horaires ou durée)." in french
    )
    assert {s.run_id for s in stops(db, world)} == {runs[fleet.saint_pol]}  # nothing moved


def test_giving_a_round_to_a_courier_already_out_then_is_refused_in_each_language(
    client: FlaskClient, db: Database, world: World
) -> None:
    fleet = add_fleet(db, world)
    with db.uow() as uow:  # Lucie's Frévent round now starts before the morning one ends
        uow.session.get_one(Round, fleet.frevent).starts = dt.time(12)
        uow.commit()
    place_order(db, world, {world.bread_id: 1})
    plan(db, world)
    login(client, world.operator_email)
    with db.uow() as uow:
        runs = {r.round_id: r.id for r in uow.session.scalars(select(RoundRun))}
    give = (
        f"/admin/tournees/passages/{runs[fleet.saint_pol]}/livreur",
        {"date": DAY, "courier_id": fleet.other_courier_id},
    )

    french = _in("fr", client, *give)
    # The hours overlap without being the same: both are said.
    assert (
        "Lucie Route fait déjà la tournée « Frévent après-midi » à des heures qui se "
        "chevauchent (12\u00a0h – 19\u00a0h ; celle-ci : 8\u00a0h – 13\u00a0h)." in french
    )
    english = _in("en", client, *give)
    assert (
        "Lucie Route already drives the round “Frévent après-midi” at overlapping hours "
        "(12:00\u202fPM – 7:00\u202fPM; this one: 8:00\u202fAM – 1:00\u202fPM)." in english
    )
    assert "fait déjà" not in english
    with db.uow() as uow:
        assert uow.session.get_one(RoundRun, runs[fleet.saint_pol]).courier_id == world.courier_id


def _loaf_left_at_the_post_office(db: Database, world: World) -> tuple[int, int, int]:
    """Jeanne's loaf, collected on Tuesday by the round from the post office and not
    delivered: it waits at the post office. The ids of her order, its merchant order and
    the depot."""
    fleet = add_fleet(db, world)
    oid = place_order(db, world, {world.bread_id: 1})
    make_ready(db, oid)
    plan(db, world)
    pickup, drop = stops(db, world)
    with db.uow() as uow:
        collect(uow=uow, territory_id=world.territory_id, courier_id=world.courier_id,
                stop_id=pickup.id, now=TUESDAY_9)  # fmt: skip
    with db.uow() as uow:
        fail(uow=uow, territory_id=world.territory_id, courier_id=world.courier_id,
             stop_id=drop.id, reason="Absente", then=AfterFailure.NEXT_ROUND,
             now=TUESDAY_9 + dt.timedelta(hours=1))  # fmt: skip
    return oid, drop.merchant_order_id, fleet.depot_id


def test_carrying_parcels_to_a_depot_is_refused_in_each_language(
    client: FlaskClient, db: Database, world: World
) -> None:
    oid, mo_id, post_office = _loaf_left_at_the_post_office(db, world)
    login(client, world.operator_email)
    url = f"/admin/tournees/colis/{mo_id}/depot"
    again = (url, {"date": DAY, "depot_id": str(post_office)})  # where they already are

    english = _in("en", client, *again)
    assert "The parcels are already at the depot “Bureau de poste”." in english
    assert "Les colis sont déjà" not in english
    assert "Les colis sont déjà au dépôt « Bureau de poste »." in _in("fr", client, *again)

    # Planned on Wednesday's round from the post office: it loads them where they are.
    with db.uow() as uow:
        uow.session.get_one(Order, oid).delivery_date = WEDNESDAY
        uow.commit()
        other = create_depot(
            uow=uow, territory_id=world.territory_id,
            data=DepotInput("Relais de Ramecourt", "2 rue Haute", "62130", "Ramecourt"),
            actor=SYSTEM,
        )  # fmt: skip
    plan(db, world, WEDNESDAY)
    away = (url, {"date": WEDNESDAY.isoformat(), "depot_id": str(other)})

    english = _in("en", client, *away)
    assert (
        "This order is planned on the round “Saint-Pol matin” on 25 November, which takes the "
        "parcels where they are: take it off that round (plan the day again) before moving "
        "them." in english
    )
    french = _in("fr", client, *away)
    assert (
        "Cette commande est prévue sur la tournée « Saint-Pol matin » du 25/11, qui prend les "
        "colis là où ils sont : retirez-la de cette tournée (replanifiez) avant de les "
        "déplacer." in french
    )


def test_postponing_a_day_not_planned_is_refused_in_each_language(
    client: FlaskClient, db: Database, world: World
) -> None:
    # A fixed refusal: looked up by its French text.
    add_fleet(db, world)
    login(client, world.operator_email)
    postpone = ("/admin/tournees/reporter", {"date": DAY})
    english = _in("en", client, *postpone)
    assert "This day is not planned yet: nothing to postpone." in english
    french = _in("fr", client, *postpone)
    assert "Cette journée n'est pas encore planifiée : rien à reporter." in french


def test_a_name_another_depot_round_or_point_has_is_refused_in_each_language(
    client: FlaskClient, db: Database, world: World
) -> None:
    fleet = add_fleet(db, world)
    login(client, world.operator_email)
    depot = (
        "/admin/depots/nouveau",
        {"name": "bureau de poste", "address": "Gare", "postal_code": "62130",
         "city": "Saint-Pol-sur-Ternoise"},
    )  # fmt: skip
    round_ = (
        "/admin/tournees/nouvelle",
        {"name": "Saint-Pol matin", "courier_id": "0", "depot_id": str(fleet.depot_id),
         "weekdays": ["1"], "starts": "08:00", "ends": "12:00", "capacity": "10",
         "max_duration_min": "", "active": "y"},
    )  # fmt: skip
    point = (
        "/admin/points-retrait/nouveau",
        {"name": "Le Tiers-Lieu du Ternois", "kind": "mairie", "address": "Place",
         "postal_code": "62130", "city": "Saint-Pol-sur-Ternoise"},
    )  # fmt: skip
    worded = [
        (depot, "Another depot already has this name.", "Un autre dépôt porte déjà ce nom."),
        (round_, "Another round already has this name.", "Une autre tournée porte déjà ce nom."),
        (
            point,
            "Another pickup point already has this name: choose another one.",
            "Un autre point de retrait porte déjà ce nom : choisissez-en un autre.",
        ),
    ]
    for (url, data), english, french in worded:
        in_english = _in("en", client, url, data)
        assert english in in_english, url
        assert french not in in_english, url
        assert french in _in("fr", client, url, data), url


def test_a_depot_in_an_unknown_commune_is_refused_in_each_language(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.operator_email)
    depot = (
        "/admin/depots/nouveau",
        {"name": "Hub", "address": "Gare", "postal_code": "62130", "city": "Atlantis"},
    )
    english = _in("en", client, *depot)
    assert (
        "Town “Atlantis” (62130) not found: check the postcode and the name, or enter the "
        "position." in english
    )
    french = _in("fr", client, *depot)
    assert (
        "Commune « Atlantis » (62130) introuvable : vérifiez le code postal et le nom, ou "
        "indiquez la position." in french
    )


def test_the_days_of_the_rounds_are_in_the_pages_language(
    client: FlaskClient, db: Database, world: World
) -> None:
    fleet = add_fleet(db, world)
    login(client, world.operator_email)
    setup = client.get("/admin/tournees/reglages?lang=en").get_data(as_text=True)
    assert "Tuesday, Wednesday" in setup and "mardi" not in setup
    form = client.get(f"/admin/tournees/{fleet.saint_pol}/modifier").get_data(as_text=True)
    assert ">Monday</label>" in form and "Lundi" not in form
    french = client.get("/admin/tournees/reglages?lang=fr").get_data(as_text=True)
    assert "mardi, mercredi" in french


def test_a_deactivated_couriers_rounds_are_quoted_as_the_page_writes(
    client: FlaskClient, db: Database, world: World
) -> None:
    add_fleet(db, world)
    place_order(db, world, {world.bread_id: 1})
    plan(db, world)
    login(client, world.operator_email)
    deactivate = (f"/admin/livreurs/{world.courier_id}/etat", {"active": "0", "confirm": "1"})
    english = _in("en", client, *deactivate)
    assert "Rounds given to Marc Facteur: “Saint-Pol matin”." in english
    assert "“Saint-Pol matin” (Tuesday 24 November)" in english
    assert "« Saint-Pol matin »" not in english
    client.post(f"/admin/livreurs/{world.courier_id}/etat", data={"active": "1"})
    french = _in("fr", client, *deactivate)
    assert "Tournées confiées à Marc Facteur : « Saint-Pol matin »." in french
    assert "« Saint-Pol matin » (mardi 24 novembre)" in french
