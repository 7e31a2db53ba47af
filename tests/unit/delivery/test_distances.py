"""Great-circle travel matrices are integer, symmetric and plausible."""

from __future__ import annotations

import numpy as np
import pytest

from delivery.distances import GreatCircleDistances

SAINT_POL = (50.38758, 2.35173)
FREVENT = (50.27007, 2.29047)
AUXI = (50.23655, 2.11736)


def test_matrices_are_integer_symmetric_with_a_zero_diagonal() -> None:
    matrices = GreatCircleDistances().matrices([SAINT_POL, FREVENT, AUXI, (50.5, 2.4)])
    for matrix in (matrices.metres, matrices.seconds):
        assert matrix.dtype == np.int64
        assert matrix.shape == (4, 4)
        assert (matrix == matrix.T).all()
        assert (np.diag(matrix) == 0).all()
        assert (matrix[~np.eye(4, dtype=bool)] > 0).all()


def test_saint_pol_to_frevent_is_about_seventeen_road_kilometres() -> None:
    # 13.77 km between the commune centres as the crow flies, times the 1.3 circuity factor.
    metres = GreatCircleDistances().matrices([SAINT_POL, FREVENT]).metres[0, 1]
    assert 13_700 * 1.3 < metres < 13_900 * 1.3


def test_seconds_follow_the_average_speed() -> None:
    slow = GreatCircleDistances(speed_kmh=36)  # 10 m/s
    matrices = slow.matrices([SAINT_POL, AUXI])
    assert matrices.seconds[0, 1] == pytest.approx(matrices.metres[0, 1] / 10, abs=1)


def test_circuity_scales_distances() -> None:
    straight = GreatCircleDistances(circuity=1.0).matrices([SAINT_POL, AUXI]).metres[0, 1]
    winding = GreatCircleDistances(circuity=1.5).matrices([SAINT_POL, AUXI]).metres[0, 1]
    assert winding == pytest.approx(1.5 * straight, abs=1)


def test_circuity_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="circuity"):
        GreatCircleDistances(circuity=0.9)
