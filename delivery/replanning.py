"""Changing a planned day without re-planning it: late orders, moves, couriers.

``insert_late_orders`` puts the orders placed after planning where they cost least, without
moving any other stop (couriers' sheets keep their order); ``move_shipment`` and
``assign_run`` are the operator's manual corrections.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from delivery.day_problem import (
    DayProblem,
    PlanningSettings,
    ReturnTrip,
    doors,
    shipment_id,
    to_seconds,
    vehicle_id,
)
from delivery.distances import DistanceProvider
from delivery.insertion import insert_shipment
from delivery.model import (
    DayPlan,
    Depot,
    Round,
    RoundRun,
    Stop,
    StopKind,
    StopStatus,
    Unplanned,
)
from delivery.optimiser import (
    Problem,
    Route,
    Solution,
    Unassigned,
    UnassignedReason,
    route_cost,
    timed_route,
)
from delivery.optimiser import StopKind as Kind
from delivery.plan_state import (
    OUT_OF_SHOP,
    PlanningFailed,
    check_plan,
    claims_of,
    day_state,
    due_merchant_orders,
    get_plan,
    holding_depots,
    keep_claims,
    late_orders,
    loaded_at_depot,
    lock_day,
    now_seconds,
    problem_for,
    return_trips,
    returns_to_add,
    under_way,
    write_run,
)
from delivery.planning import PlanReport, describe_unplanned
from delivery.returns import without_round
from delivery.route_sheets import time_fr
from shop_core.accounts.model import Role, User
from shop_core.audit.services import Actor, record
from shop_core.errors import NotFound, ValidationError
from shop_core.merchants.model import Merchant
from shop_core.orders.model import MerchantOrder, Order
from shop_core.persistence.base import utcnow
from shop_core.persistence.uow import UnitOfWork
from shop_core.territories.model import Territory


@dataclass
class _Current:
    territory: Territory
    zone: ZoneInfo
    plan: DayPlan
    day: DayProblem
    solution: Solution
    now_s: int


def _current(
    uow: UnitOfWork,
    territory_id: int,
    date: dt.date,
    extra: Sequence[MerchantOrder],
    distances: DistanceProvider,
    settings: PlanningSettings,
    now: dt.datetime,
    *,
    unrestricted: bool = False,
    extra_returns: Sequence[ReturnTrip] = (),
) -> _Current:
    """The plan of ``date`` as the optimiser sees it: routes of the stops still to do;
    ``extra`` orders and ``extra_returns`` ways back are in the problem, on no route."""
    session = uow.session
    territory = session.get(Territory, territory_id)
    if territory is None:
        raise NotFound(what="Territoire")
    zone = ZoneInfo(territory.timezone)
    now_s = now_seconds(date, zone, now)
    plan = get_plan(session, territory_id, date)
    if plan is None:
        raise ValidationError("Cette journée n'est pas encore planifiée : lancez la planification.")
    state = day_state(plan, date, zone, now_s)
    todo = {
        s.merchant_order_id
        for run in plan.runs
        for s in run.stops
        if s.is_open and not s.kind.returning
    }
    going_back = {
        s.merchant_order_id
        for run in plan.runs
        for s in run.stops
        if s.is_open and s.kind.returning
    }
    returns = (
        return_trips(session, territory_id, date, today=date, only=going_back) if going_back else []
    )
    returns += extra_returns
    orders = list(
        session.scalars(
            select(MerchantOrder)
            .where(MerchantOrder.id.in_(todo))
            .options(
                selectinload(MerchantOrder.order).selectinload(Order.pickup_point),
                selectinload(MerchantOrder.merchant).selectinload(Merchant.opening_hours),
                selectinload(MerchantOrder.merchant).selectinload(Merchant.closures),
            )
        )
    )
    rounds = [run.round for run in plan.runs]
    collected_later = {
        s.merchant_order_id
        for run in plan.runs
        for s in run.stops
        if s.is_open and s.kind is StopKind.COLLECT
    }
    waiting = [
        mo.id for mo in orders if mo.id not in collected_later and mo.id not in state.on_board
    ]
    waiting += [mo.id for mo in extra if mo.status in OUT_OF_SHOP]
    # Rounds keep their own hours here, and runs their depots (a round moved to another
    # depot since leaves from there after the next planning): the stored departures must
    # stay feasible, and parcels a run loads at its depot are there.
    day = problem_for(
        session, territory, date, rounds, [*orders, *extra], state, distances, settings, 0,
        waiting=waiting, unrestricted=unrestricted, returns=returns,
        depots={run.round_id: run.depot for run in plan.runs},
    )  # fmt: skip
    routes: list[Route] = []
    problem = day.problem
    for run in plan.runs:
        visits = []
        for stop in run.stops:
            if not stop.is_open:
                continue
            sid = shipment_id(stop.merchant_order_id, returning=stop.kind.returning)
            if sid not in problem.shipment_index:
                raise PlanningFailed(detail="Le plan a changé depuis : replanifiez la journée.")
            picked = stop.kind in (StopKind.COLLECT, StopKind.TAKE_BACK)
            kind = Kind.PICKUP if picked else Kind.DELIVERY
            visits.append((problem.shipment_index[sid], kind))
        if not visits:
            continue
        vehicle = problem.vehicle(vehicle_id(run.round_id))
        state_start = state.started.get(run.round_id)
        departure = (
            state_start.at
            if state_start
            else (to_seconds(date, zone, run.departure) if run.departure else None)
        )
        route = timed_route(problem, vehicle, visits, departure=departure)
        route = route or timed_route(problem, vehicle, visits)
        if route is None:
            raise PlanningFailed(
                detail="Le plan ne tient plus (horaires) : replanifiez la journée."
            )
        routes.append(route)
    # Shipments of the problem not on a route yet are the ones being added.
    solution = Solution(tuple(routes), (), route_cost(problem, routes))
    return _Current(territory, zone, plan, day, solution, now_s)


def _insert_at_its_door(
    problem: Problem,
    solution: Solution,
    sid: str,
    door_of: Mapping[str, Hashable],
    *,
    now: int,
    max_added_m: int,
) -> Solution:
    """Insert ``sid`` where it costs least, or on the round that already goes to its door
    (in its slot) when that costs at most ``max_added_m`` more: the shopper's forgotten
    item comes with the rest of the basket, one ring at the door (``delivery.one_visit``)."""
    cheapest = insert_shipment(problem, solution, sid, now=now)
    door = door_of.get(sid)
    there = sorted(
        {
            route.vehicle_id
            for route in solution.routes
            for stop in route.stops
            if door is not None and door_of.get(stop.shipment_id) == door
        }
    )
    placed = [r.vehicle_id for r in cheapest.routes if any(s.shipment_id == sid for s in r.stops)]
    if not there or (placed and placed[0] in there):
        return cheapest
    for vid in there:
        together = insert_shipment(problem, solution, sid, now=now, only=vid)
        if any(u.shipment_id == sid for u in together.unassigned):
            continue
        if not placed or together.cost - cheapest.cost <= max_added_m:
            return together
    return cheapest


def follow_parcels(session: Session, *, merchant_order_id: int) -> None:
    """The stops still to do of a merchant order carry its number of parcels again, once
    the shop has said it on a planned day (the courier's « Colis collectés (n) », the
    packing list). The van's load is not checked again: the operator's board shows it."""
    mo = session.get(MerchantOrder, merchant_order_id)
    if mo is None:
        return
    todo = select(Stop).where(
        Stop.merchant_order_id == merchant_order_id,
        Stop.kind.in_((StopKind.COLLECT, StopKind.DELIVER)),
        Stop.status == StopStatus.TODO,
    )
    for stop in session.scalars(todo):
        stop.parcels = max(1, mo.parcels)


def insert_late_orders(
    *,
    uow: UnitOfWork,
    territory_id: int,
    date: dt.date,
    distances: DistanceProvider,
    settings: PlanningSettings | None = None,
    actor: Actor | None = None,
    now: dt.datetime | None = None,
) -> PlanReport:
    """Put the orders due on ``date`` that the plan does not carry (placed after planning,
    or left at the shop by a courier) into the plan, each at its cheapest place; nothing
    already planned moves. Those that fit nowhere are reported. Returned parcels waiting at
    a pickup point or a depot that no plan carries yet (sent back after the planning) are
    given to a round of the day the same way, where one can take them (from a depot, a
    round leaving from there that has not left yet); the others wait for the next
    planning (counted in ``returns_left_out``), but those no round can ever take are not
    offered to the rounds (counted in ``returns_without_round``)."""
    settings = settings or PlanningSettings()
    now = now or utcnow()
    session = uow.session
    plan = get_plan(session, territory_id, date)
    if plan is None:
        raise ValidationError("Cette journée n'est pas encore planifiée : lancez la planification.")
    # Two clicks at once insert each order once: the second waits, then finds it planned.
    lock_day(uow, plan.id)  # what the plan loaded is read again
    late = late_orders(
        due_merchant_orders(session, territory_id, date),
        ((s.merchant_order_id, s.status) for run in plan.runs for s in run.stops),
        (u.merchant_order_id for u in plan.unplanned),
    )
    territory = session.get_one(Territory, territory_id)
    returns = returns_to_add(session, plan, now.astimezone(ZoneInfo(territory.timezone)).date())
    never = without_round(session, territory_id, returns, runs=plan.runs)
    returns = [t for t in returns if t.merchant_order_id not in never]
    current = _current(
        uow, territory_id, date, late, distances, settings, now, extra_returns=returns
    )
    day, problem, solution = current.day, current.day.problem, current.solution
    # A parcel ordered (or sent back) now cannot be collected before now.
    added = {shipment_id(mo.id) for mo in late} | {
        shipment_id(t.merchant_order_id, returning=True) for t in returns
    }
    shipments = tuple(
        replace(s, pickup=replace(s.pickup, earliest=max(s.pickup.earliest, current.now_s)))
        if s.pickup is not None and s.id in added
        else s
        for s in problem.shipments
    )
    problem = replace(problem, shipments=shipments)
    day.problem = problem
    unassigned: list[tuple[int, str]] = list(day.rejected.items())
    door_of = doors(day)
    for mo in late:
        sid = shipment_id(mo.id)
        if sid not in problem.shipment_index:
            continue
        shipment = problem.shipment(sid)
        if shipment.pickup is not None and shipment.pickup.latest < shipment.pickup.earliest:
            solution = replace(
                solution,
                unassigned=(*solution.unassigned, Unassigned(sid, UnassignedReason.OUT_OF_HOURS)),
            )
            continue
        solution = _insert_at_its_door(
            problem, solution, sid, door_of, now=current.now_s,
            max_added_m=settings.one_visit_max_added_m,
        )  # fmt: skip
    for trip in returns:
        sid = shipment_id(trip.merchant_order_id, returning=True)
        if sid in problem.shipment_index:  # not when its shop is closed that day
            solution = insert_shipment(problem, solution, sid, now=current.now_s)
    # The check wants every shipment served or listed as unassigned, ways back included.
    check_plan(day, solution)
    # A way back no round can take waits for the next planning: counted, not reported with
    # the shoppers' orders.
    returns_left_out = sum(
        1
        for u in solution.unassigned
        if u.shipment_id in added and day.shipments[u.shipment_id].returning
    )
    unassigned += [
        (day.shipments[u.shipment_id].merchant_order_id, u.reason.value)
        for u in solution.unassigned
        if not day.shipments[u.shipment_id].returning
    ]
    changed = {u for u, _ in unassigned}
    runs = {vehicle_id(run.round_id): run for run in current.plan.runs}
    for route in solution.routes:
        if any(stop.shipment_id in added for stop in route.stops):
            write_run(runs[route.vehicle_id], route, day, date, current.zone)
    by_id = {mo.id: mo for mo in late}
    reports = []
    for mo_id, code in sorted(unassigned):
        if mo_id not in by_id:
            continue
        report = describe_unplanned(session, territory_id, date, by_id[mo_id], code)
        current.plan.unplanned.append(
            Unplanned(
                merchant_order_id=mo_id,
                reason_code=code,
                reason=report.reason,
                next_date=report.next_date,
            )
        )
        reports.append(report)
    current.plan.distance_m = sum(run.distance_m for run in current.plan.runs)
    taken = sum(
        1
        for route in solution.routes
        for stop in route.stops
        if stop.kind is Kind.DELIVERY
        and stop.shipment_id in added
        and day.shipments[stop.shipment_id].returning
    )
    if actor is not None and (late or taken or returns_left_out or never):
        record(
            session,
            territory_id=territory_id,
            actor=actor,
            action="delivery.insert",
            subject=date.isoformat(),
            details={
                "orders": [mo.reference for mo in late],
                "unplanned": len(reports),
                "returns": taken,
                "returns_left_out": returns_left_out,
                "returns_without_round": len(never),
            },
        )
    uow.commit()
    return PlanReport(
        current.plan.id,
        len(late) - len(changed & set(by_id)),
        tuple(reports),
        0,
        len(current.plan.runs),
        current.plan.distance_m,
        taken,
        returns_left_out,
        len(never),
    )


def move_shipment(
    *,
    uow: UnitOfWork,
    territory_id: int,
    stop_id: int,
    run_id: int,
    distances: DistanceProvider,
    settings: PlanningSettings | None = None,
    actor: Actor,
    now: dt.datetime | None = None,
) -> None:
    """Move the merchant order of a stop (collection and delivery) to another run of the day.

    It goes where it costs least on the target round; the communes the round serves are
    not enforced (the operator decides), its capacity and hours are.
    """
    settings = settings or PlanningSettings()
    now = now or utcnow()
    session = uow.session
    stop = _stop_of_territory(session, territory_id, stop_id)
    lock_day(uow, stop.run.plan_id)  # one change at a time, couriers' taps included
    target = session.get(RoundRun, run_id)
    if target is None or target.plan_id != stop.run.plan_id:
        raise NotFound(what="Tournée")
    if target.id == stop.run_id:
        return
    mo_id = stop.merchant_order_id
    source = stop.run
    # On board: a stop of its done or failed, or loaded at the depot by a run under way.
    started = under_way(source.stops)
    loaded = started and mo_id in loaded_at_depot(source.stops)
    if loaded or any(s.merchant_order_id == mo_id and not s.is_open for s in source.stops):
        raise ValidationError(
            "Le colis est déjà à bord de la tournée : il ne peut plus en changer.", field="run"
        )
    date = source.plan.date
    current = _current(uow, territory_id, date, [], distances, settings, now, unrestricted=True)
    day, problem = current.day, current.day.problem
    sid = shipment_id(mo_id, returning=stop.kind.returning)
    source_vid, target_vid = vehicle_id(source.round_id), vehicle_id(target.round_id)
    allowed = problem.vehicle(target_vid).allowed_locations
    shipment = problem.shipment(sid)
    if (
        shipment.pickup is None
        and allowed is not None
        and shipment.delivery.location not in allowed
    ):
        # ``unrestricted`` lifts the communes, not where the parcels are: at a depot only a
        # round leaving from there (and not under way) loads them.
        held = holding_depots(session, [mo_id]).get(mo_id)
        depot = session.get(Depot, held) if held is not None else None
        where = f"au dépôt « {depot.name} »" if depot is not None else "au dépôt"
        raise ValidationError(
            f"Les colis de cette commande attendent {where} : seule une tournée qui en part, "
            "et qui n'est pas encore partie, peut les prendre.",
            field="run",
            code="parcels_at_depot",
            depot=depot.name if depot is not None else None,
        )
    routes = {route.vehicle_id: route for route in current.solution.routes}
    old = routes.pop(source_vid)
    visits = [
        (problem.shipment_index[s.shipment_id], s.kind) for s in old.stops if s.shipment_id != sid
    ]
    state_departure = old.departure
    rest = (
        timed_route(problem, problem.vehicle(source_vid), visits, departure=state_departure)
        if visits
        else None
    )
    if visits and rest is None:
        rest = timed_route(problem, problem.vehicle(source_vid), visits)
    if rest is not None:
        routes[source_vid] = rest
    shipments = tuple(
        replace(s, pickup=replace(s.pickup, earliest=max(s.pickup.earliest, current.now_s)))
        if s.id == sid and s.pickup is not None
        else s
        for s in problem.shipments
    )
    only_target = replace(problem, vehicles=(problem.vehicle(target_vid),), shipments=shipments)
    partial = Solution(tuple(r for r in routes.values() if r.vehicle_id == target_vid), (), 0)
    moved = insert_shipment(only_target, partial, sid, now=current.now_s)
    if moved.unassigned:
        name = target.round.name
        raise ValidationError(
            f"La tournée « {name} » ne peut pas prendre cette commande ce jour-là "
            "(colis, horaires ou durée).",
            field="run",
            code="round_cannot_take",
            round=name,
        )
    routes[target_vid] = moved.routes[0]
    ordered = [routes[v.id] for v in problem.vehicles if v.id in routes]
    check_plan(day, Solution(tuple(ordered), (), route_cost(problem, ordered)))
    claims = claims_of([source, target])
    write_run(source, routes.get(source_vid), day, date, current.zone)
    write_run(target, routes[target_vid], day, date, current.zone)
    keep_claims(uow, [source, target], claims)
    entry = record(
        session,
        territory_id=territory_id,
        actor=actor,
        action="delivery.move",
        subject=stop.merchant_order.reference,
        details={"from": source.round.name, "to": target.round.name},
    )
    entry.at = now  # on the planning's clock: the board tells moves since the last planning
    uow.commit()


def assign_run(
    *, uow: UnitOfWork, territory_id: int, run_id: int, courier_id: int, actor: Actor
) -> None:
    """Give a whole run of the day to another courier of the territory."""
    session = uow.session
    run = session.get(RoundRun, run_id)
    if run is None or run.plan.territory_id != territory_id:
        raise NotFound(what="Tournée")
    courier = session.get(User, courier_id)
    if (
        courier is None
        or courier.territory_id != territory_id
        or courier.role is not Role.COURIER
        or not courier.active
    ):
        raise ValidationError("Choisissez un livreur actif du territoire.", field="courier")
    for other in run.plan.runs:
        if (
            other.id != run.id
            and other.courier_id == courier_id
            and _overlap(run.round, other.round)
        ):
            # Their hours overlap, rarely are they the same: both are said.
            theirs, this = other.round, run.round
            raise ValidationError(
                f"{courier.full_name} fait déjà la tournée « {theirs.name} » à des heures "
                f"qui se chevauchent ({_hours(theirs)} ; celle-ci : {_hours(this)}).",
                field="courier",
                code="courier_busy",
                courier=courier.full_name,
                round=theirs.name,
                starts=theirs.starts.isoformat(),
                ends=theirs.ends.isoformat(),
                this_starts=this.starts.isoformat(),
                this_ends=this.ends.isoformat(),
            )
    run.courier_id = courier_id
    record(
        session,
        territory_id=territory_id,
        actor=actor,
        action="delivery.assign",
        subject=f"{run.round.name} {run.plan.date.isoformat()}",
        details={"courier_id": courier_id},
    )
    uow.commit()


def _hours(round_: Round) -> str:
    """A round's hours as the pages write them: « 8 h 30 – 13 h »."""
    return f"{time_fr(round_.starts, space=NBSP)} – {time_fr(round_.ends, space=NBSP)}"


NBSP = "\u00a0"


def _overlap(a: Round, b: Round) -> bool:
    return a.starts < b.ends and b.starts < a.ends


def _stop_of_territory(session: Session, territory_id: int, stop_id: int) -> Stop:
    stop = session.get(Stop, stop_id)
    if stop is None or stop.run.plan.territory_id != territory_id:
        raise NotFound(what="Arrêt")
    return stop
