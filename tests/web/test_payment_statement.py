"""The month's balance of orders paid by hand, as the operator and the shop read it: what is
still owed, what was settled, and what is left once part of it was."""

from __future__ import annotations

import datetime as dt
import re

from flask.testing import FlaskClient

from shop_core.database import Database
from shop_core.orders.model import MerchantOrder
from shop_core.payments.model import OfflinePayment, PaymentMeans, Receiver, ShopPayout

from .backoffice import merchant_order_of, place_order
from .conftest import World, login

NOVEMBER = "2026-11"
RECEIVED = dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.UTC)
SETTLED = dt.datetime(2026, 12, 5, 9, 0, tzinfo=dt.UTC)


def _text(html: str) -> str:
    """The page's words, tags removed and spaces collapsed."""
    words = re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html))
    return words.replace("&#39;", "'").replace("\u00a0", " ")


def _euros(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d} €"


def hand_paid_in_november(db: Database, world: World, *, handed_in: bool = True) -> int:
    """The baker's share of an order paid in cash to the courier on 10 November, handed in
    to the platform (or still with the courier); what the platform owes the baker, in cents."""
    oid = place_order(db, world, {world.bread_id: 2})
    mo_id = merchant_order_of(db, oid, world.baker_id).id
    with db.uow() as uow:
        mo = uow.session.get_one(MerchantOrder, mo_id)
        uow.session.add(
            OfflinePayment(
                merchant_order_id=mo.id,
                amount_cents=mo.total_incl_cents,
                means=PaymentMeans.CASH,
                receiver=Receiver.COURIER,
                received_at=RECEIVED,
                handed_in_at=RECEIVED if handed_in else None,
            )
        )
        due = mo.total_incl_cents - mo.commission_cents
        uow.commit()
    return due


def _paid_out(db: Database, world: World, cents: int) -> None:
    with db.uow() as uow:
        uow.session.add(
            ShopPayout(
                merchant_id=world.baker_id,
                month=dt.date(2026, 11, 1),
                amount_cents=cents,
                paid_at=SETTLED,
            )
        )
        uow.commit()


def _pages(client: FlaskClient, world: World) -> tuple[str, str]:
    """The November balance as the operator reads it, then as the baker does."""
    login(client, world.operator_email)
    operator = _text(client.get(f"/admin/paiements?mois={NOVEMBER}").get_data(as_text=True))
    client.post("/logout")
    login(client, world.baker_email)
    merchant = _text(client.get(f"/boutique/paiements?mois={NOVEMBER}").get_data(as_text=True))
    return operator, merchant


def test_a_balance_not_settled_yet_reads_as_owed(
    client: FlaskClient, db: Database, world: World
) -> None:
    due = _euros(hand_paid_in_november(db, world))

    operator, merchant = _pages(client, world)

    assert f"{due} à verser à la boutique J'ai versé {due}" in operator
    assert f"{due} que la plateforme vous doit" in merchant


def test_a_settled_month_reads_as_settled_not_as_still_owed(
    client: FlaskClient, db: Database, world: World
) -> None:
    due = hand_paid_in_november(db, world)
    _paid_out(db, world, due)

    operator, merchant = _pages(client, world)

    for page in (operator, merchant):
        assert f"{_euros(due)} réglé {_euros(due)} le 5 décembre" in page
        assert "à verser" not in page and "vous doit" not in page and "reste" not in page
    assert "J'ai versé" not in operator


def test_a_month_settled_in_part_says_what_is_left(
    client: FlaskClient, db: Database, world: World
) -> None:
    due = hand_paid_in_november(db, world)
    _paid_out(db, world, due - 100)

    operator, merchant = _pages(client, world)

    settled = f"réglé {_euros(due - 100)} le 5 décembre"
    assert f"{_euros(due)} {settled} reste 1,00 € à verser à la boutique J'ai versé 1,00 €" in (
        operator
    )
    assert f"{_euros(due)} {settled} reste 1,00 € que la plateforme vous doit" in merchant


def test_a_month_where_the_shop_was_paid_too_much_says_what_it_owes_back(
    client: FlaskClient, db: Database, world: World
) -> None:
    due = hand_paid_in_november(db, world)
    _paid_out(db, world, due + 50)

    operator, merchant = _pages(client, world)

    assert "reste 0,50 € que la boutique doit J'ai reçu 0,50 €" in operator
    assert "reste 0,50 € que vous devez à la plateforme" in merchant


def test_without_online_payment_the_shop_is_promised_no_transfer(
    client: FlaskClient, world: World
) -> None:
    login(client, world.baker_email)

    page = _text(client.get("/boutique/paiements").get_data(as_text=True))

    assert "Le paiement en ligne n'est pas activé sur ce territoire" in page
    assert "Virements des commandes payées en ligne" not in page
    assert "virement" not in page.lower()
