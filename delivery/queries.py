"""Read models of planned days: a courier's runs, the operator's board, sheet and export rows.

Every query is scoped to a territory (and to a courier for the courier's page) and loads
what the pages show in a bounded number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, selectinload

from delivery.model import (
    DayPlan,
    Depot,
    RoundRun,
    Stop,
    StopKind,
    StopStatus,
    Unplanned,
    territory_stops,
)
from delivery.plan_state import (
    due_merchant_orders,
    holding_depots,
    late_orders,
    left_behind,
    returns_off_plan,
)
from delivery.returns import without_round
from delivery.stops import UNREADY, awaits_collection, place_key, visit_of
from shop_core.accounts.model import Role, User
from shop_core.audit.model import AuditEntry
from shop_core.errors import NotFound
from shop_core.merchants.model import Merchant
from shop_core.orders.model import (
    DeliveryMethod,
    MerchantOrder,
    MerchantOrderStatus,
    Order,
    OrderLine,
)
from shop_core.payments.model import OfflinePayment, PaymentMeans
from shop_core.payments.offline import by_means, payments_for, to_take
from shop_core.territories.model import Territory

S = MerchantOrderStatus


@dataclass(frozen=True)
class VisitItem:
    """One merchant order at a visit."""

    stop_id: int
    merchant_order_id: int
    reference: str
    merchant_id: int
    merchant: str
    parcels: int
    status: StopStatus
    order_status: MerchantOrderStatus
    reason: str
    lines: tuple[str, ...]
    due_cents: int | None = None
    """What the courier takes from the shopper for it at the door: its total when paid on
    delivery, 0 when paid online; None where the courier takes no money (a collection, a
    pickup point, whose staff does)."""
    paid: OfflinePayment | None = None
    """The payment the courier took for it here, once delivered."""
    claimed_by: str = ""
    """At a collection still to do: the other courier who says they took its parcels
    (``delivery.stops.claim_collections``), and when."""
    claimed_at: dt.datetime | None = None

    @property
    def still_due_cents(self) -> int | None:
        """What is left to take for it at the door: ``due_cents`` until it is handed over,
        nothing once it is (handing it over takes its payment); None as ``due_cents``."""
        if self.due_cents is None:
            return None
        return 0 if self.status is StopStatus.DONE or self.paid is not None else self.due_cents

    @property
    def cancelled(self) -> bool:
        return self.order_status in (S.CANCELLED, S.REFUSED)

    @property
    def ready(self) -> bool:
        """Whether the parcels can leave the shop (ready, or already out of it)."""
        return self.order_status not in UNREADY


@dataclass(frozen=True)
class PlaceVisit:
    """Consecutive stops of a run at one place for one purpose, as a courier sees them."""

    stop_id: int
    number: int
    kind: StopKind
    place_name: str
    address: str
    lat: float
    lon: float
    approximate: bool
    expected: dt.datetime
    window: tuple[dt.datetime, dt.datetime] | None
    customer: str
    phone: str
    instructions: str
    order_id: int | None
    order_reference: str
    at_pickup_point: bool
    items: tuple[VisitItem, ...]

    @property
    def status(self) -> StopStatus:
        statuses = {item.status for item in self.items}
        if StopStatus.TODO in statuses:
            return StopStatus.TODO
        return StopStatus.FAILED if statuses == {StopStatus.FAILED} else StopStatus.DONE

    @property
    def parcels(self) -> int:
        """The parcels to take or hand over here (not those another courier took)."""
        return sum(
            item.parcels for item in self.items if not item.cancelled and not item.claimed_by
        )

    @property
    def returning(self) -> bool:
        """A returned order's way back: taken back at a point, or given back at the shop."""
        return self.kind.returning

    @property
    def to_collect_first(self) -> tuple[VisitItem, ...]:
        """At a delivery, the orders still to hand over whose parcels are at their shop:
        the visit can be recorded only once they are collected
        (``delivery.stops.awaits_collection``)."""
        if self.kind is not StopKind.DELIVER:
            return ()
        return tuple(
            item
            for item in self.items
            if item.status is StopStatus.TODO and awaits_collection(item.order_status)
        )

    @property
    def needs_code(self) -> bool:
        return self.kind is StopKind.DELIVER and not self.at_pickup_point

    @property
    def due_cents(self) -> int | None:
        """What the courier takes from the shopper here (0: paid online); None if no money
        changes hands at this stop (a failed delivery takes none either)."""
        return self._sum_of(lambda item: item.due_cents)

    @property
    def still_due_cents(self) -> int | None:
        """What is left to take here now: ``due_cents`` less what the courier took at this
        door already (a round sheet printed during the round); None as ``due_cents``."""
        return self.still_due_for(None)

    def still_due_for(self, taken: Collection[int] | None) -> int | None:
        """What is left to take here when the shopper takes only the merchant orders
        ``taken`` (the « Remis au client » ticks of a door with several orders; None: all
        of them), as ``delivery.stops.deliver_part`` asks payment only for those; None as
        ``due_cents``."""

        def due(item: VisitItem) -> int | None:
            still = item.still_due_cents
            if still is None or taken is None or item.merchant_order_id in taken:
                return still
            return 0

        return self._sum_of(due)

    def _sum_of(self, due: Callable[[VisitItem], int | None]) -> int | None:
        """``due`` summed over the items still handed over here (not cancelled, not
        failed); None when none of them says an amount."""
        known = [
            amount
            for item in self.items
            if not item.cancelled and item.status is not StopStatus.FAILED
            if (amount := due(item)) is not None
        ]
        return sum(known) if known else None

    @property
    def paid(self) -> tuple[OfflinePayment, ...]:
        """The payments the courier took here."""
        return tuple(item.paid for item in self.items if item.paid is not None)

    @property
    def paid_cents(self) -> int:
        return sum(p.amount_cents for p in self.paid)

    @property
    def geo_uri(self) -> str:
        """A ``geo:`` link that phones open in their navigation app."""
        label = quote(self.place_name or self.address)
        return f"geo:{self.lat:.6f},{self.lon:.6f}?q={self.lat:.6f},{self.lon:.6f}({label})"

    @property
    def apple_maps_url(self) -> str:
        """The same place for an iPhone or iPad, which do not open ``geo:`` links: Apple's
        map link, which opens Apple Plans there with the way to the place. Only the
        position: Apple would take a name as a search, and a shopper's name stays here."""
        return f"https://maps.apple.com/?daddr={self.lat:.6f},{self.lon:.6f}"


@dataclass(frozen=True)
class Awaited:
    """Parcels a delivery waits for: one shop's, and the visit of the run that collects
    them (None: no visit of this run does, the operator gave it to another)."""

    merchant: str
    references: tuple[str, ...]
    collection: PlaceVisit | None


@dataclass(frozen=True)
class RunView:
    run_id: int
    round_id: int
    round_name: str
    date: dt.date
    courier_id: int | None
    courier_name: str
    depot_name: str
    depot_address: str
    depot_lat: float
    depot_lon: float
    departure: dt.datetime | None
    return_time: dt.datetime | None
    distance_m: int
    capacity: int
    visits: tuple[PlaceVisit, ...]
    depot_id: int = 0

    @property
    def started(self) -> bool:
        """Whether the run is under way: a stop of it was recorded."""
        return any(item.status is not StopStatus.TODO for v in self.visits for item in v.items)

    @property
    def todo(self) -> int:
        return sum(1 for v in self.visits if v.status is StopStatus.TODO)

    @property
    def parcels_to_collect(self) -> int:
        """The parcels still to take at the shops on this run: not those collected (or
        taken by another courier) since the planning, nor a cancelled order's."""
        return sum(
            item.parcels
            for v in self.visits
            if v.kind is StopKind.COLLECT
            for item in v.items
            if item.status is StopStatus.TODO and not item.cancelled and not item.claimed_by
        )

    @property
    def from_depot(self) -> tuple[tuple[PlaceVisit, VisitItem], ...]:
        """The parcels to load at the depot before leaving, with the visit each goes to:
        delivered (or given back to their shop) on this run with nothing to collect for
        them on it, as those a courier left there after a failed delivery; those handed
        over (or whose stop failed) are no longer listed."""
        picked = {
            item.merchant_order_id
            for v in self.visits
            if v.kind in (StopKind.COLLECT, StopKind.TAKE_BACK)
            for item in v.items
        }
        return tuple(
            (v, item)
            for v in self.visits
            if v.kind in (StopKind.DELIVER, StopKind.BRING_BACK)
            for item in v.items
            if item.merchant_order_id not in picked
            and not item.cancelled
            and item.status is StopStatus.TODO
        )

    def awaited(self, visit: PlaceVisit) -> tuple[Awaited, ...]:
        """What ``visit`` (a delivery of this run) waits to be collected, shop by shop, in
        the order of the run's collections."""
        collecting = {
            item.merchant_order_id: v
            for v in self.visits
            if v.kind is StopKind.COLLECT
            for item in v.items
        }
        found: dict[tuple[str, int | None], Awaited] = {}
        for item in visit.to_collect_first:
            collection = collecting.get(item.merchant_order_id)
            key = (item.merchant, collection.stop_id if collection else None)
            known = found.get(key)
            references = (*known.references, item.reference) if known else (item.reference,)
            found[key] = Awaited(item.merchant, references, collection)
        return tuple(
            sorted(found.values(), key=lambda a: a.collection.number if a.collection else 0)
        )

    @property
    def parcels(self) -> int:
        return sum(v.parcels for v in self.visits if v.kind is StopKind.DELIVER)

    @property
    def due_cents(self) -> int:
        """What the courier should bring back from the doors of the run, in all."""
        return sum(v.due_cents or 0 for v in self.visits)

    @property
    def still_due_cents(self) -> int:
        """What is left to take at the doors of the run: ``due_cents`` less what was taken."""
        return sum(v.still_due_cents or 0 for v in self.visits)

    @property
    def payments(self) -> tuple[OfflinePayment, ...]:
        """What the courier took at the doors of the run so far."""
        return tuple(p for v in self.visits for p in v.paid)

    @property
    def taken_by_means(self) -> Mapping[PaymentMeans, int]:
        return by_means(self.payments)

    @property
    def taken_cents(self) -> int:
        return sum(p.amount_cents for p in self.payments)

    @property
    def to_hand_in_cents(self) -> int:
        """Taken at the doors and not yet handed in to the operator."""
        return sum(p.amount_cents for p in self.payments if p.handed_in_at is None)

    @property
    def handed_in_at(self) -> dt.datetime | None:
        """When the last of the money taken was handed in, once all of it is, on the
        territory's clock as the run's times (the database gives it in UTC)."""
        payments = self.payments
        if not payments or any(p.handed_in_at is None for p in payments):
            return None
        moment = max(p.handed_in_at for p in payments if p.handed_in_at is not None)
        return moment.astimezone(self.visits[0].expected.tzinfo)


@dataclass(frozen=True)
class UnplannedView:
    merchant_order_id: int
    order_id: int
    reference: str
    merchant: str
    customer: str
    city: str
    reason_code: str
    reason: str
    next_date: dt.date | None
    parcels: int = 0
    # ``held_at_depot``: the depot where the parcels wait ("" when unknown).
    depot: str = ""
    # ``point_closed``: the pickup point closed that day.
    point: str = ""


@dataclass(frozen=True)
class DueView:
    """A merchant order due on a day not planned yet, as the board lists it."""

    merchant_order_id: int
    order_id: int
    reference: str
    merchant: str
    customer: str
    city: str
    pickup_point: str
    """The pickup point it goes to ("" for a home delivery)."""
    status: MerchantOrderStatus


@dataclass(frozen=True)
class Board:
    date: dt.date
    planned_at: dt.datetime | None
    runs: tuple[RunView, ...]
    unplanned: tuple[UnplannedView, ...]
    late: int
    """Due orders the plan does not carry: placed after it, or left at the shop."""
    behind: int
    """Due orders the plan will not deliver: unplanned, or left at the shop."""
    due: int
    approximate: int
    couriers: tuple[User, ...]
    returns_to_add: int = 0
    """Returned parcels at a pickup point that no plan carries yet (sent back since), that
    a round can take."""
    returns_without_round: int = 0
    """Returned parcels no plan carries that no round can ever take (``returns.
    no_round_for``): someone must bring them back by other means."""
    waiting: tuple[DueView, ...] = ()
    """Before the day is planned: the due merchant orders, which wait for its planning."""
    moved_by_hand: tuple[str, ...] = ()
    """References of the day's merchant orders the operator moved to another round since
    the day was planned: re-planning the day may put them elsewhere again."""


def _runs_query(territory_id: int, date: dt.date) -> Select[RoundRun]:
    mo = selectinload(RoundRun.stops).selectinload(Stop.merchant_order)
    return (
        select(RoundRun)
        .join(DayPlan, RoundRun.plan_id == DayPlan.id)
        .where(DayPlan.territory_id == territory_id, DayPlan.date == date)
        .options(
            selectinload(RoundRun.plan),
            selectinload(RoundRun.courier),
            selectinload(RoundRun.round),
            selectinload(RoundRun.depot),
            mo.selectinload(MerchantOrder.merchant),
            mo.selectinload(MerchantOrder.lines),
            mo.selectinload(MerchantOrder.order).selectinload(Order.pickup_point),
        )
        .order_by(RoundRun.id)
    )


def courier_runs(
    session: Session, *, territory: Territory, courier_id: int, date: dt.date
) -> list[RunView]:
    """The runs the courier drives on ``date``, stops in order."""
    query = _runs_query(territory.id, date).where(RoundRun.courier_id == courier_id)
    return _views(session, query, ZoneInfo(territory.timezone))


def courier_next_day(
    session: Session, *, territory_id: int, courier_id: int, after: dt.date
) -> dt.date | None:
    """The first day after ``after`` on which the courier has a run with stops, if any (a
    plan gives every round a run, with no stop when nothing goes its way)."""
    first = func.min(DayPlan.date)
    return _courier_day(session, territory_id, courier_id, first, DayPlan.date > after)


def courier_previous_day(
    session: Session, *, territory_id: int, courier_id: int, before: dt.date
) -> dt.date | None:
    """The last day before ``before`` on which the courier had a run with stops, if any."""
    last = func.max(DayPlan.date)
    return _courier_day(session, territory_id, courier_id, last, DayPlan.date < before)


def _courier_day(
    session: Session,
    territory_id: int,
    courier_id: int,
    day: ColumnElement[dt.date],
    within: ColumnElement[bool],
) -> dt.date | None:
    """``day`` (the first or last date) of the plans ``within`` some dates in which the
    courier drives a run with stops."""
    return session.scalar(
        select(day)
        .join(RoundRun, RoundRun.plan_id == DayPlan.id)
        .join(Stop, Stop.run_id == RoundRun.id)
        .where(
            DayPlan.territory_id == territory_id,
            RoundRun.courier_id == courier_id,
            within,
        )
    )


def _views(session: Session, query: Select[RoundRun], zone: ZoneInfo) -> list[RunView]:
    runs = list(session.scalars(query))
    paid = payments_for(
        session,
        (s.merchant_order_id for run in runs for s in run.stops if s.kind is StopKind.DELIVER),
    )
    return [run_view(run, zone, paid) for run in runs]


def day_runs(
    session: Session, *, territory: Territory, date: dt.date, run_id: int | None = None
) -> list[RunView]:
    """Every run of the territory on ``date`` (or just ``run_id``)."""
    query = _runs_query(territory.id, date)
    if run_id is not None:
        query = query.where(RoundRun.id == run_id)
    return _views(session, query, ZoneInfo(territory.timezone))


def _lines(mo: MerchantOrder) -> tuple[str, ...]:
    def one(line: OrderLine) -> str:
        return f"{line.quantity} × {line.product_name}"

    return tuple(one(line) for line in mo.lines)


def run_view(
    run: RoundRun, zone: ZoneInfo, paid: Mapping[int, OfflinePayment] | None = None
) -> RunView:
    """A run with its stops grouped into visits, times in the territory's zone; ``paid``:
    the hand payments of its merchant orders, by merchant order id."""
    visits: list[PlaceVisit] = []
    group: list[Stop] = []

    def flush() -> None:
        if group:
            visits.append(_visit(group, len(visits) + 1, zone, paid or {}))

    for stop in run.stops:
        if group and (group[-1].kind, place_key(group[-1])) != (stop.kind, place_key(stop)):
            flush()
            group = []
        group.append(stop)
    flush()
    depot = run.depot  # the run's: the round may leave from another depot since
    return RunView(
        run_id=run.id,
        round_id=run.round_id,
        round_name=run.round.name,
        date=run.plan.date,
        courier_id=run.courier_id,
        courier_name=run.courier.full_name if run.courier else "",
        depot_name=depot.name,
        depot_address=f"{depot.address}, {depot.postal_code} {depot.city}",
        depot_lat=depot.lat,
        depot_lon=depot.lon,
        departure=run.departure.astimezone(zone) if run.departure else None,
        return_time=run.return_time.astimezone(zone) if run.return_time else None,
        distance_m=run.distance_m,
        capacity=run.round.capacity,
        visits=tuple(visits),
        depot_id=depot.id,
    )


def _visit(
    stops: Sequence[Stop], number: int, zone: ZoneInfo, paid: Mapping[int, OfflinePayment]
) -> PlaceVisit:
    first = stops[0]
    order = first.merchant_order.order
    # Where the stop went, whatever became of the order since (a failed delivery at the
    # door sent to a pickup point stays a delivery at the door).
    at_point = first.kind is StopKind.DELIVER and first.pickup_point_id is not None
    collect = first.kind.at_shop  # a collection, or returned parcels given back
    merchant = first.merchant_order.merchant
    taking_back = first.kind is StopKind.TAKE_BACK
    if collect:
        customer, phone = merchant.trade_name, merchant.phone
    elif taking_back:
        customer, phone = first.place_name, ""
    else:
        customer = order.recipient or order.customer_name
        phone = "" if at_point else order.customer_phone
    window = None
    if first.window_start is not None or first.window_end is not None:
        start = first.window_start or first.expected_start
        end = first.window_end or first.expected_start
        window = (start.astimezone(zone), end.astimezone(zone))
    items = tuple(
        VisitItem(
            stop_id=s.id,
            merchant_order_id=s.merchant_order_id,
            reference=s.merchant_order.reference,
            merchant_id=s.merchant_order.merchant_id,
            merchant=s.merchant_order.merchant.trade_name,
            parcels=s.parcels,
            status=s.status,
            order_status=s.merchant_order.status,
            reason=s.reason,
            lines=_lines(s.merchant_order),
            due_cents=to_take(s.merchant_order)
            if s.kind is StopKind.DELIVER and not at_point
            else None,
            paid=paid.get(s.merchant_order_id)
            if s.kind is StopKind.DELIVER and s.status is StopStatus.DONE and not at_point
            else None,
            **_claim_of(s, zone),
        )
        for s in stops
    )
    return PlaceVisit(
        stop_id=first.id,
        number=number,
        kind=first.kind,
        place_name=first.place_name,
        address=first.address,
        lat=first.lat,
        lon=first.lon,
        approximate=first.approximate,
        expected=first.expected_start.astimezone(zone),
        window=window,
        customer=customer,
        phone=phone,
        instructions="" if collect or at_point or taking_back else _instructions(stops),
        order_id=None if collect or taking_back else order.id,
        order_reference="" if collect or taking_back else order.reference,
        at_pickup_point=at_point,
        items=items,
    )


def _claim_of(stop: Stop, zone: ZoneInfo) -> dict[str, Any]:
    # A collection still to do whose parcels another courier than the run's says they took.
    if not stop.is_open or stop.claimed_by_id in (None, stop.run.courier_id):
        return {}
    claimed_at = stop.claimed_at.astimezone(zone) if stop.claimed_at else None
    name = stop.claimed_by.full_name if stop.claimed_by else ""
    return {"claimed_by": name, "claimed_at": claimed_at}


def _instructions(stops: Sequence[Stop]) -> str:
    # A door visit may carry several orders of the shopper (delivery.stops.place_key).
    # Each order copies the address's instructions when placed: the same words, or some
    # added since; a text another one already holds is not shown twice.
    said = (s.merchant_order.order.delivery_instructions.strip() for s in stops)
    texts = list(dict.fromkeys(text for text in said if text))
    return " · ".join(t for t in texts if not any(t != other and t in other for other in texts))


def board(
    session: Session, *, territory: Territory, date: dt.date, today: dt.date | None = None
) -> Board:
    """Everything the operator's round board shows for ``date`` (``today``: the
    territory's date, for the returned parcels still to give to a round of ``date``, or
    that no round can take)."""
    plan = session.scalar(
        select(DayPlan).where(DayPlan.territory_id == territory.id, DayPlan.date == date)
    )
    runs = tuple(day_runs(session, territory=territory, date=date))
    unplanned: list[UnplannedView] = []
    if plan is not None:
        rows = session.scalars(
            select(Unplanned)
            .where(Unplanned.plan_id == plan.id)
            .options(
                selectinload(Unplanned.merchant_order).selectinload(MerchantOrder.merchant),
                selectinload(Unplanned.merchant_order)
                .selectinload(MerchantOrder.order)
                .selectinload(Order.pickup_point),
            )
            .order_by(Unplanned.id)
        ).all()
        held = holding_depots(
            session, [r.merchant_order_id for r in rows if r.reason_code == "held_at_depot"]
        )
        depots = {
            d.id: d.name
            for d in session.scalars(select(Depot).where(Depot.id.in_(set(held.values()))))
        }
        for row in rows:
            mo = row.merchant_order
            unplanned.append(
                UnplannedView(
                    mo.id, mo.order_id, mo.reference, mo.merchant.trade_name,
                    mo.order.recipient or mo.order.customer_name, mo.order.city,
                    row.reason_code, row.reason, row.next_date, mo.parcels,
                    depots.get(held.get(mo.id, -1), ""),
                    mo.order.pickup_point.name if mo.order.pickup_point else "",
                )
            )  # fmt: skip
    due = due_merchant_orders(session, territory.id, date)
    late = behind = returns = 0
    off_plan = [] if today is None else returns_off_plan(session, territory.id, date, plan, today)
    never = without_round(
        session, territory.id, off_plan, runs=plan.runs if plan is not None else ()
    )
    if plan is not None:
        # At a point, for a round of the day to take (the others wait for a planning).
        returns = sum(
            1 for t in off_plan if t.point is not None and t.merchant_order_id not in never
        )
        stops = [
            (item.merchant_order_id, item.status)
            for run in runs
            for visit in run.visits
            for item in visit.items
        ]
        reported = [row.merchant_order_id for row in unplanned]
        late = len(late_orders(due, stops, reported))
        behind = len(left_behind(due, stops, reported))
    approximate = len(
        {
            mo.order_id
            for mo in due
            if mo.order.delivery_method is DeliveryMethod.HOME
            and (mo.order.address_approximate or mo.order.lat is None)
        }
    )
    couriers = session.scalars(
        select(User)
        .where(User.territory_id == territory.id, User.role == Role.COURIER, User.active.is_(True))
        .order_by(User.full_name)
    )
    waiting = () if plan is not None else tuple(_due_view(mo) for mo in due)
    moved: tuple[str, ...] = ()
    if plan is not None:
        on_plan = {item.reference for run in runs for visit in run.visits for item in visit.items}
        moves = session.scalars(
            select(AuditEntry.subject).where(
                AuditEntry.territory_id == territory.id,
                AuditEntry.action == "delivery.move",
                AuditEntry.at >= plan.planned_at,
            )
        )
        moved = tuple(sorted({ref for ref in moves if ref in on_plan}))
    return Board(
        date=date,
        planned_at=plan.planned_at.astimezone(ZoneInfo(territory.timezone)) if plan else None,
        runs=runs,
        unplanned=tuple(unplanned),
        late=late,
        behind=behind,
        due=len(due),
        approximate=approximate,
        couriers=tuple(couriers),
        returns_to_add=returns,
        returns_without_round=len(never),
        waiting=waiting,
        moved_by_hand=moved,
    )


def _due_view(mo: MerchantOrder) -> DueView:
    order = mo.order
    point = order.pickup_point.name if order.pickup_point is not None else ""
    return DueView(
        mo.id, order.id, mo.reference, mo.merchant.trade_name,
        order.recipient or order.customer_name, order.city, point, mo.status,
    )  # fmt: skip


@dataclass(frozen=True)
class PackingItem:
    run_name: str
    courier_name: str
    expected: dt.datetime
    reference: str
    customer: str
    destination: str
    parcels: int
    lines: tuple[str, ...]


def packing_list(
    session: Session, *, territory: Territory, date: dt.date, merchant_id: int
) -> tuple[Merchant, list[PackingItem]]:
    """What ``merchant`` prepares for ``date``: each merchant order, for which run and when
    the courier comes by."""
    merchant = session.get(Merchant, merchant_id)
    if merchant is None or merchant.territory_id != territory.id:
        raise NotFound(what="Boutique")
    items: list[PackingItem] = []
    for run in day_runs(session, territory=territory, date=date):
        for visit in run.visits:
            if visit.kind is not StopKind.COLLECT:
                continue
            for item in visit.items:
                if item.merchant_id != merchant.id or item.cancelled:
                    continue
                deliver = _delivery_of(run, item.merchant_order_id)
                # The order's own shopper: a pickup point's visit gathers several.
                order = session.get_one(MerchantOrder, item.merchant_order_id).order
                destination = ""
                if deliver is not None:
                    destination = deliver.address
                    if deliver.at_pickup_point:
                        destination = f"{deliver.place_name}, {deliver.address}"
                items.append(
                    PackingItem(
                        run.round_name, run.courier_name, visit.expected, item.reference,
                        order.recipient or order.customer_name, destination, item.parcels,
                        item.lines,
                    )
                )  # fmt: skip
    items.sort(key=lambda i: (i.expected, i.reference))
    return merchant, items


def _delivery_of(run: RunView, merchant_order_id: int) -> PlaceVisit | None:
    for visit in run.visits:
        if visit.kind is StopKind.DELIVER and any(
            i.merchant_order_id == merchant_order_id for i in visit.items
        ):
            return visit
    return None


ARRIVAL_MARGIN = dt.timedelta(minutes=30)
"""Told to the shopper on either side of the planned time: the day's stops before theirs
move it (a door not answered, a chat at the shop)."""


@dataclass(frozen=True)
class ExpectedArrival:
    """When the courier should reach the shopper's door or pickup point, on the territory's
    clock: the planned time give or take ``ARRIVAL_MARGIN``, within the chosen slot."""

    earliest: dt.datetime
    latest: dt.datetime


def expected_arrivals(
    session: Session, *, order: Order, territory: Territory
) -> dict[int, ExpectedArrival]:
    """When each merchant order of ``order`` still to deliver should arrive, by id (the
    shops' parcels may travel on different runs); empty before planning."""
    ids = [mo.id for mo in order.merchant_orders]
    stops = session.scalars(
        territory_stops(territory.id)
        .where(
            DayPlan.date == order.delivery_date,
            Stop.kind == StopKind.DELIVER,
            Stop.status == StopStatus.TODO,
            Stop.merchant_order_id.in_(ids),
        )
        .options(
            selectinload(Stop.run)
            .selectinload(RoundRun.stops)
            .selectinload(Stop.merchant_order)
            .selectinload(MerchantOrder.order)
        )
    ).all()
    zone = ZoneInfo(territory.timezone)
    found: dict[int, ExpectedArrival] = {}
    for stop in stops:
        # The visit's time, not the stop's: the parcels of several shops are handed over
        # at one door together, and the shopper is told one window.
        start = visit_of(stop)[0].expected_start
        earliest, latest = window_around(start, opens=stop.window_start, closes=stop.window_end)
        found[stop.merchant_order_id] = ExpectedArrival(
            earliest.astimezone(zone), latest.astimezone(zone)
        )
    return found


def window_around(
    start: dt.datetime, *, opens: dt.datetime | None, closes: dt.datetime | None
) -> tuple[dt.datetime, dt.datetime]:
    """The window told for a visit planned at ``start``: ``ARRIVAL_MARGIN`` either side,
    widened to the quarter of an hour, within ``opens`` and ``closes`` when known (the
    shopper's slot, the shop's opening hours). The shopper's window (``expected_arrivals``)
    and the shop's (``delivery.collection_times``) follow it."""
    earliest = _quarter(start - ARRIVAL_MARGIN, up=False)
    latest = _quarter(start + ARRIVAL_MARGIN, up=True)
    if opens is not None:
        earliest = max(earliest, opens)
    if closes is not None:
        latest = max(earliest, min(latest, closes))
    return earliest, latest


def _quarter(moment: dt.datetime, *, up: bool) -> dt.datetime:
    """``moment`` to the quarter of an hour before it (or after it, ``up``): "10 h 15"."""
    floor = moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)
    if up and floor < moment:
        return floor + dt.timedelta(minutes=15)
    return floor


@dataclass(frozen=True)
class ReturnRound:
    """The round that fetches a returned order's parcels, as planned."""

    date: dt.date
    round_name: str
    courier_name: str
    expected: dt.datetime
    """When the round is expected at the shop to give them back."""


def return_rounds(
    session: Session,
    *,
    territory: Territory,
    merchant_order_ids: Iterable[int],
    today: dt.date,
) -> dict[int, ReturnRound]:
    """For each of these returned merchant orders that a round of ``today`` or later still
    has to bring back to its shop, that round (the earliest, if two days carry it; a past
    day's stop left undone does not count)."""
    wanted = sorted(set(merchant_order_ids))
    if not wanted:
        return {}
    zone = ZoneInfo(territory.timezone)
    rows = session.scalars(
        territory_stops(territory.id)
        .where(
            DayPlan.date >= today,
            Stop.merchant_order_id.in_(wanted),
            Stop.kind == StopKind.BRING_BACK,
            Stop.status == StopStatus.TODO,
        )
        .options(
            selectinload(Stop.run).selectinload(RoundRun.round),
            selectinload(Stop.run).selectinload(RoundRun.plan),
            selectinload(Stop.run).selectinload(RoundRun.courier),
        )
        .order_by(DayPlan.date, Stop.expected_start)
    )
    found: dict[int, ReturnRound] = {}
    for stop in rows:
        run = stop.run
        found.setdefault(
            stop.merchant_order_id,
            ReturnRound(
                run.plan.date,
                run.round.name,
                run.courier.full_name if run.courier else "",
                stop.expected_start.astimezone(zone),
            ),
        )
    return found
