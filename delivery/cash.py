"""The money a courier brings back: what was taken at the doors of a run, handed in to the
operator, who then pays each shop its share."""

from __future__ import annotations

import datetime as dt

from delivery.model import RoundRun, StopKind, StopStatus
from shop_core.audit.services import Actor, record
from shop_core.errors import NotFound, ValidationError
from shop_core.payments.model import Receiver
from shop_core.payments.offline import hand_in, payments_for
from shop_core.persistence.base import utcnow
from shop_core.persistence.uow import UnitOfWork


def hand_in_run(
    *,
    uow: UnitOfWork,
    territory_id: int,
    run_id: int,
    actor: Actor,
    now: dt.datetime | None = None,
) -> int:
    """The operator received from the courier what was taken at the run's doors: every such
    payment not handed in yet is marked handed in to ``actor``. Returns the amount (cents).
    Payments taken at a pickup point for parcels this run left there are not the courier's
    (see ``shop_core.payments.offline.hand_in_point``)."""
    now = now or utcnow()
    uow.lock_row(RoundRun, run_id)  # a double click hands in once
    session = uow.session
    run = session.get(RoundRun, run_id)
    if run is None or run.plan.territory_id != territory_id:
        raise NotFound(what="Tournée")
    delivered = [
        s.merchant_order_id
        for s in run.stops
        if s.kind is StopKind.DELIVER and s.status is StopStatus.DONE
    ]
    # Only what the courier took: a parcel left at a pickup point is paid there, and that
    # money stays with the point's staff until the operator collects it from them.
    taken = [p for p in payments_for(session, delivered).values() if p.receiver is Receiver.COURIER]
    amount = hand_in(session, payments=taken, actor=actor, now=now)
    if not amount:
        raise ValidationError("Il n'y a rien à remettre pour cette tournée.")
    record(
        session,
        territory_id=territory_id,
        actor=actor,
        action="delivery.cash_handed_in",
        subject=f"{run.round.name} {run.plan.date.isoformat()}",
        details={"amount_cents": amount, "courier_id": run.courier_id},
    )
    uow.commit()
    return amount
