"""From the database to the optimiser: one date's merchant orders and rounds as a `Problem`.

Times are integer seconds from local midnight of the date (territory time zone), distances
integer metres. Each merchant order becomes a shipment collected at the merchant during an
opening window of the day and delivered within the shopper's slot (at a pickup point, while
it is open: ``point_window``). A parcel already on a courier's vehicle has no collection:
its delivery stop gets a place of its own that only that vehicle may visit. Nor has one
waiting at a depot after a failed delivery: when the day's rounds leave from several
depots, its stop gets a place of its own that only the rounds leaving from that depot may
visit. Rounds become vehicles restricted to the communes they serve.

Parcels of a returned order travel back the other way (``ReturnTrip``): taken back at the
pickup point where they wait (or loaded at the depot, where a courier left them) and given
back at the shop during its opening hours, by a round that passes there anyway.

Time at a stop is counted as a courier spends it: arriving at a place (parking, walking to
the door or the counter, greeting) once per visit, whatever the number of orders handled
there, then a little per order or parcel. The visit's part is added to the travel time into
the place (``PlanningSettings.arrival_s``): consecutive stops at one place travel 0 s
between them and so pay it once, a round that comes back later pays it again. A shopper's
basket from three shops is one visit at the door, not three.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

import numpy as np

from delivery import gazetteer
from delivery.distances import DistanceProvider
from delivery.model import Depot, Round
from delivery.optimiser import NO_LIMIT, Location, Problem, Shipment, Vehicle, Visit
from shop_core.merchants.model import Merchant
from shop_core.orders.model import DeliveryMethod, MerchantOrder, Order
from shop_core.territories.model import DeliverySlot, PickupPoint

PlaceKey = tuple[str, int]


@dataclass(frozen=True)
class PlanningSettings:
    """Time budget and time at the stops; the defaults suit a rural round with a small van.

    A visit costs its place's arrival time once (``*_visit_s``), then each order handled
    there its own time: a shop's order 20 s per parcel, an order at a door 30 s, at a pickup
    point 30 s. One order alone takes as long as before visits were counted once (120 s + 20
    s per parcel at the shop, 180 s at a door, 120 s at a point)."""

    time_limit: float = 5.0
    """Upper bound of the solver's time, in seconds; small days get less (see ``budget``)."""
    workers: int = 2
    seed: int = 0
    collect_visit_s: int = 120
    collect_per_parcel_s: int = 20
    home_visit_s: int = 150
    home_per_order_s: int = 30
    point_visit_s: int = 90
    point_per_order_s: int = 30
    one_visit_max_added_m: int = 5000
    """How much longer (metres, the whole plan) a shopper's parcels from several shops may
    make the rounds to reach the door on one visit rather than two (``delivery.one_visit``)."""

    def arrival_s(self, kind: str) -> int:
        """Seconds a visit of this kind (``Place.visit_key[0]``) takes once."""
        if kind == "merchant":
            return self.collect_visit_s
        if kind == "door":
            return self.home_visit_s
        if kind == "point":
            return self.point_visit_s
        return 0  # the depot, a round's position

    def budget(self, shipments: int) -> float:
        """Seconds given to the solver: a second plus a tenth per shipment, at most the limit."""
        return max(0.2, min(self.time_limit, 1.0 + shipments / 10))


@dataclass(frozen=True)
class Place:
    """A location of the problem, with what the stop rows and the courier need to show."""

    key: PlaceKey
    name: str
    address: str
    lat: float
    lon: float
    approximate: bool
    insee_code: str | None
    restricted: bool
    """Whether a round may only come here if it serves ``insee_code``."""
    visit: tuple[str, int | str] | None = None
    """What makes stops one visit (``delivery.stops.place_key``), when not ``key``: a
    shopper's door, whichever order or van its parcels come with."""

    @property
    def visit_key(self) -> tuple[str, int | str]:
        return self.visit or self.key

    @property
    def pickup_point_id(self) -> int | None:
        """The pickup point this place is, if it is one."""
        kind, ident = self.visit_key
        return ident if kind == "point" and isinstance(ident, int) else None


#: The priority of a returned order's way back (``Shipment.priority``); shoppers' orders
#: have the default, 1.
RETURN_PRIORITY = 0


@dataclass(frozen=True)
class ShipmentInfo:
    merchant_order_id: int
    order_id: int
    parcels: int
    collect: int | None
    deliver: int
    returning: bool = False
    """The way back of a returned order's parcels (``ReturnTrip``), not a delivery."""


@dataclass(frozen=True)
class ReturnTrip:
    """A returned merchant order's parcels to bring back to the shop: from the pickup point
    where they wait, or from the depot (``point`` None) where a courier left them."""

    merchant_order_id: int
    order_id: int
    parcels: int
    merchant: Merchant
    point: PickupPoint | None
    depot_id: int | None = None
    """Without a point: the depot where the parcels were left (``plan_state.
    holding_depots``), if known; only a round leaving from there can load them."""


@dataclass(frozen=True)
class StartState:
    """Where a round already under way is now: its last stop, and since when (seconds)."""

    lat: float
    lon: float
    at: int


@dataclass
class DayProblem:
    problem: Problem
    places: list[Place]
    shipments: dict[str, ShipmentInfo]
    rounds: dict[str, Round]
    rejected: dict[int, str] = field(default_factory=dict)
    """Merchant orders left out before solving, with a reason code (see planning)."""
    depots: dict[int, Depot] = field(default_factory=dict)
    """The depot each round leaves from and comes back to, by round id."""


def shipment_id(merchant_order_id: int, *, returning: bool = False) -> str:
    return f"{'ret' if returning else 'mo'}{merchant_order_id}"


def vehicle_id(round_id: int) -> str:
    return f"round{round_id}"


def seconds(value: dt.time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


def local_midnight(date: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(date, dt.time(0), tzinfo=zone)


def to_datetime(date: dt.date, zone: ZoneInfo, value: int) -> dt.datetime:
    """Seconds from local midnight of ``date`` as a UTC timestamp (wall-clock arithmetic)."""
    return (local_midnight(date, zone) + dt.timedelta(seconds=value)).astimezone(dt.UTC)


def to_seconds(date: dt.date, zone: ZoneInfo, value: dt.datetime) -> int:
    """A timestamp as seconds from local midnight of ``date``."""
    return int((value.astimezone(zone) - local_midnight(date, zone)).total_seconds())


def collection_window(
    merchant: Merchant, day: dt.date, deliver_by: int, service: int
) -> tuple[int, int] | None:
    """When to collect at ``merchant`` on ``day``: the last opening window that opens
    before the delivery deadline (fresh goods travel least), the whole day for a merchant
    without opening hours, None when the shop is closed that day (its weekly hours, or an
    exceptional closure)."""
    if merchant.closure_on(day) is not None:
        return None
    if not merchant.opening_hours:
        return (0, NO_LIMIT)
    windows = [
        (seconds(opens), seconds(closes) - service)
        for opens, closes in merchant.opening_windows(day.weekday())
        if seconds(closes) - service >= seconds(opens)
    ]
    if not windows:
        return None
    usable = [w for w in windows if w[0] <= deliver_by]
    return (usable or windows)[-1]


def point_window(point: PickupPoint, day: dt.date, service: int) -> tuple[int, int] | None:
    """When a courier can leave parcels at ``point`` on ``day`` (or take some back): all day
    for a point whose hours are not given, else its longest opening window that day, less
    the time it takes there; None when it is closed that day (nobody to take them in)."""
    if not point.opening_hours:
        return (0, NO_LIMIT)
    windows = [
        (seconds(opens), seconds(closes) - service)
        for opens, closes in point.opening_windows(day.weekday())
        if seconds(closes) - service >= seconds(opens)
    ]
    if not windows:
        return None
    return max(windows, key=lambda w: (w[1] - w[0], -w[0]))


def _centre(insee_code: str | None, postal_code: str, city: str) -> tuple[float, float] | None:
    commune = gazetteer.by_insee(insee_code) if insee_code else None
    commune = commune or gazetteer.find(postal_code, city)
    return (commune.lat, commune.lon) if commune else None


def _fixed_place(
    key: PlaceKey, name: str, site: Merchant | PickupPoint, restricted: bool
) -> Place | None:
    """A shop or a pickup point: at its position, else its commune's centre (approximate)."""
    coords = (site.lat, site.lon) if site.lat is not None and site.lon is not None else None
    found = coords or _centre(site.insee_code, site.postal_code, site.city)
    if found is None:
        return None
    address = f"{site.address}, {site.postal_code} {site.city}"
    return Place(key, name, address, *found, coords is None, site.insee_code, restricted)


def merchant_place(merchant: Merchant) -> Place | None:
    return _fixed_place(("merchant", merchant.id), merchant.trade_name, merchant, False)


def point_place(point: PickupPoint) -> Place | None:
    """A pickup point, which only the rounds serving its commune visit."""
    return _fixed_place(("point", point.id), point.name, point, True)


def door_key(order: Order) -> str:
    """One shopper at one address: the door a courier visits once for all its parcels."""
    shopper = order.user_id if order.user_id is not None else order.customer_email.lower()
    address = " ".join(f"{order.address_line1} {order.postal_code}".lower().split())
    return f"{shopper}|{address}"


def delivery_place(order: Order, key: PlaceKey | None = None) -> Place | None:
    """Where the order's parcels go: the shopper's door or the pickup point."""
    point = order.pickup_point if order.delivery_method is DeliveryMethod.PICKUP_POINT else None
    if point is not None:
        lat, lon, insee = point.lat, point.lon, point.insee_code
        name, line, postal, city = point.name, point.address, point.postal_code, point.city
        approximate = lat is None or lon is None
        default_key: PlaceKey = ("point", point.id)
    else:
        lat, lon, insee = order.lat, order.lon, order.insee_code
        name = order.recipient or order.customer_name
        line, postal, city = order.address_line1, order.postal_code, order.city
        approximate = order.address_approximate or lat is None or lon is None
        default_key = ("order", order.id)
    coords = (lat, lon) if lat is not None and lon is not None else _centre(insee, postal, city)
    if coords is None:
        return None
    address = f"{line}, {postal} {city}".strip(", ")
    visit = ("door", door_key(order)) if point is None else default_key
    return Place(key or default_key, name, address, *coords, approximate, insee, True, visit)


class _Builder:
    def __init__(self) -> None:
        self.places: list[Place] = []
        self.index: dict[PlaceKey, int] = {}

    def add(self, place: Place) -> int:
        if place.key not in self.index:
            self.index[place.key] = len(self.places)
            self.places.append(place)
        return self.index[place.key]


def build(
    *,
    date: dt.date,
    rounds: Sequence[Round],
    merchant_orders: Iterable[MerchantOrder],
    slots: Sequence[DeliverySlot],
    distances: DistanceProvider,
    settings: PlanningSettings,
    on_board: dict[int, int] | None = None,
    from_depot: Iterable[int] = (),
    held_at: Mapping[int, int] | None = None,
    started: dict[int, StartState] | None = None,
    not_before: int = 0,
    unrestricted: bool = False,
    returns: Sequence[ReturnTrip] = (),
    depots: Mapping[int, Depot] | None = None,
) -> DayProblem:
    """The problem of ``date``.

    ``on_board`` maps merchant orders already collected to the round carrying them;
    ``from_depot`` lists those waiting at a depot (no collection), and ``held_at`` maps
    those of them whose depot is known to it: only a round leaving from that depot, and not
    under way yet, loads them; those no such round can load are rejected
    (``held_at_depot``); ``started`` gives the
    position of rounds under way; no collection starts, and no round leaves, before
    ``not_before`` (seconds: now, when planning today). ``unrestricted`` lets every round go
    everywhere (an operator's explicit move). ``returns``: returned parcels to bring back to
    their shops (``on_board`` may hold them too, taken back by a round under way); one whose
    shop is closed that day, or closes before ``not_before``, is left for another day.
    ``depots``: the depot a round's run leaves from and comes back to, by round id, where it
    is not the round's own (a run under way keeps the one it left from).
    """
    on_board = on_board or {}
    waiting = set(from_depot)
    held_at = held_at or {}
    started = started or {}
    builder = _Builder()
    slot_windows = {s.code: (seconds(s.starts), seconds(s.ends)) for s in slots}

    depot_of = {round_.id: (depots or {}).get(round_.id, round_.depot) for round_ in rounds}
    at_depot: dict[int, int] = {}  # round id -> location index of its depot
    for round_id, depot in depot_of.items():
        place = Place(
            ("depot", depot.id), depot.name, f"{depot.address}, {depot.postal_code} {depot.city}",
            depot.lat, depot.lon, False, None, False,
        )  # fmt: skip
        at_depot[round_id] = builder.add(place)
    leaving_from = _leaving_from({rid: d.id for rid, d in depot_of.items()}, started)
    starts: dict[int, int] = {}
    for round_id, position in started.items():
        place = Place(("start", round_id), "", "", position.lat, position.lon, False, None, False)
        starts[round_id] = builder.add(place)

    shipments: list[Shipment] = []
    infos: dict[str, ShipmentInfo] = {}
    rejected: dict[int, str] = {}
    private: dict[int, frozenset[int]] = {}  # location index -> the only rounds allowed there
    for mo in merchant_orders:
        order = mo.order
        carried_by = on_board.get(mo.id)
        waits = carried_by is None and mo.id in waiting
        loaders = leaving_from(held_at.get(mo.id)) if waits else None
        if loaders is not None and not loaders:
            rejected[mo.id] = "held_at_depot"
            continue
        key: PlaceKey | None = None
        if carried_by is not None:
            key, loaders = ("aboard", mo.id), frozenset({carried_by})
        elif loaders is not None:
            key = ("held", mo.id)
        target = delivery_place(order, key)
        if target is None:
            rejected[mo.id] = "no_position"
            continue
        deliver_at = builder.add(target)
        if loaders is not None:
            private[deliver_at] = loaders
        if order.delivery_method is DeliveryMethod.HOME:
            window = slot_windows.get(order.delivery_slot or "", (0, NO_LIMIT))
            service = settings.home_per_order_s
        else:
            service = settings.point_per_order_s
            point = order.pickup_point
            opened = point_window(point, date, service) if point is not None else (0, NO_LIMIT)
            if opened is None:
                rejected[mo.id] = "point_closed"
                continue
            window = opened
        drop = Visit(deliver_at, window[0], window[1], service)
        pickup: Visit | None = None
        collect_at: int | None = None
        if carried_by is None and mo.id not in waiting:
            source = merchant_place(mo.merchant)
            if source is None:
                rejected[mo.id] = "no_position"
                continue
            collect_service = settings.collect_per_parcel_s * max(1, mo.parcels)
            opening = collection_window(mo.merchant, date, window[1], collect_service)
            if opening is None:
                rejected[mo.id] = "merchant_closed"
                continue
            earliest, latest = max(opening[0], not_before), opening[1]
            if latest < earliest:
                rejected[mo.id] = "too_late"
                continue
            collect_at = builder.add(source)
            pickup = Visit(collect_at, earliest, latest, collect_service)
        sid = shipment_id(mo.id)
        shipments.append(Shipment(sid, drop, pickup, max(1, mo.parcels)))
        infos[sid] = ShipmentInfo(mo.id, order.id, max(1, mo.parcels), collect_at, deliver_at)

    for trip in returns:
        found = _return_trip(
            trip, builder, private, on_board, leaving_from, settings, date, not_before
        )
        if found is not None:
            shipments.append(found[0])
            infos[found[0].id] = found[1]

    vehicles: list[Vehicle] = []
    by_vehicle: dict[str, Round] = {}
    everywhere = range(len(builder.places))
    for round_ in rounds:
        vid = vehicle_id(round_.id)
        allowed = frozenset(
            i
            for i in everywhere
            if round_.id in private.get(i, (round_.id,))
            and (
                unrestricted
                or not builder.places[i].restricted
                or round_.serves(builder.places[i].insee_code)
            )
        )
        shift_start, shift_end = seconds(round_.starts), seconds(round_.ends)
        max_duration = round_.max_duration_min * 60 if round_.max_duration_min else NO_LIMIT
        start = at_depot[round_.id]
        state = started.get(round_.id)
        if state is not None:
            start = starts[round_.id]
            elapsed = max(0, state.at - shift_start)
            shift_start = max(shift_start, state.at)
            max_duration = max(0, max_duration - elapsed) if max_duration != NO_LIMIT else NO_LIMIT
        shift_start = max(shift_start, not_before) if state is None and not_before else shift_start
        vehicles.append(
            Vehicle(
                vid,
                capacity=round_.capacity,
                start=start,
                end=at_depot[round_.id],
                shift_start=min(shift_start, shift_end),
                shift_end=shift_end,
                max_duration=max_duration,
                allowed_locations=None if len(allowed) == len(builder.places) else allowed,
            )
        )
        by_vehicle[vid] = round_

    points = [(p.lat, p.lon) for p in builder.places]
    if points:
        matrices = distances.matrices(points)
        metres, secs = matrices.metres, with_arrivals(matrices.seconds, builder.places, settings)
    else:
        metres = secs = np.zeros((0, 0), dtype=np.int64)
    problem = Problem(
        locations=tuple(Location(p.name, p.lat, p.lon) for p in builder.places),
        vehicles=tuple(vehicles),
        shipments=tuple(shipments),
        distances=metres,
        durations=secs,
    )
    return DayProblem(problem, builder.places, infos, by_vehicle, rejected, depot_of)


def _return_trip(
    trip: ReturnTrip,
    builder: _Builder,
    private: dict[int, frozenset[int]],
    on_board: dict[int, int],
    leaving_from: Callable[[int | None], frozenset[int] | None],
    settings: PlanningSettings,
    date: dt.date,
    not_before: int,
) -> tuple[Shipment, ShipmentInfo] | None:
    """A returned order's way back as a shipment: taken at the point (or on board, or from
    the depot), given back at the shop while it is open. None when it cannot go today.
    From a depot no round of the day leaves from, no round may take it (left out)."""
    shop = merchant_place(trip.merchant)
    parcels = max(1, trip.parcels)
    service = settings.collect_per_parcel_s * parcels
    opening = collection_window(trip.merchant, date, NO_LIMIT, service)
    if shop is None or opening is None or opening[1] < max(opening[0], not_before):
        return None
    carried_by = on_board.get(trip.merchant_order_id)
    pickup: Visit | None = None
    collect_at: int | None = None
    if carried_by is None and trip.point is not None:
        source = point_place(trip.point)
        if source is None:
            return None
        # Taken back while the point is open (all day when its hours are not given).
        opened = point_window(trip.point, date, settings.point_per_order_s)
        if opened is None:
            return None
        collect_at = builder.add(source)
        pickup = Visit(collect_at, opened[0], opened[1], settings.point_per_order_s)
    loaders: frozenset[int] | None = None
    if carried_by is not None:  # only the round that took them back can give them back
        loaders = frozenset({carried_by})
    elif trip.point is None:  # only a round leaving from the depot that holds them
        loaders = leaving_from(trip.depot_id)
    if loaders is not None:
        shop = replace(shop, key=("back", trip.merchant_order_id), visit=shop.key)
    deliver_at = builder.add(shop)
    if loaders is not None:
        private[deliver_at] = loaders
    drop = Visit(deliver_at, max(opening[0], not_before), opening[1], service)
    sid = shipment_id(trip.merchant_order_id, returning=True)
    info = ShipmentInfo(
        trip.merchant_order_id, trip.order_id, parcels, collect_at, deliver_at, returning=True
    )
    # A shopper's order goes first: a way back only takes room no order needs.
    return Shipment(sid, drop, pickup, parcels, priority=RETURN_PRIORITY), info


def _leaving_from(
    depot_of: Mapping[int, int], started: Mapping[int, StartState]
) -> Callable[[int | None], frozenset[int] | None]:
    """For a depot (None: the one is not known): the rounds of ``depot_of`` (round id ->
    the depot it leaves from) that may load parcels waiting there, those leaving from it
    that have not left yet (a round under way does not pass by its depot again); None when
    every round may."""

    def leaving(depot_id: int | None) -> frozenset[int] | None:
        found = frozenset(
            rid
            for rid, depot in depot_of.items()
            if rid not in started and depot_id in (None, depot)
        )
        return None if len(found) == len(depot_of) else found

    return leaving


def with_arrivals(
    seconds: np.ndarray, places: Sequence[Place], settings: PlanningSettings
) -> np.ndarray:
    """Travel times with each place's arrival time added on the way in from another visit
    (see the module docstring); between two places of one visit nothing is added."""
    arrival = np.array([settings.arrival_s(p.visit_key[0]) for p in places], dtype=np.int64)
    numbers: dict[tuple[str, int | str], int] = {}
    visit = np.array([numbers.setdefault(p.visit_key, len(numbers)) for p in places])
    same = visit[:, np.newaxis] == visit[np.newaxis, :]
    return np.asarray(seconds, dtype=np.int64) + np.where(same, 0, arrival[np.newaxis, :])


def doors(day: DayProblem) -> dict[str, tuple[tuple[str, int | str], int, int]]:
    """The door and slot each home delivery of the day goes to, by shipment id: parcels
    for one door in one slot are one visit (``delivery.one_visit``); pickup points are left
    out, several rounds may drop parcels there."""
    found: dict[str, tuple[tuple[str, int | str], int, int]] = {}
    for sid, info in day.shipments.items():
        visit = day.places[info.deliver].visit_key
        if visit[0] == "door":
            drop = day.problem.shipment(sid).delivery
            found[sid] = (visit, drop.earliest, drop.latest)
    return found
