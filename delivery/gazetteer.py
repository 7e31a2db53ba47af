"""The bundled gazetteer of Hauts-de-France communes (offline, no network).

Lookups by INSEE code, by postal code and name, by name prefix (for forms), and the commune
centre used as the approximate position of an address that could not be geocoded.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from shop_core.catalogue.search import unaccent


@dataclass(frozen=True, slots=True)
class GazetteerCommune:
    insee_code: str
    department: str
    name: str
    postal_code: str
    lat: float
    lon: float
    population: int


@lru_cache(maxsize=1)
def communes() -> tuple[GazetteerCommune, ...]:
    """Every commune with a known centre (one entry per postal code), read once."""
    text = resources.files("delivery").joinpath("data/communes-hauts-de-france.csv")
    with text.open(encoding="utf-8") as handle:
        return tuple(
            GazetteerCommune(
                insee_code=row["insee_code"],
                department=row["department"],
                name=row["name"],
                postal_code=row["postal_code"],
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                population=int(row["population_2021"] or 0),
            )
            for row in csv.DictReader(handle)
            if row["lat"] and row["lon"]  # one commune of the source has no centre
        )


def _key(name: str) -> str:
    # "Saint-Pol-sur-Ternoise", "SAINT POL SUR TERNOISE" and "saint pol" compare equal-ish.
    return "-".join(re.findall(r"[a-z0-9]+", unaccent(name)))


def by_insee(insee_code: str) -> GazetteerCommune | None:
    """The commune with this INSEE code (its first postal code)."""
    return next((c for c in communes() if c.insee_code == insee_code), None)


def find(postal_code: str, name: str = "") -> GazetteerCommune | None:
    """The commune matching a postal code and a name (accents, case and dashes ignored).

    With a postal code shared by several communes and no matching name, ``None``.
    """
    candidates = [c for c in communes() if c.postal_code == postal_code.strip()]
    wanted = _key(name) if name.strip() else ""
    for commune in candidates:
        if wanted and _key(commune.name) == wanted:
            return commune
    if len(candidates) == 1 and not wanted:
        return candidates[0]
    if wanted:
        starts = [c for c in candidates if _key(c.name).startswith(wanted)]
        if len(starts) == 1:
            return starts[0]
    return None


def search(text: str, limit: int = 10) -> list[GazetteerCommune]:
    """Communes whose name starts with ``text`` (or whose postal code does), largest first."""
    wanted = _key(text)
    if not wanted:
        return []
    hits = [
        c
        for c in communes()
        if _key(c.name).startswith(wanted) or c.postal_code.startswith(text.strip())
    ]
    hits.sort(key=lambda c: (-c.population, c.name))
    return hits[:limit]


def within(lat: float, lon: float, radius_km: float) -> list[GazetteerCommune]:
    """Communes whose centre lies within ``radius_km`` of a point (one entry per INSEE code)."""
    seen: set[str] = set()
    found = []
    for c in communes():
        if c.insee_code in seen:
            continue
        if haversine_km(lat, lon, c.lat, c.lon) <= radius_km:
            seen.add(c.insee_code)
            found.append(c)
    return found


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0088 * 2 * math.asin(math.sqrt(a))
