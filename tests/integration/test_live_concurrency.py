"""Checkouts through gunicorn with several worker processes, on the real PostgreSQL.

Competing shoppers, a double-submitted request and a worker killed in the middle of a
checkout must leave the database exactly right. These tests only run on PostgreSQL: SQLite
serialises every writer and has no server process to survive a crash. Nothing here asserts a
duration; every wait has a generous timeout.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from reference_app import create_app
from reference_app.api.auth import issue_token
from shop_core.accounts.model import User
from shop_core.carts.model import CartItem
from shop_core.carts.services import add_item, get_or_create_cart
from shop_core.catalogue.model import Product
from shop_core.database import Database, connect
from shop_core.orders.model import MerchantOrder, MerchantOrderStatus, Order, OrderLine
from shop_core.orders.services import earliest_date
from shop_core.persistence.base import utcnow
from shop_core.stock.model import ReservationStatus, StockReservation
from shop_core.territories.model import Territory
from shop_core.testing.factories import make_merchant, make_product, make_territory, make_user
from tests.conftest import _truncate_all

from .live_server import ROOT, LiveServer

WAIT = 120.0


@pytest.fixture(scope="module")
def server(pg_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(pg_server_url, tmp_path_factory.mktemp("live"), workers=3)
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture
def pg(pg_server_url: str) -> Iterator[Database]:
    database = connect(pg_server_url)
    try:
        yield database
    finally:
        _truncate_all(database)
        database.dispose()


@dataclass
class Stall:
    """One merchant selling one tracked product, and shoppers with it in their basket."""

    territory_id: int
    product_id: int
    user_ids: list[int]
    tokens: list[str]
    date: str


def open_day(territory: Territory) -> dt.date:
    """A click & collect day the factory's merchant is open (Tuesday to Saturday)."""
    day = earliest_date(territory, utcnow()) + dt.timedelta(days=1)  # clear of the cut-off
    while day.weekday() not in range(1, 6):
        day += dt.timedelta(days=1)
    return day


def stall(db: Database, server: LiveServer, *, shoppers: int, stock: int) -> Stall:
    with db.uow() as uow:
        tid = make_territory(uow)
        merchant = make_merchant(uow, territory_id=tid, name="Boulangerie Lefebvre")
        product = make_product(uow, merchant_id=merchant, name="Tarte au sucre", stock=stock)
        users = []
        for _ in range(shoppers):
            uid = make_user(uow, territory_id=tid)
            cart = get_or_create_cart(uow=uow, territory_id=tid, user_id=uid)
            add_item(uow=uow, cart_id=cart, product_id=product, quantity=1)
            users.append(uid)
        territory = uow.session.get_one(Territory, tid)
        day = open_day(territory)
        loaded = uow.session.scalars(select(User).where(User.id.in_(users))).all()
        by_id = {u.id: u for u in loaded}
    app = create_app({"TESTING": True, "SECRET_KEY": server.secret_key, "DATABASE_URL": url_of(db)})
    with app.app_context():
        tokens = [issue_token(by_id[uid]) for uid in users]
    app.extensions["cabas_db"].dispose()
    return Stall(tid, product, users, tokens, day.isoformat())


def url_of(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


def checkout_body(shop: Stall) -> dict[str, object]:
    return {"delivery": {"method": "click_collect", "date": shop.date}}


def count(db: Database, column: object) -> int:
    with db.uow() as uow:
        return int(uow.session.scalar(select(func.count(column))) or 0)


def stock_of(db: Database, product_id: int) -> int:
    with db.uow() as uow:
        value = uow.session.scalar(select(Product.stock_quantity).where(Product.id == product_id))
        return int(value or 0)


def wait_until(condition: object, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting until {what}")


def backends(db: Database, where: str) -> int:
    """How many other sessions on this database match ``where`` (pg_stat_activity)."""
    with db.engine.connect() as conn:
        return int(
            conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    f"AND pid <> pg_backend_pid() AND {where}"
                )
            )
            or 0
        )


def test_200_concurrent_checkouts_for_20_units_make_exactly_20_orders(
    pg: Database, server: LiveServer
) -> None:
    shop = stall(pg, server, shoppers=200, stock=20)
    barrier = threading.Barrier(len(shop.tokens))
    answers: list[tuple[int, object]] = [(0, "no answer")] * len(shop.tokens)
    lowest_stock: list[int] = []
    done = threading.Event()

    def shopper(n: int) -> None:
        barrier.wait(timeout=WAIT)
        try:
            answer = server.request(
                "POST", "/api/v1/checkout", checkout_body(shop), token=shop.tokens[n]
            )
            answers[n] = (answer.status, answer.body)
        except OSError as exc:
            answers[n] = (0, repr(exc))

    def watch_stock() -> None:
        while not done.is_set():
            lowest_stock.append(stock_of(pg, shop.product_id))
            time.sleep(0.01)

    watcher = threading.Thread(target=watch_stock)
    watcher.start()
    threads = [threading.Thread(target=shopper, args=(n,)) for n in range(len(shop.tokens))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    done.set()
    watcher.join(timeout=WAIT)

    statuses = Counter(status for status, _ in answers)
    assert statuses == {201: 20, 409: 180}, [a for a in answers if a[0] not in (201, 409)][:3]
    refused = [body for status, body in answers if status == 409]
    assert all(b["error"]["code"] == "out_of_stock" for b in refused)  # type: ignore[index]
    assert min(lowest_stock) >= 0
    assert stock_of(pg, shop.product_id) == 0
    assert count(pg, Order.id) == 20
    assert count(pg, MerchantOrder.id) == 20
    assert count(pg, OrderLine.id) == 20
    with pg.uow() as uow:
        held = uow.session.scalar(select(func.sum(StockReservation.quantity)))
        buyers = set(uow.session.scalars(select(Order.user_id)).all())
    assert held == 20
    winners = {shop.user_ids[i] for i, (s, _) in enumerate(answers) if s == 201}
    assert len(buyers) == 20 and len(winners) == 20  # twenty different shoppers


def test_double_submitted_checkout_with_one_idempotency_key_creates_one_order(
    pg: Database, server: LiveServer
) -> None:
    # One unit left: if the second submission did not find the first one's order, it would
    # take the stock lock after it and answer "out of stock".
    shop = stall(pg, server, shoppers=1, stock=1)
    token = shop.tokens[0]
    answers: dict[str, tuple[int, object]] = {}

    def submit(name: str, headers: dict[str, str]) -> None:
        try:
            answer = server.request(
                "POST", "/api/v1/checkout", checkout_body(shop), token=token, headers=headers
            )
            answers[name] = (answer.status, answer.body)
        except OSError as exc:
            answers[name] = (0, repr(exc))

    key = {"Idempotency-Key": "panier-2026-11-22-001"}
    first = threading.Thread(target=submit, args=("first", {**key, "X-Test-Pause": "double"}))
    first.start()
    server.paused_pid("double")  # the first submission holds the stock, uncommitted
    second = threading.Thread(target=submit, args=("second", key))
    second.start()
    wait_until(lambda: backends(pg, "wait_event_type = 'Lock'") >= 1, "the second one waits")
    server.release("double")
    first.join(timeout=WAIT)
    second.join(timeout=WAIT)

    assert answers["first"][0] == 201, answers
    assert answers["second"][0] in (200, 201), answers
    first_body, second_body = answers["first"][1], answers["second"][1]
    assert first_body["id"] == second_body["id"]  # type: ignore[index]
    assert count(pg, Order.id) == 1
    assert count(pg, OrderLine.id) == 1
    assert stock_of(pg, shop.product_id) == 0


def test_worker_killed_inside_a_checkout_leaves_no_partial_order(
    pg: Database, server: LiveServer
) -> None:
    shop = stall(pg, server, shoppers=1, stock=5)
    token = shop.tokens[0]
    outcome: list[object] = []

    def doomed() -> None:
        try:
            answer = server.request(
                "POST",
                "/api/v1/checkout",
                checkout_body(shop),
                token=token,
                headers={"X-Test-Pause": "killed"},
            )
            outcome.append(answer.status)
        except OSError as exc:
            outcome.append(exc)

    request = threading.Thread(target=doomed)
    request.start()
    pid = server.paused_pid("killed")
    os.kill(pid, signal.SIGKILL)
    request.join(timeout=WAIT)
    assert outcome and not isinstance(outcome[0], int), outcome  # no answer came back

    # PostgreSQL rolls the dead worker's transaction back as soon as its socket closes.
    wait_until(
        lambda: (
            backends(pg, "state LIKE 'idle in transaction%'") == 0
            and backends(pg, "wait_event_type = 'Lock'") == 0
        ),
        "the killed worker's transaction is gone",
    )
    assert count(pg, Order.id) == 0
    assert count(pg, MerchantOrder.id) == 0
    assert count(pg, OrderLine.id) == 0
    assert count(pg, StockReservation.id) == 0
    assert stock_of(pg, shop.product_id) == 5
    assert count(pg, CartItem.id) == 1  # the basket is intact: the shopper can try again

    # The row lock went with it: the same shopper's retry goes through another worker.
    retry = server.request("POST", "/api/v1/checkout", checkout_body(shop), token=token)
    assert retry.status == 201, retry.body
    assert count(pg, Order.id) == 1
    assert stock_of(pg, shop.product_id) == 4


PAYER = """
import datetime as dt, sys, time
from shop_core.carts.services import add_item, get_or_create_cart
from shop_core.database import connect
from shop_core.orders.model import DeliveryMethod, PaymentMethod
from shop_core.orders.services import Customer, DeliveryChoice, checkout

url, territory, user, product, day = sys.argv[1:]
db = connect(url)
with db.uow() as uow:
    cart = get_or_create_cart(uow=uow, territory_id=int(territory), user_id=int(user))
    add_item(uow=uow, cart_id=cart, product_id=int(product), quantity=2)
    order = checkout(
        uow=uow,
        cart_id=cart,
        customer=Customer("Jeanne Martin", "jeanne@example.fr", user_id=int(user)),
        delivery=DeliveryChoice(DeliveryMethod.CLICK_COLLECT, dt.date.fromisoformat(day)),
        payment_method=PaymentMethod.ONLINE,
        reservation_ttl=dt.timedelta(seconds=1),
    )
print(order, flush=True)
time.sleep(600)  # waiting for the payment provider's answer, which never comes
"""


def test_reservation_of_a_payment_process_killed_before_payment_is_released_by_expiry(
    pg: Database, server: LiveServer
) -> None:
    shop = stall(pg, server, shoppers=0, stock=5)
    with pg.uow() as uow:
        user = make_user(uow, territory_id=shop.territory_id)
    payer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            PAYER,
            url_of(pg),
            str(shop.territory_id),
            str(user),
            str(shop.product_id),
            shop.date,
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert payer.stdout is not None
    order_id = int(payer.stdout.readline())
    payer.send_signal(signal.SIGKILL)
    payer.wait(timeout=WAIT)
    assert stock_of(pg, shop.product_id) == 3  # held for the payment, committed

    env = {
        **os.environ,
        "CABAS_DATABASE_URL": url_of(pg),
        "CABAS_SECRET_KEY": server.secret_key,
    }
    flask = Path(sys.executable).with_name("flask")
    released = ""
    deadline = time.monotonic() + WAIT
    while "1 commande" not in released and time.monotonic() < deadline:
        time.sleep(0.5)  # the reservation lasts one second
        released = subprocess.run(
            [str(flask), "--app", "reference_app", "release-expired"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=WAIT,
        ).stdout
    assert "1 commande expirée annulée" in released
    assert stock_of(pg, shop.product_id) == 5
    with pg.uow() as uow:
        order = uow.session.get_one(Order, order_id)
        assert [mo.status for mo in order.merchant_orders] == [MerchantOrderStatus.CANCELLED]
        statuses = uow.session.scalars(select(StockReservation.status)).all()
    assert statuses == [ReservationStatus.RELEASED]
