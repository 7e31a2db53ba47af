"""The day's stops as CSV (spreadsheets), GeoJSON (maps) and GPX (GPS units, OsmAnd).

Delivery codes never leave the application: none of these files carries them.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any
from xml.etree import ElementTree as ET

from delivery.model import STOP_STATUS_LABELS_FR, StopKind
from delivery.queries import PlaceVisit, RunView
from shop_core.spreadsheets import cell

KIND_LABELS_FR = {
    StopKind.COLLECT: "Collecte",
    StopKind.DELIVER: "Livraison",
    StopKind.TAKE_BACK: "Reprise de colis retournés",
    StopKind.BRING_BACK: "Colis rendus à la boutique",
}

CSV_COLUMNS = (
    "tournee", "livreur", "ordre", "heure_prevue", "action", "lieu", "adresse", "telephone",
    "commandes", "colis", "statut", "latitude", "longitude", "position_approximative",
)  # fmt: skip


def _orders(visit: PlaceVisit) -> str:
    return ", ".join(f"{i.reference} ({i.parcels} colis)" for i in visit.items)


def _action(visit: PlaceVisit) -> str:
    if visit.kind is StopKind.DELIVER and visit.at_pickup_point:
        return "Dépôt en point de retrait"
    return KIND_LABELS_FR[visit.kind]


def stops_csv(runs: Sequence[RunView]) -> str:
    """One row per visit, ``;``-separated (what French spreadsheets open directly); text
    typed by people is kept from being read as a formula (``spreadsheets.cell``)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for run in runs:
        for visit in run.visits:
            writer.writerow(
                [
                    cell(run.round_name),
                    cell(run.courier_name),
                    visit.number,
                    visit.expected.strftime("%H:%M"),
                    _action(visit),
                    cell(visit.place_name),
                    cell(visit.address),
                    cell(visit.phone),
                    cell(_orders(visit)),
                    visit.parcels,
                    STOP_STATUS_LABELS_FR[visit.status],
                    f"{visit.lat:.6f}",
                    f"{visit.lon:.6f}",
                    "oui" if visit.approximate else "non",
                ]
            )
    return out.getvalue()


def stops_geojson(runs: Sequence[RunView]) -> dict[str, Any]:
    """A FeatureCollection: a point per visit and a line per run (depot, stops, depot)."""
    features: list[dict[str, Any]] = []
    for run in runs:
        line = [[run.depot_lon, run.depot_lat]]
        for visit in run.visits:
            line.append([visit.lon, visit.lat])
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [visit.lon, visit.lat]},
                    "properties": {
                        "round": run.round_name,
                        "courier": run.courier_name,
                        "sequence": visit.number,
                        "expected": visit.expected.isoformat(),
                        "action": _action(visit),
                        "kind": visit.kind.value,
                        "name": visit.place_name,
                        "address": visit.address,
                        "orders": [i.reference for i in visit.items],
                        "parcels": visit.parcels,
                        "status": visit.status.value,
                        "approximate": visit.approximate,
                    },
                }
            )
        line.append([run.depot_lon, run.depot_lat])
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": line},
                "properties": {"round": run.round_name, "courier": run.courier_name},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def stops_geojson_text(runs: Sequence[RunView]) -> str:
    return json.dumps(stops_geojson(runs), ensure_ascii=False, indent=1)


GPX_NS = "http://www.topografix.com/GPX/1/1"


def stops_gpx(runs: Sequence[RunView]) -> str:
    """GPX 1.1: a waypoint per visit and a route per run, in the order of the stops."""
    ET.register_namespace("", GPX_NS)
    root = ET.Element(f"{{{GPX_NS}}}gpx", {"version": "1.1", "creator": "Cabas"})
    for run in runs:
        for visit in run.visits:
            wpt = ET.SubElement(root, f"{{{GPX_NS}}}wpt", _coords(visit))
            _text(wpt, "name", _name(visit))
            _text(wpt, "desc", f"{visit.address} · {_orders(visit)}")
            _text(wpt, "type", visit.kind.value)
    for run in runs:
        rte = ET.SubElement(root, f"{{{GPX_NS}}}rte")
        _text(rte, "name", f"{run.round_name} {run.date.isoformat()}")
        depot = {"lat": f"{run.depot_lat:.6f}", "lon": f"{run.depot_lon:.6f}"}
        _text(ET.SubElement(rte, f"{{{GPX_NS}}}rtept", depot), "name", run.depot_name)
        for visit in run.visits:
            _text(ET.SubElement(rte, f"{{{GPX_NS}}}rtept", _coords(visit)), "name", _name(visit))
        _text(ET.SubElement(rte, f"{{{GPX_NS}}}rtept", depot), "name", run.depot_name)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _coords(visit: PlaceVisit) -> dict[str, str]:
    return {"lat": f"{visit.lat:.6f}", "lon": f"{visit.lon:.6f}"}


def _name(visit: PlaceVisit) -> str:
    return f"{visit.number:02d} {visit.expected:%H:%M} {_action(visit)} {visit.place_name}"


def _text(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(parent, f"{{{GPX_NS}}}{tag}").text = text
