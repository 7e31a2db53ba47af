"""The state of a day's plan as planning sees it, and how a route is stored back.

Shared by ``planning`` (a full optimisation) and ``replanning`` (insertions and moves):
which merchant orders are due, which stops are already done, which parcels are on board
of which round, where a round under way is now, and the validator's verdict.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from delivery import calendar
from delivery.day_problem import (
    DayProblem,
    PlanningSettings,
    ReturnTrip,
    StartState,
    build,
    to_datetime,
    to_seconds,
)
from delivery.distances import DistanceProvider
from delivery.model import (
    RETURN_KINDS,
    DayPlan,
    Depot,
    ParcelTransfer,
    Round,
    RoundRun,
    Stop,
    StopKind,
    StopStatus,
    territory_stops,
)
from delivery.optimiser import NO_LIMIT, Problem, Route, Solution, route_cost, timed_route
from delivery.optimiser import Stop as PlannedStop
from delivery.optimiser import StopKind as Kind
from delivery.validation import validate
from shop_core.audit.services import Actor
from shop_core.errors import DomainError, ValidationError
from shop_core.merchants.model import Merchant
from shop_core.orders.model import (
    DeliveryMethod,
    MerchantOrder,
    MerchantOrderStatus,
    Order,
    ParcelReturn,
    PaymentStatus,
)
from shop_core.orders.services import transition
from shop_core.persistence.base import utcnow
from shop_core.persistence.uow import UnitOfWork
from shop_core.territories.model import Territory

log = logging.getLogger(__name__)

S = MerchantOrderStatus
#: Merchant orders that still have to travel.
LIVE = (S.PLACED, S.PAID, S.ACCEPTED, S.PREPARING, S.READY, S.HANDED_TO_COURIER, S.DELIVERY_FAILED)
#: Parcels already out of the shop: nothing to collect any more.
OUT_OF_SHOP = (S.HANDED_TO_COURIER, S.DELIVERY_FAILED)


class PlanningFailed(DomainError):
    code = "planning_failed"
    template = "{detail}"


@dataclass
class DayState:
    """What the existing plan of the day fixes: stops done, parcels on board, positions,
    and the depot each run under way left from (it comes back there)."""

    on_board: dict[int, int]
    started: dict[int, StartState]
    kept: dict[int, list[Stop]]
    depots: dict[int, Depot] = field(default_factory=dict)


def due_merchant_orders(session: Session, territory_id: int, date: dt.date) -> list[MerchantOrder]:
    """Merchant orders to deliver (home or pickup point) on ``date`` that still have to travel."""
    query = (
        select(MerchantOrder)
        .join(Order, MerchantOrder.order_id == Order.id)
        .where(
            Order.territory_id == territory_id,
            Order.delivery_date == date,
            Order.delivery_method.in_([DeliveryMethod.HOME, DeliveryMethod.PICKUP_POINT]),
            Order.payment_status != PaymentStatus.FAILED,
            MerchantOrder.status.in_(LIVE),
        )
        .options(
            selectinload(MerchantOrder.order).selectinload(Order.pickup_point),
            selectinload(MerchantOrder.merchant).selectinload(Merchant.opening_hours),
            selectinload(MerchantOrder.merchant).selectinload(Merchant.closures),
        )
        .order_by(MerchantOrder.id)
    )
    return list(session.scalars(query))


def return_trips(
    session: Session,
    territory_id: int,
    date: dt.date,
    *,
    today: dt.date,
    only: Iterable[int] | None = None,
) -> list[ReturnTrip]:
    """Returned parcels a round of ``date`` may bring back to their shops: every one not
    back yet, except those a plan of another day still to come carries, and those whose
    way back failed on ``date`` already (a shop closed, a point shut: another day).
    ``only``: just these merchant orders, as they stand (a plan being changed)."""
    query = (
        select(ParcelReturn)
        .join(MerchantOrder, ParcelReturn.merchant_order_id == MerchantOrder.id)
        .join(Order, MerchantOrder.order_id == Order.id)
        .where(
            Order.territory_id == territory_id,
            ParcelReturn.back_at.is_(None),
            MerchantOrder.status == S.RETURNED,
        )
        .options(
            selectinload(ParcelReturn.merchant_order)
            .selectinload(MerchantOrder.merchant)
            .selectinload(Merchant.opening_hours),
            selectinload(ParcelReturn.merchant_order)
            .selectinload(MerchantOrder.merchant)
            .selectinload(Merchant.closures),
            selectinload(ParcelReturn.pickup_point),
        )
        .order_by(ParcelReturn.merchant_order_id)
    )
    if only is not None:
        query = query.where(ParcelReturn.merchant_order_id.in_(list(only)))
    else:
        planned = (
            territory_stops(territory_id)
            .where(Stop.kind.in_(RETURN_KINDS))
            .with_only_columns(Stop.merchant_order_id)
        )
        elsewhere = planned.where(
            DayPlan.date != date, DayPlan.date >= today, Stop.status == StopStatus.TODO
        )
        failed_today = planned.where(DayPlan.date == date, Stop.status == StopStatus.FAILED)
        query = query.where(
            ParcelReturn.merchant_order_id.not_in(elsewhere),
            ParcelReturn.merchant_order_id.not_in(failed_today),
        )
    found = list(session.scalars(query))
    held = holding_depots(
        session, [w.merchant_order_id for w in found if w.pickup_point_id is None]
    )
    return [
        ReturnTrip(
            mo.id, mo.order_id, mo.parcels, mo.merchant, way_back.pickup_point, held.get(mo.id)
        )
        for way_back in found
        for mo in (way_back.merchant_order,)
    ]


def holding_depots(session: Session, merchant_order_ids: Iterable[int]) -> dict[int, int]:
    """Where parcels out of their shop wait, by merchant order: the depot of the run that
    last had them on board, by the stops its courier recorded (collected, taken back, or
    loaded there, and not handed over), where the courier left them at the end of the run,
    or the depot the operator says they were carried to since (``ParcelTransfer``). The
    run's depot, not its round's: moving a round to another depot leaves behind what its
    earlier runs left at the old one. Orders no run ever carried are left out."""
    wanted = list(merchant_order_ids)
    if not wanted:
        return {}
    picked = (StopKind.COLLECT, StopKind.TAKE_BACK)
    rows = session.execute(
        select(Stop.merchant_order_id, RoundRun.depot_id, Stop.kind, Stop.status, Stop.done_at)
        .join(RoundRun, Stop.run_id == RoundRun.id)
        # A stop a courier recorded (the ones the system closes, an order sent back or
        # cancelled, have no time: their run never had the parcels).
        .where(
            Stop.merchant_order_id.in_(wanted),
            Stop.status != StopStatus.TODO,
            Stop.done_at.is_not(None),
        )
        .order_by(Stop.done_at, Stop.id)
    )
    # (when, merchant order, depot), a courier's stops and the operator's transfers together.
    events: list[tuple[dt.datetime, int, int]] = [
        (done_at, mo_id, depot_id)
        for mo_id, depot_id, kind, status, done_at in rows
        # A collection that failed left the parcels at the shop, not on the vehicle.
        if done_at is not None and not (kind in picked and status is StopStatus.FAILED)
    ]
    carried = {mo_id for _, mo_id, _ in events}
    events += [
        (t.at, t.merchant_order_id, t.to_depot_id)
        for t in session.scalars(
            select(ParcelTransfer).where(ParcelTransfer.merchant_order_id.in_(carried))
        )
    ]
    found: dict[int, int] = {}
    for _, mo_id, depot_id in sorted(events, key=lambda e: e[0]):
        found[mo_id] = depot_id
    return found


def returns_off_plan(
    session: Session, territory_id: int, date: dt.date, plan: DayPlan | None, today: dt.date
) -> list[ReturnTrip]:
    """Returned parcels a round of ``date`` may bring back (``return_trips``) that neither
    ``plan``, the day's plan if it has one, nor a plan of a day still to come carries; none
    for a day gone by."""
    if date < today:
        return []
    here: set[int] = set()
    if plan is not None:
        here.update(
            session.scalars(
                select(Stop.merchant_order_id)
                .join(RoundRun, Stop.run_id == RoundRun.id)
                .where(RoundRun.plan_id == plan.id, Stop.kind.in_(RETURN_KINDS))
            )
        )  # one query, however many runs the board shows
    return [
        trip
        for trip in return_trips(session, territory_id, date, today=today)
        if trip.merchant_order_id not in here
    ]


def returns_to_add(session: Session, plan: DayPlan, today: dt.date) -> list[ReturnTrip]:
    """Returned parcels waiting at a pickup point or at a depot that neither ``plan`` nor a
    plan of a day still to come carries (sent back after the planning): what
    ``replanning.insert_late_orders`` gives to the day's rounds. Those at a depot only go
    with a round leaving from there that has not left yet (``day_problem.build``)."""
    return returns_off_plan(session, plan.territory_id, plan.date, plan, today)


def late_orders(
    due: Iterable[MerchantOrder],
    stops: Iterable[tuple[int, StopStatus]],
    unplanned: Iterable[int],
) -> list[MerchantOrder]:
    """The orders of ``due`` a plan does not carry: placed after the planning, or left at
    the shop by a courier (every stop of theirs failed while the parcels stayed there).

    ``stops``: (merchant order id, status) of each stop of the plan; ``unplanned``: the
    merchant orders the plan reported it could not serve (carried, as reports).
    """
    known = {mo_id for mo_id, status in stops if status is not StopStatus.FAILED}
    known.update(unplanned)
    return [mo for mo in due if mo.id not in known]


def left_behind(
    due: Iterable[MerchantOrder],
    stops: Iterable[tuple[int, StopStatus]],
    unplanned: Iterable[int],
) -> list[MerchantOrder]:
    """The orders of ``due`` the plan knows and will not deliver: reported as unplanned, or
    every stop of theirs failed (left at the shop by a courier). Arguments as for
    ``late_orders``; an order placed after the planning is late, not left behind."""
    seen: dict[int, list[StopStatus]] = {}
    for mo_id, status in stops:
        seen.setdefault(mo_id, []).append(status)
    reported = set(unplanned)
    return [
        mo
        for mo in due
        if (
            all(s is StopStatus.FAILED for s in seen[mo.id]) if mo.id in seen else mo.id in reported
        )
    ]


def get_plan(session: Session, territory_id: int, date: dt.date) -> DayPlan | None:
    """The plan of ``date`` with its runs and stops loaded, if the day was planned."""
    return session.scalar(
        select(DayPlan)
        .where(DayPlan.territory_id == territory_id, DayPlan.date == date)
        .options(
            selectinload(DayPlan.runs).selectinload(RoundRun.stops),
            selectinload(DayPlan.runs).selectinload(RoundRun.depot),
            selectinload(DayPlan.runs).selectinload(RoundRun.round).selectinload(Round.depot),
            selectinload(DayPlan.runs).selectinload(RoundRun.round).selectinload(Round.communes),
            selectinload(DayPlan.unplanned),
        )
    )


def lock_day(uow: UnitOfWork, plan_id: int) -> None:
    """Make this transaction the only one changing the day's plan and its runs until it
    ends, and read again what was committed before.

    The plan's row makes changes of the plan wait for each other (two clicks, the nightly
    command); the runs' rows make them wait for the couriers, who lock their run when they
    record a stop (``delivery.stops``): a stop recorded while the operator moved its order
    to another round would otherwise be rewritten as still to do, or deleted with the move.
    Plan first, then runs, as the couriers' actions never lock the plan: no deadlock.
    """
    uow.lock_row(DayPlan, plan_id)
    runs = uow.session.scalars(select(RoundRun.id).where(RoundRun.plan_id == plan_id))
    uow.lock_rows(RoundRun, list(runs))


def now_seconds(date: dt.date, zone: ZoneInfo, now: dt.datetime) -> int:
    local = now.astimezone(zone)
    if local.date() > date:
        raise ValidationError("Cette date est passée : elle ne peut plus être planifiée.")
    return to_seconds(date, zone, now) if local.date() == date else 0


def under_way(stops: Iterable[Stop]) -> bool:
    """Whether the run of these stops has left: its courier recorded one of them. A stop
    the system closed (its order sent back, its parcels back at the shop by other means)
    has no time and says nothing of the van, which may still be at the depot."""
    return any(stop.done_at is not None for stop in stops)


def day_state(plan: DayPlan | None, date: dt.date, zone: ZoneInfo, now_s: int) -> DayState:
    state = DayState({}, {}, {})
    if plan is None:
        return state
    for run in plan.runs:
        kept = [s for s in run.stops if s.status is not StopStatus.TODO]
        if not kept:
            continue
        state.kept[run.id] = kept
        recorded = [s for s in kept if s.done_at is not None]
        if not recorded:  # stops the system closed only: the run leaves from its depot
            continue
        last = recorded[-1]
        done_s = to_seconds(date, zone, last.done_at) if last.done_at else now_s
        state.started[run.round_id] = StartState(last.lat, last.lon, max(done_s, now_s))
        state.depots[run.round_id] = run.depot
        delivered = {
            s.merchant_order_id
            for s in kept
            if s.kind in (StopKind.DELIVER, StopKind.BRING_BACK) and s.status is StopStatus.DONE
        }
        # On board: collected (or taken back at a point) on this run and not delivered (or
        # given back) yet. A collection that failed (the order was not ready, or cancelled)
        # left the parcels at the shop.
        for stop in kept:
            if (
                stop.kind in (StopKind.COLLECT, StopKind.TAKE_BACK)
                and stop.status is StopStatus.DONE
                and stop.merchant_order_id not in delivered
            ):
                state.on_board[stop.merchant_order_id] = run.round_id
        # And loaded at the depot when the run left: the run is under way, so they are on
        # its vehicle.
        for mo_id in loaded_at_depot(run.stops):
            state.on_board[mo_id] = run.round_id
    return state


def loaded_at_depot(stops: Iterable[Stop]) -> set[int]:
    """The merchant orders a run loads at its depot: delivered (or given back to their
    shop) by a stop still to do, with nothing to collect for them on the run. Once the run
    is under way, they are on its vehicle."""
    stops = list(stops)
    picked = {
        s.merchant_order_id for s in stops if s.kind in (StopKind.COLLECT, StopKind.TAKE_BACK)
    }
    return {
        s.merchant_order_id
        for s in stops
        if s.status is StopStatus.TODO
        and s.kind in (StopKind.DELIVER, StopKind.BRING_BACK)
        and s.merchant_order_id not in picked
    }


def running_rounds(
    session: Session, territory_id: int, date: dt.date, plan: DayPlan | None, state: DayState
) -> list[Round]:
    running = [
        r for r in calendar.active_rounds(session, territory_id) if r.runs_on(date) and r.courier_id
    ]
    known = {r.id for r in running}
    if plan is not None:  # a round under way finishes even if it was switched off since
        running += [
            run.round
            for run in plan.runs
            if run.round_id in state.started and run.round_id not in known
        ]
    return running


def problem_for(
    session: Session,
    territory: Territory,
    date: dt.date,
    rounds: Sequence[Round],
    orders: Sequence[MerchantOrder],
    state: DayState,
    distances: DistanceProvider,
    settings: PlanningSettings,
    now_s: int,
    *,
    waiting: Sequence[int] | None = None,
    unrestricted: bool = False,
    returns: Sequence[ReturnTrip] = (),
    depots: Mapping[int, Depot] | None = None,
) -> DayProblem:
    """The problem of the day for ``rounds``. ``depots``: the depot each round's run leaves
    from, by round id; by default, the runs under way keep theirs and the other rounds
    leave from their own (a full planning moves a run not started yet to its round's
    depot of now)."""
    if waiting is None:
        waiting = [
            mo.id for mo in orders if mo.status in OUT_OF_SHOP and mo.id not in state.on_board
        ]
    return build(
        date=date,
        rounds=rounds,
        merchant_orders=orders,
        slots=territory.delivery_slots,
        distances=distances,
        settings=settings,
        on_board=state.on_board,
        from_depot=waiting,
        held_at=holding_depots(session, waiting),
        started=state.started,
        not_before=now_s,
        unrestricted=unrestricted,
        returns=returns,
        depots=state.depots if depots is None else depots,
    )


def same_day(a: DayProblem, b: DayProblem) -> bool:
    """Whether two readings of a day make the same problem: orders, rounds, places, times."""
    pa, pb = a.problem, b.problem
    return (
        pa.locations == pb.locations
        and pa.vehicles == pb.vehicles
        and pa.shipments == pb.shipments
        and np.array_equal(pa.distances, pb.distances)
        and np.array_equal(pa.durations, pb.durations)
        and a.places == b.places
        and a.shipments == b.shipments
        and a.rejected == b.rejected
        and a.rounds.keys() == b.rounds.keys()
    )


def check_plan(day: DayProblem, solution: Solution) -> None:
    violations = validate(day.problem, solution)
    if violations:
        for violation in violations:
            log.error("plan rejected: %s %s", violation.kind, violation.message)
        raise PlanningFailed(
            detail="Le plan calculé ne respecte pas toutes les contraintes : il n'a pas été "
            "enregistré. Réessayez ; si cela se reproduit, signalez-le."
        )


def group_same_place(problem: Problem, solution: Solution) -> Solution:
    """Visit each shop once per round when the solver split its collections for nothing.

    Places zero metres apart cost nothing to come back to, so the solver may collect at the
    baker, deliver next door, then collect at the baker again; a courier would rather take
    both parcels at once. A collection is moved back to an earlier collection at the same
    place, deliveries at one place are put one after the other (a shopper's two orders are
    then one visit), and consecutive collections at one place are put together, whenever
    the round stays on time, within capacity and no longer.
    """
    routes = [_regrouped(problem, route) for route in solution.routes]
    return Solution(tuple(routes), solution.unassigned, route_cost(problem, routes))


#: Longest wait between two deliveries at one door for them to be one visit.
VISIT_WAIT_S = 10 * 60


def _doors_visited_at_once(problem: Problem, route: Route) -> bool:
    """Whether deliveries one after the other at one place are handed over together, not
    hours apart (a morning and an afternoon order of one shopper stay two visits)."""
    return all(
        b.start - a.start <= VISIT_WAIT_S
        for a, b in zip(route.stops, route.stops[1:], strict=False)
        if a.kind is Kind.DELIVERY
        and b.kind is Kind.DELIVERY
        and _same_place(problem, a.location, b.location)
    )


def _same_place(problem: Problem, a: int, b: int) -> bool:
    return a == b or (problem.distances[a, b] == 0 and problem.distances[b, a] == 0)


def _regrouped(problem: Problem, route: Route) -> Route:
    vehicle = problem.vehicle(route.vehicle_id)

    def timed(stops: list[PlannedStop]) -> Route | None:
        if not _within_capacity(problem, vehicle.capacity, stops):
            return None
        visits = [(problem.shipment_index[s.shipment_id], s.kind) for s in stops]
        # At the solver's departure, else leaving a little earlier (the solver's round
        # leaves as late as it can; the shift still bounds it): a shop's second
        # collection merged into its first may need those minutes to keep a door's slot.
        for departure in (route.departure, None):
            candidate = timed_route(problem, vehicle, visits, departure=departure)
            if candidate is not None and _doors_visited_at_once(problem, candidate):
                return candidate
        return None

    best = route
    stops = list(route.stops)
    for index in range(len(stops)):
        stop = stops[index]
        if stop.kind is not Kind.PICKUP:
            continue
        earlier = [
            k
            for k in range(index - 1)
            if stops[k].kind is Kind.PICKUP
            and _same_place(problem, stops[k].location, stop.location)
            and not (
                stops[k + 1].kind is Kind.PICKUP
                and _same_place(problem, stops[k + 1].location, stop.location)
            )
        ]
        if not earlier:
            continue
        at = earlier[-1] + 1
        moved = [*stops[:at], stop, *stops[at:index], *stops[index + 1 :]]
        candidate = timed(moved)
        if candidate is not None and candidate.distance <= best.distance:
            best, stops = candidate, list(candidate.stops)
    stops, best = _doors_together(problem, stops, timed, best)
    # Consecutive collections at one place: one shop after the other, in order of first visit.
    first_seen: dict[int, int] = {}
    ordered = sorted(
        range(len(stops)),
        key=lambda i: (
            _block(problem, stops, i),
            first_seen.setdefault(stops[i].location, i) if stops[i].kind is Kind.PICKUP else i,
            i,
        ),
    )
    grouped = [stops[i] for i in ordered]
    if grouped != stops:
        candidate = timed(grouped)
        if candidate is not None and candidate.distance <= best.distance:
            best = candidate
    return best


def _doors_together(
    problem: Problem,
    stops: list[PlannedStop],
    timed: Callable[[list[PlannedStop]], Route | None],
    best: Route,
) -> tuple[list[PlannedStop], Route]:
    """Deliveries at one place one after the other (the same shopper's two orders are then
    one visit, see ``delivery.stops.place_key``): the later one is brought forward if its
    parcel is on board by then, else the earlier one waits for it, whenever the round stays
    on time, within capacity and no longer."""
    index = 0
    while index < len(stops) - 1:
        stop = stops[index]
        here = [
            k
            for k in range(index + 1, len(stops))
            if stops[k].kind is Kind.DELIVERY
            and _same_place(problem, stops[k].location, stop.location)
        ]
        if stop.kind is not Kind.DELIVERY or not here or here[0] == index + 1:
            index += 1
            continue
        twin = here[0]
        loaded = [
            k for k in range(twin) if stops[k].shipment_id == stops[twin].shipment_id
        ]  # its collection, if this round makes it
        if not loaded or loaded[0] < index:
            moved = [*stops[: index + 1], stops[twin], *stops[index + 1 : twin], *stops[twin + 1 :]]
        else:
            moved = [*stops[:index], *stops[index + 1 : twin], stop, *stops[twin:]]
        candidate = timed(moved)
        if candidate is not None and candidate.distance <= best.distance:
            best, stops = candidate, list(candidate.stops)
        index += 1
    return stops, best


def _block(problem: Problem, stops: list[PlannedStop], i: int) -> int:
    """Index of the first stop of the run of zero-distance collections that holds stop i."""
    if stops[i].kind is not Kind.PICKUP:
        return i
    while (
        i > 0
        and stops[i - 1].kind is Kind.PICKUP
        and _same_place(problem, stops[i - 1].location, stops[i].location)
    ):
        i -= 1
    return i


def _within_capacity(problem: Problem, capacity: int, stops: list[PlannedStop]) -> bool:
    shipments = [problem.shipment(s.shipment_id) for s in stops]
    load = sum(
        sh.size for sh, s in zip(shipments, stops, strict=True)
        if sh.pickup is None and s.kind is Kind.DELIVERY
    )  # fmt: skip
    if load > capacity:
        return False
    for sh, s in zip(shipments, stops, strict=True):
        load += sh.size if s.kind is Kind.PICKUP else -sh.size
        if load > capacity:
            return False
    return True


Claims = dict[int, tuple[int, dt.datetime]]


def claims_of(runs: Iterable[RoundRun]) -> Claims:
    """The collections still to do that another courier says they made (a tap kept
    offline, see ``delivery.stops.claim_collections``): merchant order → (courier, when).
    Taken before ``write_run`` rewrites the runs, given back after by ``keep_claims``."""
    return {
        stop.merchant_order_id: (stop.claimed_by_id, stop.claimed_at or utcnow())
        for run in runs
        for stop in run.stops
        if stop.kind is StopKind.COLLECT and stop.is_open and stop.claimed_by_id is not None
    }


def keep_claims(uow: UnitOfWork, runs: Iterable[RoundRun], claims: Claims) -> None:
    """Give the claims back to the collections of their orders, wherever they now are.

    On the round of the courier who has the parcels, the collection is recorded as theirs,
    at the time of their tap (so the operator settles a claim by giving the order to that
    courier's round); on any other round it stays claimed.
    """
    if not claims:
        return
    uow.session.flush()
    for run in runs:
        for stop in run.stops:
            claim = claims.get(stop.merchant_order_id)
            if claim is None or stop.kind is not StopKind.COLLECT or not stop.is_open:
                continue
            courier_id, at = claim
            if run.courier_id != courier_id:
                stop.claimed_by_id, stop.claimed_at = courier_id, at
                continue
            stop.status, stop.done_at, stop.done_by_id = StopStatus.DONE, at, courier_id
            if stop.merchant_order.status is MerchantOrderStatus.READY:
                transition(
                    uow=uow,
                    merchant_order_id=stop.merchant_order_id,
                    target=MerchantOrderStatus.HANDED_TO_COURIER,
                    actor=Actor(user_id=courier_id),
                    now=at,
                    commit=False,
                )


def write_run(
    run: RoundRun, route: Route | None, day: DayProblem, date: dt.date, zone: ZoneInfo
) -> None:
    """Store ``route`` as the run's stops still to do, after the stops kept, and the depot
    ``day`` had the run leave from, while it has not left (a run under way keeps its own).

    A stop planned again (same merchant order, same kind) keeps its row, so its id (in a
    courier's open page, say) survives a re-planning.
    """
    kept = [stop for stop in run.stops if stop.status is not StopStatus.TODO]
    left = under_way(kept)
    if not left:
        run.depot = day.depots[run.round.id]
    pool = {(s.merchant_order_id, s.kind): s for s in run.stops if s.status is StopStatus.TODO}
    planned: list[Stop] = []
    problem = day.problem
    for item in route.stops if route is not None else ():
        info = day.shipments[item.shipment_id]
        shipment = problem.shipment(item.shipment_id)
        collect = item.kind is Kind.PICKUP
        visit = shipment.pickup if collect and shipment.pickup else shipment.delivery
        if info.returning:
            kind = StopKind.TAKE_BACK if collect else StopKind.BRING_BACK
        else:
            kind = StopKind.COLLECT if collect else StopKind.DELIVER
        stop = pool.pop((info.merchant_order_id, kind), None) or Stop(
            kind=kind, merchant_order_id=info.merchant_order_id
        )
        place = day.places[item.location]
        stop.place_name, stop.address = place.name[:160], place.address[:300]
        stop.lat, stop.lon, stop.approximate = place.lat, place.lon, place.approximate
        stop.pickup_point_id = place.pickup_point_id
        stop.expected_arrival = to_datetime(date, zone, item.arrival)
        stop.expected_start = to_datetime(date, zone, item.start)
        # A shop's or a pickup point's window is shown as its hours: service may start
        # until closing time minus the service itself (« 11 h 59 » read as the closing).
        opening_hours = kind.at_shop or place.pickup_point_id is not None
        early, late = visit.earliest, visit.latest + (visit.service if opening_hours else 0)
        stop.window_start = to_datetime(date, zone, early) if early > 0 else None
        stop.window_end = to_datetime(date, zone, late) if visit.latest < NO_LIMIT else None
        stop.parcels = info.parcels
        planned.append(stop)
    run.stops = kept + planned  # stops no longer on this run are deleted (orphans)
    for sequence, stop in enumerate(run.stops, start=1):
        stop.sequence = sequence
    if route is None:
        if not left:
            run.departure = run.return_time = None
            run.distance_m = 0
        return
    if not left or run.departure is None:
        run.departure = to_datetime(date, zone, route.departure)
    run.return_time = to_datetime(date, zone, route.return_time)
    run.distance_m = route.distance
