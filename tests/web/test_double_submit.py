"""Every form of the back-offices sent twice at the same instant (a double click, a phone
that sends again on a slow network): neither answer is a server error, and no stock goes
below zero. Two logged-in browsers of the same person, released together by a barrier."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from shop_core.database import Database
from shop_core.orders.model import DeliveryMethod, MerchantOrderStatus
from shop_core.orders.services import transition
from tests.together import together

from .backoffice import place_order
from .conftest import World, login
from .fuzzing import Form, check_invariants, forms_on
from .rounds_setup import (
    SYSTEM,
    TUESDAY,
    add_fleet,
    configure,
    make_ready,
    on_the_day,
    order_of,
    plan,
    statuses,
)
from .test_fuzz_forms import _merchant_order

S = MerchantOrderStatus
# Forms left out: logging out ends the session the second request needs; acting for a shop
# changes whose pages these are; planning runs the solver (its own tests send it twice).
SKIP = ("/logout", "/admin/agir", "/admin/tournees/planifier")


def _twice_at_once(app: Flask, email: str, form: Form, data: dict[str, Any]) -> list[int]:
    clients = [app.test_client(), app.test_client()]
    for client in clients:
        login(client, email)
    answers = together(*[partial(c.post, form.action, data=data) for c in clients])
    codes = [a.status_code if isinstance(a, TestResponse) else 599 for a in answers]
    assert len(codes) == 2 and all(code < 500 for code in codes), (form.action, data, answers)
    return codes


def _as_shown(form: Form) -> dict[str, Any]:
    """The form as the page shows it, sent unchanged (the first choice of a radio group)."""
    return {name: f.value for name, f in form.fields.items()}


def _send_all(app: Flask, client: FlaskClient, db: Database, email: str, pages: list[str]) -> int:
    login(client, email)
    sent = 0
    for page in pages:
        for form in forms_on(client, page, SKIP):
            _twice_at_once(app, email, form, _as_shown(form))
            check_invariants(db)
            sent += 1
    return sent


def _day(app: Flask, db: Database, world: World) -> tuple[int, Any]:
    configure(app)
    fleet = add_fleet(db, world)
    order = place_order(db, world, {world.bread_id: 1})
    make_ready(db, order)
    plan(db, world)
    return order, fleet


def test_the_courier_forms_sent_twice_at_once(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    order, _ = _day(app, db, world)
    on_the_day(app)  # a day to come is only to look at: no form to send
    day = f"/livreur/?date={TUESDAY.isoformat()}"
    assert _send_all(app, client, db, world.courier_email, [day]) >= 1  # the collection…
    assert statuses(db, order) == [S.HANDED_TO_COURIER]
    (deliver,) = [f for f in forms_on(client, day, SKIP) if f.action.endswith("/livraison")]
    data = {**_as_shown(deliver), "code": order_of(db, order).delivery_code, "means": "cash"}
    assert sorted(_twice_at_once(app, world.courier_email, deliver, data)) == [302, 302]
    assert statuses(db, order) == [S.DELIVERED]


def test_the_merchant_forms_sent_twice_at_once(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    placed = place_order(db, world, {world.roast_id: 1, world.apples_id: 2})
    collect = place_order(db, world, {world.apples_id: 1}, DeliveryMethod.CLICK_COLLECT)
    pages = ["/boutique/produits", f"/boutique/produits/{world.apples_id}", "/boutique/commandes"]
    with db.uow() as uow:
        ids = [_merchant_order(db, o, world.farmer_id) for o in (placed, collect)]
        for step in (S.ACCEPTED, S.READY):
            transition(uow=uow, merchant_order_id=ids[1], target=step, actor=SYSTEM)
    pages += [f"/boutique/commandes/{mo}" for mo in ids]
    assert _send_all(app, client, db, world.farmer_email, pages) >= 5


def test_the_operator_forms_sent_twice_at_once(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    _, fleet = _day(app, db, world)
    pages = [
        f"/admin/tournees?date={TUESDAY.isoformat()}",
        "/admin/retraits",
        "/admin/paiements",
        "/admin/livreurs",
        "/admin/points-retrait",
        f"/admin/boutiques/{world.baker_id}",
        "/admin/commission",
        f"/admin/tournees/{fleet.saint_pol}/modifier",
    ]
    assert _send_all(app, client, db, world.operator_email, pages) >= 5
