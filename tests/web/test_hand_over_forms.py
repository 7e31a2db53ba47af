"""The three hand-over forms (the courier at the door, a pickup point, the shop) say a
missing code and a missing payment means at once, each by its field, and record nothing."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

import delivery.model  # noqa: F401  (delivery tables and migrations)
from delivery.model import Stop, StopStatus
from shop_core.database import Database
from shop_core.orders.model import MerchantOrder, MerchantOrderStatus
from shop_core.payments.model import OfflinePayment

from .backoffice import dropped_at_point
from .conftest import NOW, World, login
from .rounds_setup import configure, statuses, stops
from .test_courier import planned_order
from .test_merchant_orders import _ready_for_collection
from .test_point_staff import staff_password

S = MerchantOrderStatus
CODE = "Demandez son code au client."  # the courier's form's own word for an empty code
MISSING_CODE = "Indiquez le code à 4 chiffres que le client a reçu avec sa confirmation"
MEANS = "Indiquez comment le client a payé : espèces ou chèque."


def _payments(db: Database) -> int:
    with db.uow() as uow:
        return uow.session.scalar(select(func.count(OfflinePayment.id))) or 0


def _focused(page: str) -> list[str]:
    """The ids (or radio values) of the fields that take the focus."""
    tags = re.findall(r"<input[^>]*\bautofocus\b[^>]*>", page)
    return [m.group(1) for t in tags if (m := re.search(r'(?:id|value)="([^"]+)"', t))]


def _refused_on_both_fields(page: str, key: int) -> None:
    assert f'id="code-{key}-err" role="alert"' in page
    assert f'id="means-{key}-err" role="alert"' in page
    assert _focused(page) == [f"code-{key}"]  # the code first, one field only


@pytest.fixture
def courier_day(app: Flask) -> None:
    configure(app)
    app.config["FIXED_NOW"] = NOW + dt.timedelta(days=1)  # Tuesday, the round's day


@pytest.mark.usefixtures("courier_day")
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_courier_is_told_the_code_and_the_payment_at_once(
    client: FlaskClient, db: Database, world: World, lang: str
) -> None:
    oid = planned_order(db, world)
    pickup, drop = stops(db, world)
    login(client, world.courier_email)
    client.get(f"/?lang={lang}")
    assert client.post(f"/livreur/arrets/{pickup.id}/collecte").status_code == 302

    refused = client.post(f"/livreur/arrets/{drop.id}/livraison", data={"code": " "})

    assert refused.status_code == 422
    page = html.unescape(refused.get_data(as_text=True))
    if lang == "fr":
        assert CODE in page and MEANS in page
    else:
        assert "Ask the customer for their code." in page
        assert "Say how the customer paid: cash or cheque." in page
    _refused_on_both_fields(page, drop.id)
    assert statuses(db, oid) == [S.HANDED_TO_COURIER] and _payments(db) == 0
    with db.uow() as uow:
        assert uow.session.get_one(Stop, drop.id).status is StopStatus.TODO


@pytest.mark.usefixtures("courier_day")
def test_a_wrong_code_and_no_payment_are_said_at_once_at_the_door(
    client: FlaskClient, db: Database, world: World
) -> None:
    oid = planned_order(db, world)
    pickup, drop = stops(db, world)
    login(client, world.courier_email)
    client.post(f"/livreur/arrets/{pickup.id}/collecte")
    wrong = f"{(int(drop.merchant_order.order.delivery_code) + 1) % 10000:04d}"

    refused = client.post(f"/livreur/arrets/{drop.id}/livraison", data={"code": wrong})

    page = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 422
    assert "Code incorrect" in page and MEANS in page and f'value="{wrong}"' in page
    _refused_on_both_fields(page, drop.id)
    assert statuses(db, oid) == [S.HANDED_TO_COURIER] and _payments(db) == 0


@pytest.mark.parametrize("who", ["operator", "point"])
def test_a_pickup_point_hand_over_says_the_code_and_the_payment_at_once(
    client: FlaskClient, db: Database, world: World, who: str
) -> None:
    order = dropped_at_point(db, world)
    if who == "operator":
        login(client, world.operator_email)
        url = f"/admin/retraits/{order.id}"
    else:
        temporary = staff_password(client, world)
        client.post("/login", data={"email": "sylvie@example.fr", "password": temporary})
        url = f"/point-retrait/{order.id}"

    refused = client.post(url, data={"code": ""})

    assert refused.status_code == 422
    page = html.unescape(refused.get_data(as_text=True))
    assert MISSING_CODE in page and MEANS in page
    _refused_on_both_fields(page, order.id)
    assert statuses(db, order.id) == [S.DELIVERED] and _payments(db) == 0


@pytest.mark.parametrize("back", ["dashboard", "detail"])
def test_the_shop_is_told_the_code_and_the_payment_at_once(
    client: FlaskClient, db: Database, world: World, back: str
) -> None:
    login(client, world.baker_email)
    mo, _ = _ready_for_collection(client, db, world)

    refused = client.post(f"/boutique/commandes/{mo.id}/remise", data={"code": "", "back": back})

    assert refused.status_code == 422
    page = html.unescape(refused.get_data(as_text=True))
    assert MISSING_CODE in page and MEANS in page
    _refused_on_both_fields(page, mo.id)
    with db.uow() as uow:
        assert uow.session.get_one(MerchantOrder, mo.id).status is S.READY
    assert _payments(db) == 0
