"""A place's arrival time counts once per visit (``delivery.day_problem.with_arrivals``)."""

from __future__ import annotations

import numpy as np

from delivery.day_problem import Place, PlanningSettings, with_arrivals

SETTINGS = PlanningSettings()


def place(key: tuple[str, int], visit: tuple[str, int | str] | None = None) -> Place:
    return Place(key, "", "", 50.38, 2.33, False, None, False, visit)


def test_the_arrival_is_added_on_the_way_in_from_another_visit_only() -> None:
    door = ("door", "7|3 rue des tilleuls 62130")
    places = [
        place(("depot", 1)),
        place(("merchant", 4)),
        place(("order", 10), door),
        place(("aboard", 21), door),  # a parcel of the same door already on the van
        place(("point", 2), ("point", 2)),
        place(("aboard", 22), ("point", 2)),  # a parcel on the van for the same point
    ]
    travel = np.array([[0, 60, 90, 90, 70, 70]] * 6, dtype=np.int64)

    timed = with_arrivals(travel, places, SETTINGS)

    assert timed[0].tolist() == [0, 60 + 120, 90 + 150, 90 + 150, 70 + 90, 70 + 90]
    assert timed[1].tolist() == [0, 60, 90 + 150, 90 + 150, 70 + 90, 70 + 90]  # at the shop
    # From the door to the same door (the other order, the parcel on board): nothing.
    assert timed[2].tolist() == [0, 60 + 120, 90, 90, 70 + 90, 70 + 90]
    assert timed[3].tolist() == [0, 60 + 120, 90, 90, 70 + 90, 70 + 90]
    assert timed[4].tolist() == [0, 60 + 120, 90 + 150, 90 + 150, 70, 70]  # one visit
    assert timed[5].tolist() == timed[4].tolist()
    assert travel[0].tolist() == [0, 60, 90, 90, 70, 70]  # the distances' matrix is unchanged


def test_one_order_alone_takes_as_long_as_before_visits_were_counted_once() -> None:
    # 120 s + 20 s per parcel at the shop, 180 s at a door, 120 s at a point.
    assert SETTINGS.collect_visit_s + SETTINGS.collect_per_parcel_s == 140
    assert SETTINGS.home_visit_s + SETTINGS.home_per_order_s == 180
    assert SETTINGS.point_visit_s + SETTINGS.point_per_order_s == 120
