"""Returned parcels travel back to their shops on the rounds.

A round that passes by the pickup point takes back the parcels its staff kept aside and
gives them back at the shop; parcels a courier left at the depot go straight to the shop.
A way back that cannot be made today (the shop closed) goes to another day; one the
merchant or the operator already made by other means is struck off the rounds."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from sqlalchemy import select

from delivery.exports import stops_csv
from delivery.model import DayPlan, RoundRun, Stop, StopKind, StopStatus
from delivery.optimiser import UnassignedReason
from delivery.plan_state import returns_to_add
from delivery.planning import PlanReport, plan_day
from delivery.planning_jobs import JobView, latest_job, request_planning, run_planning_job
from delivery.queries import board, courier_runs, day_runs, return_rounds
from delivery.replanning import insert_late_orders, move_shipment
from delivery.returns import (
    BACK_REASON,
    NO_ROUND_FROM_DEPOT,
    back_at_shop,
    return_to_merchant,
    ways_back_without_round,
)
from delivery.route_sheets import round_sheet_pdf
from delivery.services import DepotInput, RoundInput, create_depot, create_round
from delivery.stops import AlreadyRecorded, NotReady, bring_back, return_failed, take_back
from shop_core.audit.model import AuditEntry
from shop_core.audit.services import Actor
from shop_core.database import Database
from shop_core.errors import ValidationError
from shop_core.orders.model import MerchantOrder, ParcelReturn
from shop_core.orders.returns import on_the_way_back, parcel_return, taken_from
from shop_core.territories.model import Territory

from .conftest import NOW, TUESDAY, Shop
from .delivery_setup import (
    DISTANCES,
    SETTINGS,
    Fleet,
    add_fleet,
    make_ready,
    merchant_orders,
    order,
    stops_of_plan,
)
from .test_delivery_sheets import pdf_text
from .test_delivery_stops import PARIS, at, do
from .test_pickup_points import at_point
from .test_round_depot_changes import move_round, run_depot

OPERATOR = Actor(user_id=None)
WEDNESDAY = TUESDAY + dt.timedelta(days=1)
THURSDAY = TUESDAY + dt.timedelta(days=2)


def plan(db: Database, shop: Shop, date: dt.date, now: dt.datetime = NOW) -> int:
    with db.uow() as uow:
        report = plan_day(
            uow=uow, territory_id=shop.territory_id, date=date, distances=DISTANCES,
            settings=SETTINGS, now=now,
        )  # fmt: skip
    return report.returns


def returned_at_point(db: Database, shop: Shop, *, capacity: int = 12) -> tuple[Fleet, int]:
    """A cake never collected at the town hall, sent back to the bakery on Monday; the
    rounds take `capacity` parcels."""
    fleet = add_fleet(db, shop, capacity=capacity)
    oid = at_point(db, shop, {shop.cake_id: 1}, point_id=fleet.point_id)
    with db.uow() as uow:
        return_to_merchant(
            uow=uow, territory_id=shop.territory_id, order_id=oid, reason="Jamais venue",
            actor=OPERATOR, now=NOW,
        )  # fmt: skip
    (cake,) = merchant_orders(db, oid)
    return fleet, cake.id


def return_stops(db: Database, shop: Shop, date: dt.date) -> list[Stop]:
    return [s for s in stops_of_plan(db, shop.territory_id, date) if s.kind.returning]


def way_back(db: Database, mo_id: int) -> ParcelReturn:
    with db.uow() as uow:
        found = parcel_return(uow.session, mo_id)
        assert found is not None
        return found


def test_a_round_takes_the_parcels_back_at_the_point_and_gives_them_back_at_the_shop(
    db: Database, shop: Shop
) -> None:
    fleet, cake = returned_at_point(db, shop)
    # A shopper's order on the same morning round: the way back rides along.
    home = order(db, shop, {shop.bread_id: 1})
    make_ready(db, home)

    assert plan(db, shop, TUESDAY) == 1

    stops = stops_of_plan(db, shop.territory_id)
    take, give = return_stops(db, shop, TUESDAY)
    assert (take.kind, give.kind) == (StopKind.TAKE_BACK, StopKind.BRING_BACK)
    assert take.merchant_order_id == give.merchant_order_id == cake
    assert take.run_id == give.run_id and take.sequence < give.sequence
    assert take.place_name == "Mairie de Saint-Pol"
    assert (take.window_start, take.window_end) == (None, None)  # the point keeps them all day
    assert give.place_name == "Boulangerie Lefebvre"
    assert {s.kind for s in stops} == set(StopKind)
    # The courier sees both, with the shop to give them back to.
    with db.uow() as uow:
        territory = uow.session.get_one(Territory, shop.territory_id)
        (run,) = courier_runs(
            uow.session, territory=territory, courier_id=fleet.couriers[0], date=TUESDAY
        )
    visits = {v.kind: v for v in run.visits}
    assert visits[StopKind.TAKE_BACK].customer == "Mairie de Saint-Pol"
    assert visits[StopKind.TAKE_BACK].items[0].merchant == "Boulangerie Lefebvre"
    assert visits[StopKind.BRING_BACK].customer == "Boulangerie Lefebvre"
    assert visits[StopKind.BRING_BACK].due_cents is None  # no money changes hands

    # Not at the shop before the parcels are on board.
    with pytest.raises(NotReady, match="reprise"):
        do(bring_back, db, shop, fleet, give, now=at(9))
    assert way_back(db, cake).back_at is None

    assert do(take_back, db, shop, fleet, take, now=at(9, 30)) == 1
    with pytest.raises(AlreadyRecorded):
        do(take_back, db, shop, fleet, take, now=at(9, 31))  # a double tap
    taken = way_back(db, cake)
    assert (taken.pickup_point_id, taken.held_at, taken.back_at) == (
        None,
        "Avec le livreur, repris à : Mairie de Saint-Pol",
        None,
    )
    with db.uow() as uow:  # the point's staff no longer keeps them
        assert (
            on_the_way_back(uow.session, territory_id=shop.territory_id, point_id=fleet.point_id)
            == []
        )

    # Re-planning the day keeps the parcels on this round.
    plan(db, shop, TUESDAY, now=at(9, 45))
    (_, still) = return_stops(db, shop, TUESDAY)
    assert (still.id, still.status, still.run_id) == (give.id, StopStatus.TODO, give.run_id)

    assert do(bring_back, db, shop, fleet, give, now=at(10)) == 1
    back = way_back(db, cake)
    assert back.back_at == at(10) and back.back_confirmed_by_id == fleet.couriers[0]
    with db.uow() as uow:
        assert on_the_way_back(uow.session, territory_id=shop.territory_id) == []
        entry = uow.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "order.back_at_shop")
        )
        assert entry is not None and entry.actor_id == fleet.couriers[0]
    # Back at the shop: no later day fetches them again.
    assert plan(db, shop, WEDNESDAY) == 0
    assert return_stops(db, shop, WEDNESDAY) == []


def test_a_way_back_that_fails_goes_to_another_day_from_the_depot(db: Database, shop: Shop) -> None:
    fleet, cake = returned_at_point(db, shop)
    plan(db, shop, TUESDAY)
    take, give = return_stops(db, shop, TUESDAY)
    # A day already planned for Wednesday does not fetch them twice.
    assert plan(db, shop, WEDNESDAY, now=at(7)) == 0

    do(take_back, db, shop, fleet, take, now=at(9, 30))
    with pytest.raises(ValidationError, match="Indiquez") as refused:
        do(return_failed, db, shop, fleet, give, reason="  ", now=at(10))
    assert refused.value.field == "reason"
    assert do(return_failed, db, shop, fleet, give, reason="Boutique fermée", now=at(10)) == 1
    with db.uow() as uow:
        failed = uow.session.get_one(Stop, give.id)
        assert (failed.status, failed.reason) == (StopStatus.FAILED, "Boutique fermée")
    assert way_back(db, cake).held_at == taken_from("Mairie de Saint-Pol")  # with the courier

    # Not again today; Wednesday's round takes them at the depot, straight to the shop.
    assert plan(db, shop, TUESDAY, now=at(11)) == 0
    assert [s.status for s in return_stops(db, shop, TUESDAY)] == [
        StopStatus.DONE,
        StopStatus.FAILED,
    ]
    assert plan(db, shop, WEDNESDAY, now=at(18)) == 1
    (again,) = return_stops(db, shop, WEDNESDAY)
    assert again.kind is StopKind.BRING_BACK

    # The baker fetched them herself meanwhile: Wednesday's round no longer goes for them.
    with db.uow() as uow:
        back_at_shop(
            uow=uow, territory_id=shop.territory_id, merchant_order_id=cake,
            actor=OPERATOR, merchant_id=shop.baker_id, now=at(19),
        )  # fmt: skip
    (struck,) = return_stops(db, shop, WEDNESDAY)
    assert (struck.status, struck.reason) == (StopStatus.FAILED, BACK_REASON)
    with pytest.raises(AlreadyRecorded):
        do(bring_back, db, shop, fleet, struck, now=at(10, day=WEDNESDAY))
    assert plan(db, shop, THURSDAY, now=at(18, day=WEDNESDAY)) == 0


def test_a_late_order_is_inserted_into_a_day_that_carries_a_way_back(
    db: Database, shop: Shop
) -> None:
    returned_at_point(db, shop)
    plan(db, shop, TUESDAY)
    before = [(s.id, s.kind) for s in return_stops(db, shop, TUESDAY)]
    late = order(db, shop, {shop.bread_id: 1})
    make_ready(db, late)

    with db.uow() as uow:
        report = insert_late_orders(
            uow=uow, territory_id=shop.territory_id, date=TUESDAY, distances=DISTANCES,
            settings=SETTINGS, now=NOW,
        )  # fmt: skip

    assert report.planned == 1 and report.unplanned == ()
    kinds = [s.kind for s in stops_of_plan(db, shop.territory_id)]
    assert sorted(kinds) == sorted(
        [StopKind.TAKE_BACK, StopKind.BRING_BACK, StopKind.COLLECT, StopKind.DELIVER]
    )
    # The way back keeps its stops (the courier's open page still points at them).
    assert [(s.id, s.kind) for s in return_stops(db, shop, TUESDAY)] == before


def test_the_round_sheet_and_the_exports_name_the_way_back(db: Database, shop: Shop) -> None:
    returned_at_point(db, shop)
    plan(db, shop, TUESDAY)
    with db.uow() as uow:
        territory = uow.session.get_one(Territory, shop.territory_id)
        (run,) = [r for r in day_runs(uow.session, territory=territory, date=TUESDAY) if r.visits]

    text = pdf_text(round_sheet_pdf(run, territory_name=territory.name))
    assert "Reprise de colis retourn" in text and "Colis rendus " in text
    rows = list(csv.DictReader(io.StringIO(stops_csv([run])), delimiter=";"))
    assert [r["action"] for r in rows] == [
        "Reprise de colis retournés",
        "Colis rendus à la boutique",
    ]
    assert [r["lieu"] for r in rows] == ["Mairie de Saint-Pol", "Boulangerie Lefebvre"]


def test_the_round_bringing_them_back_is_named_until_its_day_has_passed(
    db: Database, shop: Shop
) -> None:
    _, cake = returned_at_point(db, shop)
    plan(db, shop, TUESDAY)
    with db.uow() as uow:
        territory = uow.session.get_one(Territory, shop.territory_id)

        def rounds(today: dt.date) -> dict[int, tuple[dt.date, str, str]]:
            found = return_rounds(
                uow.session, territory=territory, merchant_order_ids=[cake], today=today
            )
            return {k: (v.date, v.round_name, v.courier_name) for k, v in found.items()}

        assert rounds(TUESDAY) == {cake: (TUESDAY, "Saint-Pol matin", "Marc Facteur")}
        # Tuesday went by and nobody took them: no round is said to bring them any more.
        assert rounds(WEDNESDAY) == {}
    # And Wednesday evening's planning of Thursday takes them.
    assert plan(db, shop, THURSDAY, now=at(18, day=WEDNESDAY)) == 1
    kinds = [s.kind for s in return_stops(db, shop, THURSDAY)]
    assert kinds == [StopKind.TAKE_BACK, StopKind.BRING_BACK]


def test_the_operator_gives_a_way_back_to_another_round(db: Database, shop: Shop) -> None:
    fleet, cake = returned_at_point(db, shop)
    plan(db, shop, TUESDAY)
    take, give = return_stops(db, shop, TUESDAY)
    with db.uow() as uow:
        afternoon = uow.session.scalar(
            select(RoundRun.id).where(RoundRun.round_id == fleet.frevent)
        )
        assert afternoon is not None and afternoon != give.run_id
        move_shipment(
            uow=uow, territory_id=shop.territory_id, stop_id=give.id, run_id=afternoon,
            distances=DISTANCES, settings=SETTINGS, actor=OPERATOR, now=NOW,
        )  # fmt: skip

    moved = return_stops(db, shop, TUESDAY)
    assert [(s.kind, s.run_id) for s in moved] == [
        (StopKind.TAKE_BACK, afternoon),
        (StopKind.BRING_BACK, afternoon),
    ]
    assert moved[0].expected_start.astimezone(PARIS).hour >= 13  # the afternoon round's hours

    # Once taken back, the parcels stay with that round's courier.
    with db.uow() as uow:
        take_back(
            uow=uow, territory_id=shop.territory_id, courier_id=fleet.couriers[1],
            stop_id=moved[0].id, now=at(14),
        )  # fmt: skip
    with db.uow() as uow, pytest.raises(ValidationError, match="déjà à bord"):
        move_shipment(
            uow=uow, territory_id=shop.territory_id, stop_id=moved[1].id, run_id=take.run_id,
            distances=DISTANCES, settings=SETTINGS, actor=OPERATOR, now=NOW,
        )  # fmt: skip
    assert way_back(db, cake).held_at == taken_from("Mairie de Saint-Pol")


def test_parcels_sent_back_after_the_planning_are_given_to_a_round_of_the_day(
    db: Database, shop: Shop
) -> None:
    fleet = add_fleet(db, shop)
    home = order(db, shop, {shop.bread_id: 1})
    make_ready(db, home)
    plan(db, shop, TUESDAY)
    before = {(s.id, s.kind, s.sequence) for s in stops_of_plan(db, shop.territory_id)}
    # At 9:00 on Tuesday the operator sends back a cake nobody fetched at the town hall.
    oid = at_point(db, shop, {shop.cake_id: 1}, point_id=fleet.point_id)
    with db.uow() as uow:
        return_to_merchant(
            uow=uow, territory_id=shop.territory_id, order_id=oid, reason="Jamais venue",
            actor=OPERATOR, now=at(9),
        )  # fmt: skip
    with db.uow() as uow:
        plan_row = uow.session.scalar(select(DayPlan).where(DayPlan.date == TUESDAY))
        assert plan_row is not None
        assert len(returns_to_add(uow.session, plan_row, TUESDAY)) == 1
        assert returns_to_add(uow.session, plan_row, WEDNESDAY) == []  # a day gone by

    with db.uow() as uow:
        report = insert_late_orders(
            uow=uow, territory_id=shop.territory_id, date=TUESDAY, distances=DISTANCES,
            settings=SETTINGS, now=at(9),
        )  # fmt: skip

    assert (report.planned, report.returns) == (0, 1)
    take, give = return_stops(db, shop, TUESDAY)
    assert (take.kind, give.kind) == (StopKind.TAKE_BACK, StopKind.BRING_BACK)
    assert take.expected_start >= at(9)  # not before it was sent back
    # Nothing already planned moved.
    after = {(s.id, s.kind) for s in stops_of_plan(db, shop.territory_id) if not s.kind.returning}
    assert after == {(i, k) for i, k, _ in before}
    with db.uow() as uow:
        plan_row = uow.session.scalar(select(DayPlan).where(DayPlan.date == TUESDAY))
        assert plan_row is not None and returns_to_add(uow.session, plan_row, TUESDAY) == []
    # A second click adds nothing.
    with db.uow() as uow:
        again = insert_late_orders(
            uow=uow, territory_id=shop.territory_id, date=TUESDAY, distances=DISTANCES,
            settings=SETTINGS, now=at(9, 5),
        )  # fmt: skip
    assert again.returns == 0 and len(return_stops(db, shop, TUESDAY)) == 2


def three_parcels_for_small_rounds(db: Database, shop: Shop) -> tuple[Fleet, int]:
    """The cake sent back from the town hall is three parcels, the rounds take two; a
    shopper's loaf is ready for Tuesday morning."""
    fleet, cake_id = returned_at_point(db, shop, capacity=2)
    with db.uow() as uow:
        uow.session.get_one(MerchantOrder, cake_id).parcels = 3
        uow.commit()
    home = order(db, shop, {shop.bread_id: 1})
    make_ready(db, home)
    return fleet, cake_id


def add_saturday_van(db: Database, shop: Shop, fleet: Fleet) -> None:
    """A van taking twelve parcels around Saint-Pol on Saturdays."""
    with db.uow() as uow:
        create_round(
            uow=uow,
            territory_id=shop.territory_id,
            data=RoundInput(
                name="Saint-Pol samedi", depot_id=fleet.depot_id, weekdays=(5,),
                starts=dt.time(8), ends=dt.time(13), capacity=12, courier_id=fleet.couriers[0],
                insee_codes=("62767",),
            ),
            actor=OPERATOR,
        )  # fmt: skip


def plan_by_job(db: Database, shop: Shop) -> JobView:
    with db.uow() as uow:
        asked = request_planning(
            uow=uow, territory_id=shop.territory_id, date=TUESDAY, actor=OPERATOR, now=NOW
        )
    with db.uow() as uow:
        run_planning_job(
            uow=uow, job_id=asked.job_id, distances=DISTANCES, settings=SETTINGS, now=NOW
        )
    with db.uow() as uow:
        job = latest_job(uow.session, shop.territory_id, TUESDAY, now=NOW)
        assert job is not None
        return job


def test_a_way_back_no_round_has_room_for_is_said_to_wait_for_another_round(
    db: Database, shop: Shop
) -> None:
    # Three parcels for Tuesday's rounds, that take two: no room that day, whatever else
    # the rounds carry; Saturday's van will take them.
    fleet, cake_id = three_parcels_for_small_rounds(db, shop)
    add_saturday_van(db, shop, fleet)

    job = plan_by_job(db, shop)

    assert (job.planned, job.unplanned, job.returns, job.returns_left_out) == (1, 0, 0, 1)
    assert job.returns_without_round == 0
    with db.uow() as uow:
        entry = uow.session.scalar(select(AuditEntry).where(AuditEntry.action == "delivery.plan"))
        assert entry is not None
        assert (entry.details["returns"], entry.details["returns_left_out"]) == (0, 1)
        assert entry.details["returns_without_round"] == 0
        # Not with the shoppers' orders the plan could not serve, and on no round: the board
        # offers to give it to a round of the day.
        plan_row = uow.session.scalar(select(DayPlan).where(DayPlan.date == TUESDAY))
        assert plan_row is not None and list(plan_row.unplanned) == []
        assert [t.merchant_order_id for t in returns_to_add(uow.session, plan_row, TUESDAY)] == [
            cake_id
        ]
    assert return_stops(db, shop, TUESDAY) == []

    # Trying again later in the day finds no more room, and says so.
    again, details = insert_again(db, shop)
    assert (again.planned, again.returns, again.returns_left_out) == (0, 0, 1)
    assert again.returns_without_round == 0
    assert return_stops(db, shop, TUESDAY) == []
    assert details["returns_left_out"] == 1


def insert_again(db: Database, shop: Shop) -> tuple[PlanReport, dict[str, Any]]:
    """The board's button at 9:00 (late orders and ways back given to the rounds): its
    report and the details of its audit entry."""
    with db.uow() as uow:
        again = insert_late_orders(
            uow=uow, territory_id=shop.territory_id, date=TUESDAY, distances=DISTANCES,
            settings=SETTINGS, actor=OPERATOR, now=at(9),
        )  # fmt: skip
    with db.uow() as uow:
        inserted = uow.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "delivery.insert")
        )
        assert inserted is not None
        return again, dict(inserted.details)


def test_a_way_back_no_round_can_ever_take_is_not_said_to_wait_for_one(
    db: Database, shop: Shop
) -> None:
    # Three parcels, and every round of the territory takes two.
    fleet, cake_id = three_parcels_for_small_rounds(db, shop)

    job = plan_by_job(db, shop)

    assert (job.planned, job.unplanned, job.returns, job.returns_left_out) == (1, 0, 0, 0)
    assert job.returns_without_round == 1
    with db.uow() as uow:
        entry = uow.session.scalar(select(AuditEntry).where(AuditEntry.action == "delivery.plan"))
        assert entry is not None
        assert (entry.details["returns_left_out"], entry.details["returns_without_round"]) == (
            0,
            1,
        )
        plan_row = uow.session.scalar(select(DayPlan).where(DayPlan.date == TUESDAY))
        assert plan_row is not None and list(plan_row.unplanned) == []
        # The board does not offer to give it to a round: it counts it apart.
        territory = uow.session.get_one(Territory, shop.territory_id)
        board_ = board(uow.session, territory=territory, date=TUESDAY, today=TUESDAY)
        assert (board_.returns_to_add, board_.returns_without_round) == (0, 1)
        assert ways_back_without_round(
            uow.session, territory_id=shop.territory_id, merchant_order_ids=[cake_id],
            today=TUESDAY,
        ) == {cake_id: UnassignedReason.TOO_LARGE}  # fmt: skip
    assert return_stops(db, shop, TUESDAY) == []

    # Adding the late orders does not try it again, and says again why.
    again, details = insert_again(db, shop)
    assert (again.returns, again.returns_left_out, again.returns_without_round) == (0, 0, 1)
    assert details["returns_without_round"] == 1

    # Once a round big enough goes out, its way back waits for that round.
    add_saturday_van(db, shop, fleet)
    assert plan_by_job(db, shop).returns_without_round == 0


def test_parcels_left_at_a_depot_no_round_leaves_from_any_more_wait_for_none(
    db: Database, shop: Shop
) -> None:
    """The courier kept the parcels after the shop was closed on Tuesday and left them at the
    depot; the operator then moved every round to a new depot. Nothing leaves from the old
    one: the way back waits for no round, and says so."""
    fleet, cake = returned_at_point(db, shop)
    plan(db, shop, TUESDAY)
    take, give = return_stops(db, shop, TUESDAY)
    do(take_back, db, shop, fleet, take, now=at(9, 30))
    do(return_failed, db, shop, fleet, give, reason="Boutique fermée", now=at(10))
    with db.uow() as uow:
        depot_id = create_depot(
            uow=uow, territory_id=shop.territory_id, actor=OPERATOR,
            data=DepotInput("Dépôt de Frévent", "Place du marché", "62270", "Frévent"),
        )  # fmt: skip
    for round_id in (fleet.saint_pol, fleet.frevent):
        move_round(db, shop, round_id, depot_id)

    with db.uow() as uow:
        assert ways_back_without_round(
            uow.session, territory_id=shop.territory_id, merchant_order_ids=[cake],
            today=WEDNESDAY,
        ) == {cake: NO_ROUND_FROM_DEPOT}  # fmt: skip
    job_day = plan(db, shop, WEDNESDAY, now=at(18))
    assert job_day == 0 and return_stops(db, shop, WEDNESDAY) == []
    with db.uow() as uow:
        territory = uow.session.get_one(Territory, shop.territory_id)
        board_ = board(uow.session, territory=territory, date=WEDNESDAY, today=WEDNESDAY)
        assert (board_.returns_to_add, board_.returns_without_round) == (0, 1)


def test_parcels_left_at_a_depot_go_with_the_day_planned_from_there_before_the_rounds_moved(
    db: Database, shop: Shop
) -> None:
    """Wednesday was planned on Tuesday morning, from the Saint-Pol depot; the parcels of a
    way back were left there at 10:00; then every round moved to a new depot. Wednesday's
    runs still leave from Saint-Pol: adding the late orders on Wednesday morning gives the
    parcels to one of them, instead of saying no round leaves from there."""
    fleet, cake = returned_at_point(db, shop)
    plan(db, shop, TUESDAY)
    plan(db, shop, WEDNESDAY, now=at(8))
    take, give = return_stops(db, shop, TUESDAY)
    do(take_back, db, shop, fleet, take, now=at(9, 30))
    do(return_failed, db, shop, fleet, give, reason="Boutique fermée", now=at(10))
    with db.uow() as uow:
        depot_id = create_depot(
            uow=uow, territory_id=shop.territory_id, actor=OPERATOR,
            data=DepotInput("Dépôt de Frévent", "Place du marché", "62270", "Frévent"),
        )  # fmt: skip
    for round_id in (fleet.saint_pol, fleet.frevent):
        move_round(db, shop, round_id, depot_id)
    assert run_depot(db, shop, WEDNESDAY, fleet.saint_pol) != depot_id
    with db.uow() as uow:
        territory = uow.session.get_one(Territory, shop.territory_id)
        board_ = board(uow.session, territory=territory, date=WEDNESDAY, today=WEDNESDAY)
        assert board_.returns_without_round == 0
        # Another day, planned from the new depot, would not take them.
        assert ways_back_without_round(
            uow.session, territory_id=shop.territory_id, merchant_order_ids=[cake],
            today=WEDNESDAY,
        ) == {cake: NO_ROUND_FROM_DEPOT}  # fmt: skip

    with db.uow() as uow:
        report = insert_late_orders(
            uow=uow, territory_id=shop.territory_id, date=WEDNESDAY, distances=DISTANCES,
            settings=SETTINGS, actor=OPERATOR, now=at(7, day=WEDNESDAY),
        )  # fmt: skip

    assert (report.returns, report.returns_left_out, report.returns_without_round) == (1, 0, 0)
    (back,) = return_stops(db, shop, WEDNESDAY)
    assert back.kind is StopKind.BRING_BACK and back.merchant_order_id == cake
    with db.uow() as uow:
        stop = uow.session.get_one(Stop, back.id)
        assert stop.run.depot_id != depot_id
