"""Road distances from an OSRM server's ``table`` service, as a ``DistanceProvider``.

Chosen by configuration when the territory runs (or rents) an OSRM server; the default
great-circle estimate needs no network. OSRM refuses tables above its ``max-table-size``
(100 locations by default), so bigger matrices are asked block by block. A pair OSRM cannot
route (``null``: an island, a missing road) takes the great-circle estimate instead, and any
failure of the server falls back to it entirely (see ``FallbackDistances``): planning a day
must not depend on a server being up.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeGuard

import numpy as np

from delivery.distances import DistanceProvider, GreatCircleDistances, Point, TravelMatrices

log = logging.getLogger(__name__)


class OsrmError(Exception):
    """The OSRM server could not be reached or refused the request."""


@dataclass(frozen=True)
class OsrmDistances:
    """Metres and seconds by road from OSRM's ``/table/v1/{profile}`` service."""

    base_url: str
    profile: str = "driving"
    timeout: float = 10.0
    max_table_size: int = 100
    estimate: DistanceProvider = field(default_factory=GreatCircleDistances)

    def matrices(self, points: Sequence[Point]) -> TravelMatrices:
        """Return the metre and second matrices between ``points`` (raises ``OsrmError``)."""
        n = len(points)
        metres = np.zeros((n, n), dtype=np.int64)
        seconds = np.zeros((n, n), dtype=np.int64)
        if n <= 1:
            return TravelMatrices(metres, seconds)
        block = max(1, self.max_table_size // 2) if n > self.max_table_size else n
        blocks = [list(range(i, min(i + block, n))) for i in range(0, n, block)]
        fallback: TravelMatrices | None = None
        for sources in blocks:
            for targets in blocks:
                asked = sorted(set(sources) | set(targets))
                answer = self._table([points[i] for i in asked], asked, sources, targets)
                for r, i in enumerate(sources):
                    for c, j in enumerate(targets):
                        if i == j:
                            continue
                        dist, dur = answer[0][r][c], answer[1][r][c]
                        if dist is None or dur is None:
                            fallback = fallback or self.estimate.matrices(points)
                            dist, dur = fallback.metres[i, j], fallback.seconds[i, j]
                        metres[i, j] = max(0, round(float(dist)))
                        seconds[i, j] = max(0, round(float(dur)))
        return TravelMatrices(metres, seconds)

    def _table(
        self,
        coordinates: Sequence[Point],
        asked: Sequence[int],
        sources: Sequence[int],
        targets: Sequence[int],
    ) -> tuple[list[list[Any]], list[list[Any]]]:
        where = {index: k for k, index in enumerate(asked)}
        path = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in coordinates)
        query = "annotations=distance,duration"
        if len(asked) != len(sources) or len(asked) != len(targets):
            query += "&sources=" + ";".join(str(where[i]) for i in sources)
            query += "&destinations=" + ";".join(str(where[j]) for j in targets)
        url = f"{self.base_url.rstrip('/')}/table/v1/{self.profile}/{path}?{query}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310
                body = json.loads(response.read().decode("utf-8"))
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise OsrmError(f"OSRM table request failed: {error}") from error
        if not isinstance(body, dict) or body.get("code") != "Ok":
            code = body.get("code") if isinstance(body, dict) else "?"
            message = body.get("message", "") if isinstance(body, dict) else ""
            raise OsrmError(f"OSRM answered {code} {message}".strip())
        distances, durations = body.get("distances"), body.get("durations")
        if not (_is_table(distances, sources, targets) and _is_table(durations, sources, targets)):
            raise OsrmError("OSRM answered a table of the wrong size")
        return distances, durations


def _is_table(
    value: Any, sources: Sequence[int], targets: Sequence[int]
) -> TypeGuard[list[list[Any]]]:
    return (
        isinstance(value, list)
        and len(value) == len(sources)
        and all(isinstance(row, list) and len(row) == len(targets) for row in value)
    )


@dataclass(frozen=True)
class FallbackDistances:
    """``primary`` when it answers, else ``fallback`` (logged): planning never stops on it."""

    primary: DistanceProvider
    fallback: DistanceProvider = field(default_factory=GreatCircleDistances)

    def matrices(self, points: Sequence[Point]) -> TravelMatrices:
        try:
            return self.primary.matrices(points)
        except OsrmError as error:
            log.warning("distances: %s; using the great-circle estimate", error)
            return self.fallback.matrices(points)


def distance_provider(kind: str, *, osrm_url: str = "", timeout: float = 10.0) -> DistanceProvider:
    """The provider named by configuration: ``great_circle`` (default) or ``osrm``."""
    kind = (kind or "great_circle").strip().lower()
    if kind == "osrm":
        if not osrm_url:
            raise ValueError("the OSRM distance provider needs a server URL")
        return FallbackDistances(OsrmDistances(osrm_url, timeout=timeout))
    if kind in ("great_circle", "greatcircle", "haversine"):
        return GreatCircleDistances()
    raise ValueError(f"unknown distance provider {kind!r} (great_circle or osrm)")
