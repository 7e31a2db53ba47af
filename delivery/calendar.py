"""Which days an order can be delivered: the cut-off, then the days its commune's round runs.

An order placed before the territory's cut-off (local time) can go out the next day, after
it the day after (``shop_core.orders.services.earliest_date``); from that first day on, a
delivery date is one on which an active round serving the commune goes out, and a home
delivery takes a slot that such a round covers that day (``slots_on``). A territory that
has not set up any round yet is offered every day and every slot, as before rounds existed.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from delivery.model import Round, date_fr
from shop_core.errors import InvalidDeliveryChoice
from shop_core.merchants.model import Merchant
from shop_core.orders.services import earliest_date
from shop_core.territories.model import DeliverySlot, Territory

#: How far ahead dates are looked for; beyond it, a commune without a round gets nothing.
HORIZON_DAYS = 62


def active_rounds(session: Session, territory_id: int) -> list[Round]:
    """The territory's active rounds, with their communes loaded."""
    query = (
        select(Round)
        .where(Round.territory_id == territory_id, Round.active.is_(True))
        .options(selectinload(Round.communes))
        .order_by(Round.name, Round.id)
    )
    return list(session.scalars(query))


def delivery_dates(
    session: Session,
    territory: Territory,
    insee_code: str | None,
    now: dt.datetime,
    count: int,
) -> list[dt.date]:
    """The first ``count`` dates an order placed at ``now`` can be delivered in a commune.

    ``insee_code=None`` (pickup at a point whose commune is unknown, click & collect) means
    any day a round of the territory runs.
    """
    first = earliest_date(territory, now)
    rounds = active_rounds(session, territory.id)
    if not rounds:
        return [first + dt.timedelta(days=i) for i in range(count)]
    return run_days(rounds, insee_code, first, count)


def run_days(
    rounds: Sequence[Round], insee_code: str | None, first: dt.date, count: int
) -> list[dt.date]:
    """Up to ``count`` days from ``first`` on which one of ``rounds`` serves the commune."""
    weekdays: set[int] = set()
    for round_ in rounds:
        if round_.active and round_.serves(insee_code):
            weekdays.update(round_.weekday_numbers)
    days: list[dt.date] = []
    for offset in range(HORIZON_DAYS):
        day = first + dt.timedelta(days=offset)
        if day.weekday() in weekdays:
            days.append(day)
            if len(days) == count:
                break
    return days


def shift_covers(
    shift_starts: dt.time, shift_ends: dt.time, starts: dt.time, ends: dt.time
) -> bool:
    """Whether a round out from ``shift_starts`` to ``shift_ends`` covers a delivery slot
    from ``starts`` to ``ends``: out during all of it, since a delivery is planned within
    both the slot and its round's hours. The one rule for the operator's warning on a slot
    (``delivery.services.slot_cover``) and for the slots checkout offers (``slots_on``)."""
    return shift_starts <= starts and shift_ends >= ends


def slots_on(
    rounds: Sequence[Round],
    insee_code: str | None,
    day: dt.date,
    slots: Sequence[DeliverySlot],
) -> list[DeliverySlot]:
    """The slots of ``slots`` a home delivery to the commune can take on ``day``: those
    covered (``shift_covers``, the rule the operator is warned with) by an active round
    that serves the commune and goes out that day. Every slot while no round is set up."""
    if not rounds:
        return list(slots)
    out = [r for r in rounds if r.runs_on(day) and r.serves(insee_code)]
    return [s for s in slots if any(shift_covers(r.starts, r.ends, s.starts, s.ends) for r in out)]


class SlotNotCovered(InvalidDeliveryChoice):
    """No active round serving the commune goes out during all of the chosen home-delivery
    slot that day: the planner could not deliver it. ``day`` and ``following`` (the next
    day a round covers this slot there, if any) are ISO dates; ``others`` are the labels of
    the slots a round covers there that day, ``slot_code`` and ``other_codes`` their codes
    (for a page to name the slots as its radios do)."""

    code = "slot_not_covered"

    def __init__(
        self,
        *,
        slot: str,
        commune: str,
        day: dt.date,
        others: Sequence[str],
        following: dt.date | None,
        slot_code: str = "",
        other_codes: Sequence[str] = (),
    ) -> None:
        where = f"à {commune}" if commune else "dans cette commune"
        then = [f"Aucune tournée ne livre {where} sur le créneau « {slot} » le {date_fr(day)}."]
        if others:
            then.append(
                "Ce jour-là, la livraison est possible sur "
                + " ou ".join(f"« {other} »" for other in others)
                + "."
            )
        if following is not None:
            then.append(f"Sur ce créneau, prochaine livraison possible le {date_fr(following)}.")
        if not others and following is None:
            then.append("Choisissez un point de retrait ou le retrait dans les boutiques.")
        super().__init__(
            " ".join(then),
            slot=slot,
            commune=commune,
            day=day.isoformat(),
            others=tuple(others),
            following=following.isoformat() if following is not None else "",
            slot_code=slot_code,
            other_codes=tuple(other_codes),
        )


class NoRoundThen(InvalidDeliveryChoice):
    """No active round serving the commune goes out on the chosen day: another day is
    needed. ``day`` and ``following`` (the next day one does, if any; "" if none) are ISO
    dates; ``commune`` is the commune's name ("" if the territory does not list it)."""

    code = "no_round_then"

    def __init__(self, *, commune: str, day: dt.date, following: dt.date | None) -> None:
        where = f"à {commune}" if commune else "dans cette commune"
        if following is None:
            said = f"Aucune tournée ne livre {where} pour le moment."
        else:
            said = (
                f"Pas de tournée {where} ce jour-là : prochaine livraison possible le "
                f"{date_fr(following)}."
            )
        super().__init__(
            said,
            commune=commune,
            day=day.isoformat(),
            following=following.isoformat() if following is not None else "",
        )


def check_delivery_day(
    session: Session,
    territory: Territory,
    insee_code: str | None,
    date: dt.date,
    now: dt.datetime,
    *,
    slot: str | None = None,
) -> None:
    """Refuse (``InvalidDeliveryChoice``, in French) a date on which no round serves the
    commune, naming the next possible one, and for a home delivery (``slot``) a slot no
    round covers there that day (``SlotNotCovered``); anything passes while no round is
    set up."""
    rounds = active_rounds(session, territory.id)
    if not rounds:
        return
    names = {c.insee_code: c.name for c in territory.communes}
    if run_days(rounds, insee_code, date, 1) == [date]:
        if slot is not None:
            _check_slot(territory, rounds, insee_code, date, slot, names.get(insee_code or ""))
        return
    following = run_days(rounds, insee_code, max(date, earliest_date(territory, now)), 1)
    raise NoRoundThen(
        commune=names.get(insee_code or "", ""),
        day=date,
        following=following[0] if following else None,
    )


def _check_slot(
    territory: Territory,
    rounds: Sequence[Round],
    insee_code: str | None,
    date: dt.date,
    code: str,
    commune: str | None,
) -> None:
    slots = list(territory.delivery_slots)
    chosen = next((s for s in slots if s.code == code), None)
    if chosen is None:
        return  # the core refuses a slot the territory does not have, with its own message
    possible = slots_on(rounds, insee_code, date, slots)
    if chosen in possible:
        return
    later = (date + dt.timedelta(days=n) for n in range(1, HORIZON_DAYS))
    following = next((d for d in later if slots_on(rounds, insee_code, d, [chosen])), None)
    raise SlotNotCovered(
        slot=chosen.label,
        commune=commune or "",
        day=date,
        others=[s.label for s in possible],
        following=following,
        slot_code=chosen.code,
        other_codes=[s.code for s in possible],
    )


def next_run_day(
    session: Session,
    territory_id: int,
    insee_code: str | None,
    after: dt.date,
    *,
    depot_id: int | None = None,
) -> dt.date | None:
    """The first day after ``after`` on which a round serves the commune, if any; with
    ``depot_id``, a round leaving from that depot if one serves the commune (parcels left
    there can only go with such a round), any round otherwise."""
    rounds = active_rounds(session, territory_id)
    first = after + dt.timedelta(days=1)
    if depot_id is not None:
        days = run_days([r for r in rounds if r.depot_id == depot_id], insee_code, first, 1)
        if days:
            return days[0]
    days = run_days(rounds, insee_code, first, 1)
    return days[0] if days else None


class NotOffered(enum.StrEnum):
    """Why a day before the first one a basket is offered is not offered."""

    CUTOFF = "cutoff"  # tomorrow, once today's order cut-off has passed
    NO_ROUND = "no_round"  # no round of the territory goes out that day
    SHOP_CLOSED = "shop_closed"  # a shop of the basket does not open on that weekday
    SHOP_CLOSURE = "shop_closure"  # a shop of the basket is closed that day (holidays…)


@dataclass(frozen=True, slots=True)
class DayNotOffered:
    """A day before the first one offered, and why: the shops closed that day (by trade
    name) and, for an exceptional closure, the shop's note (« Congés »)."""

    day: dt.date
    why: NotOffered
    shops: tuple[str, ...] = ()
    note: str = ""


def days_not_offered(
    *,
    territory: Territory,
    rounds: Sequence[Round],
    shops: Sequence[Merchant],
    now: dt.datetime,
    first: dt.date,
) -> list[DayNotOffered]:
    """Why each day from tomorrow until ``first`` (the first day offered to a basket from
    ``shops``, ordered at ``now``) is not offered: the cut-off, no round (while the territory
    has rounds), or shops closed, weekly or exceptionally (one entry per reason that day)."""
    tomorrow = now.astimezone(ZoneInfo(territory.timezone)).date() + dt.timedelta(days=1)
    earliest = earliest_date(territory, now)
    weekdays = {d for r in rounds if r.active for d in r.weekday_numbers}
    found: list[DayNotOffered] = []
    day = tomorrow
    while day < first:
        if day < earliest:
            found.append(DayNotOffered(day, NotOffered.CUTOFF))
        elif rounds and day.weekday() not in weekdays:
            found.append(DayNotOffered(day, NotOffered.NO_ROUND))
        else:
            found += _shops_closed(day, shops)
        day += dt.timedelta(days=1)
    return found


def _shops_closed(day: dt.date, shops: Sequence[Merchant]) -> list[DayNotOffered]:
    closed = tuple(s.trade_name for s in shops if s.closure_on(day) is None and s.is_closed_on(day))
    found = [DayNotOffered(day, NotOffered.SHOP_CLOSED, closed)] if closed else []
    for shop in shops:
        if (closure := shop.closure_on(day)) is not None:
            found.append(
                DayNotOffered(day, NotOffered.SHOP_CLOSURE, (shop.trade_name,), closure.note)
            )
    return found
