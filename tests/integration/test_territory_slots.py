"""The delivery slots and the order cut-off, as the territory's operator changes them."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import select

from shop_core.audit.model import AuditEntry
from shop_core.audit.services import Actor
from shop_core.database import Database
from shop_core.errors import NotFound, ValidationError
from shop_core.orders.model import MerchantOrderStatus as S
from shop_core.orders.model import Order
from shop_core.orders.services import earliest_date, transition
from shop_core.territories.model import DeliverySlot, Territory
from shop_core.territories.services import (
    create_delivery_slot,
    delete_delivery_slot,
    remove_commune,
    set_order_cutoff,
    slot_orders,
    update_delivery_slot,
)
from shop_core.testing.factories import make_territory

from .at_once import at_once
from .conftest import Shop, buy, deliver_all, home

OPERATOR = Actor(user_id=None)


def _add(db: Database, shop: Shop, label: str, starts: int, ends: int) -> str:
    with db.uow() as uow:
        return create_delivery_slot(
            uow=uow,
            territory_id=shop.territory_id,
            label=label,
            starts=dt.time(starts),
            ends=dt.time(ends),
            actor=OPERATOR,
        )


def _refusal(db: Database, shop: Shop, label: str, starts: dt.time, ends: dt.time) -> str:
    with db.uow() as uow, pytest.raises(ValidationError) as refused:
        create_delivery_slot(
            uow=uow,
            territory_id=shop.territory_id,
            label=label,
            starts=starts,
            ends=ends,
            actor=OPERATOR,
        )
    return str(refused.value)


def _slots(db: Database, shop: Shop) -> list[tuple[str, str, dt.time, dt.time]]:
    with db.uow() as uow:
        return [
            (s.code, s.label, s.starts, s.ends)
            for s in uow.session.scalars(
                select(DeliverySlot)
                .where(DeliverySlot.territory_id == shop.territory_id)
                .order_by(DeliverySlot.starts)
            )
        ]


def _audit(db: Database, shop: Shop, action: str) -> list[AuditEntry]:
    with db.uow() as uow:
        return list(
            uow.session.scalars(
                select(AuditEntry).where(
                    AuditEntry.territory_id == shop.territory_id, AuditEntry.action == action
                )
            )
        )


def test_a_new_slot_takes_a_code_from_its_label_and_is_audited(db: Database, shop: Shop) -> None:
    code = _add(db, shop, "  Midi  (12 h – 14 h) ", 12, 14)

    assert code == "midi-12-h-14-h"
    assert _slots(db, shop)[1] == (code, "Midi (12 h – 14 h)", dt.time(12), dt.time(14))
    (entry,) = _audit(db, shop, "territory.slot_add")
    assert entry.subject == "Midi (12 h – 14 h)"
    assert entry.details == {"code": code, "starts": "12:00", "ends": "14:00"}


def test_a_label_another_slot_has_is_refused_whatever_its_case_and_accents(
    db: Database, shop: Shop
) -> None:
    message = _refusal(db, shop, "APRES-MIDI (14 H - 18 H)", dt.time(19), dt.time(21))

    assert "Le créneau « Après-midi (14 h – 18 h) » porte déjà ce nom" in message
    assert _refusal(db, shop, "   ", dt.time(19), dt.time(21)).startswith(
        "Indiquez le nom du créneau"
    )
    assert len(_slots(db, shop)) == 2


@pytest.mark.parametrize(
    ("starts", "ends", "said"),
    [
        (dt.time(20), dt.time(19), "Le créneau doit finir après son début."),
        (dt.time(19), dt.time(19), "Le créneau doit finir après son début."),
        (dt.time(19), dt.time(19, 45), "Un créneau dure au moins une heure"),
        (dt.time(11), dt.time(13), "Ces heures chevauchent le créneau « Matin (9 h – 12 h) »"),
        (dt.time(8), dt.time(19), "Ces heures chevauchent le créneau « Matin (9 h – 12 h) »"),
        (dt.time(17), dt.time(19), "chevauchent le créneau « Après-midi (14 h – 18 h) »"),
    ],
)
def test_hours_that_make_no_slot_of_an_hour_or_overlap_another_are_refused(
    db: Database, shop: Shop, starts: dt.time, ends: dt.time, said: str
) -> None:
    assert said in _refusal(db, shop, "Soir", starts, ends)
    assert len(_slots(db, shop)) == 2


def test_two_operators_at_once_cannot_add_the_same_slot_twice_nor_delete_the_last_two(
    db: Database, shop: Shop
) -> None:
    outcomes = at_once(*[lambda: _add(db, shop, "Soir", 19, 21)] * 2)

    assert outcomes == [
        "ok",
        "refused: Le créneau « Soir » porte déjà ce nom : choisissez-en un autre.",
    ]
    assert [s[0] for s in _slots(db, shop)] == ["matin", "apres-midi", "soir"]

    def delete(code: str) -> None:
        with db.uow() as uow:
            delete_delivery_slot(uow=uow, territory_id=shop.territory_id, code=code, actor=OPERATOR)

    with db.uow() as uow:
        delete_delivery_slot(uow=uow, territory_id=shop.territory_id, code="soir", actor=OPERATOR)
    ok, refused = at_once(lambda: delete("matin"), lambda: delete("apres-midi"))

    assert ok == "ok" and "est le seul créneau de livraison à domicile" in refused
    assert len(_slots(db, shop)) == 1


def test_a_slot_may_start_when_the_one_before_ends(db: Database, shop: Shop) -> None:
    _add(db, shop, "Midi", 12, 14)

    assert [s[0] for s in _slots(db, shop)] == ["matin", "midi", "apres-midi"]


def test_a_code_a_past_order_kept_is_not_given_to_another_slot(db: Database, shop: Shop) -> None:
    _add(db, shop, "Midi", 12, 14)
    order_id = buy(db, shop, {shop.bread_id: 1}, delivery=replace(home(), slot="midi"))
    deliver_all(db, order_id)
    with db.uow() as uow:
        delete_delivery_slot(uow=uow, territory_id=shop.territory_id, code="midi", actor=OPERATOR)

    assert _add(db, shop, "Midi", 12, 14) == "midi-2"


def test_orders_still_to_deliver_are_counted_by_slot(db: Database, shop: Shop) -> None:
    delivered = buy(db, shop, {shop.bread_id: 1})
    deliver_all(db, delivered)
    cancelled = buy(db, shop, {shop.bread_id: 1})
    failed = buy(db, shop, {shop.bread_id: 1})
    buy(db, shop, {shop.apples_id: 1}, delivery=replace(home(), slot="apres-midi"))
    with db.uow() as uow:
        orders = {o.id: o for o in uow.session.scalars(select(Order))}
        (cancelled_part,) = [mo.id for mo in orders[cancelled].merchant_orders]
        (failed_part,) = [mo.id for mo in orders[failed].merchant_orders]
    with db.uow() as uow:
        transition(
            uow=uow,
            merchant_order_id=cancelled_part,
            target=S.CANCELLED,
            actor=OPERATOR,
            reason="Annulée par le client",
        )
    for target in (S.ACCEPTED, S.READY, S.HANDED_TO_COURIER, S.DELIVERY_FAILED):
        with db.uow() as uow:
            transition(
                uow=uow,
                merchant_order_id=failed_part,
                target=target,
                actor=OPERATOR,
                reason="Absent",
            )

    with db.uow() as uow:
        counts = slot_orders(uow.session, territory_id=shop.territory_id)

    # A failed delivery is tried again on a later round, in the slot the shopper chose.
    assert counts == {"matin": 1, "apres-midi": 1}


def test_the_hours_an_order_still_to_deliver_was_promised_cannot_change_but_the_label_can(
    db: Database, shop: Shop
) -> None:
    order_id = buy(db, shop, {shop.bread_id: 1})

    with db.uow() as uow, pytest.raises(ValidationError) as refused:
        update_delivery_slot(
            uow=uow,
            territory_id=shop.territory_id,
            code="matin",
            label="Matin (9 h – 12 h)",
            starts=dt.time(8),
            ends=dt.time(11),
            actor=OPERATOR,
        )
    assert str(refused.value).startswith(
        "1 commande pas encore livrée a choisi le créneau « Matin (9 h – 12 h) » : son client "
        "attend le livreur entre 9\u00a0h et 12\u00a0h, comme promis à la commande."
    )
    assert refused.value.field == "starts"
    with db.uow() as uow:
        renamed = update_delivery_slot(
            uow=uow,
            territory_id=shop.territory_id,
            code="matin",
            label="Matinée (9 h – 12 h)",
            starts=dt.time(9),
            ends=dt.time(12),
            actor=OPERATOR,
        )
    assert renamed
    assert _slots(db, shop)[0] == ("matin", "Matinée (9 h – 12 h)", dt.time(9), dt.time(12))

    deliver_all(db, order_id)
    with db.uow() as uow:
        update_delivery_slot(
            uow=uow,
            territory_id=shop.territory_id,
            code="matin",
            label="Matinée (8 h – 11 h)",
            starts=dt.time(8),
            ends=dt.time(11),
            actor=OPERATOR,
        )
    assert _slots(db, shop)[0] == ("matin", "Matinée (8 h – 11 h)", dt.time(8), dt.time(11))
    first, second = _audit(db, shop, "territory.slot_update")
    assert first.details == {
        "code": "matin",
        "label": ["Matin (9 h – 12 h)", "Matinée (9 h – 12 h)"],
    }
    assert second.details["hours"] == ["09:00–12:00", "08:00–11:00"]


def test_a_slot_still_promised_cannot_be_deleted(db: Database, shop: Shop) -> None:
    buy(db, shop, {shop.bread_id: 1})
    buy(db, shop, {shop.cake_id: 1})

    with db.uow() as uow, pytest.raises(ValidationError) as refused:
        delete_delivery_slot(uow=uow, territory_id=shop.territory_id, code="matin", actor=OPERATOR)

    assert str(refused.value).startswith(
        "2 commandes pas encore livrées ont choisi le créneau « Matin (9 h – 12 h) » : leurs "
        "clients attendent le livreur entre 9\u00a0h et 12\u00a0h"
    )
    assert "Vous pourrez le supprimer une fois ces commandes livrées ou annulées." in str(
        refused.value
    )
    assert len(_slots(db, shop)) == 2 and not _audit(db, shop, "territory.slot_delete")


def test_the_last_slot_cannot_be_deleted_while_home_delivery_is_offered(
    db: Database, shop: Shop
) -> None:
    with db.uow() as uow:
        delete_delivery_slot(
            uow=uow, territory_id=shop.territory_id, code="apres-midi", actor=OPERATOR
        )
    with db.uow() as uow, pytest.raises(ValidationError) as refused:
        delete_delivery_slot(uow=uow, territory_id=shop.territory_id, code="matin", actor=OPERATOR)

    assert "« Matin (9 h – 12 h) » est le seul créneau de livraison à domicile" in str(
        refused.value
    )
    (entry,) = _audit(db, shop, "territory.slot_delete")
    assert entry.details == {"code": "apres-midi", "starts": "14:00", "ends": "18:00"}
    # A territory that delivers no commune offers no home delivery: nothing to promise.
    with db.uow() as uow:
        for insee in ("62767", "62361"):
            remove_commune(uow=uow, territory_id=shop.territory_id, insee_code=insee)
        delete_delivery_slot(uow=uow, territory_id=shop.territory_id, code="matin", actor=OPERATOR)
    assert _slots(db, shop) == []


def test_the_order_cutoff_moves_the_first_delivery_day_and_is_audited(
    db: Database, shop: Shop
) -> None:
    at_half_past_four = dt.datetime(2026, 11, 23, 15, 30, tzinfo=dt.UTC)  # 16:30 in Paris
    with db.uow() as uow:
        before = earliest_date(uow.session.get_one(Territory, shop.territory_id), at_half_past_four)
        changed = set_order_cutoff(
            uow=uow, territory_id=shop.territory_id, order_cutoff=dt.time(16), actor=OPERATOR
        )
    with db.uow() as uow:
        after = earliest_date(uow.session.get_one(Territory, shop.territory_id), at_half_past_four)
        unchanged = set_order_cutoff(
            uow=uow, territory_id=shop.territory_id, order_cutoff=dt.time(16), actor=OPERATOR
        )

    assert (changed, unchanged) == (True, False)
    assert (before, after) == (dt.date(2026, 11, 24), dt.date(2026, 11, 25))
    (entry,) = _audit(db, shop, "territory.order_cutoff")
    assert entry.details == {"from": "18:00", "to": "16:00"}


def test_midnight_is_refused_as_a_cutoff(db: Database, shop: Shop) -> None:
    with db.uow() as uow, pytest.raises(ValidationError) as refused:
        set_order_cutoff(
            uow=uow, territory_id=shop.territory_id, order_cutoff=dt.time(0), actor=OPERATOR
        )

    assert "indiquez 23:59" in str(refused.value) and refused.value.field == "order_cutoff"
    with db.uow() as uow:
        assert uow.session.get_one(Territory, shop.territory_id).order_cutoff == dt.time(18)


def test_a_slot_of_another_territory_is_not_found(db: Database, shop: Shop) -> None:
    code = _add(db, shop, "Soir", 19, 21)
    with db.uow() as uow:
        other = make_territory(uow, name="Montreuillois")

    with db.uow() as uow, pytest.raises(NotFound):
        delete_delivery_slot(uow=uow, territory_id=other, code=code, actor=OPERATOR)
    assert code in [s[0] for s in _slots(db, shop)]
