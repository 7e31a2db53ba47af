"""The demo's orders: checkouts and lifecycle steps, dated around "now".

Each scenario is one checkout by one shopper from a few shops, placed some days ago (or
today), followed by the steps the merchants, couriers and pickup points took since. Orders
placed yesterday are for today's round, orders placed today for tomorrow's: the merchant
dashboards have parcels to prepare and the couriers a round to run. Every step goes through
``checkout``, ``set_final_weight``, ``transition`` or ``cancel_order`` with an explicit time.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from delivery import calendar, gazetteer
from delivery.returns import return_to_merchant
from reference_app.demo import data
from shop_core.audit.services import Actor
from shop_core.carts.services import add_item, get_or_create_cart
from shop_core.catalogue.model import Product
from shop_core.orders.delivery_codes import check_code
from shop_core.orders.model import DeliveryMethod, MerchantOrder, Order
from shop_core.orders.model import MerchantOrderStatus as S
from shop_core.orders.redelivery import redirect_delivery
from shop_core.orders.services import (
    Customer,
    DeliveryAddress,
    DeliveryChoice,
    cancel_order,
    checkout,
    earliest_date,
    set_final_weight,
    transition,
)
from shop_core.payments.model import PaymentMeans, Receiver
from shop_core.payments.offline import hand_in, take_payment
from shop_core.persistence.uow import UnitOfWork
from shop_core.territories.model import Territory

if TYPE_CHECKING:
    from reference_app.demo.loader import Demo

HOME, POINT, SHOP = DeliveryMethod.HOME, DeliveryMethod.PICKUP_POINT, DeliveryMethod.CLICK_COLLECT

DELIVERED_HOME = (S.ACCEPTED, S.PREPARING, S.READY, S.HANDED_TO_COURIER, S.DELIVERED)
AT_POINT = (S.ACCEPTED, S.PREPARING, S.READY, S.HANDED_TO_COURIER, S.DELIVERED)
COLLECTED_AT_POINT = (*AT_POINT, S.PICKED_UP)
COLLECTED_AT_SHOP = (S.ACCEPTED, S.READY, S.PICKED_UP)


@dataclass(frozen=True, slots=True)
class Scenario:
    """One checkout: ``placed`` is a day offset from today (0 = today, -1 = yesterday)."""

    shopper: int
    shops: tuple[str, ...]
    placed: int
    method: DeliveryMethod
    steps: tuple[S, ...] = ()
    slot: str = "matin"
    point: int = 0
    wait: int = 0  # days after the earliest possible date
    reason: str = ""
    cancelled_by_shopper: bool = False
    returned: str = ""
    """Why the operator sent the parcels back to their shop yesterday evening, if so."""


SCENARIOS = [
    # Done: delivered, picked up, refused, cancelled (the history and the invoices).
    Scenario(0, ("fournil", "cloche"), -12, HOME, DELIVERED_HOME),
    Scenario(1, ("maree", "lefebvre"), -11, HOME, DELIVERED_HOME, slot="apres-midi"),
    Scenario(2, ("delattre", "wimet"), -10, POINT, COLLECTED_AT_POINT),
    Scenario(3, ("dufour", "chenes"), -9, HOME, DELIVERED_HOME),
    Scenario(4, ("epicerie", "moulin"), -9, SHOP, COLLECTED_AT_SHOP),
    Scenario(5, ("cellier", "fournil"), -8, HOME, DELIVERED_HOME, slot="apres-midi"),
    Scenario(6, ("fleurs",), -8, HOME, DELIVERED_HOME),
    Scenario(
        7,
        ("delattre",),
        -7,
        HOME,
        (*DELIVERED_HOME[:4], S.DELIVERY_FAILED, S.HANDED_TO_COURIER, S.DELIVERED),
    ),
    Scenario(8, ("cloche", "chenes", "fournil"), -7, POINT, COLLECTED_AT_POINT, point=1),
    Scenario(9, ("vannier",), -6, SHOP, COLLECTED_AT_SHOP),
    Scenario(
        10,
        ("maree",),
        -6,
        HOME,
        (S.REFUSED,),
        reason="Le mareyeur n'a pas livré la sole ce matin, toutes nos excuses.",
    ),
    Scenario(11, ("lefebvre", "epicerie"), -5, HOME, DELIVERED_HOME),
    Scenario(
        12,
        ("wimet", "dufour"),
        -5,
        HOME,
        (S.CANCELLED,),
        reason="Commande passée deux fois par erreur.",
        cancelled_by_shopper=True,
    ),
    Scenario(13, ("moulin", "cellier"), -4, HOME, DELIVERED_HOME, slot="apres-midi"),
    Scenario(14, ("chenes",), -4, POINT, AT_POINT, point=1),
    Scenario(15, ("fournil", "delattre"), -3, HOME, DELIVERED_HOME),
    Scenario(
        16,
        ("fleurs", "cloche"),
        -3,
        HOME,
        (S.ACCEPTED, S.CANCELLED),
        reason="Annulée à la demande de la cliente, par téléphone.",
    ),
    Scenario(17, ("epicerie",), -2, SHOP, COLLECTED_AT_SHOP),
    Scenario(
        12,
        ("cloche",),
        -2,
        HOME,
        (*DELIVERED_HOME[:4], S.DELIVERY_FAILED),
        reason="Absente au passage, avis laissé dans la boîte aux lettres.",
    ),
    # For today's round: accepted, being prepared (weights entered), ready, on the road.
    Scenario(18, ("fournil", "dufour"), -1, HOME, DELIVERED_HOME[:4]),
    Scenario(19, ("delattre", "lefebvre"), -1, HOME, DELIVERED_HOME[:2]),
    Scenario(20, ("cloche", "maree"), -1, HOME, DELIVERED_HOME[:3], slot="apres-midi"),
    Scenario(21, ("chenes", "epicerie"), -1, POINT, AT_POINT[:3]),
    Scenario(22, ("fleurs",), -1, HOME, (S.ACCEPTED,), slot="apres-midi"),
    Scenario(23, ("cellier", "moulin"), -1, HOME, (S.ACCEPTED, S.READY, S.HANDED_TO_COURIER)),
    Scenario(24, ("fournil",), -1, SHOP, COLLECTED_AT_SHOP[:2]),
    Scenario(25, ("wimet", "delattre"), -1, HOME, (S.ACCEPTED,), slot="apres-midi"),
    Scenario(26, ("maree",), -1, HOME, DELIVERED_HOME[:2]),
    # For tomorrow and after: new orders to accept, some already accepted.
    Scenario(27, ("dufour", "chenes"), 0, HOME),
    Scenario(28, ("fournil", "cloche", "epicerie"), 0, HOME, slot="apres-midi"),
    Scenario(29, ("lefebvre", "maree"), 0, POINT, (S.ACCEPTED,), point=1),
    Scenario(0, ("delattre", "cloche"), 0, HOME),
    Scenario(1, ("moulin", "fournil"), 0, HOME, (S.ACCEPTED,), slot="apres-midi"),
    Scenario(2, ("wimet", "fleurs"), 0, POINT),
    Scenario(3, ("cellier",), 0, HOME),
    Scenario(4, ("epicerie", "dufour"), 0, SHOP),
    Scenario(5, ("fleurs", "chenes"), 0, HOME, slot="apres-midi"),
    Scenario(
        6,
        ("maree", "lefebvre"),
        0,
        HOME,
        (S.CANCELLED,),
        reason="Je serai absente demain.",
        cancelled_by_shopper=True,
    ),
    Scenario(10, ("vannier", "epicerie"), 0, HOME, slot="apres-midi"),
    Scenario(11, ("delattre",), 0, HOME, wait=1),
    Scenario(14, ("fournil", "chenes"), 0, HOME, wait=2, slot="apres-midi"),
    # Never fetched at the town hall: sent back to the shop, a round takes it back.
    Scenario(
        15,
        ("cellier",),
        -9,
        POINT,
        AT_POINT,
        point=1,
        returned="Jamais venu la chercher, client injoignable.",
    ),  # fmt: skip
]

#: When each step happens: (day: "placed" or "due", hour, minute).
_STEP_TIMES: dict[S, tuple[str, int, int]] = {
    S.ACCEPTED: ("placed", 14, 0),
    S.REFUSED: ("placed", 12, 0),
    S.CANCELLED: ("placed", 16, 0),
    S.PREPARING: ("due", 7, 0),
    S.READY: ("due", 8, 0),
    S.HANDED_TO_COURIER: ("due", 9, 0),
    S.DELIVERY_FAILED: ("due", 10, 30),
    S.DELIVERED: ("due", 11, 0),
    S.PICKED_UP: ("due", 17, 30),
}

_REASONS = {
    S.REFUSED: "Produit indisponible aujourd'hui.",
    S.CANCELLED: "Annulée à la demande du client.",
    S.DELIVERY_FAILED: "Absent au passage, avis laissé dans la boîte aux lettres.",
}

_COURIER_STEPS = {S.HANDED_TO_COURIER, S.DELIVERED, S.DELIVERY_FAILED}


class _Clock:
    """Local times of the demo, never later than ``now`` and never going backwards."""

    def __init__(self, territory: Territory, now: dt.datetime) -> None:
        self.zone = ZoneInfo(territory.timezone)
        self.now = now
        self.today = now.astimezone(self.zone).date()

    def at(
        self, day: dt.date, hour: int, minute: int = 0, after: dt.datetime | None = None
    ) -> dt.datetime:
        moment = dt.datetime.combine(day, dt.time(hour, minute), self.zone).astimezone(dt.UTC)
        if after is not None:
            moment = max(moment, after + dt.timedelta(minutes=5))
        return min(moment, self.now - dt.timedelta(minutes=1))


def place_orders(uow: UnitOfWork, *, demo: Demo, now: dt.datetime) -> None:
    """Run every scenario, in order, with a fixed random seed for the baskets."""
    territory = uow.session.get_one(Territory, demo.territory_id)
    clock = _Clock(territory, now)
    rng = random.Random(62130)
    for n, scenario in enumerate(SCENARIOS):
        _run(uow, demo, territory, clock, rng, n, scenario)


def _pick(
    uow: UnitOfWork, demo: Demo, rng: random.Random, shops: tuple[str, ...]
) -> list[tuple[int, int]]:
    """Up to three products of each shop, with what is left in stock."""
    lines = []
    for shop in shops:
        candidates = demo.product_ids[shop]
        wanted = rng.sample(candidates, k=rng.randint(1, 3))
        picked = []
        for pid in wanted + candidates:
            product = uow.session.get_one(Product, pid)
            several = not product.sold_by_weight and product.price_cents < 1000
            quantity = rng.choice((1, 1, 2, 3)) if several else 1
            if product.track_stock and product.stock_quantity < quantity:
                continue
            if pid not in picked:
                picked.append(pid)
                lines.append((pid, quantity))
            if len(picked) == len(wanted):
                break
    return lines


def _round_day(day: dt.date) -> dt.date:
    """The first day from ``day`` on which the rounds run (they rest on Sundays)."""
    while day.weekday() not in data.ROUND_DAYS:
        day += dt.timedelta(days=1)
    return day


def _open_on(shops: tuple[str, ...], day: dt.date, *, by: dt.time = dt.time(23, 59)) -> bool:
    """Whether every shop opens on ``day`` at ``by`` at the latest."""
    by_key = {shop.key: shop for shop in data.SHOPS}
    return all(
        any(
            weekday == day.weekday() and opens <= by
            for weekday, opens, _ in data.opening_windows(by_key[k].hours)
        )
        for k in shops
    )


def _latest_opening(scenario: Scenario) -> dt.time:
    """When a shop must open at the latest for the courier to collect in time."""
    if scenario.method is SHOP:
        return dt.time(23, 59)
    if scenario.method is HOME and scenario.slot == "matin":
        return dt.time(10, 0)
    return dt.time(15, 0)


def _open_shops(scenario: Scenario, day: dt.date, rng: random.Random) -> tuple[str, ...]:
    """The scenario's shops that open in time on ``day`` (parcels are collected on the
    delivery day); if none does, as many other shops that do."""
    by = _latest_opening(scenario)
    chosen = tuple(key for key in scenario.shops if _open_on((key,), day, by=by))
    if chosen:
        return chosen
    others = [s.key for s in data.SHOPS if not s.pending and _open_on((s.key,), day, by=by)]
    if not others:
        return scenario.shops
    return tuple(rng.sample(others, k=min(len(scenario.shops), len(others))))


def _choice(demo: Demo, scenario: Scenario, shops: tuple[str, ...], due: dt.date) -> DeliveryChoice:
    method = scenario.method
    if method is SHOP:
        # Click & collect needs every shop open that day: take the next such day.
        for extra in range(7):
            if _open_on(shops, due + dt.timedelta(days=extra)):
                return DeliveryChoice(method=SHOP, date=due + dt.timedelta(days=extra))
        method = POINT
    if method is POINT:
        # The scenario's point, or the other one when it is closed that day.
        open_points = [
            i for i, point in enumerate(data.PICKUP_POINTS) if due.weekday() in point.days
        ]
        if open_points:
            index = scenario.point if scenario.point in open_points else open_points[0]
            return DeliveryChoice(
                method=POINT, date=due, pickup_point_id=demo.pickup_point_ids[index]
            )
    shopper = data.SHOPPERS[scenario.shopper]
    commune = gazetteer.by_insee(shopper.insee)
    assert commune is not None
    return DeliveryChoice(
        method=HOME,
        date=due,
        slot=scenario.slot,
        address=DeliveryAddress(
            recipient=shopper.full_name,
            line1=shopper.street,
            postal_code=commune.postal_code,
            city=commune.name,
            insee_code=commune.insee_code,
            lat=commune.lat,
            lon=commune.lon,
            approximate=True,
            instructions=shopper.instructions,
        ),
    )


def _run(
    uow: UnitOfWork,
    demo: Demo,
    territory: Territory,
    clock: _Clock,
    rng: random.Random,
    n: int,
    scenario: Scenario,
) -> None:
    shopper = data.SHOPPERS[scenario.shopper]
    user_id = demo.shopper_ids[scenario.shopper]
    placed_day = clock.today + dt.timedelta(days=scenario.placed)
    placed_at = clock.at(placed_day, 10, rng.randrange(0, 60, 5))
    due = _round_day(earliest_date(territory, placed_at) + dt.timedelta(days=scenario.wait))
    if scenario.placed >= 0:
        # Today's orders are for the round after today's (on a Sunday, when the rounds rest,
        # the earliest date would otherwise pile them onto Monday with yesterday's orders).
        next_round = _round_day(_round_day(clock.today) + dt.timedelta(days=1))
        due = max(due, next_round)
    shops = _open_shops(scenario, due, rng)
    cart = get_or_create_cart(uow=uow, territory_id=demo.territory_id, user_id=user_id)
    for pid, quantity in _pick(uow, demo, rng, shops):
        add_item(uow=uow, cart_id=cart, product_id=pid, quantity=quantity)
    choice = _choice(demo, scenario, shops, due)
    order_id = checkout(
        uow=uow,
        cart_id=cart,
        customer=Customer(
            name=shopper.full_name, email=shopper.email, phone=shopper.phone, user_id=user_id
        ),
        delivery=choice,
        now=placed_at,
    )
    order = uow.session.get_one(Order, order_id)
    if scenario.cancelled_by_shopper:
        when = clock.at(placed_day, 16, 0, after=placed_at)
        cancel_order(
            uow=uow,
            order_id=order_id,
            actor=Actor(user_id=user_id),
            reason=scenario.reason,
            now=when,
        )
        return
    courier = Actor(user_id=demo.courier_ids[n % len(demo.courier_ids)])
    # At a point with its own staff (the town hall), they hand over and keep the money.
    point_staff = (
        demo.point_staff_ids.get(demo.pickup_point_ids.index(choice.pickup_point_id))
        if choice.method is POINT and choice.pickup_point_id is not None
        else None
    )
    for mo in list(order.merchant_orders):
        moment, due_day = placed_at, choice.date
        for step in scenario.steps:
            day_kind, hour, minute = _STEP_TIMES[step]
            if step is S.HANDED_TO_COURIER and moment > clock.at(due_day, hour, minute):
                due_day += dt.timedelta(days=1)  # after a failed delivery: the next round
            day = placed_day if day_kind == "placed" else due_day
            moment = clock.at(day, hour, minute, after=moment)
            if step in (S.PREPARING, S.READY):
                _weigh(uow, demo, rng, mo)
            if step in _COURIER_STEPS:
                actor = courier
            elif step is S.PICKED_UP and choice.method is POINT:
                actor = Actor(user_id=point_staff or demo.operator_id)
            else:
                actor = _merchant_actor(demo, mo)
            reason = scenario.reason or _REASONS.get(step, "") if step in _REASONS else ""
            handed = step is S.PICKED_UP or (step is S.DELIVERED and choice.method is HOME)
            if handed:
                receiver = (
                    Receiver.COURIER
                    if step is S.DELIVERED
                    else Receiver.POINT
                    if choice.method is POINT and point_staff
                    else Receiver.PLATFORM
                    if choice.method is POINT
                    else Receiver.SHOP
                )
                _pay(uow, clock, demo, mo, actor, moment, receiver)
            transition(
                uow=uow,
                merchant_order_id=mo.id,
                target=step,
                actor=actor,
                reason=reason,
                now=moment,
                # The shopper gives their code when the parcels are handed to them.
                checked=check_code([order], order.delivery_code) if handed else None,
            )
    if scenario.returned:
        return_to_merchant(
            uow=uow, territory_id=demo.territory_id, order_id=order.id,
            reason=scenario.returned, actor=Actor(user_id=demo.operator_id),
            now=clock.at(clock.today - dt.timedelta(days=1), 18, 0, after=moment),
        )  # fmt: skip
    if scenario.steps and scenario.steps[-1] is S.DELIVERY_FAILED:
        # As the courier's « Absent » does: the order goes to its commune's next round (the
        # coming one, not one the demo's clock has already passed).
        after = max(moment.astimezone(clock.zone).date(), clock.today - dt.timedelta(days=1))
        date = calendar.next_run_day(uow.session, demo.territory_id, order.insee_code, after)
        if date is not None:
            redirect_delivery(
                uow=uow, order_id=order.id, actor=courier, date=date, reason=scenario.reason
            )


def _pay(
    uow: UnitOfWork,
    clock: _Clock,
    demo: Demo,
    mo: MerchantOrder,
    actor: Actor,
    moment: dt.datetime,
    receiver: Receiver,
) -> None:
    """The shopper pays the order on delivery or pickup (one in three by cheque); a courier
    hands the money in at the end of the round, except today's, still on the road."""
    means = PaymentMeans.CHEQUE if mo.id % 3 == 0 else PaymentMeans.CASH
    payment = take_payment(
        uow.session,
        merchant_order=mo,
        means=means,
        actor=actor,
        now=moment,
        receiver=receiver,
    )
    day = moment.astimezone(clock.zone).date()
    if payment is not None and receiver is Receiver.COURIER and day < clock.today:
        operator = Actor(user_id=demo.operator_id)
        hand_in(uow.session, payments=[payment], actor=operator, now=clock.at(day, 17, 30, moment))


def _merchant_actor(demo: Demo, mo: MerchantOrder) -> Actor:
    key = next(k for k, mid in demo.merchant_ids.items() if mid == mo.merchant_id)
    shop = next(s for s in data.SHOPS if s.key == key)
    if shop.assisted:
        # The butcher's orders are handled by the territory's facilitator, on his behalf.
        return Actor(user_id=demo.operator_id, merchant_id=mo.merchant_id, on_behalf=True)
    return Actor(user_id=demo.owner_ids[key], merchant_id=mo.merchant_id)


def _weigh(uow: UnitOfWork, demo: Demo, rng: random.Random, mo: MerchantOrder) -> None:
    """Enter the weighed weight of each line sold by weight (within ±8 % of the estimate)."""
    actor = _merchant_actor(demo, mo)
    for line in mo.lines:
        if not line.sold_by_weight or line.final_weight_g is not None:
            continue
        estimate = line.estimated_weight_g or 0
        weight = round(estimate * (100 + rng.randint(-8, 8)) / 100 / 5) * 5
        set_final_weight(
            uow=uow, line_id=line.id, weight_g=weight, actor=actor, merchant_id=mo.merchant_id
        )
