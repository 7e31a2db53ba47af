"""Orders a planned day will not deliver, moved to the next day they can be.

A day's plan can leave merchant orders behind: the planner found no room for them (they
are reported with the next possible date), or a courier came to the shop before they were
ready and left without them (their stops failed). Until someone acts they stay due on a
day that passes, and no later planning would see them. ``postpone_unserved`` gives each
such order the next date a round serves its address while its shops are open, as the
courier's "next round" does after a failed delivery (``delivery.stops.fail``).

An order is moved whole (its date is the order's, shared by its shops), so only when none
of its merchant orders is still carried by the plan: a shop's parcel already on a van is
delivered that day, and the rest of the order is left for the operator to decide.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import delete

from delivery.model import Unplanned
from delivery.optimiser import UnassignedReason
from delivery.plan_state import (
    due_merchant_orders,
    get_plan,
    holding_depots,
    left_behind,
    lock_day,
)
from delivery.planning import next_possible_date
from shop_core.audit.services import Actor
from shop_core.errors import ValidationError
from shop_core.orders.model import MerchantOrder
from shop_core.orders.redelivery import redirect_delivery
from shop_core.persistence.uow import UnitOfWork

# Planner's reasons a later date does not cure: the order waits for the operator.
NOT_A_MATTER_OF_DATE = {
    "no_position": "Adresse introuvable : indiquez d'abord sa position sur la carte.",
    UnassignedReason.TOO_LARGE.value: (
        "Plus de colis que n'en prend une tournée, quel que soit le jour : voyez avec le client."
    ),
}
# Other reasons an order stays on its day (French; apps translate them).
KEPT_PARTLY_DELIVERED = (
    "Une autre boutique de cette commande est livrée ce jour-là : décidez avec le client."
)
KEPT_NO_DATE = (
    "Aucune tournée ne dessert cette adresse, boutiques ouvertes, dans les deux semaines : "
    "voyez avec le client."
)


@dataclass(frozen=True)
class Postponed:
    """An order moved from ``previous`` to ``date``."""

    order_id: int
    reference: str
    previous: dt.date
    date: dt.date


@dataclass(frozen=True)
class Kept:
    """An order left on its day, and why (in French)."""

    reference: str
    reason: str


@dataclass(frozen=True)
class PostponeReport:
    moved: tuple[Postponed, ...]
    kept: tuple[Kept, ...]


def postpone_unserved(
    *,
    uow: UnitOfWork,
    territory_id: int,
    date: dt.date,
    actor: Actor,
    today: dt.date | None = None,
) -> PostponeReport:
    """Move every order the plan of ``date`` does not serve to its next possible date,
    after ``date`` and after ``today`` (the territory's date: a day that has passed is
    postponed to the coming days, never to another past one)."""
    session = uow.session
    plan = get_plan(session, territory_id, date)
    if plan is None:
        raise ValidationError("Cette journée n'est pas encore planifiée : rien à reporter.")
    # Two clicks at once (or the nightly command and a click) postpone each order once: the
    # second waits for the first, whose orders are then no longer due on ``date``.
    lock_day(uow, plan.id)  # what the plan loaded is read again
    reasons = {u.merchant_order_id: u.reason_code for u in plan.unplanned}
    stops = [(s.merchant_order_id, s.status) for run in plan.runs for s in run.stops]
    due = due_merchant_orders(session, territory_id, date)
    behind_ids = {mo.id for mo in left_behind(due, stops, reasons)}
    by_order: dict[int, list[MerchantOrder]] = defaultdict(list)
    for mo in due:
        by_order[mo.order_id].append(mo)

    # Where the parcels of those left behind wait, for those at a depot: one query.
    held = holding_depots(session, behind_ids)
    moved: list[Postponed] = []
    kept: list[Kept] = []
    for parts in by_order.values():
        behind = [mo for mo in parts if mo.id in behind_ids]
        if not behind:
            continue
        order = behind[0].order
        blocking = [reasons[mo.id] for mo in behind if reasons.get(mo.id) in NOT_A_MATTER_OF_DATE]
        if blocking:
            kept.append(Kept(order.reference, NOT_A_MATTER_OF_DATE[blocking[0]]))
            continue
        if len(behind) < len(parts):
            kept.append(Kept(order.reference, KEPT_PARTLY_DELIVERED))
            continue
        # Parcels waiting at a depot go with a round leaving from there (``held_at_depot``).
        depots = {held.get(mo.id) for mo in behind if reasons.get(mo.id) == "held_at_depot"}
        all_held = all(mo.id in held for mo in behind)
        new_date = next_possible_date(
            session, territory_id, behind, after=max(date, today or date),
            depot_id=depots.pop() if len(depots) == 1 and all_held else None,
        )  # fmt: skip
        if new_date is None:
            kept.append(Kept(order.reference, KEPT_NO_DATE))
            continue
        ids = tuple(mo.id for mo in behind)
        session.execute(
            delete(Unplanned).where(
                Unplanned.plan_id == plan.id, Unplanned.merchant_order_id.in_(ids)
            )
        )
        redirect_delivery(
            uow=uow,
            order_id=order.id,
            actor=actor,
            date=new_date,
            reason=f"Pas livrée le {date:%d/%m/%Y} : reportée à la prochaine tournée possible.",
            commit=False,
        )
        moved.append(Postponed(order.id, order.reference, date, new_date))
    uow.commit()
    return PostponeReport(tuple(moved), tuple(kept))
