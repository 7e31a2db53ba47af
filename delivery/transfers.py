"""Parcels carried from one depot to another by hand, as the operator records it.

A courier leaves the parcels of a failed delivery at the depot the round ends at
(``plan_state.holding_depots``); only a round leaving from there may load them. When no
round from that depot serves the shopper's commune, someone carries the parcels to another
depot: recording it here makes the rounds from that depot the ones that load them, so the
order can be planned again instead of being reported every day as ``held_at_depot``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from delivery.model import Depot, ParcelTransfer, RoundRun, Stop, StopStatus
from delivery.plan_state import OUT_OF_SHOP, holding_depots, under_way
from shop_core.audit.services import Actor, record
from shop_core.errors import NotFound, ValidationError
from shop_core.orders.model import MerchantOrder
from shop_core.persistence.base import utcnow
from shop_core.persistence.uow import UnitOfWork


def carry_to_depot(
    *,
    uow: UnitOfWork,
    territory_id: int,
    merchant_order_id: int,
    depot_id: int,
    actor: Actor,
    now: dt.datetime | None = None,
) -> Depot:
    """Record that the parcels of a merchant order waiting at a depot are now at
    ``depot_id``; the depot they left. Plan the day again (or postpone the order) for a
    round from there to take them."""
    session = uow.session
    mo = session.get(MerchantOrder, merchant_order_id)
    if mo is None or mo.order.territory_id != territory_id:
        raise NotFound(what="Commande")
    target = session.get(Depot, depot_id)
    if target is None or target.territory_id != territory_id:
        raise NotFound(what="Dépôt")
    uow.lock_row(MerchantOrder, mo.id)  # one record at a time, and after the couriers' taps
    held = holding_depots(session, [mo.id]).get(mo.id)
    planned = _planned_runs(session, mo.id)
    if mo.status not in OUT_OF_SHOP or held is None or any(_under_way(r) for r in planned):
        raise ValidationError(
            "Les colis de cette commande ne sont pas dans un dépôt : rien à déplacer.",
            field="depot",
        )
    if planned:  # a round from their depot loads them: moving them would strand it
        names = ", ".join(f"« {r.round.name} » du {r.plan.date:%d/%m}" for r in planned)
        raise ValidationError(
            f"Cette commande est prévue sur la tournée {names}, qui prend les colis là où ils "
            "sont : retirez-la de cette tournée (replanifiez) avant de les déplacer.",
            field="depot",
            code="planned_from_depot",
            runs=[{"round": r.round.name, "date": r.plan.date.isoformat()} for r in planned],
        )
    source = session.get_one(Depot, held)  # the depot of the round that carried them
    if held == target.id:
        raise ValidationError(
            f"Les colis sont déjà au dépôt « {target.name} ».",
            field="depot",
            code="already_at_depot",
            depot=target.name,
        )
    session.add(
        ParcelTransfer(
            merchant_order_id=mo.id,
            from_depot_id=held,
            to_depot_id=target.id,
            # After every stop recorded so far, whatever the clocks say (a courier's phone
            # may run ahead): this record is the latest word on where the parcels are.
            at=max(now or utcnow(), _last_recorded(session, mo.id)),
            by_id=actor.user_id,
        )
    )
    record(
        session,
        territory_id=territory_id,
        actor=actor,
        action="delivery.carry_to_depot",
        subject=mo.reference,
        details={"from": source.name, "to": target.name},
    )
    uow.commit()
    return source


def _planned_runs(session: Session, merchant_order_id: int) -> list[RoundRun]:
    """The runs with a stop of the order still to do."""
    return list(
        session.scalars(
            select(RoundRun)
            .join(Stop, Stop.run_id == RoundRun.id)
            .where(Stop.merchant_order_id == merchant_order_id, Stop.status == StopStatus.TODO)
            .distinct()
            .order_by(RoundRun.id)
        )
    )


def _last_recorded(session: Session, merchant_order_id: int) -> dt.datetime:
    """When the last stop or transfer of the order was recorded (the epoch if none)."""
    times = [
        session.scalar(
            select(func.max(Stop.done_at)).where(Stop.merchant_order_id == merchant_order_id)
        ),
        session.scalar(
            select(func.max(ParcelTransfer.at)).where(
                ParcelTransfer.merchant_order_id == merchant_order_id
            )
        ),
    ]
    return max((t for t in times if t is not None), default=dt.datetime.min.replace(tzinfo=dt.UTC))


def _under_way(run: RoundRun) -> bool:
    """A stop recorded: the van has left with what it loaded at the depot."""
    return under_way(run.stops)
