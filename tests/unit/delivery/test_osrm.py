"""The OSRM ``table`` client against a local server answering like OSRM."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import numpy as np
import pytest

from delivery.distances import GreatCircleDistances
from delivery.osrm import FallbackDistances, OsrmDistances, OsrmError, distance_provider

from .fake_http import Answer, FakeService, serving


@pytest.fixture
def serve() -> Iterator[Callable[[Answer], FakeService]]:
    """``serve(answer)`` starts a fake service on 127.0.0.1, stopped after the test."""
    with ExitStack() as stack:
        yield lambda answer: stack.enter_context(serving(answer))


POINTS = [(50.38, 2.33), (50.28, 2.29), (50.45, 2.40), (50.31, 2.10), (50.20, 2.05)]


def osrm_like(path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
    """Distances of 1000·|i - j| metres and 60·|i - j| seconds between the points sent."""
    assert path.startswith("/table/v1/driving/")
    coords = path.rsplit("/", 1)[1].split(";")
    index = [POINTS.index((float(c.split(",")[1]), float(c.split(",")[0]))) for c in coords]
    sources = (
        [int(i) for i in query["sources"][0].split(";")]
        if "sources" in query
        else range(len(index))
    )
    targets = (
        [int(i) for i in query["destinations"][0].split(";")]
        if "destinations" in query
        else range(len(index))
    )
    assert query["annotations"] == ["distance,duration"]
    distances = [[1000.4 * abs(index[s] - index[t]) for t in targets] for s in sources]
    durations = [[60.2 * abs(index[s] - index[t]) for t in targets] for s in sources]
    return 200, {"code": "Ok", "distances": distances, "durations": durations}


def expected(scale: float) -> np.ndarray:
    n = len(POINTS)
    return np.array([[round(scale * abs(i - j)) for j in range(n)] for i in range(n)])


def test_table_answer_becomes_integer_metres_and_seconds(
    serve: Callable[[Answer], FakeService],
) -> None:
    service = serve(osrm_like)
    matrices = OsrmDistances(f"http://{service.domain}").matrices(POINTS)
    assert matrices.metres.dtype == np.int64
    assert (matrices.metres == expected(1000.4)).all()
    assert (matrices.seconds == expected(60.2)).all()
    assert len(service.requests) == 1


def test_big_tables_are_asked_block_by_block(serve: Callable[[Answer], FakeService]) -> None:
    service = serve(osrm_like)
    matrices = OsrmDistances(f"http://{service.domain}", max_table_size=3).matrices(POINTS)
    assert (matrices.metres == expected(1000.4)).all()
    assert len(service.requests) > 1
    for path, _query in service.requests:
        assert len(path.rsplit("/", 1)[1].split(";")) <= 3


def test_unroutable_pairs_take_the_great_circle_estimate(
    serve: Callable[[Answer], FakeService],
) -> None:
    def with_gap(path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        status, body = osrm_like(path, query)
        body["distances"][0][1] = None
        body["durations"][0][1] = None
        return status, body

    service = serve(with_gap)
    matrices = OsrmDistances(f"http://{service.domain}").matrices(POINTS)
    estimate = GreatCircleDistances().matrices(POINTS)
    assert matrices.metres[0, 1] == estimate.metres[0, 1]
    assert matrices.seconds[0, 1] == estimate.seconds[0, 1]
    assert matrices.metres[1, 0] == 1000


def test_an_error_answer_raises_and_the_fallback_uses_the_estimate(
    serve: Callable[[Answer], FakeService],
) -> None:
    service = serve(
        lambda path, query: (400, {"code": "TooBig", "message": "Too many table coordinates"})
    )
    client = OsrmDistances(f"http://{service.domain}")
    with pytest.raises(OsrmError):
        client.matrices(POINTS)
    fallback = FallbackDistances(client).matrices(POINTS)
    assert (fallback.metres == GreatCircleDistances().matrices(POINTS).metres).all()


def test_the_provider_is_chosen_by_configuration() -> None:
    assert isinstance(distance_provider("great_circle"), GreatCircleDistances)
    osrm = distance_provider("osrm", osrm_url="http://127.0.0.1:5000")
    assert isinstance(osrm, FallbackDistances) and isinstance(osrm.primary, OsrmDistances)
    with pytest.raises(ValueError, match="server URL"):
        distance_provider("osrm")
    with pytest.raises(ValueError, match="unknown distance provider"):
        distance_provider("valhalla")
