"""Planning a territory's day: merchant orders into rounds, stop by stop.

``plan_day`` turns every merchant order due on a date into a shipment, solves with the
optimiser, checks the result with the independent validator and stores it; stops already
done (or failed) stay as they are, and parcels already on board stay on their vehicle.
Orders left out are reported with the reason, in French, and the next possible date.
Changes that do not re-plan the whole day are in ``replanning``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from delivery import calendar
from delivery.day_problem import DayProblem, PlanningSettings, doors, vehicle_id
from delivery.distances import DistanceProvider
from delivery.model import DayPlan, Depot, Round, RoundRun, StopStatus, Unplanned
from delivery.one_visit import one_visit_per_door
from delivery.optimiser import Solution, UnassignedReason, solve
from delivery.plan_state import (
    DayState,
    PlanningFailed,
    check_plan,
    claims_of,
    day_state,
    due_merchant_orders,
    get_plan,
    group_same_place,
    holding_depots,
    keep_claims,
    lock_day,
    now_seconds,
    problem_for,
    return_trips,
    running_rounds,
    same_day,
    write_run,
)
from delivery.returns import without_round
from shop_core.audit.services import Actor, record
from shop_core.errors import NotFound
from shop_core.orders.model import DeliveryMethod, MerchantOrder
from shop_core.persistence.base import utcnow
from shop_core.persistence.uow import UnitOfWork
from shop_core.territories.model import Territory

log = logging.getLogger(__name__)

REASONS_FR = {
    "no_round": "Aucune tournée ne circule ce jour-là.",
    "no_position": "Adresse introuvable : indiquez la position sur la carte.",
    "merchant_closed": "La boutique est fermée ce jour-là.",
    "point_closed": "Le point de retrait est fermé ce jour-là.",
    "too_late": "Trop tard pour passer à la boutique aujourd'hui.",
    "held_at_depot": (
        "Les colis attendent au dépôt : aucune tournée de ce jour n'en part, "
        "ou elles sont déjà parties."
    ),
    UnassignedReason.TOO_LARGE.value: "Plus de colis que n'en prend une tournée.",
    UnassignedReason.NOT_ALLOWED.value: "Aucune tournée de ce jour ne dessert cette commune.",
    UnassignedReason.OUT_OF_HOURS.value: (
        "Horaires incompatibles : créneau, ouverture de la boutique et horaires des tournées."
    ),
    UnassignedReason.FLEET_FULL.value: "Tournées complètes ce jour-là (colis ou durée).",
}


@dataclass(frozen=True)
class UnplannedOrder:
    merchant_order_id: int
    reference: str
    reason_code: str
    reason: str
    next_date: dt.date | None


@dataclass(frozen=True)
class PlanReport:
    """What a planning (or an insertion) did."""

    plan_id: int
    planned: int
    unplanned: tuple[UnplannedOrder, ...]
    kept_stops: int
    runs: int
    distance_m: int
    returns: int = 0
    """Returned orders whose parcels a round brings back to the shop."""
    returns_left_out: int = 0
    """Returned orders whose way back no round of the day could take (rounds full, hours,
    parcels only another day's round carries): they wait for another planning. Those whose
    shop is closed that day are not counted: their day is not this one."""
    returns_without_round: int = 0
    """Returned orders whose way back no round can ever take (``returns.no_round_for``:
    more parcels than any round carries, a point no round big enough serves, a depot no
    round big enough leaves from, a shop or point with no position): they wait for no
    planning, someone must bring them back by other means (or place the shop or point on
    the map). Not in ``returns_left_out``."""


def plan_day(
    *,
    uow: UnitOfWork,
    territory_id: int,
    date: dt.date,
    distances: DistanceProvider,
    settings: PlanningSettings | None = None,
    actor: Actor | None = None,
    now: dt.datetime | None = None,
) -> PlanReport:
    """(Re-)plan ``date``: every due merchant order on a round, or reported with a reason.

    Stops already done or failed are kept, and so are parcels on board; everything still
    to do is optimised again. The plan is checked by ``delivery.validation`` before it is
    stored; a plan that fails the check is not stored (``PlanningFailed``).

    The solver runs for seconds, so it runs outside any transaction: the day is read, the
    read transaction ends, the plan is computed, then the day is read again under the write
    lock and the plan is stored only if what it was computed from has not changed
    meanwhile (an order placed or refused, a stop done). If it has, the day is planned
    again from the new state, once; if it changes again, ``PlanningFailed``.
    """
    settings = settings or PlanningSettings()
    now = now or utcnow()
    for _attempt in range(2):
        read = _read_day(uow.session, territory_id, date, distances, settings, now)
        uow.commit()  # ends the read: checkouts and couriers go on while the solver runs
        problem = read.day.problem
        budget = settings.budget(len(problem.shipments))
        workers = settings.workers if len(problem.shipments) > 30 else 1
        solution = solve(problem, time_limit=budget, seed=settings.seed, workers=workers)
        solution = one_visit_per_door(
            problem, solution, doors(read.day), max_added_m=settings.one_visit_max_added_m
        )
        solution = group_same_place(problem, solution)
        check_plan(read.day, solution)

        uow.begin_write()
        if read.plan is not None:  # couriers' taps wait until the new plan is stored
            lock_day(uow, read.plan.id)
        uow.session.expire_all()  # read what others committed while the solver ran
        current = _read_day(uow.session, territory_id, date, distances, settings, now)
        if same_day(read.day, current.day):
            return _store(uow, current, solution, actor, now)
        log.info(
            "day %s of territory %s changed while planning: planning again", date, territory_id
        )
        uow.rollback()
    raise PlanningFailed(
        detail="Les commandes du jour ont changé pendant le calcul : relancez la planification."
    )


@dataclass
class _DayRead:
    """What planning a day reads: the stored plan, what it fixes, the rounds and orders."""

    territory_id: int
    date: dt.date
    zone: ZoneInfo
    plan: DayPlan | None
    state: DayState
    rounds: list[Round]
    orders: list[MerchantOrder]
    day: DayProblem
    without_round: int = 0
    """Ways back no round can ever take: left out of the problem, counted."""


def _read_day(
    session: Session,
    territory_id: int,
    date: dt.date,
    distances: DistanceProvider,
    settings: PlanningSettings,
    now: dt.datetime,
) -> _DayRead:
    territory = session.get(Territory, territory_id)
    if territory is None:
        raise NotFound(what="Territoire")
    zone = ZoneInfo(territory.timezone)
    now_s = now_seconds(date, zone, now)
    plan = get_plan(session, territory_id, date)
    state = day_state(plan, date, zone, now_s)
    rounds = running_rounds(session, territory_id, date, plan, state)
    orders = due_merchant_orders(session, territory_id, date)
    today = now.astimezone(zone).date()
    returns = return_trips(session, territory_id, date, today=today)
    # Parcels on a round's vehicle are that round's to give back, whatever their size.
    never = without_round(
        session, territory_id, (t for t in returns if t.merchant_order_id not in state.on_board)
    )
    returns = [t for t in returns if t.merchant_order_id not in never]
    day = problem_for(
        session, territory, date, rounds, orders, state, distances, settings, now_s,
        returns=returns,
    )  # fmt: skip
    return _DayRead(territory_id, date, zone, plan, state, rounds, orders, day, len(never))


def _store(
    uow: UnitOfWork,
    read: _DayRead,
    solution: Solution,
    actor: Actor | None,
    now: dt.datetime,
) -> PlanReport:
    session = uow.session
    territory_id, date, zone = read.territory_id, read.date, read.zone
    plan, state, rounds, orders, day = read.plan, read.state, read.rounds, read.orders, read.day
    problem = day.problem
    if plan is None:
        plan = DayPlan(territory_id=territory_id, date=date)
        session.add(plan)
    plan.planned_at = now
    plan.planned_by_id = actor.user_id if actor else None
    routes = {route.vehicle_id: route for route in solution.routes}
    runs = {run.round_id: run for run in plan.runs}
    claims = claims_of(plan.runs)
    for round_ in rounds:
        run = runs.get(round_.id)
        if run is None:
            run = RoundRun(round=round_, courier_id=round_.courier_id)
            plan.runs.append(run)
        write_run(run, routes.get(vehicle_id(round_.id)), day, date, zone)
    for run in list(plan.runs):
        if run.round not in rounds:
            # Not under way (``running_rounds`` keeps those): its round no longer goes out
            # that day (switched off, no courier, another weekday) and its orders were
            # planned again above. Only the stops closed already stay, as a record.
            run.stops = [stop for stop in run.stops if stop.status is not StopStatus.TODO]
            run.departure = run.return_time = None
            run.distance_m = 0
            if not run.stops:
                plan.runs.remove(run)
    keep_claims(uow, plan.runs, claims)
    plan.distance_m = sum(run.distance_m for run in plan.runs)

    by_id = {mo.id: mo for mo in orders}
    left_out = [(mo_id, code) for mo_id, code in day.rejected.items()]
    # A returned order's way back that no round takes today waits for another day: it is
    # counted (``returns_left_out``), not reported with the shoppers' orders.
    left_out += [
        (day.shipments[u.shipment_id].merchant_order_id, u.reason.value)
        for u in solution.unassigned
        if not day.shipments[u.shipment_id].returning
    ]
    if not rounds:
        left_out = [(mo_id, "no_round") for mo_id, _ in left_out]
    plan.unplanned.clear()
    session.flush()
    returning = sum(1 for info in day.shipments.values() if info.returning)
    missed = sum(1 for u in solution.unassigned if day.shipments[u.shipment_id].returning)
    reports = []
    for mo_id, code in sorted(left_out):
        mo = by_id[mo_id]
        report = describe_unplanned(session, territory_id, date, mo, code)
        plan.unplanned.append(
            Unplanned(
                merchant_order_id=mo_id,
                reason_code=code,
                reason=report.reason,
                next_date=report.next_date,
            )
        )
        reports.append(report)
    if actor is not None:
        record(
            session,
            territory_id=territory_id,
            actor=actor,
            action="delivery.plan",
            subject=date.isoformat(),
            details={
                "planned": len(problem.shipments) - returning - len(solution.unassigned) + missed,
                "unplanned": len(reports),
                "returns": returning - missed,
                "returns_left_out": missed,
                "returns_without_round": read.without_round,
            },
        )
    uow.commit()
    kept = sum(len(stops) for stops in state.kept.values())
    return PlanReport(
        plan.id,
        len(problem.shipments) - returning - len(solution.unassigned) + missed,
        tuple(reports),
        kept,
        len(plan.runs),
        plan.distance_m,
        returning - missed,
        missed,
        read.without_round,
    )


def describe_unplanned(
    session: Session, territory_id: int, date: dt.date, mo: MerchantOrder, code: str
) -> UnplannedOrder:
    reason = REASONS_FR.get(code, REASONS_FR[UnassignedReason.FLEET_FULL.value])
    if code == "merchant_closed":
        reason = f"La boutique « {mo.merchant.trade_name} » est fermée ce jour-là."
    elif code == "point_closed" and mo.order.pickup_point is not None:
        reason = f"Le point de retrait « {mo.order.pickup_point.name} » est fermé ce jour-là."
    elif code == UnassignedReason.NOT_ALLOWED.value:
        reason = f"Aucune tournée de ce jour ne dessert {mo.order.city or 'cette commune'}."
    elif code == UnassignedReason.TOO_LARGE.value:
        reason = f"{mo.parcels} colis : plus que n'en prend une tournée."
    depot: Depot | None = None
    if code == "held_at_depot":
        depot_id = holding_depots(session, [mo.id]).get(mo.id)
        depot = session.get(Depot, depot_id) if depot_id is not None else None
        if depot is not None:
            reason = (
                f"Les colis attendent au dépôt « {depot.name} » : aucune tournée de ce jour "
                "n'en part, ou elles sont déjà parties."
            )
    next_date = None
    if code not in ("no_position", UnassignedReason.TOO_LARGE.value):
        next_date = next_possible_date(
            session, territory_id, [mo], after=date, depot_id=depot.id if depot else None
        )
    return UnplannedOrder(mo.id, mo.reference, code, reason, next_date)


def next_possible_date(
    session: Session,
    territory_id: int,
    parts: Sequence[MerchantOrder],
    *,
    after: dt.date,
    depot_id: int | None = None,
) -> dt.date | None:
    """The next day after ``after`` (within two weeks) a round serves the order's commune
    and each shop of ``parts`` (merchant orders of one order) is open, and so is its pickup
    point; with ``depot_id`` (parcels waiting at that depot, out of their shops), a round
    leaving from that depot."""
    order = parts[0].order
    point = order.pickup_point if order.delivery_method is DeliveryMethod.PICKUP_POINT else None
    insee = point.insee_code if point is not None else order.insee_code
    rounds = [
        r
        for r in calendar.active_rounds(session, territory_id)
        if r.courier_id and depot_id in (None, r.depot_id)
    ]
    for day in calendar.run_days(rounds, insee, after + dt.timedelta(days=1), 14):
        if point is not None and point.opening_hours and not point.opening_windows(day.weekday()):
            continue
        if depot_id is not None or all(not mo.merchant.is_closed_on(day) for mo in parts):
            return day
    return None
