"""A returned parcel's way back that no round can ever take is told apart from one that
found no room today: judged on every round of the territory, whatever its day, and on
where the shop and the point are."""

from __future__ import annotations

from delivery.day_problem import ReturnTrip
from delivery.model import Round, RoundCommune
from delivery.optimiser import UnassignedReason
from delivery.returns import NO_POSITION, NO_ROUND_FROM_DEPOT, no_round_for
from shop_core.merchants.model import Merchant
from shop_core.territories.model import PickupPoint

SAINT_POL, FREVENT = "62767", "62361"


def round_(capacity: int, *communes: str, weekdays: str = "1", depot: int = 1) -> Round:
    return Round(
        name="Tournée",
        capacity=capacity,
        weekdays=weekdays,
        depot_id=depot,
        communes=[RoundCommune(insee_code=code) for code in communes],
    )


def trip(
    parcels: int, *, at: str | None = SAINT_POL, shop_in: str = SAINT_POL, depot: int = 1
) -> ReturnTrip:
    """``parcels`` to bring back to the bakery of ``shop_in`` from the town hall of ``at``
    (None: the depot ``depot``). Without a position, each stands at its commune's centre; a commune
    the gazetteer does not know leaves it nowhere."""
    point = PickupPoint(name="Mairie", insee_code=at, postal_code="", city="") if at else None
    shop = Merchant(trade_name="Boulangerie", insee_code=shop_in, postal_code="", city="")
    return ReturnTrip(1, 1, parcels, shop, point, None if point else depot)


def test_more_parcels_than_any_round_carries_is_too_large() -> None:
    rounds = [round_(12, SAINT_POL), round_(20, FREVENT, weekdays="3")]

    assert no_round_for(trip(25), rounds) is UnassignedReason.TOO_LARGE
    assert no_round_for(trip(25, at=None), rounds) is UnassignedReason.TOO_LARGE


def test_a_bigger_round_of_another_day_that_passes_by_the_point_will_take_them() -> None:
    # Tuesday's van takes 2 parcels, Saturday's 12: the way back waits for Saturday.
    rounds = [round_(2, SAINT_POL), round_(12, SAINT_POL, weekdays="5")]

    assert no_round_for(trip(3), rounds) is None


def test_a_point_that_no_round_big_enough_serves_is_never_passed_by() -> None:
    # The small round passes by the town hall, the big one only serves Frévent.
    rounds = [round_(2, SAINT_POL), round_(12, FREVENT)]

    assert no_round_for(trip(3), rounds) is UnassignedReason.NOT_ALLOWED
    # Parcels at the depot need no round to pass by a point: the big round takes them.
    assert no_round_for(trip(3, at=None), rounds) is None
    # A round serving every commune passes by every point.
    assert no_round_for(trip(3), [*rounds, round_(12)]) is None


def test_a_way_back_that_fits_is_not_said_to_have_no_round() -> None:
    assert no_round_for(trip(1), [round_(12, SAINT_POL)]) is None
    assert no_round_for(trip(0), [round_(1, SAINT_POL)]) is None  # counted as one parcel


def test_without_any_round_there_is_nothing_to_judge_by() -> None:
    assert no_round_for(trip(25), []) is None


def test_a_shop_or_point_nowhere_on_the_map_is_said_at_once() -> None:
    rounds = [round_(12, SAINT_POL)]
    nowhere = "99999"  # no such commune in the gazetteer

    assert no_round_for(trip(1, shop_in=nowhere), rounds) == NO_POSITION
    assert no_round_for(trip(1, shop_in=nowhere, at=None), rounds) == NO_POSITION
    assert no_round_for(trip(1, at=nowhere), rounds) == NO_POSITION
    # Whatever the rounds: placing it on the map is the first thing to do.
    assert no_round_for(trip(1, shop_in=nowhere), []) == NO_POSITION
    # A shop placed on the map in an unknown commune is somewhere.
    placed = trip(1, shop_in=nowhere, at=None)
    placed.merchant.lat, placed.merchant.lon = 50.36, 2.33
    assert no_round_for(placed, rounds) is None


def test_parcels_at_a_depot_no_round_big_enough_leaves_from_wait_for_none() -> None:
    # The Frévent depot (2) lost its only round to Saint-Pol's (1); its small van stays.
    rounds = [round_(12, depot=1), round_(2, depot=2)]

    assert no_round_for(trip(3, at=None, depot=2), rounds) == NO_ROUND_FROM_DEPOT
    assert no_round_for(trip(2, at=None, depot=2), rounds) is None
    assert no_round_for(trip(3, at=None, depot=1), rounds) is None
    # Parcels at a pickup point wait for any round passing by it, whatever its depot.
    assert no_round_for(trip(3, depot=2), rounds) is None
