"""The operator's round board and round set-up, exports, sheets and packing lists."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
import threading
import time
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from celery.contrib.testing.worker import start_worker
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

import delivery.model  # noqa: F401  (delivery tables and migrations)
from delivery import planning_jobs
from delivery.model import Depot, PlanningJob, PlanningStatus, Round, RoundRun, StopStatus
from delivery.services import DepotInput, RoundInput, create_depot, create_round
from delivery.stops import AfterFailure, collect, fail
from reference_app import jobs, routines
from reference_app.jobs import celery_app
from reference_app.rounds import board as board_views
from shop_core.accounts.model import Role
from shop_core.accounts.profile import set_locale
from shop_core.audit.services import Actor
from shop_core.database import Database
from shop_core.orders.model import DeliveryMethod, Order
from shop_core.testing.factories import make_user
from tests.unit.delivery.fake_http import serving

from .backoffice import place_order
from .conftest import World, login, use_celery_on_test_redis
from .rounds_setup import (
    NOW,
    TUESDAY,
    add_fleet,
    configure,
    make_ready,
    order_of,
    place_frevent_order,
    plan,
    stops,
)

DAY = TUESDAY.isoformat()
WEDNESDAY = TUESDAY + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _delivery_app(app: Flask) -> None:
    configure(app)


def test_the_board_and_the_setup_are_for_operators_only(
    client: FlaskClient, db: Database, world: World
) -> None:
    add_fleet(db, world)
    assert client.get("/admin/tournees").status_code == 302
    for email in (world.courier_email, world.baker_email, world.shopper_email):
        login(client, email)
        assert client.get("/admin/tournees").status_code == 403
        assert client.get("/admin/tournees/reglages").status_code == 403
        assert client.post("/admin/tournees/planifier", data={"date": DAY}).status_code == 403
        client.post("/logout")
    with db.uow() as uow:
        assert uow.session.scalar(select(RoundRun.id)) is None


def test_the_operator_plans_the_day_and_sees_every_run_with_its_stops(
    client: FlaskClient, db: Database, world: World
) -> None:
    add_fleet(db, world)
    home = place_order(db, world, {world.bread_id: 1, world.apples_id: 1})
    place_order(db, world, {world.cake_id: 1}, method=DeliveryMethod.PICKUP_POINT)
    login(client, world.operator_email)

    before = client.get(f"/admin/tournees?date={DAY}").get_data(as_text=True)
    assert "Planifier la journée" in before and "Pas encore planifiée" in before

    planned = client.post("/admin/tournees/planifier", data={"date": DAY}, follow_redirects=True)

    html = planned.get_data(as_text=True)
    assert "Journée planifiée : 3 commandes sur 2 tournées." in html
    assert "Replanifier la journée" in html
    assert "Saint-Pol matin" in html and "Frévent après-midi" in html
    assert "Marc Facteur" in html and "Lucie Route" in html
    assert "Boulangerie Lefebvre" in html and "Le Tiers-Lieu du Ternois" in html
    assert "Aucun arrêt sur cette tournée." in html  # nobody to deliver in Frévent
    assert "Listes de préparation" in html
    assert len(stops(db, world)) == 6
    owed = order_of(db, home).total_incl_cents  # paid at the door; the point's is not
    assert f"{owed // 100},{owed % 100:02d}\u00a0€ à encaisser aux portes" in html


def test_orders_no_round_can_take_are_listed_with_reason_and_next_date(
    client: FlaskClient, db: Database, world: World
) -> None:
    add_fleet(db, world, frevent_days=(3,))  # Frévent on Thursdays only
    place_frevent_order(db, world)
    login(client, world.operator_email)

    html = client.post(
        "/admin/tournees/planifier", data={"date": DAY}, follow_redirects=True
    ).get_data(as_text=True)

    assert (
        "1 commande n&#39;a pas pu être planifiée" in html
        or "1 commande n'a pas pu être planifiée" in html
    )
    assert "Commandes non planifiées" in html
    assert "Aucune tournée de ce jour ne dessert Frévent." in html
    assert "jeudi 26 novembre 2026" in html


def test_the_reason_an_order_was_not_planned_reads_in_the_pages_language(
    client: FlaskClient, db: Database, world: World
) -> None:
    _unplanned_frevent_order(client, db, world)

    english = client.get(f"/admin/tournees?date={DAY}&lang=en").get_data(as_text=True)
    assert "No round that day serves Frévent." in english
    assert "ne dessert" not in english
    french = client.get(f"/admin/tournees?date={DAY}&lang=fr").get_data(as_text=True)
    assert "Aucune tournée de ce jour ne dessert Frévent." in french


def _unplanned_frevent_order(client: FlaskClient, db: Database, world: World) -> int:
    """Tuesday planned by the operator (logged in) with Paul's Frévent order left out: the
    Frévent round runs on Thursdays only. The order's id."""
    add_fleet(db, world, frevent_days=(3,))
    oid = place_frevent_order(db, world)
    login(client, world.operator_email)
    client.post("/admin/tournees/planifier", data={"date": DAY})
    return oid


def test_orders_no_round_can_take_are_postponed_to_their_next_date_and_everyone_told(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    oid = _unplanned_frevent_order(client, db, world)
    board = client.get(f"/admin/tournees?date={DAY}").get_data(as_text=True)
    assert "Reporter la commande non livrée à sa prochaine date possible" in board
    reference = order_of(db, oid).reference
    outbox = app.extensions["cabas_outbox"]
    outbox.clear()

    html = client.post(
        "/admin/tournees/reporter", data={"date": DAY}, follow_redirects=True
    ).get_data(as_text=True)

    thursday = TUESDAY + dt.timedelta(days=2)
    assert f"1 commande reportée : {reference} au 26 novembre." in html
    assert order_of(db, oid).delivery_date == thursday
    assert "Commandes non planifiées" not in html  # off Tuesday's list
    assert "Reporter la commande" not in html
    to_shopper = [m for m in outbox if m.to == world.shopper2_email]
    assert [m.subject for m in to_shopper] == [
        f"Votre commande {reference} : nouvelle date de livraison"
    ]
    assert "n'a pas pu partir en livraison le mardi 24 novembre" in to_shopper[0].body
    assert "Livraison à domicile le jeudi 26 novembre" in to_shopper[0].body
    to_shop = [m for m in outbox if m.to == world.baker_email]
    assert len(to_shop) == 1
    assert "livraison reportée au jeudi 26 novembre" in to_shop[0].subject
    assert "Préparez-la pour ce jour" in to_shop[0].body

    # Thursday's planning takes it.
    client.post("/admin/tournees/planifier", data={"date": thursday.isoformat()})
    assert {s.merchant_order.order_id for s in stops(db, world)} == {oid}
    again = client.post(
        "/admin/tournees/reporter", data={"date": DAY}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Aucune commande à reporter ce jour-là." in again


def test_the_nightly_command_postpones_what_a_day_did_not_deliver(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    oid = _unplanned_frevent_order(client, db, world)
    reference = order_of(db, oid).reference
    outbox = app.extensions["cabas_outbox"]
    outbox.clear()
    runner = app.test_cli_runner()

    result = runner.invoke(args=["postpone-unserved", "--date", DAY])

    assert result.exit_code == 0, result.output
    assert "Ternois, 2026-11-24 : 1 commande(s) reportée(s), 0 laissée(s) à décider." in (
        result.output
    )
    assert f"{reference} → 2026-11-26" in result.output
    assert order_of(db, oid).delivery_date == TUESDAY + dt.timedelta(days=2)
    assert [m.subject for m in outbox if m.to == world.shopper2_email] == [
        f"Votre commande {reference} : nouvelle date de livraison"
    ]
    again = runner.invoke(args=["postpone-unserved", "--date", DAY])
    assert "Ternois, 2026-11-24 : 0 commande(s) reportée(s)" in again.output
    unplanned_day = runner.invoke(args=["postpone-unserved"])  # the day before today: no plan
    assert "Cette journée n'est pas encore planifiée : rien à reporter." in unplanned_day.output


def test_the_app_postpones_what_a_day_did_not_deliver_by_itself_after_one_at_night(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    oid = _unplanned_frevent_order(client, db, world)
    outbox = app.extensions["cabas_outbox"]
    outbox.clear()
    paris = dt.timezone(dt.timedelta(hours=1))
    wednesday = TUESDAY + dt.timedelta(days=1)

    def tick(hour: int, minute: int) -> list[str]:
        local = dt.datetime.combine(wednesday, dt.time(hour, minute), tzinfo=paris)
        app.config["FIXED_NOW"] = local.astimezone(dt.UTC)
        with app.app_context():
            return routines.tick().lines

    assert tick(0, 30) == []  # Tuesday's couriers may still be out at half past midnight
    assert order_of(db, oid).delivery_date == TUESDAY
    lines = tick(1, 0)
    assert "Ternois, 2026-11-24 : 1 commande(s) reportée(s), 0 laissée(s) à décider." in lines
    assert order_of(db, oid).delivery_date == TUESDAY + dt.timedelta(days=2)
    assert len([m for m in outbox if m.to == world.shopper2_email]) == 1
    assert tick(1, 1) == [] and tick(23, 59) == []  # once a night


def test_a_shopper_who_reads_english_hears_of_the_new_date_in_english(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    with db.uow() as uow:
        set_locale(uow=uow, user_id=world.shopper_id, locale="en")
    oid = _unplanned_frevent_order(client, db, world)
    outbox = app.extensions["cabas_outbox"]
    outbox.clear()

    client.post("/admin/tournees/reporter", data={"date": DAY})

    reference = order_of(db, oid).reference
    (mail,) = [m for m in outbox if m.to == world.shopper2_email]
    assert mail.subject == f"Your order {reference}: new delivery date"
    assert "could not go out for delivery on Tuesday 24 November" in mail.body
    assert "Thursday 26 November" in mail.body


def test_the_operator_moves_a_stop_and_a_whole_run_to_another_courier(
    client: FlaskClient, db: Database, world: World
) -> None:
    fleet = add_fleet(db, world)
    place_order(db, world, {world.bread_id: 1}, method=DeliveryMethod.PICKUP_POINT)
    plan(db, world)
    login(client, world.operator_email)
    with db.uow() as uow:
        runs = {r.round_id: r.id for r in uow.session.scalars(select(RoundRun))}
    pickup, drop = stops(db, world)

    moved = client.post(
        f"/admin/tournees/arrets/{drop.id}/deplacer",
        data={"date": DAY, "run_id": runs[fleet.frevent]},
        follow_redirects=True,
    )
    assert "Commande déplacée." in moved.get_data(as_text=True)
    assert {s.run_id for s in stops(db, world)} == {runs[fleet.frevent]}
    # Re-planning the whole day may undo that move: the board says so, naming the order.
    (reference,) = {s.merchant_order.reference for s in stops(db, world)}
    warned = html.unescape(moved.get_data(as_text=True))
    assert (
        f"Depuis la planification, vous avez déplacé à la main la commande {reference} : "
        "« Replanifier la journée » peut la remettre sur une autre tournée."
    ) in warned

    given = client.post(
        f"/admin/tournees/passages/{runs[fleet.saint_pol]}/livreur",
        data={"date": DAY, "courier_id": fleet.other_courier_id},
        follow_redirects=True,
    )
    assert "Tournée confiée à un autre livreur" in given.get_data(as_text=True)
    with db.uow() as uow:
        assert (
            uow.session.get_one(RoundRun, runs[fleet.saint_pol]).courier_id
            == fleet.other_courier_id
        )

    not_a_courier = client.post(
        f"/admin/tournees/passages/{runs[fleet.frevent]}/livreur",
        data={"date": DAY, "courier_id": world.shopper_id},
        follow_redirects=True,
    )
    assert "Choisissez un livreur actif du territoire." in not_a_courier.get_data(as_text=True)
    assert (
        client.post(
            "/admin/tournees/arrets/999999/deplacer", data={"date": DAY, "run_id": 1}
        ).status_code
        == 404
    )
    assert (
        client.post("/admin/tournees/passages/999999/livreur", data={"courier_id": 1}).status_code
        == 404
    )
    assert (
        client.post(
            f"/admin/tournees/arrets/{pickup.id}/deplacer", data={"run_id": "x"}
        ).status_code
        == 302
    )
    plan(db, world, now=NOW + dt.timedelta(minutes=5))  # planned again since the move
    board = client.get(f"/admin/tournees?date={DAY}").get_data(as_text=True)
    assert "Planifiée le" in board and "déplacé à la main" not in board


def test_a_day_not_planned_yet_names_the_orders_waiting_for_its_planning(
    client: FlaskClient, db: Database, world: World
) -> None:
    # The board said « 3 commandes à livrer · 0 tournée · 0 non planifiée » and « les
    # commandes ci-dessus attendent », above no list at all.
    add_fleet(db, world)
    home = place_order(db, world, {world.bread_id: 1, world.apples_id: 1})
    point = place_order(db, world, {world.cake_id: 1}, method=DeliveryMethod.PICKUP_POINT)
    references = {oid: order_of(db, oid).reference for oid in (home, point)}
    login(client, world.operator_email)

    before = html.unescape(client.get(f"/admin/tournees?date={DAY}").get_data(as_text=True))

    waiting = before[before.index('<section class="run-panel board-waiting"') :]
    waiting = waiting[: waiting.index("</section>")]
    assert "Pas encore planifiée : 3 commandes attendent leurs tournées" in waiting
    assert "« Planifier la journée » les répartit entre les tournées du jour." in waiting
    listed = re.findall(r'<strong class="nowrap">([^<]+)</strong> · ([^·<]+) · ', waiting)
    assert listed == [
        (f"{references[home]}-1", "Boulangerie Lefebvre"),
        (f"{references[home]}-2", "Ferme du Ternois"),
        (f"{references[point]}-1", "Boulangerie Lefebvre"),
    ]
    assert "Jeanne Martin, Saint-Pol-sur-Ternoise" in waiting
    assert '<span class="tag">Point de retrait</span> Le Tiers-Lieu du Ternois' in waiting
    assert "Planifier la journée</button>" in before
    for said_of_a_plan in ("ci-dessus", "tournée</li>", "non planifiée", "à ajouter au plan"):
        assert said_of_a_plan not in before, said_of_a_plan
    assert "Aucune tournée planifiée pour ce jour." not in before  # said by the list

    plan(db, world)
    after = html.unescape(client.get(f"/admin/tournees?date={DAY}").get_data(as_text=True))
    assert "board-waiting" not in after and "Pas encore planifiée" not in after
    assert re.search(r"2</span> tournées</li>", after) and "0</span> non planifiée" in after
    one = client.get(f"/admin/tournees?date={WEDNESDAY.isoformat()}").get_data(as_text=True)
    assert "Aucune tournée planifiée pour ce jour." in one  # nothing due: nothing to list


def test_each_order_of_a_door_is_moved_by_a_form_that_names_it(
    client: FlaskClient, db: Database, world: World
) -> None:
    # A door with two orders showed two identical « Karima Haddou · Canche et Au… » selects
    # and « Déplacer », without saying which order each moves.
    add_fleet(db, world)
    oid = place_order(db, world, {world.bread_id: 1, world.apples_id: 1})
    plan(db, world)
    reference = order_of(db, oid).reference
    door = [s for s in stops(db, world) if not s.kind.at_shop]
    login(client, world.operator_email)

    board = html.unescape(client.get(f"/admin/tournees?date={DAY}").get_data(as_text=True))

    forms = {s.id: move_form(board, s.id) for s in door}
    assert len(forms) == 2
    named = [
        re.search(r'<strong class="nowrap">([^<]+)</strong> · ([^<]+)</p>', f)
        for f in forms.values()
    ]
    assert sorted((m[1], m[2]) for m in named if m) == [
        (f"{reference}-1", "Boulangerie Lefebvre"),
        (f"{reference}-2", "Ferme du Ternois"),
    ]
    for form in forms.values():
        # One other run: a button that says where, whose text wraps on a phone.
        assert "Confier à Frévent après-midi (Lucie Route)" in form
        assert "<select" not in form
    assert move_options(board, door[0].id) == ["Frévent après-midi · Lucie Route"]


def test_with_several_runs_to_go_to_the_order_moved_is_named_above_their_list(
    client: FlaskClient, db: Database, world: World
) -> None:
    fleet = add_fleet(db, world)
    with db.uow() as uow:
        driver = make_user(uow, territory_id=world.territory_id, role=Role.COURIER, name="Léo")
        create_round(
            uow=uow, territory_id=world.territory_id,
            data=RoundInput(
                name="Ramecourt", depot_id=fleet.depot_id, weekdays=(1, 2, 3, 4, 5),
                starts=dt.time(8), ends=dt.time(19), capacity=20, courier_id=driver,
                insee_codes=("62767",),
            ),
            actor=Actor.system(),
        )  # fmt: skip
    oid = place_order(db, world, {world.bread_id: 1})
    plan(db, world)
    (drop,) = [s for s in stops(db, world) if not s.kind.at_shop]
    login(client, world.operator_email)

    board = html.unescape(client.get(f"/admin/tournees?date={DAY}").get_data(as_text=True))

    form = move_form(board, drop.id)
    label = re.search(rf'<label for="move-{drop.id}">(.*?)</label>', form, re.S)
    assert label is not None
    assert (
        f'<span class="visually-hidden">Confier à une autre tournée : </span>'
        f'<strong class="nowrap">{order_of(db, oid).reference}-1</strong> · Boulangerie Lefebvre'
    ) == label[1]
    options = move_options(board, drop.id) or []
    assert len(options) == 2 and "Frévent après-midi · Lucie Route" in options  # round first


def test_a_late_order_is_added_from_the_board_without_replanning(
    client: FlaskClient, db: Database, world: World
) -> None:
    add_fleet(db, world)
    place_order(db, world, {world.bread_id: 1})
    plan(db, world)
    first = [(s.id, s.sequence) for s in stops(db, world)]
    late = place_order(db, world, {world.apples_id: 1})
    login(client, world.operator_email)
    assert "Ajouter la commande au plan sans tout changer" in client.get(
        f"/admin/tournees?date={DAY}"
    ).get_data(as_text=True)

    client.post("/admin/tournees/retardataires", data={"date": DAY})

    after = stops(db, world)
    assert {s.id for s in after} >= {i for i, _ in first}
    assert any(s.merchant_order.order_id == late for s in after)


def test_rounds_and_depots_are_created_edited_and_deleted_with_french_errors(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.operator_email)
    assert client.get("/admin/tournees/nouvelle").status_code == 302  # a depot first

    bad_depot = client.post(
        "/admin/depots/nouveau",
        data={"name": "Hub", "address": "Gare", "postal_code": "6213", "city": "Saint-Pol"},
    )
    assert bad_depot.status_code == 422
    assert "Le code postal doit comporter 5 chiffres." in bad_depot.get_data(as_text=True)
    ok = client.post(
        "/admin/depots/nouveau",
        data={
            "name": "Hub",
            "address": "Gare",
            "postal_code": "62130",
            "city": "saint-pol-sur-ternoise",
        },
    )
    assert ok.status_code == 302
    with db.uow() as uow:
        depot = uow.session.scalars(select(Depot)).one()
        assert depot.city == "Saint-Pol-sur-Ternoise"

    form: dict[str, Any] = {
        "name": "Vallée de la Canche", "courier_id": str(world.courier_id),
        "depot_id": str(depot.id),
        "weekdays": ["1", "4"], "starts": "09:00", "ends": "08:00", "capacity": "25",
        "max_duration_min": "", "insee_codes": ["62361"], "active": "y",
    }  # fmt: skip
    refused = client.post("/admin/tournees/nouvelle", data=form)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert (
        "L&#39;heure de fin doit suivre l&#39;heure de départ." in html
        or "L'heure de fin doit suivre" in html
    )
    assert 'value="Vallée de la Canche"' in html  # nothing typed is lost

    assert (
        client.post("/admin/tournees/nouvelle", data={**form, "ends": "13:00"}).status_code == 302
    )
    with db.uow() as uow:
        created = uow.session.scalars(select(Round)).one()
        assert (created.weekdays, created.insee_codes, created.courier_id) == (
            "14",
            {"62361"},
            world.courier_id,
        )
        round_id = created.id

    edit = client.get(f"/admin/tournees/{round_id}/modifier")
    assert edit.status_code == 200 and 'value="Vallée de la Canche"' in edit.get_data(as_text=True)
    client.post(
        f"/admin/tournees/{round_id}/modifier",
        data={**form, "ends": "12:00", "courier_id": "0", "weekdays": ["0"]},
    )
    with db.uow() as uow:
        updated = uow.session.get_one(Round, round_id)
        assert (updated.weekdays, updated.courier_id) == ("0", None)

    listing = client.get("/admin/tournees/reglages").get_data(as_text=True)
    assert "Vallée de la Canche" in listing and "lundi" in listing and "Frévent" in listing
    client.post(f"/admin/tournees/{round_id}/supprimer")
    with db.uow() as uow:
        assert uow.session.scalar(select(Round.id)) is None
    assert client.get("/admin/tournees/999999/modifier").status_code == 404
    assert client.get("/admin/depots/999999/modifier").status_code == 404


def test_a_round_name_longer_than_its_column_is_refused_in_french_not_cut(
    client: FlaskClient, db: Database, world: World
) -> None:
    """A 300-letter name was cut to 120 by the browser's maxlength, without a word, and
    saved; the form's own refusal was WTForms' generic one."""
    add_fleet(db, world)
    with db.uow() as uow:
        depot = uow.session.scalars(select(Depot)).one()
        rounds_before = len(uow.session.scalars(select(Round)).all())
    login(client, world.operator_email)
    form = client.get("/admin/tournees/nouvelle").get_data(as_text=True)
    (name_input,) = re.findall(r'<input[^>]*name="name"[^>]*>', form)
    assert "maxlength" not in name_input  # the browser does not cut a paste silently

    refused = client.post(
        "/admin/tournees/nouvelle",
        data={
            "name": "A" * 300, "courier_id": "0", "depot_id": str(depot.id), "weekdays": ["1"],
            "starts": "09:00", "ends": "12:00", "capacity": "5",
        },
    )  # fmt: skip

    assert refused.status_code == 422
    page = html.unescape(refused.get_data(as_text=True))
    assert "Le nom de la tournée est trop long : 120 caractères au plus." in page
    with db.uow() as uow:
        assert len(uow.session.scalars(select(Round)).all()) == rounds_before
    depot_form = client.post(
        "/admin/depots/nouveau",
        data={"name": "D" * 121, "address": "Gare", "postal_code": "62130", "city": "Saint-Pol"},
    )
    assert "Le nom du dépôt est trop long : 120 caractères au plus." in html.unescape(
        depot_form.get_data(as_text=True)
    )


def test_an_unreadable_date_shows_todays_board_with_a_word(
    client: FlaskClient, db: Database, world: World
) -> None:
    add_fleet(db, world)
    login(client, world.operator_email)

    page = client.get("/admin/tournees?date=2026-02-30")

    assert page.status_code == 200  # was « Page introuvable »
    shown = html.unescape(page.get_data(as_text=True))
    assert "Date illisible : voici aujourd'hui." in shown
    assert "Tournées du lundi 23 novembre" in shown  # today on the operator's clock


def test_a_new_round_shows_every_error_at_once(
    client: FlaskClient, db: Database, world: World
) -> None:
    """End before start and a capacity of 0: only the capacity was said, the hours came
    after it was fixed."""
    add_fleet(db, world)
    with db.uow() as uow:
        depot = uow.session.scalars(select(Depot)).one()
    login(client, world.operator_email)

    refused = client.post(
        "/admin/tournees/nouvelle",
        data={
            "name": "Canche", "courier_id": "0", "depot_id": str(depot.id), "weekdays": ["1"],
            "starts": "14:00", "ends": "09:00", "capacity": "0", "max_duration_min": "",
        },
    )  # fmt: skip

    assert refused.status_code == 422
    page = html.unescape(refused.get_data(as_text=True))
    assert "La capacité va de 1 à 1000 colis." in page
    assert "L'heure de fin doit suivre l'heure de départ." in page


def test_removing_a_round_with_history_asks_first_and_says_it_is_switched_off(
    client: FlaskClient, db: Database, world: World
) -> None:
    """One click on « Supprimer » switched off Saint-Pol's round, planned for Tuesday,
    and left Saint-Pol without a round: the button now says « Désactiver » and leads to a
    page telling the days planned and the communes left, before anything is done."""
    fleet = add_fleet(db, world)
    make_ready(db, place_order(db, world, {world.bread_id: 1}))
    plan(db, world)
    login(client, world.operator_email)

    listing = client.get("/admin/tournees/reglages").get_data(as_text=True)
    assert f'action="/admin/tournees/{fleet.saint_pol}/supprimer"' not in listing  # no one-click
    ask = f"/admin/tournees/{fleet.saint_pol}/supprimer"
    assert re.search(
        rf'href="{ask}">Désactiver<span class="visually-hidden"> Saint-Pol matin', listing
    )

    page = client.get(ask)
    shown = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200
    assert "Désactiver la tournée « Saint-Pol matin » ?" in shown
    assert "elle sera désactivée plutôt que supprimée" in shown
    assert "mardi 24 novembre" in shown  # Tuesday, planned with the round
    left = re.search(r"Commune qui n'aura plus aucune tournée :</strong>([^<]*)<", shown)
    assert left is not None and left.group(1).strip() == "Saint-Pol-sur-Ternoise"
    assert f'method="post" action="{ask}"' in shown and 'href="/admin/tournees/reglages"' in shown
    with db.uow() as uow:
        assert uow.session.get_one(Round, fleet.saint_pol).active  # nothing done by looking

    client.post(ask)
    with db.uow() as uow:
        assert not uow.session.get_one(Round, fleet.saint_pol).active
    frevent = html.unescape(
        client.get(f"/admin/tournees/{fleet.frevent}/supprimer").get_data(as_text=True)
    )
    assert "Commune qui n'aura plus aucune tournée :</strong> Frévent<" in frevent


def test_exports_sheets_and_packing_lists_download(
    client: FlaskClient, db: Database, world: World
) -> None:
    add_fleet(db, world)
    oid = place_order(db, world, {world.bread_id: 1, world.apples_id: 2})
    plan(db, world)
    run_id = stops(db, world)[0].run_id
    login(client, world.operator_email)

    exported = client.get(f"/admin/tournees/arrets.csv?date={DAY}")
    # Each type once, with its charset once (« charset=utf-8; charset=utf-8 » before).
    assert exported.headers["Content-Type"] == "text/csv; charset=utf-8"
    for fmt, content_type in (
        ("geojson", "application/geo+json"),
        ("gpx", "application/gpx+xml; charset=utf-8"),
    ):
        sent = client.get(f"/admin/tournees/arrets.{fmt}?date={DAY}")
        assert sent.headers["Content-Type"] == content_type, fmt
    rows = list(
        csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    assert {r["action"] for r in rows} == {"Collecte", "Livraison"}
    geojson = json.loads(
        client.get(f"/admin/tournees/arrets.geojson?date={DAY}").get_data(as_text=True)
    )
    assert geojson["type"] == "FeatureCollection" and geojson["features"]
    gpx = ET.fromstring(client.get(f"/admin/tournees/arrets.gpx?date={DAY}").data)
    assert gpx.findall("{http://www.topografix.com/GPX/1/1}wpt")
    assert client.get(f"/admin/tournees/arrets.pdf?date={DAY}").status_code == 404
    code = order_of(db, oid).delivery_code
    for fmt in ("csv", "geojson", "gpx"):
        assert f";{code};" not in client.get(f"/admin/tournees/arrets.{fmt}?date={DAY}").get_data(
            as_text=True
        )

    sheet = client.get(f"/admin/tournees/passages/{run_id}/feuille.pdf")
    assert sheet.status_code == 200 and sheet.data.startswith(b"%PDF")
    packing = client.get(f"/admin/tournees/preparation/{world.baker_id}.pdf?date={DAY}")
    assert packing.status_code == 200 and packing.data.startswith(b"%PDF")
    assert client.get(f"/admin/tournees/preparation/999999.pdf?date={DAY}").status_code == 404

    client.post("/logout")
    login(client, world.baker_email)
    own = client.get(f"/boutique/preparation.pdf?date={DAY}")
    assert own.status_code == 200 and own.data.startswith(b"%PDF")
    assert (
        client.get(f"/admin/tournees/preparation/{world.farmer_id}.pdf?date={DAY}").status_code
        == 403
    )


def ban_answer(path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [2.3290, 50.3841]},
        "properties": {
            "label": "3 Rue des Tilleuls",
            "score": 0.95,
            "type": "housenumber",
            "citycode": "62767",
        },
    }
    return 200, {"features": [feature]}


def test_approximate_addresses_are_located_with_the_configured_geocoder(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    oid = place_order(db, world, {world.bread_id: 1})
    login(client, world.operator_email)
    assert "1</span> adresse approximative" in client.get(f"/admin/tournees?date={DAY}").get_data(
        as_text=True
    )

    refused = client.post("/admin/tournees/localiser", data={"date": DAY}, follow_redirects=True)
    assert "Aucun service de géocodage" in refused.get_data(as_text=True)

    with serving(ban_answer) as service:
        app.config.update(GEOCODER="ban", GEOCODER_DOMAIN=service.domain, GEOCODER_SCHEME="http")
        app.extensions.pop("cabas_geocoder", None)
        done = client.post("/admin/tournees/localiser", data={"date": DAY}, follow_redirects=True)
        assert len(service.requests) == 1

    assert "1 adresse localisée." in done.get_data(as_text=True)
    placed = order_of(db, oid)
    assert (placed.lat, placed.lon, placed.address_approximate) == (50.3841, 2.329, False)


def test_the_operator_sets_a_position_by_hand(
    client: FlaskClient, db: Database, world: World
) -> None:
    oid = place_order(db, world, {world.bread_id: 1})
    login(client, world.operator_email)
    url = f"/admin/tournees/commandes/{oid}/position?date={DAY}"

    assert client.get(url).status_code == 200
    swapped = client.post(url, data={"lat": "2.33", "lon": "50.38"})
    assert swapped.status_code == 422
    assert "inversées" in swapped.get_data(as_text=True)
    assert client.post(url, data={"lat": "50.3850", "lon": "2.3301"}).status_code == 302
    assert order_of(db, oid).address_approximate is False
    assert client.get("/admin/tournees/commandes/999999/position").status_code == 404


def _planning_day(db: Database, world: World, client: FlaskClient) -> None:
    add_fleet(db, world)
    place_order(db, world, {world.bread_id: 1, world.apples_id: 1})
    place_order(db, world, {world.cake_id: 1}, method=DeliveryMethod.PICKUP_POINT)
    login(client, world.operator_email)


def test_with_jobs_in_a_thread_the_board_shows_the_planning_under_way_then_what_it_did(
    app: Flask, client: FlaskClient, db: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["JOBS"] = "thread"
    _planning_day(db, world, client)
    go = threading.Event()
    run_planning_job = board_views.run_planning_job

    def held_until_the_board_is_seen(**kwargs: Any) -> Any:
        assert go.wait(30)
        return run_planning_job(**kwargs)

    monkeypatch.setattr(board_views, "run_planning_job", held_until_the_board_is_seen)

    response = client.post("/admin/tournees/planifier", data={"date": DAY})
    assert response.status_code == 302  # answered at once: the planning runs in the thread
    during = client.get(f"/admin/tournees?date={DAY}").get_data(as_text=True)
    assert "Planification demandée à" in during or "Planification en cours depuis" in during
    assert '<meta http-equiv="refresh" content="3">' in during
    assert re.search(r'<button type="submit" class="button primary" disabled>', during)
    again = client.post("/admin/tournees/planifier", data={"date": DAY}, follow_redirects=True)
    assert "Cette journée est déjà en cours de planification." in again.get_data(as_text=True)

    go.set()
    jobs.finish(app)
    after = client.get(f"/admin/tournees?date={DAY}").get_data(as_text=True)
    assert "Journée planifiée : 3 commandes sur 2 tournées." in after
    assert 'http-equiv="refresh"' not in after
    assert len(stops(db, world)) == 6


def test_with_celery_a_worker_plans_the_day_the_operator_asked_for(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    use_celery_on_test_redis(app)
    _planning_day(db, world, client)

    with start_worker(celery_app(app), pool="solo", perform_ping_check=False):
        response = client.post("/admin/tournees/planifier", data={"date": DAY})
        assert response.status_code == 302
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with db.uow() as uow:
                status = uow.session.scalar(select(PlanningJob.status))
            if status in (PlanningStatus.DONE, PlanningStatus.FAILED):
                break
            time.sleep(0.2)

    assert status is PlanningStatus.DONE
    html = client.get(f"/admin/tournees?date={DAY}").get_data(as_text=True)
    assert "Journée planifiée : 3 commandes sur 2 tournées." in html
    assert len(stops(db, world)) == 6


_SHORT_JOBS_RUN: list[str] = []


@jobs.job("tests.short")
def _short_job(tag: str) -> None:
    _SHORT_JOBS_RUN.append(tag)


def _planning_status(db: Database) -> PlanningStatus | None:
    with db.uow() as uow:
        return uow.session.scalar(select(PlanningJob.status))


def test_with_celery_plannings_have_a_queue_of_their_own_so_short_jobs_never_wait(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    use_celery_on_test_redis(app)
    _planning_day(db, world, client)
    celery = celery_app(app)
    short_queue = app.config["CELERY_QUEUE"]

    with start_worker(celery, pool="solo", perform_ping_check=False, queues=[short_queue]):
        assert client.post("/admin/tournees/planifier", data={"date": DAY}).status_code == 302
        with app.app_context():
            jobs.submit("tests.short", tag=short_queue)  # handed over after the planning
        deadline = time.monotonic() + 30
        while short_queue not in _SHORT_JOBS_RUN and time.monotonic() < deadline:
            time.sleep(0.1)
        assert short_queue in _SHORT_JOBS_RUN
        # The worker of the short jobs never took the planning, though it came first.
        assert _planning_status(db) is PlanningStatus.QUEUED

    with start_worker(celery, pool="solo", perform_ping_check=False, queues=[jobs.long_queue(app)]):
        deadline = time.monotonic() + 60
        while _planning_status(db) is not PlanningStatus.DONE and time.monotonic() < deadline:
            time.sleep(0.2)
    assert _planning_status(db) is PlanningStatus.DONE
    assert len(stops(db, world)) == 6


def test_when_the_broker_is_down_the_board_says_so_and_the_day_is_not_blocked(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    # Nothing listens on port 9: the job cannot be handed to a Celery worker.
    app.config.update(JOBS="celery", CELERY_BROKER_URL="redis://127.0.0.1:9/0")
    _planning_day(db, world, client)

    html = client.post(
        "/admin/tournees/planifier", data={"date": DAY}, follow_redirects=True
    ).get_data(as_text=True)

    assert "Le service de planification ne répond pas" in html
    assert 'http-equiv="refresh"' not in html
    assert '<button type="submit" class="button primary">Planifier la journée' in html
    with db.uow() as uow:
        assert uow.session.scalar(select(PlanningJob.status)) is PlanningStatus.FAILED
    assert stops(db, world) == []


def test_what_the_planning_did_is_shown_for_a_while_and_a_failure_until_the_next(
    app: Flask, client: FlaskClient, db: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _planning_day(db, world, client)
    client.post("/admin/tournees/planifier", data={"date": DAY})
    board = f"/admin/tournees?date={DAY}"
    assert "Journée planifiée : 3 commandes" in client.get(board).get_data(as_text=True)

    app.config["FIXED_NOW"] = NOW + dt.timedelta(minutes=20)
    later = client.get(board).get_data(as_text=True)
    assert "Journée planifiée" not in later and "Planifiée le" in later

    def crashed(**_: object) -> None:
        raise RuntimeError("solver bug")

    monkeypatch.setattr(planning_jobs, "plan_day", crashed)
    client.post("/admin/tournees/planifier", data={"date": DAY})
    app.config["FIXED_NOW"] = NOW + dt.timedelta(hours=2)
    failed = client.get(board).get_data(as_text=True)
    assert "La planification a échoué : réessayez" in failed


def test_a_rounds_deactivated_courier_is_shown_not_silently_dropped_on_save(
    client: FlaskClient, db: Database, world: World
) -> None:
    """Marc's account was deactivated: the round's form still names him, says why to choose
    another, and saving it unchanged refuses rather than leaving the round without him."""
    fleet = add_fleet(db, world)
    with db.uow() as uow:
        saint_pol = uow.session.get_one(Round, fleet.saint_pol)
        assert saint_pol.courier_id == world.courier_id
        saint_pol.courier.active = False
        uow.commit()
    login(client, world.operator_email)

    page = html.unescape(
        client.get(f"/admin/tournees/{fleet.saint_pol}/modifier").get_data(as_text=True)
    )
    selected = re.search(r'<option selected value="(\d+)">([^<]*)</option>', page) or re.search(
        r'<option value="(\d+)" selected>([^<]*)</option>', page
    )
    assert selected is not None
    assert selected.groups() == (str(world.courier_id), "Marc Facteur (compte désactivé)")
    assert "Le compte de Marc Facteur est désactivé : choisissez un autre livreur" in page

    form: dict[str, Any] = {
        "name": "Saint-Pol matin", "courier_id": str(world.courier_id),
        "depot_id": str(fleet.depot_id), "weekdays": ["1"], "starts": "08:00", "ends": "13:00",
        "capacity": "30", "max_duration_min": "", "insee_codes": ["62767"], "active": "y",
    }  # fmt: skip
    kept = client.post(f"/admin/tournees/{fleet.saint_pol}/modifier", data=form)
    assert kept.status_code == 422
    assert "Choisissez un livreur actif du territoire." in html.unescape(
        kept.get_data(as_text=True)
    )
    with db.uow() as uow:
        assert uow.session.get_one(Round, fleet.saint_pol).courier_id == world.courier_id

    other = {**form, "courier_id": str(fleet.other_courier_id)}
    assert client.post(f"/admin/tournees/{fleet.saint_pol}/modifier", data=other).status_code == 302
    with db.uow() as uow:
        assert uow.session.get_one(Round, fleet.saint_pol).courier_id == fleet.other_courier_id


TUESDAY_9 = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)


def _loaf_left_at_the_post_office(db: Database, world: World) -> int:
    """Jeanne's loaf, collected on Tuesday by the round from the post office and not
    delivered (she was out): it waits at the post office. The order's id."""
    add_fleet(db, world)
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
    return oid


def test_parcels_at_a_depot_are_offered_only_to_rounds_that_can_load_them(
    client: FlaskClient, db: Database, world: World
) -> None:
    """Jeanne was out on Tuesday: her loaf waits at the post office for Wednesday. On the
    board, it can go to another round leaving from the post office, not to the round from
    the other depot, and no longer once its round has left."""
    oid = _loaf_left_at_the_post_office(db, world)
    with db.uow() as uow:  # then a second depot opens, with a round for Saint-Pol
        other_depot = create_depot(
            uow=uow, territory_id=world.territory_id,
            data=DepotInput("Relais de Ramecourt", "2 rue Haute", "62130", "Ramecourt"),
            actor=Actor.system(),
        )  # fmt: skip
        driver = make_user(uow, territory_id=world.territory_id, role=Role.COURIER, name="Léo")
        create_round(
            uow=uow, territory_id=world.territory_id,
            data=RoundInput(
                name="Ramecourt", depot_id=other_depot, weekdays=(1, 2, 3, 4, 5),
                starts=dt.time(8), ends=dt.time(19), capacity=20, courier_id=driver,
                insee_codes=("62767",),
            ),
            actor=Actor.system(),
        )  # fmt: skip
    fresh = place_order(db, world, {world.cake_id: 1})
    with db.uow() as uow:
        uow.session.get_one(Order, fresh).delivery_date = WEDNESDAY
        uow.commit()
    make_ready(db, fresh)
    plan(db, world, WEDNESDAY)
    login(client, world.operator_email)
    wednesday = [s for s in stops(db, world) if s.status is StopStatus.TODO]  # Tuesday's: done
    (loaded,) = [s for s in wednesday if s.merchant_order.order_id == oid]

    board = client.get(f"/admin/tournees?date={WEDNESDAY.isoformat()}").get_data(as_text=True)

    options = move_options(board, loaded.id)
    assert options == ["Frévent après-midi · Lucie Route"]  # same depot, not Ramecourt
    assert "Ramecourt" in board  # the other depot's round is on the board all the same

    # Its round leaves: the parcel is on the van, no longer movable.
    started = next(s for s in wednesday if s.run_id == loaded.run_id and s.id != loaded.id)
    with db.uow() as uow:
        collect(uow=uow, territory_id=world.territory_id, courier_id=world.courier_id,
                stop_id=started.id, now=TUESDAY_9 + dt.timedelta(days=1))  # fmt: skip
    board = client.get(f"/admin/tournees?date={WEDNESDAY.isoformat()}").get_data(as_text=True)
    assert move_options(board, loaded.id) is None


def test_parcels_stuck_at_a_depot_are_carried_to_another_from_the_board(
    client: FlaskClient, db: Database, world: World
) -> None:
    """Jeanne was out on Tuesday: her loaf waits at the post office, whose rounds run on
    Tuesdays only from now on; Wednesday's round leaves from Ramecourt. The operator has the
    parcels carried there and records it on the board; Wednesday's planning then takes them."""
    oid = _loaf_left_at_the_post_office(db, world)
    with db.uow() as uow:
        for round_ in uow.session.scalars(select(Round)):
            round_.weekdays = "1"  # the post office's rounds: Tuesdays only
        other_depot = create_depot(
            uow=uow, territory_id=world.territory_id,
            data=DepotInput("Relais de Ramecourt", "2 rue Haute", "62130", "Ramecourt"),
            actor=Actor.system(),
        )  # fmt: skip
        driver = make_user(uow, territory_id=world.territory_id, role=Role.COURIER, name="Léo")
        ramecourt = create_round(
            uow=uow, territory_id=world.territory_id,
            data=RoundInput(
                name="Ramecourt", depot_id=other_depot, weekdays=(2,), starts=dt.time(8),
                ends=dt.time(19), capacity=20, courier_id=driver, insee_codes=("62767",),
            ),
            actor=Actor.system(),
        )  # fmt: skip
        order = uow.session.get_one(Order, oid)
        order.delivery_date = WEDNESDAY
        uow.commit()
        mo_id = order.merchant_orders[0].id
    plan(db, world, WEDNESDAY)
    login(client, world.operator_email)
    day = f"/admin/tournees?date={WEDNESDAY.isoformat()}"

    board = client.get(day).get_data(as_text=True)
    assert "Les colis attendent au dépôt « " in board
    found = re.search(rf'<select id="carry-{mo_id}" name="depot_id">(.*?)</select>', board, re.S)
    assert found is not None
    assert re.findall(r"<option [^>]*>([^<]*)</option>", found[1]) == ["Relais de Ramecourt"]

    missing = client.post(
        f"/admin/tournees/colis/{mo_id}/depot", data={"date": WEDNESDAY.isoformat()},
        follow_redirects=True,
    ).get_data(as_text=True)  # fmt: skip
    assert "Choisissez le dépôt où sont maintenant les colis." in missing
    done = client.post(
        f"/admin/tournees/colis/{mo_id}/depot",
        data={"date": WEDNESDAY.isoformat(), "depot_id": str(other_depot)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Colis notés au nouveau dépôt" in html.unescape(done)
    again = client.post(
        f"/admin/tournees/colis/{mo_id}/depot",
        data={"date": WEDNESDAY.isoformat(), "depot_id": str(other_depot)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Les colis sont déjà au dépôt « Relais de Ramecourt »." in html.unescape(again)
    assert (
        client.post(
            f"/admin/tournees/colis/{mo_id}/depot",
            data={"date": WEDNESDAY.isoformat(), "depot_id": "999999"},
        ).status_code
        == 404
    )

    plan(db, world, WEDNESDAY)
    (loaded,) = [s for s in stops(db, world) if s.status is StopStatus.TODO]
    assert (loaded.merchant_order_id, loaded.run.round_id) == (mo_id, ramecourt)


def move_form(board: str, stop_id: int) -> str:
    """The board's form that moves a stop to another run ("" when it offers none)."""
    found = re.search(
        rf'action="/admin/tournees/arrets/{stop_id}/deplacer"(.*?)</form>', board, re.S
    )
    return found[1] if found else ""


def move_options(board: str, stop_id: int) -> list[str] | None:
    """The runs the board offers to move a stop to (« round · courier »), None when it
    offers no move."""
    form = move_form(board, stop_id)
    if not form:
        return None
    options = re.findall(r"<option [^>]*>([^<]*)</option>", form)
    if not options:  # one run to go to: its button says which
        only = re.search(r"Confier à ([^<]*) \(([^<]*)\)<span", html.unescape(form))
        assert only is not None, form
        options = [f"{only[1]} · {only[2]}"]
    return [html.unescape(o) for o in options]


def test_changing_a_round_names_the_days_already_planned_with_it(
    client: FlaskClient, db: Database, world: World
) -> None:
    """Tuesday is planned; the operator then moves the Frévent round's end: Tuesday keeps
    the round as it was until planned again, and the operator is told so."""
    fleet = add_fleet(db, world)
    place_frevent_order(db, world)
    plan(db, world)
    login(client, world.operator_email)
    common: dict[str, Any] = {
        "depot_id": str(fleet.depot_id), "weekdays": ["1", "2", "3", "4", "5"],
        "capacity": "20", "max_duration_min": "", "active": "y",
    }  # fmt: skip
    frevent = {
        **common, "name": "Frévent après-midi", "courier_id": str(fleet.other_courier_id),
        "starts": "13:00", "ends": "18:30", "insee_codes": ["62361"],
    }  # fmt: skip

    saved = client.post(f"/admin/tournees/{fleet.frevent}/modifier", data=frevent)
    assert saved.status_code == 302
    page = html.unescape(client.get(saved.headers["Location"]).get_data(as_text=True))
    assert "Déjà planifiée le mardi 24 novembre, la tournée y reste telle qu'elle était" in page
    assert 'class="flash flash-warning"' in page
    # Saved again unchanged (or renamed only): the planned day needs nothing.
    again = client.post(
        f"/admin/tournees/{fleet.frevent}/modifier", data={**frevent, "name": "Frévent soir"}
    )
    page = html.unescape(client.get(again.headers["Location"]).get_data(as_text=True))
    assert "Tournée « Frévent soir » enregistrée." in page and "Déjà planifiée" not in page

    # A round added since, in no plan yet: nothing to say.
    with db.uow() as uow:
        added = create_round(
            uow=uow, territory_id=world.territory_id, actor=Actor.system(),
            data=RoundInput(
                name="Saint-Pol soir", depot_id=fleet.depot_id, weekdays=(1, 2, 3, 4, 5),
                starts=dt.time(17), ends=dt.time(20), capacity=20, courier_id=world.courier_id,
                insee_codes=("62767",),
            ),
        )  # fmt: skip
    evening = {
        **common, "name": "Saint-Pol soir", "courier_id": str(world.courier_id),
        "starts": "17:00", "ends": "20:30", "insee_codes": ["62767"],
    }  # fmt: skip
    quiet = client.post(f"/admin/tournees/{added}/modifier", data=evening)
    assert quiet.status_code == 302
    page = html.unescape(client.get(quiet.headers["Location"]).get_data(as_text=True))
    assert "Tournée « Saint-Pol soir » enregistrée." in page and "Déjà planifiée" not in page


def test_adding_late_orders_says_where_to_read_why_one_could_not_go(
    client: FlaskClient, db: Database, world: World
) -> None:
    """« 1 sans place. » was said whatever the reason, here no round to Frévent that day."""
    add_fleet(db, world, frevent_days=(3,))
    place_order(db, world, {world.bread_id: 1})
    login(client, world.operator_email)
    client.post("/admin/tournees/planifier", data={"date": DAY})
    place_frevent_order(db, world)  # placed after the planning: late, and no round for it

    told = client.post(
        "/admin/tournees/retardataires", data={"date": DAY}, follow_redirects=True
    ).get_data(as_text=True)
    assert (
        "1 n&#39;a pu aller sur aucune tournée : la raison est dans le tableau des commandes "
        "non planifiées." in told
    )
    assert "sans place" not in told
