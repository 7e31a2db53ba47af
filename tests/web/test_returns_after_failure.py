"""Sending back a failed delivery from the operator's page: a parcel in a courier's van
stays on its round (the page says where it is), and the shopper reads one coherent story
whichever mail job runs first."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from delivery.distances import GreatCircleDistances
from delivery.model import RoundRun, Stop
from delivery.replanning import move_shipment
from delivery.returns import ON_THE_ROUND
from delivery.services import RoundInput, create_round
from delivery.stops import AfterFailure, collect, fail
from reference_app import jobs
from reference_app.mail import Mail
from reference_app.notifications import MAIL_JOB
from shop_core.accounts.model import User
from shop_core.audit.services import Actor
from shop_core.database import Database
from shop_core.orders.model import MerchantOrderStatus

from .backoffice import place_order
from .conftest import NOW, World, login
from .rounds_setup import (
    ON_THE_DAY,
    add_fleet,
    configure,
    make_ready,
    on_the_day,
    plan,
    statuses,
    stops,
)
from .test_courier_stop_rules import collected_on_the_day

S = MerchantOrderStatus
BAKER = "Boulangerie Lefebvre"


@pytest.fixture(autouse=True)
def _delivery_app(app: Flask) -> None:
    configure(app)


def text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def courier_fails(client: FlaskClient, drop: int, **form: str) -> None:
    response = client.post(f"/livreur/arrets/{drop}/echec", data=form)
    assert response.status_code == 302, text(response)
    client.post("/logout")


def order_of_stop(db: Database, stop_id: int) -> int:
    with db.uow() as uow:
        return uow.session.get_one(Stop, stop_id).merchant_order.order_id


# --- a parcel in the van ------------------------------------------------------------------


def test_a_failed_parcel_in_the_van_is_shown_there_and_not_sent_back(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    """Jeanne was out; the courier keeps her loaf in the van for the pickup point later on
    the round. The operator sees where it is, gets no button to send it back, and a return
    sent all the same changes nothing."""
    drop = collected_on_the_day(app, client, db, world)
    oid = order_of_stop(db, drop)
    courier_fails(
        client, drop, reason="absent", then="pickup_point", pickup_point=str(world.pickup_point_id)
    )
    login(client, world.operator_email)

    page = text(client.get("/admin/retraits"))
    start = page.index(f'id="echec-{oid}"')
    entry = page[start : page.index("</section>", start)]
    assert "dans la camionnette" in entry
    assert "tournée « Saint-Pol matin », présentation prévue vers" in entry
    assert ON_THE_ROUND in entry
    assert f'action="/admin/retraits/{oid}/retour"' not in page

    sent = client.post(
        f"/admin/retraits/{oid}/retour", data={"reason": "N'en veut plus"}, follow_redirects=True
    )

    assert f'<p class="flash flash-error">{ON_THE_ROUND}</p>' in text(sent)
    assert statuses(db, oid) == [S.DELIVERY_FAILED]


def test_of_two_failed_parts_the_one_at_the_depot_goes_back_and_the_page_says_where_the_other_is(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    """Jeanne's bread and apples went out on two morning rounds. Nobody was in: the apples
    wait at the depot for the next round; the bread's courier keeps it in the van for the
    pickup point. Jeanne wants nothing more: the apples go back, the bread stays on its
    round, and the operator is told so."""
    fleet = add_fleet(db, world)
    with db.uow() as uow:
        second = create_round(
            uow=uow,
            territory_id=world.territory_id,
            data=RoundInput(
                name="Saint-Pol bis", depot_id=fleet.depot_id, weekdays=(1, 2, 3, 4, 5),
                starts=dt.time(8), ends=dt.time(13), capacity=20,
                courier_id=fleet.other_courier_id, insee_codes=("62767",),
            ),
            actor=Actor.system(),
        )  # fmt: skip
    oid = place_order(db, world, {world.bread_id: 1, world.apples_id: 1})
    make_ready(db, oid)
    plan(db, world)
    for merchant, round_id in ((world.baker_id, fleet.saint_pol), (world.farmer_id, second)):
        stop = next(s for s in stops(db, world) if s.merchant_order.merchant_id == merchant)
        if stop.run.round_id != round_id:
            with db.uow() as uow:
                target = uow.session.scalar(
                    select(RoundRun.id).where(
                        RoundRun.plan_id == stop.run.plan_id, RoundRun.round_id == round_id
                    )
                )
                assert target is not None
                move_shipment(
                    uow=uow, territory_id=world.territory_id, stop_id=stop.id, run_id=target,
                    distances=GreatCircleDistances(), actor=Actor.system(), now=NOW,
                )  # fmt: skip
    on_the_day(app)
    for courier, merchant, then in (
        (world.courier_id, world.baker_id, AfterFailure.PICKUP_POINT),
        (fleet.other_courier_id, world.farmer_id, AfterFailure.NEXT_ROUND),
    ):
        pickup, door = [s for s in stops(db, world) if s.merchant_order.merchant_id == merchant]
        with db.uow() as uow:
            collect(
                uow=uow, territory_id=world.territory_id, courier_id=courier,
                stop_id=pickup.id, now=ON_THE_DAY,
            )  # fmt: skip
        with db.uow() as uow:
            fail(
                uow=uow, territory_id=world.territory_id, courier_id=courier, stop_id=door.id,
                reason="Personne à l'adresse", then=then, pickup_point_id=world.pickup_point_id,
                now=ON_THE_DAY,
            )  # fmt: skip
    login(client, world.operator_email)

    page = text(client.get("/admin/retraits"))
    start = page.index(f'id="echec-{oid}"')
    entry = page[start : page.index("</section>", start)]
    assert entry.count('<span class="tag tag-on">dans la camionnette</span>') == 1
    assert "Saint-Pol matin" in entry and "Saint-Pol bis" not in entry
    assert "seuls les autres retournent à la boutique" in entry
    assert f'action="/admin/retraits/{oid}/retour"' in entry

    sent = text(
        client.post(
            f"/admin/retraits/{oid}/retour",
            data={"reason": "N'en veut plus"},
            follow_redirects=True,
        )
    )

    assert statuses(db, oid) == [S.DELIVERY_FAILED, S.RETURNED]  # the bread, the apples
    assert "1 commande de boutique retournée" in sent
    bread = next(
        s.merchant_order for s in stops(db, world) if s.merchant_order.merchant_id == world.baker_id
    )
    assert (
        f'<p class="flash flash-warning">La commande {bread.reference} de {BAKER} est dans la '
        "camionnette de la tournée « Saint-Pol matin », en cours : elle n'est pas retournée. Si "
        "le livreur ne peut pas la remettre, elle revient au dépôt et vous pourrez alors la "
        "retourner.</p>"
    ) in sent


# --- the shopper's mails --------------------------------------------------------------------


@pytest.fixture
def held_jobs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """The mail jobs, held instead of run at once: a test runs them when it chooses (a busy
    worker, a queue that reorders them)."""
    held: list[dict[str, Any]] = []
    run_now = jobs.submit

    def submit(name: str, **arguments: Any) -> None:
        if name == MAIL_JOB:
            held.append(arguments)
        else:
            run_now(name, **arguments)

    monkeypatch.setattr(jobs, "submit", submit)
    yield held


def run(app: Flask, job: dict[str, Any]) -> None:
    jobs.run(app, MAIL_JOB, job)


def shoppers(app: Flask, world: World) -> list[Mail]:
    return [m for m in app.extensions["cabas_outbox"] if m.to == world.shopper_email]


def failed_then_sent_back(
    app: Flask, client: FlaskClient, db: Database, world: World, held: list[dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Jeanne was out on Tuesday; her loaf goes on the next round. The operator reaches
    her, who wants it no more, and sends it back to the bakery. The mail jobs of the
    failure and of the return, not run yet."""
    drop = collected_on_the_day(app, client, db, world)
    oid = order_of_stop(db, drop)
    held.clear()
    courier_fails(client, drop, reason="absent", then="next_round")
    login(client, world.operator_email)
    client.post(f"/admin/retraits/{oid}/retour", data={"reason": "N'en veut plus"})
    assert statuses(db, oid) == [S.RETURNED]
    failure, back = held
    app.extensions["cabas_outbox"].clear()
    return failure, back


@pytest.mark.parametrize("failure_first", [False, True], ids=["returned-first", "reordered"])
def test_a_return_before_the_failure_mail_leaves_tells_the_shopper_both_in_one_mail(
    app: Flask,
    client: FlaskClient,
    db: Database,
    world: World,
    held_jobs: list[dict[str, Any]],
    failure_first: bool,
) -> None:
    failure, back = failed_then_sent_back(app, client, db, world, held_jobs)

    if failure_first:  # a queue that runs the failure's job once the return is recorded
        run(app, failure)
        run(app, back)
    else:
        run(app, back)
        run(app, failure)

    (mail,) = shoppers(app, world)  # not « livraison impossible », promising another round
    assert mail.subject == f"Votre commande chez {BAKER} retourne à la boutique"
    body = mail.body
    assert "Le mardi 24 novembre, le livreur n'a pas pu vous remettre votre commande" in body
    assert "Motif : Personne à l'adresse\n" in body
    assert "Nous ne la livrerons pas une nouvelle fois : les colis retournent à la boutique." in (
        body
    )
    assert "Raison du retour : N'en veut plus\n" in body
    assert body.index("Personne à l'adresse") < body.index("N'en veut plus")
    assert "Vous ne paierez rien pour cette partie de la commande." in body


def test_when_the_failure_mail_left_first_the_return_mail_follows_it(
    app: Flask, client: FlaskClient, db: Database, world: World, held_jobs: list[dict[str, Any]]
) -> None:
    """The usual order: « livraison impossible » on the day, then the return, which says
    again what happened (the shopper may read only the last mail)."""
    drop = collected_on_the_day(app, client, db, world)
    oid = order_of_stop(db, drop)
    held_jobs.clear()
    courier_fails(client, drop, reason="absent", then="next_round")
    (failure,) = held_jobs
    app.extensions["cabas_outbox"].clear()
    run(app, failure)
    login(client, world.operator_email)
    client.post(f"/admin/retraits/{oid}/retour", data={"reason": "N'en veut plus"})
    run(app, held_jobs[-1])

    first, second = shoppers(app, world)
    assert first.subject.startswith("Livraison de votre commande") and "impossible" in first.subject
    assert second.subject == f"Votre commande chez {BAKER} retourne à la boutique"
    assert "le livreur n'a pas pu vous remettre" in second.body
    assert "Raison du retour : N'en veut plus" in second.body


def test_a_parcel_refused_at_the_door_is_told_once_with_its_reason(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    drop = collected_on_the_day(app, client, db, world)
    app.extensions["cabas_outbox"].clear()

    courier_fails(client, drop, reason="refus", details="N'en veut plus", then="return_to_shop")

    (mail,) = shoppers(app, world)
    assert "Motif : Colis refusé par le client : N'en veut plus\n" in mail.body
    assert "Raison du retour" not in mail.body  # the same reason, not said twice


def test_a_shopper_reading_english_gets_the_same_story_in_english(
    app: Flask, client: FlaskClient, db: Database, world: World, held_jobs: list[dict[str, Any]]
) -> None:
    with db.uow() as uow:
        uow.session.get_one(User, world.shopper_id).locale = "en"
        uow.commit()
    failure, back = failed_then_sent_back(app, client, db, world, held_jobs)

    run(app, back)
    run(app, failure)

    (mail,) = shoppers(app, world)
    assert mail.subject == f"Your order from {BAKER} is going back to the shop"
    assert "On Tuesday 24 November, the courier could not hand over your order" in mail.body
    # Stored in French, told in the shopper's language (the e-mail said it in French).
    assert "Reason: Nobody at the address\n" in mail.body
    assert "We will not deliver it again: the parcels are going back to the shop." in mail.body
    assert "Reason for the return: N'en veut plus\n" in mail.body
