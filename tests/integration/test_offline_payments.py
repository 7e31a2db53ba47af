"""Orders paid by hand: one payment per merchant order, the order paid once every part is."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from shop_core.audit.services import Actor
from shop_core.carts.services import add_item, get_or_create_cart
from shop_core.database import Database
from shop_core.errors import NotFound, ValidationError
from shop_core.orders.delivery_codes import MissingDeliveryCode, WrongDeliveryCode
from shop_core.orders.model import (
    DeliveryMethod,
    MerchantOrder,
    MerchantOrderStatus,
    Order,
    PaymentMethod,
    PaymentStatus,
)
from shop_core.orders.services import Customer, DeliveryChoice, checkout, transition
from shop_core.payments.model import OfflinePayment, PaymentMeans, Receiver, ShopPayout
from shop_core.payments.offline import (
    CodeAndMeansRefused,
    by_means,
    hand_in,
    hand_over_at_shop,
    payments_for,
    settle_month,
    statement,
    take_payment,
    to_take,
)

from .at_once import at_once
from .conftest import NOW, TUESDAY, Shop

COURIER = Actor(user_id=None)


def place(db: Database, shop: Shop, *, online: bool = False) -> int:
    """Bread from the baker and apples from the farm, collected at each shop."""
    with db.uow() as uow:
        cart = get_or_create_cart(uow=uow, territory_id=shop.territory_id, user_id=shop.shopper_id)
        add_item(uow=uow, cart_id=cart, product_id=shop.bread_id, quantity=2)
        add_item(uow=uow, cart_id=cart, product_id=shop.apples_id, quantity=1)
        return checkout(
            uow=uow,
            cart_id=cart,
            customer=Customer("Jeanne Martin", "jeanne@example.fr", "0601020304", shop.shopper_id),
            delivery=DeliveryChoice(DeliveryMethod.CLICK_COLLECT, TUESDAY),
            payment_method=PaymentMethod.ONLINE if online else PaymentMethod.OFFLINE,
            now=NOW,
        )


def parts(db: Database, order_id: int) -> list[MerchantOrder]:
    with db.uow() as uow:
        order = uow.session.get(Order, order_id)
        assert order is not None
        return sorted(order.merchant_orders, key=lambda mo: mo.id)


def pay(
    db: Database, mo_id: int, means: PaymentMeans | None, receiver: Receiver = Receiver.COURIER
) -> OfflinePayment | None:
    with db.uow() as uow:
        mo = uow.session.get(MerchantOrder, mo_id)
        assert mo is not None
        payment = take_payment(
            uow.session, merchant_order=mo, means=means, actor=COURIER, now=NOW, receiver=receiver
        )
        uow.commit()
        return payment


def delivery_code(db: Database, order_id: int) -> str:
    with db.uow() as uow:
        return uow.session.get_one(Order, order_id).delivery_code


def make_ready(db: Database, mo_id: int) -> None:
    with db.uow() as uow:
        for step in (MerchantOrderStatus.ACCEPTED, MerchantOrderStatus.READY):
            transition(uow=uow, merchant_order_id=mo_id, target=step, actor=COURIER, now=NOW)


def payment_status(db: Database, order_id: int) -> PaymentStatus:
    with db.uow() as uow:
        order = uow.session.get(Order, order_id)
        assert order is not None
        return order.payment_status


def test_the_order_is_paid_once_each_shop_has_its_money(db: Database, shop: Shop) -> None:
    oid = place(db, shop)
    bread, apples = parts(db, oid)

    first = pay(db, bread.id, PaymentMeans.CASH)

    assert first is not None and first.amount_cents == bread.total_incl_cents == 700
    assert first.handed_in_at is None  # the courier holds it
    assert payment_status(db, oid) is PaymentStatus.UNPAID
    second = pay(db, apples.id, PaymentMeans.CHEQUE)
    assert second is not None and second.amount_cents == apples.total_incl_cents
    assert payment_status(db, oid) is PaymentStatus.PAID
    with db.uow() as uow:
        taken = payments_for(uow.session, [bread.id, apples.id])
    assert by_means(taken.values()) == {
        PaymentMeans.CASH: 700,
        PaymentMeans.CHEQUE: apples.total_incl_cents,
    }


def test_a_part_is_paid_once_and_a_refused_part_is_not_waited_for(db: Database, shop: Shop) -> None:
    oid = place(db, shop)
    bread, apples = parts(db, oid)
    with db.uow() as uow:
        transition(
            uow=uow, merchant_order_id=apples.id, target=MerchantOrderStatus.REFUSED,
            actor=COURIER, reason="Plus de pommes", now=NOW,
        )  # fmt: skip

    first = pay(db, bread.id, PaymentMeans.CHEQUE, receiver=Receiver.SHOP)
    again = pay(db, bread.id, PaymentMeans.CASH)

    assert first is not None and again is not None and again.id == first.id
    assert again.means is PaymentMeans.CHEQUE
    assert first.handed_in_at == NOW  # the merchant took it in the shop and keeps it
    assert payment_status(db, oid) is PaymentStatus.PAID


def test_the_means_is_required_and_nothing_is_recorded_without_it(db: Database, shop: Shop) -> None:
    oid = place(db, shop)
    bread, _ = parts(db, oid)

    with pytest.raises(ValidationError, match="espèces ou chèque") as raised:
        pay(db, bread.id, None)

    assert raised.value.field == "means"
    with db.uow() as uow:
        assert payments_for(uow.session, [bread.id]) == {}


def test_an_order_paid_online_has_nothing_to_take(db: Database, shop: Shop) -> None:
    oid = place(db, shop, online=True)
    bread, _ = parts(db, oid)

    with db.uow() as uow:
        assert to_take(uow.session.get_one(MerchantOrder, bread.id)) == 0
    assert pay(db, bread.id, None) is None
    with db.uow() as uow:
        assert payments_for(uow.session, [bread.id]) == {}


def test_handing_in_counts_each_payment_once(db: Database, shop: Shop) -> None:
    oid = place(db, shop)
    bread, apples = parts(db, oid)
    pay(db, bread.id, PaymentMeans.CASH)
    pay(db, apples.id, PaymentMeans.CASH)
    operator = Actor(user_id=shop.shopper_id)

    with db.uow() as uow:
        taken = list(payments_for(uow.session, [bread.id]).values())
        assert hand_in(uow.session, payments=taken, actor=operator, now=NOW) == 700
        both = list(payments_for(uow.session, [bread.id, apples.id]).values())
        assert hand_in(uow.session, payments=both, actor=operator, now=NOW) == (
            apples.total_incl_cents
        )
        assert hand_in(uow.session, payments=both, actor=operator, now=NOW) == 0
        assert {p.handed_in_to_id for p in both} == {shop.shopper_id}


def test_the_statement_says_who_holds_each_shops_money_and_what_it_is_owed(
    db: Database, shop: Shop
) -> None:
    first = place(db, shop)
    bread, apples = parts(db, first)
    pay(db, bread.id, PaymentMeans.CASH)  # the courier has it
    pay(db, apples.id, PaymentMeans.CHEQUE, receiver=Receiver.SHOP)  # the farm has it
    second = place(db, shop)
    bread2, _ = parts(db, second)
    pay(db, bread2.id, PaymentMeans.CASH, receiver=Receiver.PLATFORM)  # the operator has it
    november = NOW.date().replace(day=1)

    with db.uow() as uow:
        found = statement(uow.session, territory_id=shop.territory_id, month=november)
        later = statement(uow.session, territory_id=shop.territory_id, month=dt.date(2026, 12, 1))
        elsewhere = statement(uow.session, territory_id=shop.territory_id + 1, month=november)
        farm_only = statement(
            uow.session, territory_id=shop.territory_id, month=november,
            merchant_id=shop.farmer_id,
        )  # fmt: skip

    assert later == [] and elsewhere == []
    baker, farm = found
    assert (baker.merchant, farm.merchant) == ("Boulangerie Lefebvre", "Ferme du Ternois")
    assert (baker.orders, baker.taken_cents) == (2, 1400)
    assert (baker.held_by_platform_cents, baker.with_couriers_cents) == (1400, 700)
    assert baker.kept_by_shop_cents == 0
    assert baker.commission_cents == bread.commission_cents + bread2.commission_cents > 0
    assert baker.due_to_shop_cents == 1400 - baker.commission_cents
    assert (farm.kept_by_shop_cents, farm.held_by_platform_cents) == (apples.total_incl_cents, 0)
    assert farm.due_to_shop_cents == -apples.commission_cents  # the farm owes its commission
    assert farm_only == [farm]


def test_a_month_is_settled_with_each_shop_once_the_couriers_handed_the_money_in(
    db: Database, shop: Shop
) -> None:
    oid = place(db, shop)
    bread, apples = parts(db, oid)
    pay(db, bread.id, PaymentMeans.CASH)  # still with the courier
    pay(db, apples.id, PaymentMeans.CHEQUE, receiver=Receiver.SHOP)
    november = NOW.date().replace(day=1)
    operator = Actor(user_id=shop.shopper_id)

    def settle(merchant_id: int) -> int:
        with db.uow() as uow:
            try:
                return settle_month(
                    uow=uow, territory_id=shop.territory_id, merchant_id=merchant_id,
                    month=november, actor=operator, now=NOW,
                )  # fmt: skip
            except Exception:
                uow.rollback()
                raise

    with pytest.raises(ValidationError, match="encore chez les livreurs"):
        settle(shop.baker_id)
    with db.uow() as uow:
        hand_in(
            uow.session, payments=payments_for(uow.session, [bread.id]).values(),
            actor=operator, now=NOW,
        )  # fmt: skip
        uow.commit()
    assert settle(shop.baker_id) == 700 - bread.commission_cents
    assert settle(shop.farmer_id) == -apples.commission_cents  # the farm pays its commission
    with pytest.raises(ValidationError, match="Rien à régler"):
        settle(shop.baker_id)
    with pytest.raises(NotFound):
        with db.uow() as uow:
            settle_month(
                uow=uow, territory_id=shop.territory_id + 1, merchant_id=shop.baker_id,
                month=november, actor=operator,
            )  # fmt: skip

    with db.uow() as uow:
        baker, farm = statement(uow.session, territory_id=shop.territory_id, month=november)
    assert (baker.to_settle_cents, farm.to_settle_cents) == (0, 0)
    assert baker.settled_cents == 700 - bread.commission_cents and baker.settled_at == NOW


def test_two_clicks_at_once_settle_a_shop_once(db: Database, shop: Shop) -> None:
    oid = place(db, shop)
    _, apples = parts(db, oid)
    pay(db, apples.id, PaymentMeans.CHEQUE, receiver=Receiver.SHOP)
    november = NOW.date().replace(day=1)

    def settle() -> None:
        with db.uow() as uow:
            settle_month(
                uow=uow, territory_id=shop.territory_id, merchant_id=shop.farmer_id,
                month=november, actor=Actor(user_id=shop.shopper_id), now=NOW,
            )  # fmt: skip

    outcomes = at_once(settle, settle, settle)

    refused = "refused: Rien à régler pour cette boutique ce mois-ci."
    assert outcomes == ["ok", refused, refused]
    with db.uow() as uow:
        assert len(list(uow.session.scalars(select(ShopPayout)))) == 1


def test_two_clicks_at_once_hand_a_click_and_collect_order_over_once(
    db: Database, shop: Shop
) -> None:
    oid = place(db, shop)
    bread, _ = parts(db, oid)
    with db.uow() as uow:
        for step in (MerchantOrderStatus.ACCEPTED, MerchantOrderStatus.READY):
            transition(uow=uow, merchant_order_id=bread.id, target=step, actor=COURIER, now=NOW)
    code = delivery_code(db, oid)

    def hand_over() -> None:
        with db.uow() as uow:
            hand_over_at_shop(
                uow=uow, merchant_order_id=bread.id, merchant_id=shop.baker_id, code=code,
                means=PaymentMeans.CASH, actor=COURIER, now=NOW,
            )  # fmt: skip

    outcomes = at_once(hand_over, hand_over, hand_over)

    assert outcomes[0] == "ok"
    assert all(o.startswith("refused: ") for o in outcomes[1:]), outcomes
    assert parts(db, oid)[0].status is MerchantOrderStatus.PICKED_UP
    with db.uow() as uow:
        (payment,) = uow.session.scalars(select(OfflinePayment))
        assert payment.merchant_order_id == bread.id


@pytest.mark.parametrize("typed", ["", "0000", "12345"])
def test_a_click_and_collect_order_stays_at_the_shop_without_the_shoppers_code(
    db: Database, shop: Shop, typed: str
) -> None:
    oid = place(db, shop)
    bread, _ = parts(db, oid)
    make_ready(db, bread.id)
    code = delivery_code(db, oid)
    wrong = typed if typed != code else "9999"

    said = "Code incorrect" if typed else "Indiquez le code à 4 chiffres"
    with db.uow() as uow, pytest.raises(WrongDeliveryCode, match=said):
        hand_over_at_shop(
            uow=uow, merchant_order_id=bread.id, merchant_id=shop.baker_id, code=wrong,
            means=PaymentMeans.CASH, actor=COURIER, now=NOW,
        )  # fmt: skip

    assert parts(db, oid)[0].status is MerchantOrderStatus.READY
    with db.uow() as uow:
        assert payments_for(uow.session, [bread.id]) == {}


def test_a_click_and_collect_order_is_handed_over_with_its_code_typed_with_spaces(
    db: Database, shop: Shop
) -> None:
    oid = place(db, shop)
    bread, _ = parts(db, oid)
    make_ready(db, bread.id)
    code = delivery_code(db, oid)

    with db.uow() as uow:
        hand_over_at_shop(
            uow=uow, merchant_order_id=bread.id, merchant_id=shop.baker_id,
            code=" ".join(code), means=PaymentMeans.CHEQUE, actor=COURIER, now=NOW,
        )  # fmt: skip

    assert parts(db, oid)[0].status is MerchantOrderStatus.PICKED_UP
    with db.uow() as uow:
        (payment,) = payments_for(uow.session, [bread.id]).values()
    assert payment.means is PaymentMeans.CHEQUE and payment.receiver is Receiver.SHOP


@pytest.mark.parametrize("wrong", [False, True])
def test_a_refused_code_and_a_missing_means_are_said_together_and_nothing_is_recorded(
    db: Database, shop: Shop, wrong: bool
) -> None:
    # Both at once, each by its field, rather than the code then the means on a second try.
    oid = place(db, shop)
    bread, _ = parts(db, oid)
    make_ready(db, bread.id)
    code = f"{(int(delivery_code(db, oid)) + 1) % 10000:04d}" if wrong else ""

    with db.uow() as uow, pytest.raises(CodeAndMeansRefused) as refused:
        hand_over_at_shop(
            uow=uow, merchant_order_id=bread.id, merchant_id=shop.baker_id, code=code,
            means=None, actor=COURIER, now=NOW,
        )  # fmt: skip

    expected = WrongDeliveryCode if wrong else MissingDeliveryCode
    assert type(refused.value.code_error) is expected
    assert refused.value.means_error.field == "means"
    assert "espèces ou chèque" in str(refused.value.means_error)
    assert isinstance(refused.value, WrongDeliveryCode)  # still shown by the code field
    assert parts(db, oid)[0].status is MerchantOrderStatus.READY
    with db.uow() as uow:
        assert payments_for(uow.session, [bread.id]) == {}


def test_with_the_right_code_only_the_missing_means_is_said(db: Database, shop: Shop) -> None:
    oid = place(db, shop)
    bread, _ = parts(db, oid)
    make_ready(db, bread.id)

    with db.uow() as uow, pytest.raises(ValidationError) as missing:
        hand_over_at_shop(
            uow=uow, merchant_order_id=bread.id, merchant_id=shop.baker_id,
            code=delivery_code(db, oid), means=None, actor=COURIER, now=NOW,
        )  # fmt: skip

    assert missing.value.field == "means"
    assert parts(db, oid)[0].status is MerchantOrderStatus.READY


def test_an_order_the_courier_takes_is_not_handed_over_at_the_shop(
    db: Database, shop: Shop
) -> None:
    oid = place(db, shop)
    bread, _ = parts(db, oid)
    make_ready(db, bread.id)
    with db.uow() as uow:
        uow.session.get_one(Order, oid).delivery_method = DeliveryMethod.HOME
        uow.commit()

    with db.uow() as uow, pytest.raises(ValidationError, match="part avec le livreur"):
        hand_over_at_shop(
            uow=uow, merchant_order_id=bread.id, merchant_id=shop.baker_id,
            code=delivery_code(db, oid), means=PaymentMeans.CASH, actor=COURIER, now=NOW,
        )  # fmt: skip

    assert parts(db, oid)[0].status is MerchantOrderStatus.READY
