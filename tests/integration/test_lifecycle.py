"""Merchant order lifecycle, weighing, stock release, invoices, assisted mode."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from shop_core.accounts.model import Role
from shop_core.audit.model import AuditEntry
from shop_core.audit.services import Actor
from shop_core.catalogue.model import Product
from shop_core.database import Database
from shop_core.errors import InvalidTransition, OutOfStock, ValidationError, WeightOutOfTolerance
from shop_core.invoices.model import Invoice
from shop_core.invoices.services import FRANCHISE_MENTION
from shop_core.orders.delivery_codes import CheckedCode
from shop_core.orders.model import (
    DeliveryMethod,
    MerchantOrder,
    Order,
    PaymentMethod,
    PaymentStatus,
)
from shop_core.orders.model import (
    MerchantOrderStatus as S,
)
from shop_core.orders.services import (
    DeliveryChoice,
    cancel_order,
    mark_paid,
    release_expired,
    set_final_weight,
    transition,
)
from shop_core.testing.factories import make_merchant, make_product, make_user, shoppers_code
from shop_core.vat import VatRate

from .conftest import NOW, TUESDAY, Shop, buy

MERCHANT = Actor(user_id=None)


def _mo(db: Database, order_id: int, index: int = 0) -> MerchantOrder:
    with db.uow() as uow:
        order = uow.session.get_one(Order, order_id)
        mo = order.merchant_orders[index]
        _ = (mo.lines, mo.history, mo.vat_lines, mo.order.payment_status)
        return mo


def _move(
    db: Database,
    mo_id: int,
    *targets: S,
    actor: Actor = MERCHANT,
    reason: str = "",
    code_given: bool = False,
) -> None:
    """Move the merchant order through ``targets``; ``code_given``: the shopper read out
    their delivery code (a move to *livrée* or *retirée* needs it)."""
    for target in targets:
        with db.uow() as uow:
            checked = shoppers_code(uow, mo_id) if code_given else None
            transition(
                uow=uow, merchant_order_id=mo_id, target=target, actor=actor, reason=reason,
                now=NOW, checked=checked,
            )  # fmt: skip


def _stock(db: Database, product_id: int) -> int:
    with db.uow() as uow:
        return uow.session.get_one(Product, product_id).stock_quantity


def test_home_delivery_goes_through_every_state_and_stores_who_and_when(
    db: Database, shop: Shop
) -> None:
    with db.uow() as uow:
        courier = make_user(uow, territory_id=shop.territory_id, role=Role.COURIER)
    mo = _mo(db, buy(db, shop, {shop.bread_id: 1}))
    _move(db, mo.id, S.ACCEPTED, S.PREPARING, S.READY)
    _move(
        db, mo.id, S.HANDED_TO_COURIER, S.DELIVERED, actor=Actor(user_id=courier), code_given=True
    )
    mo = _mo(db, mo.order_id)
    assert mo.status is S.DELIVERED
    assert [(h.from_status, h.to_status) for h in mo.history] == [
        (None, S.PLACED),
        (S.PLACED, S.ACCEPTED),
        (S.ACCEPTED, S.PREPARING),
        (S.PREPARING, S.READY),
        (S.READY, S.HANDED_TO_COURIER),
        (S.HANDED_TO_COURIER, S.DELIVERED),
    ]
    assert mo.history[-1].actor_id == courier
    assert all(h.at is not None and h.at.tzinfo is not None for h in mo.history)


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ((), S.DELIVERED),
        ((), S.READY),
        ((S.ACCEPTED,), S.PLACED),
        ((S.ACCEPTED, S.READY, S.HANDED_TO_COURIER), S.CANCELLED),
        ((S.REFUSED,), S.ACCEPTED),
    ],
)
def test_illegal_transitions_raise_a_domain_error_and_change_nothing(
    db: Database, shop: Shop, path: tuple[S, ...], illegal: S
) -> None:
    mo = _mo(db, buy(db, shop, {shop.bread_id: 1}))
    _move(db, mo.id, *path, reason="rupture")
    with pytest.raises(InvalidTransition):
        _move(db, mo.id, illegal)
    after = _mo(db, mo.order_id)
    assert after.status is (path[-1] if path else S.PLACED)
    assert len(after.history) == 1 + len(path)


def test_click_and_collect_is_picked_up_not_handed_to_a_courier(db: Database, shop: Shop) -> None:
    choice = DeliveryChoice(method=DeliveryMethod.CLICK_COLLECT, date=TUESDAY)
    mo = _mo(db, buy(db, shop, {shop.bread_id: 1}, delivery=choice))
    _move(db, mo.id, S.ACCEPTED, S.READY)
    with pytest.raises(InvalidTransition):
        _move(db, mo.id, S.HANDED_TO_COURIER)
    _move(db, mo.id, S.PICKED_UP, code_given=True)
    assert _mo(db, mo.order_id).status is S.PICKED_UP


@pytest.mark.parametrize(
    ("method", "path", "target"),
    [
        # Click and collect, ready at the shop: « Remise au client » asks the code.
        (DeliveryMethod.CLICK_COLLECT, (S.ACCEPTED, S.READY), S.PICKED_UP),
        # At the door: the courier's « Livré » asks it.
        (DeliveryMethod.HOME, (S.ACCEPTED, S.READY, S.HANDED_TO_COURIER), S.DELIVERED),
        # A failed delivery is not taken at the shop without it either.
        (
            DeliveryMethod.HOME,
            (S.ACCEPTED, S.READY, S.HANDED_TO_COURIER, S.DELIVERY_FAILED),
            S.PICKED_UP,
        ),
    ],
)
def test_the_generic_transition_hands_nothing_to_the_shopper_without_their_code(
    db: Database, shop: Shop, method: DeliveryMethod, path: tuple[S, ...], target: S
) -> None:
    choice = DeliveryChoice(method=DeliveryMethod.CLICK_COLLECT, date=TUESDAY)
    delivery = {"delivery": choice} if method is DeliveryMethod.CLICK_COLLECT else {}
    mo = _mo(db, buy(db, shop, {shop.bread_id: 1}, **delivery))
    other = _mo(db, buy(db, shop, {shop.bread_id: 1}))
    _move(db, mo.id, *path, reason="Absent")

    with pytest.raises(ValidationError, match="contre son code de livraison") as refused:
        _move(db, mo.id, target)
    with db.uow() as uow, pytest.raises(ValidationError):  # another order's code proves nothing
        transition(
            uow=uow, merchant_order_id=mo.id, target=target, actor=MERCHANT, now=NOW,
            checked=shoppers_code(uow, other.id),
        )  # fmt: skip

    with pytest.raises(TypeError):  # nor a proof written by hand instead of check_code
        CheckedCode(frozenset({mo.id}))
    assert refused.value.code == "hand_over_without_code"
    after = _mo(db, mo.order_id)
    assert after.status is path[-1]
    assert len(after.history) == 1 + len(path)
    with db.uow() as uow:
        assert uow.session.scalar(select(Invoice.id)) is None  # no sale completed
    _move(db, mo.id, target, code_given=True)  # with the shopper's code, it is
    assert _mo(db, mo.order_id).status is target


def test_refusal_needs_a_reason_and_gives_the_stock_back(db: Database, shop: Shop) -> None:
    mo = _mo(db, buy(db, shop, {shop.cake_id: 2}))
    assert _stock(db, shop.cake_id) == 0
    with pytest.raises(ValidationError):
        _move(db, mo.id, S.REFUSED)
    _move(db, mo.id, S.REFUSED, reason="Four en panne")
    assert _stock(db, shop.cake_id) == 2
    assert _mo(db, mo.order_id).history[-1].reason == "Four en panne"


def test_cancelling_an_order_releases_every_merchants_stock_once(db: Database, shop: Shop) -> None:
    order_id = buy(db, shop, {shop.cake_id: 1, shop.roast_id: 2})
    with db.uow() as uow:
        cancel_order(uow=uow, order_id=order_id, actor=Actor(user_id=shop.shopper_id))
    assert (_stock(db, shop.cake_id), _stock(db, shop.roast_id)) == (2, 5)
    with db.uow() as uow, pytest.raises(InvalidTransition):
        cancel_order(uow=uow, order_id=order_id, actor=Actor(user_id=shop.shopper_id))
    assert (_stock(db, shop.cake_id), _stock(db, shop.roast_id)) == (2, 5)


def test_unpaid_online_order_expires_and_its_stock_goes_back_on_sale(
    db: Database, shop: Shop
) -> None:
    order_id = buy(db, shop, {shop.cake_id: 2}, payment_method=PaymentMethod.ONLINE)
    with db.uow() as uow:
        assert release_expired(uow=uow, now=NOW + dt.timedelta(minutes=29)) == 0
    assert _stock(db, shop.cake_id) == 0
    with db.uow() as uow:
        assert release_expired(uow=uow, now=NOW + dt.timedelta(minutes=31)) == 1
    assert _stock(db, shop.cake_id) == 2
    mo = _mo(db, order_id)
    assert mo.status is S.CANCELLED
    assert mo.order.payment_status is PaymentStatus.FAILED
    # A payment arriving now finds the reservation gone: the caller must refund.
    with db.uow() as uow, pytest.raises(OutOfStock):
        mark_paid(uow=uow, order_id=order_id, actor=Actor.system())


def test_paid_online_order_keeps_its_stock_after_the_expiry_time(db: Database, shop: Shop) -> None:
    order_id = buy(db, shop, {shop.cake_id: 2}, payment_method=PaymentMethod.ONLINE)
    with db.uow() as uow:
        mark_paid(uow=uow, order_id=order_id, actor=Actor.system(), now=NOW)
        mark_paid(uow=uow, order_id=order_id, actor=Actor.system(), now=NOW)  # idempotent
    with db.uow() as uow:
        assert release_expired(uow=uow, now=NOW + dt.timedelta(hours=2)) == 0
    mo = _mo(db, order_id)
    assert mo.status is S.PAID
    assert [h.to_status for h in mo.history] == [S.PLACED, S.PAID]
    assert _stock(db, shop.cake_id) == 0
    with pytest.raises(InvalidTransition):
        # An online order cannot skip payment.
        other = _mo(db, buy(db, shop, {shop.bread_id: 1}, payment_method=PaymentMethod.ONLINE))
        _move(db, other.id, S.ACCEPTED)


def test_final_weight_sets_the_price_within_tolerance(db: Database, shop: Shop) -> None:
    mo = _mo(db, buy(db, shop, {shop.roast_id: 2}))  # 2 pieces of ~1 kg at 18,90 €/kg
    line = mo.lines[0]
    assert (line.estimated_weight_g, line.total_incl_cents) == (2000, 3780)
    _move(db, mo.id, S.ACCEPTED, S.PREPARING)
    with pytest.raises(ValidationError, match="poids final"):
        _move(db, mo.id, S.READY)
    with db.uow() as uow, pytest.raises(WeightOutOfTolerance):
        set_final_weight(uow=uow, line_id=line.id, weight_g=2400, actor=MERCHANT)
    with db.uow() as uow:
        set_final_weight(uow=uow, line_id=line.id, weight_g=2130, actor=MERCHANT)
    after = _mo(db, mo.order_id)
    assert after.lines[0].total_incl_cents == 4026  # 18,90 × 2,130 = 40,257 → 40,26 €
    assert after.total_incl_cents == 4026
    assert after.total_excl_cents + after.total_vat_cents == 4026
    assert after.order.total_incl_cents == 4026
    _move(db, mo.id, S.READY)


def test_delivery_issues_a_gap_free_numbered_invoice_with_french_mentions(
    db: Database, shop: Shop
) -> None:
    ids = [_mo(db, buy(db, shop, {shop.bread_id: 1, shop.cake_id: 1})).id for _ in range(2)]
    third = _mo(db, buy(db, shop, {shop.bread_id: 2})).id
    # Delivered out of order: numbers follow issue order, 1, 2, 3, no gap.
    for mo_id in (ids[1], third, ids[0]):
        _move(db, mo_id, S.ACCEPTED, S.READY, S.HANDED_TO_COURIER, S.DELIVERED, code_given=True)
    with db.uow() as uow:
        invoices = uow.session.scalars(select(Invoice).order_by(Invoice.number)).all()
        assert [i.number for i in invoices] == [1, 2, 3]
        assert [i.merchant_order_id for i in invoices] == [ids[1], third, ids[0]]
        first = invoices[0]
        assert first.seller_siren and first.seller_vat_number.startswith("FR")
        assert first.buyer_name == "Jeanne Martin"
        assert "Saint-Pol-sur-Ternoise" in first.buyer_address
        assert first.total_incl_cents == 1550
        assert [(v.rate, v.excl_cents + v.vat_cents) for v in first.vat_lines] == [
            (VatRate.REDUCED, 1550)
        ]
        assert {ln.description for ln in first.lines} == {"Pain de campagne", "Tarte au sucre"}
        assert first.lines[0].unit_price_excl_cents < 350


def test_an_invoice_paid_by_hand_says_who_takes_the_money(db: Database, shop: Shop) -> None:
    at_the_door = _mo(db, buy(db, shop, {shop.bread_id: 1})).id
    choice = DeliveryChoice(method=DeliveryMethod.CLICK_COLLECT, date=TUESDAY)
    at_the_shop = _mo(db, buy(db, shop, {shop.bread_id: 1}, delivery=choice)).id
    _move(db, at_the_door, S.ACCEPTED, S.READY, S.HANDED_TO_COURIER, S.DELIVERED, code_given=True)
    _move(db, at_the_shop, S.ACCEPTED, S.READY, S.PICKED_UP, code_given=True)
    with db.uow() as uow:
        invoices = uow.session.scalars(select(Invoice)).all()
        terms = {i.merchant_order_id: i.payment_terms for i in invoices}
    assert terms == {
        at_the_door: "Payable à la livraison, au livreur",
        at_the_shop: "Payable au retrait, en boutique",
    }


def test_franchise_merchant_invoices_without_vat_with_the_legal_mention(
    db: Database, shop: Shop
) -> None:
    with db.uow() as uow:
        small = make_merchant(
            uow, territory_id=shop.territory_id, name="Atelier Poterie", vat_franchise=True
        )
        bowl = make_product(
            uow, merchant_id=small, name="Bol", price_cents=2500, vat_rate=VatRate.STANDARD
        )
    mo = _mo(db, buy(db, shop, {bowl: 1}))
    assert (mo.total_vat_cents, mo.total_excl_cents) == (0, 2500)
    _move(db, mo.id, S.ACCEPTED, S.READY, S.HANDED_TO_COURIER, S.DELIVERED, code_given=True)
    with db.uow() as uow:
        invoice = uow.session.scalars(select(Invoice)).one()
    assert invoice.vat_mention == FRANCHISE_MENTION
    assert invoice.seller_vat_number == ""


def test_operator_acting_for_a_merchant_is_recorded_as_such(db: Database, shop: Shop) -> None:
    with db.uow() as uow:
        operator = make_user(uow, territory_id=shop.territory_id, role=Role.OPERATOR)
    mo = _mo(db, buy(db, shop, {shop.bread_id: 1}))
    assisted = Actor(user_id=operator, merchant_id=shop.baker_id, on_behalf=True)
    _move(db, mo.id, S.ACCEPTED, actor=assisted)
    with db.uow() as uow:
        entry = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "order.accepted")
        ).one()
    assert (entry.actor_id, entry.merchant_id, entry.on_behalf) == (operator, shop.baker_id, True)
    assert _mo(db, mo.order_id).history[-1].on_behalf
