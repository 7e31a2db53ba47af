"""The rounds an order's parcels went on, or are planned on: each stop of its merchant
orders (collected at the shop, handed over or failed at the door or the pickup point,
taken back, given back to the shop), with its day, round, courier and time.

The operator reads them to answer a shopper who phones: which round has their parcels,
who drives it, and what the courier found when a delivery failed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, selectinload

from delivery.model import DayPlan, RoundRun, Stop, StopKind, StopStatus, territory_stops
from shop_core.territories.model import Territory


@dataclass(frozen=True)
class Trip:
    """One stop of a merchant order on a planned run."""

    merchant_order_id: int
    date: dt.date
    kind: StopKind
    round_name: str
    courier_name: str
    place: str
    expected: dt.datetime
    """When the courier was (or is) expected there, on the territory's clock."""
    status: StopStatus
    reason: str
    done_at: dt.datetime | None


def trips_of(
    session: Session, *, territory: Territory, merchant_order_ids: Iterable[int]
) -> dict[int, list[Trip]]:
    """Every stop planned for these merchant orders in the territory, by merchant order
    id, in the order of the days and of the runs (a fixed number of queries)."""
    wanted = sorted(set(merchant_order_ids))
    if not wanted:
        return {}
    zone = ZoneInfo(territory.timezone)
    stops = session.scalars(
        territory_stops(territory.id)
        .where(Stop.merchant_order_id.in_(wanted))
        .options(
            selectinload(Stop.run).selectinload(RoundRun.round),
            selectinload(Stop.run).selectinload(RoundRun.plan),
            selectinload(Stop.run).selectinload(RoundRun.courier),
        )
        .order_by(DayPlan.date, Stop.expected_start, Stop.id)
    )
    found: dict[int, list[Trip]] = defaultdict(list)
    for stop in stops:
        run = stop.run
        found[stop.merchant_order_id].append(
            Trip(
                merchant_order_id=stop.merchant_order_id,
                date=run.plan.date,
                kind=stop.kind,
                round_name=run.round.name,
                courier_name=run.courier.full_name if run.courier else "",
                place=stop.place_name,
                expected=stop.expected_start.astimezone(zone),
                status=stop.status,
                reason=stop.reason,
                done_at=stop.done_at.astimezone(zone) if stop.done_at else None,
            )
        )
    return dict(found)
