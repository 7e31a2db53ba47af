"""Delivery configuration of the app, read from ``CABAS_*`` settings.

| setting | default | what |
|---|---|---|
| ``GEOCODER`` | ``ban`` | ``ban`` (Base Adresse Nationale), ``nominatim`` or ``none`` |
| ``GEOCODER_DOMAIN`` / ``GEOCODER_SCHEME`` | the service's | another server (a local BAN) |
| ``GEOCODER_USER_AGENT`` | ``cabas (territory)`` | sent to the service (Nominatim requires it) |
| ``GEOCODER_TIMEOUT`` / ``GEOCODER_MIN_DELAY`` | 5 s / 0.2 s | per request; spacing of requests |
| ``DISTANCES`` | ``great_circle`` | or ``osrm`` with ``OSRM_URL`` |
| ``PLANNING_TIME_LIMIT`` / ``PLANNING_WORKERS`` | 30 s / 2 | solver budget (small days use less) |
| ``MAP_TILE_URL`` / ``MAP_TILE_ATTRIBUTION`` | none | tiles; without, maps show stops only |
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app

from delivery.day_problem import PlanningSettings
from delivery.distances import DistanceProvider
from delivery.geocoding import Geocoder, make_geocoder
from delivery.osrm import distance_provider
from shop_core.persistence.base import utcnow
from shop_core.territories.model import Territory


def now() -> dt.datetime:
    """The current time; ``FIXED_NOW`` in the config pins it (tests, demonstrations)."""
    fixed: dt.datetime | None = current_app.config.get("FIXED_NOW")
    return fixed or utcnow()


def pickup_keep_days() -> int:
    """Days parcels wait at a pickup point before going back to the shop by themselves
    (``PICKUP_KEEP_DAYS``; 0: only the operator sends them back)."""
    return max(int(current_app.config.get("PICKUP_KEEP_DAYS") or 0), 0)


def today(territory: Territory) -> dt.date:
    """The territory's current date, in its time zone, by :func:`now` (``FIXED_NOW`` pins
    it): the app's one "today", for the pages as for the commands and e-mails."""
    return now().astimezone(ZoneInfo(territory.timezone)).date()


def planning_settings() -> PlanningSettings:
    config = current_app.config
    return PlanningSettings(
        time_limit=float(config.get("PLANNING_TIME_LIMIT", 30.0)),
        workers=int(config.get("PLANNING_WORKERS", 2)),
    )


def distances() -> DistanceProvider:
    """The configured distance provider (one per app)."""
    cached: DistanceProvider | None = current_app.extensions.get("cabas_distances")
    if cached is None:
        config = current_app.config
        cached = distance_provider(
            str(config.get("DISTANCES", "great_circle")), osrm_url=str(config.get("OSRM_URL", ""))
        )
        current_app.extensions["cabas_distances"] = cached
    return cached


def geocoder() -> Geocoder | None:
    """The configured geocoder, one per app so that its rate limiter spaces every call."""
    if "cabas_geocoder" not in current_app.extensions:
        config = current_app.config
        current_app.extensions["cabas_geocoder"] = make_geocoder(
            str(config.get("GEOCODER", "ban")),
            domain=config.get("GEOCODER_DOMAIN") or None,
            scheme=config.get("GEOCODER_SCHEME") or None,
            user_agent=str(config.get("GEOCODER_USER_AGENT") or "cabas-reference-shop"),
            timeout=float(config.get("GEOCODER_TIMEOUT", 5.0)),
            min_delay_seconds=float(config.get("GEOCODER_MIN_DELAY", 0.2)),
        )
    found: Geocoder | None = current_app.extensions["cabas_geocoder"]
    return found


def map_tiles() -> dict[str, str]:
    """Tile URL template and attribution for Leaflet ('' when no tiles are configured)."""
    config = current_app.config
    return {
        "url": str(config.get("MAP_TILE_URL") or ""),
        "attribution": str(config.get("MAP_TILE_ATTRIBUTION") or ""),
    }
