"""Where an address lies: a geocoder behind a database cache, never blocking anyone.

The production default is the Base Adresse Nationale (geopy's ``BANFrance``); Nominatim can
be chosen instead. Every answer, misses included, is cached in ``delivery_geocode`` under
the normalised address, and calls go through geopy's ``RateLimiter``. When the geocoder is
off, down or does not know the address, the position falls back to the commune's centre
from the bundled gazetteer, flagged *approximate*; the operator or the courier can correct
it later (``correct_order_position``), and the correction is cached for the next order.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import BANFrance, Nominatim
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, selectinload

from delivery import gazetteer
from delivery.model import GeocodeEntry, Stop, StopKind, StopStatus
from shop_core.audit.services import Actor, record
from shop_core.catalogue.search import unaccent
from shop_core.errors import NotFound, ValidationError
from shop_core.merchants.model import Merchant
from shop_core.orders.model import DeliveryMethod, MerchantOrder, Order
from shop_core.persistence.base import utcnow
from shop_core.persistence.uow import UnitOfWork
from shop_core.territories.model import Commune

log = logging.getLogger(__name__)

#: A miss is asked again after this long (the address may have been added to the BAN).
RETRY_MISSES_AFTER = dt.timedelta(days=7)

#: A corrected position farther than this from every commune of the territory is refused:
#: it is almost always latitude and longitude swapped, or a typo.
MAX_DISTANCE_FROM_TERRITORY_KM = 60.0


@dataclass(frozen=True, slots=True)
class AddressQuery:
    """An address to locate; ``insee_code`` (when known) rejects answers in another commune."""

    line1: str
    postal_code: str
    city: str
    insee_code: str | None = None

    @property
    def text(self) -> str:
        return " ".join(p.strip() for p in (self.line1, self.postal_code, self.city) if p.strip())

    @property
    def key(self) -> str:
        """The cache key: lower case, no accents, punctuation and spaces collapsed."""
        return " ".join(re.findall(r"[a-z0-9]+", unaccent(self.text)))[:300]


@dataclass(frozen=True, slots=True)
class Position:
    """A point and how much to trust it; ``source`` is the provider, ``cache``,
    ``commune`` (centre of the commune) or ``manual``."""

    lat: float
    lon: float
    approximate: bool
    source: str
    label: str = ""


class GeocoderUnavailable(Exception):
    """The service could not be reached or answered an error: try again later."""


class Geocoder(Protocol):
    """Finds an address. Implement it to plug another service (or a fake in tests)."""

    provider: str

    def find(self, query: AddressQuery) -> Position | None:
        """The position of ``query``, None when the service does not know it.

        Raises ``GeocoderUnavailable`` when the service cannot answer now.
        """
        ...


class GeopyGeocoder:
    """A geopy geocoder (BANFrance or Nominatim) behind geopy's ``RateLimiter``.

    Keep one instance per process: the rate limiter spaces the calls it makes.
    """

    def __init__(
        self,
        geocoder: BANFrance | Nominatim,
        *,
        provider: str,
        min_delay_seconds: float = 0.2,
        geocode_options: dict[str, Any] | None = None,
    ) -> None:
        self.provider = provider
        self._geocoder = geocoder
        self._options = geocode_options or {}
        self._geocode: Callable[..., Any] = RateLimiter(
            geocoder.geocode,
            min_delay_seconds=min_delay_seconds,
            max_retries=0,
            swallow_exceptions=False,
        )

    def find(self, query: AddressQuery) -> Position | None:
        try:
            found = self._geocode(query.text, exactly_one=True, **self._options)
        except (GeopyError, LookupError, TypeError, ValueError) as error:
            # A malformed answer is as useless as no answer: try again later.
            raise GeocoderUnavailable(str(error)) from error
        if found is None:
            return None
        raw: dict[str, Any] = found.raw if isinstance(found.raw, dict) else {}
        if self.provider == "ban":
            return _ban_position(query, found.latitude, found.longitude, raw)
        return _nominatim_position(query, found.latitude, found.longitude, raw)


def _ban_position(
    query: AddressQuery, lat: float, lon: float, raw: dict[str, Any]
) -> Position | None:
    props = raw.get("properties") or {}
    if query.insee_code and props.get("citycode") and props["citycode"] != query.insee_code:
        return None  # same street name in another commune
    score = float(props.get("score") or 0)
    precise = props.get("type") == "housenumber" and score >= 0.5
    return Position(lat, lon, not precise, "ban", str(props.get("label") or ""))


def _nominatim_position(
    query: AddressQuery, lat: float, lon: float, raw: dict[str, Any]
) -> Position | None:
    postcode = (raw.get("address") or {}).get("postcode")
    if postcode and query.postal_code.strip() and postcode != query.postal_code.strip():
        return None
    kind = raw.get("addresstype") or raw.get("type")
    precise = kind in ("house", "building", "place") and raw.get("class") != "boundary"
    return Position(lat, lon, not precise, "nominatim", str(raw.get("display_name") or ""))


def make_geocoder(
    kind: str,
    *,
    domain: str | None = None,
    scheme: str | None = None,
    user_agent: str = "cabas-delivery",
    timeout: float = 5.0,
    min_delay_seconds: float = 0.2,
) -> Geocoder | None:
    """The geocoder named by configuration: ``ban`` (default), ``nominatim`` or ``none``.

    ``domain`` and ``scheme`` point it at another server (a local BAN, a test double).
    Nominatim's public server asks for at most one request per second.
    """
    kind = (kind or "none").strip().lower()
    common: dict[str, Any] = {"timeout": timeout, "user_agent": user_agent}
    if scheme:
        common["scheme"] = scheme
    if kind == "ban":
        ban = BANFrance(domain=domain or "api-adresse.data.gouv.fr", **common)
        return GeopyGeocoder(ban, provider="ban", min_delay_seconds=min_delay_seconds)
    if kind == "nominatim":
        osm = Nominatim(domain=domain or "nominatim.openstreetmap.org", **common)
        return GeopyGeocoder(
            osm,
            provider="nominatim",
            min_delay_seconds=max(min_delay_seconds, 1.0 if domain is None else 0.0),
            geocode_options={"addressdetails": True, "country_codes": "fr"},
        )
    if kind in ("none", "off", ""):
        return None
    raise ValueError(f"unknown geocoder {kind!r} (ban, nominatim or none)")


def commune_centre(query: AddressQuery) -> Position | None:
    """The centre of the address's commune from the gazetteer, flagged approximate."""
    commune = gazetteer.by_insee(query.insee_code) if query.insee_code else None
    commune = commune or gazetteer.find(query.postal_code, query.city)
    if commune is None:
        return None
    return Position(commune.lat, commune.lon, True, "commune", commune.name)


def locate(
    session: Session,
    query: AddressQuery,
    geocoder: Geocoder | None,
    *,
    now: dt.datetime | None = None,
) -> Position | None:
    """The best position known for ``query``; never raises for a geocoder failure.

    Cache first; then the geocoder (its answer, or its miss, is cached); then the commune
    centre. None only when even the commune is unknown. The caller commits.
    """
    now = now or utcnow()
    key = query.key
    entry = session.scalar(select(GeocodeEntry).where(GeocodeEntry.query == key))
    if entry is not None and entry.found and entry.lat is not None and entry.lon is not None:
        return Position(entry.lat, entry.lon, not entry.precise, "cache", entry.label)
    recent_miss = entry is not None and now - entry.created_at < RETRY_MISSES_AFTER
    if geocoder is not None and key and not recent_miss:
        try:
            found = geocoder.find(query)
        except GeocoderUnavailable as error:
            log.warning("geocoder %s unavailable: %s", geocoder.provider, error)
        else:
            if entry is None:
                entry = GeocodeEntry(query=key, provider=geocoder.provider)
                session.add(entry)
            entry.provider = geocoder.provider
            entry.created_at = now
            entry.found = found is not None
            entry.lat, entry.lon = (found.lat, found.lon) if found else (None, None)
            entry.precise = found is not None and not found.approximate
            entry.label = found.label[:300] if found else ""
            if found is not None:
                return found
    return commune_centre(query)


def order_query(order: Order) -> AddressQuery:
    return AddressQuery(order.address_line1, order.postal_code, order.city, order.insee_code)


def locate_order(
    *, uow: UnitOfWork, order_id: int, geocoder: Geocoder | None, now: dt.datetime | None = None
) -> bool:
    """Geocode a home-delivery order still placed at its commune's centre; True if moved."""
    order = uow.session.get(Order, order_id)
    if order is None:
        raise NotFound(what="Commande")
    placed = order.lat is not None and not order.address_approximate
    if order.delivery_method is not DeliveryMethod.HOME or placed:
        return False
    position = locate(uow.session, order_query(order), geocoder, now=now)
    moved = position is not None and not position.approximate
    if position is not None and (moved or order.lat is None):
        order.lat, order.lon = position.lat, position.lon
        order.address_approximate = position.approximate
        if moved:  # already on a round: its stops go to the door too
            _move_open_stops(uow.session, order.id, position.lat, position.lon, False)
    uow.commit()
    return moved


def locate_pending(
    *,
    uow: UnitOfWork,
    territory_id: int,
    date: dt.date,
    geocoder: Geocoder | None,
    limit: int = 50,
    now: dt.datetime | None = None,
) -> tuple[int, int]:
    """Geocode the approximate home addresses due on ``date``: (located, still approximate)."""
    orders = list(
        uow.session.scalars(
            select(Order)
            .where(
                Order.territory_id == territory_id,
                Order.delivery_date == date,
                Order.delivery_method == DeliveryMethod.HOME,
                or_(Order.address_approximate.is_(True), Order.lat.is_(None)),
            )
            .order_by(Order.id)
            .limit(limit)
        )
    )
    located = 0
    service = _OneStrike(geocoder) if geocoder is not None else None
    for order in orders:
        position = locate(uow.session, order_query(order), service, now=now)
        if position is not None and not position.approximate:
            order.lat, order.lon, order.address_approximate = position.lat, position.lon, False
            _move_open_stops(uow.session, order.id, position.lat, position.lon, False)
            located += 1
        elif position is not None and order.lat is None:
            order.lat, order.lon = position.lat, position.lon
    uow.commit()
    return located, len(orders) - located


class _OneStrike:
    """A geocoder that stops asking after its first failure (a batch must not wait for a
    dead service once per address)."""

    def __init__(self, geocoder: Geocoder) -> None:
        self.provider = geocoder.provider
        self._geocoder = geocoder
        self._down = False

    def find(self, query: AddressQuery) -> Position | None:
        if self._down:
            raise GeocoderUnavailable("skipped: the service failed earlier in this batch")
        try:
            return self._geocoder.find(query)
        except GeocoderUnavailable:
            self._down = True
            raise


def check_position(session: Session, territory_id: int, lat: float, lon: float) -> None:
    """Refuse a position outside the map or far from every commune of the territory."""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError("Latitude ou longitude impossible.", field="lat")
    communes = session.scalars(select(Commune).where(Commune.territory_id == territory_id)).all()
    if communes and all(
        gazetteer.haversine_km(lat, lon, c.lat, c.lon) > MAX_DISTANCE_FROM_TERRITORY_KM
        for c in communes
    ):
        raise ValidationError(
            "Cette position est loin du territoire : vérifiez la latitude et la longitude "
            "(ne sont-elles pas inversées ?).",
            field="lat",
        )


#: A place typed with coordinates farther than this from its commune's centre is refused:
#: communes here are a few kilometres across, so it is a typo or another town's position.
MAX_DISTANCE_FROM_COMMUNE_KM = 10.0


def check_in_commune(lat: float, lon: float, postal_code: str, city: str) -> None:
    """Refuse coordinates far from the centre of the commune the address names (when the
    gazetteer knows it): a depot or a pickup point placed in another town."""
    commune = gazetteer.find(postal_code, city)
    if commune is None:
        return
    km = gazetteer.haversine_km(lat, lon, commune.lat, commune.lon)
    if km > MAX_DISTANCE_FROM_COMMUNE_KM:
        raise ValidationError(
            f"Ces coordonnées sont à {round(km)} km de {commune.name} : vérifiez la latitude "
            "et la longitude, ou laissez-les vides.",
            field="lat",
            code="far_from_commune",
            km=round(km),
            city=commune.name,
        )


def correct_order_position(
    *,
    uow: UnitOfWork,
    territory_id: int,
    order_id: int,
    lat: float,
    lon: float,
    actor: Actor,
) -> None:
    """Set the exact position of an order's delivery address (operator or courier)."""
    session = uow.session
    order = session.get(Order, order_id)
    if order is None or order.territory_id != territory_id:
        raise NotFound(what="Commande")
    if order.delivery_method is not DeliveryMethod.HOME:
        raise ValidationError(
            "Cette commande est livrée en point de retrait : corrigez la position du point.",
            field="lat",
        )
    check_position(session, territory_id, lat, lon)
    order.lat, order.lon, order.address_approximate = lat, lon, False
    _move_open_stops(session, order.id, lat, lon, False)
    _remember(session, order_query(order), lat, lon)
    record(
        session,
        territory_id=territory_id,
        actor=actor,
        action="delivery.position",
        subject=order.reference,
        details={"lat": round(lat, 6), "lon": round(lon, 6)},
    )
    uow.commit()


def correct_merchant_position(
    *, uow: UnitOfWork, territory_id: int, merchant_id: int, lat: float, lon: float, actor: Actor
) -> None:
    """Set the exact position of a merchant's shop (where parcels are collected)."""
    session = uow.session
    merchant = session.get(Merchant, merchant_id)
    if merchant is None or merchant.territory_id != territory_id:
        raise NotFound(what="Boutique")
    check_position(session, territory_id, lat, lon)
    merchant.lat, merchant.lon = lat, lon
    collections = session.scalars(
        select(Stop)
        .join(MerchantOrder, Stop.merchant_order_id == MerchantOrder.id)
        .where(
            MerchantOrder.merchant_id == merchant.id,
            Stop.kind.in_([StopKind.COLLECT, StopKind.BRING_BACK]),  # stops at the shop
            Stop.status == StopStatus.TODO,
        )
    )
    for stop in collections:
        stop.lat, stop.lon, stop.approximate = lat, lon, False
    query = AddressQuery(merchant.address, merchant.postal_code, merchant.city, merchant.insee_code)
    _remember(session, query, lat, lon)
    record(
        session,
        territory_id=territory_id,
        actor=actor,
        action="delivery.position",
        subject=merchant.trade_name,
        merchant_id=merchant.id,
        details={"lat": round(lat, 6), "lon": round(lon, 6)},
    )
    uow.commit()


def _remember(session: Session, query: AddressQuery, lat: float, lon: float) -> None:
    key = query.key
    if not key:
        return
    entry = session.scalar(select(GeocodeEntry).where(GeocodeEntry.query == key))
    if entry is None:
        entry = GeocodeEntry(query=key, provider="manual")
        session.add(entry)
    entry.provider, entry.found, entry.precise = "manual", True, True
    entry.lat, entry.lon, entry.label, entry.created_at = lat, lon, query.text[:300], utcnow()


def _move_open_stops(session: Session, order_id: int, lat: float, lon: float, approx: bool) -> None:
    stops = session.scalars(
        select(Stop)
        .join(MerchantOrder, Stop.merchant_order_id == MerchantOrder.id)
        .where(
            MerchantOrder.order_id == order_id,
            Stop.kind == StopKind.DELIVER,
            Stop.status == StopStatus.TODO,
        )
    )
    for stop in stops:
        stop.lat, stop.lon, stop.approximate = lat, lon, approx


def forget_orders(session: Session, order_ids: Sequence[int]) -> None:
    """Erase what delivery copied of a deleted account's home deliveries.

    Their stops keep the commune only (name and street erased, placed at the commune's
    centre, or within about a kilometre without one), and their address leaves the
    geocoding cache. Stops at shops and pickup points stay as they are. Registered with
    `shop_core.accounts.services.on_account_erased` by `delivery.model`.
    """
    orders = list(
        session.scalars(
            select(Order)
            .where(Order.id.in_(order_ids), Order.delivery_method == DeliveryMethod.HOME)
            .options(selectinload(Order.merchant_orders))
        )
    )
    if not orders:
        return
    keys = {order_query(order).key for order in orders}
    session.execute(delete(GeocodeEntry).where(GeocodeEntry.query.in_(keys)))
    order_of = {mo.id: order for order in orders for mo in order.merchant_orders}
    stops = session.scalars(
        select(Stop).where(Stop.merchant_order_id.in_(order_of), Stop.kind == StopKind.DELIVER)
    )
    for stop in stops:
        order = order_of[stop.merchant_order_id]
        street = order.address_line1.strip()
        if not street or street not in stop.address:
            continue  # a failed delivery sent on to a pickup point
        centre = commune_centre(order_query(order))
        stop.place_name = "Compte supprimé"
        stop.address = f"{order.postal_code} {order.city}".strip()
        if centre is not None:
            stop.lat, stop.lon = centre.lat, centre.lon
        else:
            stop.lat, stop.lon = round(stop.lat, 2), round(stop.lon, 2)
        stop.approximate = True
