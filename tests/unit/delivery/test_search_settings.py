"""The search adapts its rounds and perturbations to the size of a pickup-and-delivery day."""

from __future__ import annotations

from dataclasses import replace

from pyvrp import ProblemData

from delivery.consolidation import consolidate
from delivery.pyvrp_model import build_search_data
from delivery.pyvrp_search import default_params, epoch_length
from delivery.rural import DAYS, make_day
from tests.unit.delivery.delivery_cases import village_problem


def _search_data(day_index: int) -> ProblemData:
    problem = make_day(DAYS[day_index])
    grouped = consolidate(problem, range(len(problem.shipments))).problem
    return build_search_data(grouped, range(len(grouped.shipments))).data


def test_rounds_last_longer_on_larger_days_with_pairs() -> None:
    small, large = _search_data(1), _search_data(3)  # 100 and 300 orders
    assert epoch_length(small) == 2.5
    assert 15 < epoch_length(large) < 30  # about one restart in a 30 s plan


def test_problems_without_pairs_keep_short_rounds() -> None:
    village = village_problem()
    depot_parcels = tuple(replace(s, pickup=None) for s in village.shipments)
    problem = replace(village, shipments=depot_parcels)
    data = build_search_data(problem, range(len(problem.shipments))).data
    assert data.num_shipments == 0
    assert epoch_length(data) == 2.5


def test_second_worker_perturbs_more_only_on_small_days() -> None:
    small, large = _search_data(1), _search_data(3)
    perturbations = {
        (name, worker): default_params(data, worker=worker).perturbation.max_perturbations
        for name, data in (("small", small), ("large", large))
        for worker in (0, 1)
    }
    assert perturbations == {
        ("small", 0): 10,
        ("small", 1): 25,
        ("large", 0): 10,
        ("large", 1): 10,
    }


def test_late_acceptance_looks_back_a_few_iterations_with_pairs() -> None:
    with_pairs = default_params(_search_data(1))
    assert with_pairs.ils.history_length == 15
    assert with_pairs.penalty.max_penalty == 100
