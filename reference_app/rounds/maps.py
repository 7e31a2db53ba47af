"""What the Leaflet maps draw, as JSON for a ``data-`` attribute (no inline script)."""

from __future__ import annotations

from typing import Any

from delivery.model import StopStatus
from delivery.queries import RunView
from reference_app.formatting import hour_text


def map_data(run: RunView) -> dict[str, Any]:
    """The depot, the visits in order and their state, for ``static/js/rounds-map.js``."""
    return {
        "name": run.round_name,
        "depot": {"lat": run.depot_lat, "lon": run.depot_lon, "label": run.depot_name},
        "stops": [
            {
                "n": visit.number,
                "lat": round(visit.lat, 6),
                "lon": round(visit.lon, 6),
                # The number is the map's to add (rounds-map.js writes « 3. … »).
                "label": f"{hour_text(visit.expected)} {visit.place_name}",
                "kind": "collect" if visit.kind.at_shop else "deliver",
                "done": visit.status is not StopStatus.TODO,
                "anchor": f"arret-{visit.stop_id}",
            }
            for visit in run.visits
        ],
    }
