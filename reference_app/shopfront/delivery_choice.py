"""What a shopper may choose at checkout: the days offered (and why none earlier), the
home-delivery slots a round covers, and where an address lies.

``delivery_dates`` is the one place that decides which days are offered; when the delivery
module knows on which days rounds run, replace it (same arguments, same result type).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext, pgettext

from delivery import calendar, gazetteer
from delivery.calendar import DayNotOffered, NotOffered
from delivery.model import Round
from reference_app import db
from reference_app.formatting import hour_text
from reference_app.shopfront.display import day_label, slot_text
from shop_core.errors import ValidationError
from shop_core.merchants.model import Merchant
from shop_core.orders.model import DeliveryMethod
from shop_core.orders.services import DeliveryChoice
from shop_core.territories.model import DeliverySlot, PickupPoint, Territory
from shop_core.territories.services import find_commune

DAYS_OFFERED = 7


def delivery_dates(territory: Territory, at: dt.datetime) -> list[dt.date]:
    """The days offered: the next days a round of the territory runs (the cut-off applies).

    The address is not known yet when the page shows the dates; the commune's own round days
    are checked when the order is placed (``delivery.calendar.check_delivery_day``).
    """
    return calendar.delivery_dates(db.uow().session, territory, None, at, DAYS_OFFERED)


def rounds_of(territory: Territory) -> list[Round]:
    """The territory's active rounds (what the days and slots offered depend on)."""
    return calendar.active_rounds(db.uow().session, territory.id)


def not_offered(
    territory: Territory,
    at: dt.datetime,
    shops: Sequence[Merchant],
    first: dt.date,
    rounds: Sequence[Round],
) -> list[DayNotOffered]:
    """Why each day from tomorrow until ``first`` is not offered to a basket from ``shops``."""
    return calendar.days_not_offered(
        territory=territory, rounds=rounds, shops=shops, now=at, first=first
    )


def home_slots(
    territory: Territory,
    rounds: Sequence[Round],
    insee_code: str | None,
    days: Sequence[dt.date],
) -> dict[dt.date, list[DeliverySlot]]:
    """For each of ``days``, the slots a home delivery to the commune can take that day
    (``delivery.calendar.slots_on``); ``insee_code=None`` (an address not known yet) takes
    any round of the territory."""
    slots = territory.delivery_slots
    return {day: calendar.slots_on(rounds, insee_code, day, slots) for day in days}


def no_home_hint(days: Sequence[dt.date], commune: str | None) -> str:
    """Why some days offered (for a pickup) take no home delivery: no round covers a slot."""
    if commune:
        return _(
            "Pas de livraison à domicile à %(commune)s %(days)s : le livreur ne passe pas "
            "chez vous pendant les heures de livraison.",
            commune=commune,
            days=_days(list(days)),
        )
    return _(
        "Pas de livraison à domicile %(days)s : le livreur ne passe pas chez vous pendant les "
        "heures de livraison.",
        days=_days(list(days)),
    )


def slot_hint(
    home: dict[dt.date, list[DeliverySlot]], slots: Sequence[DeliverySlot], shown: Iterable[str]
) -> str:
    """What the slots offered say under them: a slot no round covers on any day offered is
    not offered (« Soir (18 h – 20 h) n'est pas proposé : le livreur ne passe pas chez vous
    à ces heures-là. »: no round covers all of it), and one some days lack names them; days
    without any slot are told with the days."""
    offered = set(shown)
    with_a_slot = [day for day, covered in home.items() if covered]
    sentences = []
    for slot in slots:
        if slot.code not in offered:
            sentences.append(
                _(
                    "%(slot)s n'est pas proposé : le livreur ne passe pas chez vous à ces "
                    "heures-là.",
                    slot=slot_text(slot),
                )
            )
            continue
        missing = [day for day in with_a_slot if slot not in home[day]]
        if missing:
            sentences.append(
                _(
                    "%(slot)s : le livreur ne passe pas chez vous à ces heures-là %(days)s.",
                    slot=slot_text(slot),
                    days=_days(missing),
                )
            )
    if slots and not offered:
        sentences.append(
            _(
                "La livraison à domicile n'est pas possible ces jours-ci : choisissez un point "
                "de retrait ou le retrait dans les boutiques."
            )
        )
    return " ".join(sentences)


def first_day_hint(
    *, first: dt.date, today: dt.date, cutoff: dt.time, missed: Sequence[DayNotOffered]
) -> str:
    """The hint above the days offered: the first one, and in plain words why no earlier
    one is (« Pas de tournée de livraison le dimanche 6 décembre. La Cloche à Fromages
    n'ouvre pas le lundi 7 décembre. »), or until when to order for tomorrow."""
    sentences = [_("Le premier jour possible est le %(day)s.", day=_day(first))]
    if first == today + dt.timedelta(days=1):
        sentences.append(_("Pour demain, commandez avant %(hour)s.", hour=hour_text(cutoff)))
    # One sentence per reason, with every day it keeps out: « du samedi 5 au lundi 7 ».
    grouped: dict[tuple[NotOffered, tuple[str, ...], str], list[dt.date]] = {}
    for item in missed:
        grouped.setdefault((item.why, item.shops, item.note), []).append(item.day)
    for (why, shops, note), days in grouped.items():
        sentences.append(_why(why, shops, note, _days(days), cutoff))
    return " ".join(sentences)


def _why(why: NotOffered, shops: tuple[str, ...], note: str, days: str, cutoff: dt.time) -> str:
    if why is NotOffered.CUTOFF:
        return _("Pour demain, il fallait commander avant %(hour)s.", hour=hour_text(cutoff))
    if why is NotOffered.NO_ROUND:
        return _("Pas de tournée de livraison %(days)s.", days=days)
    if why is NotOffered.SHOP_CLOSED:
        return ngettext(
            "%(shops)s n'ouvre pas %(days)s.",
            "%(shops)s n'ouvrent pas %(days)s.",
            len(shops),
            shops=_and(shops),
            days=days,
        )
    if note:
        return _(
            "%(shop)s : fermeture exceptionnelle %(days)s (%(note)s).",
            shop=_and(shops),
            days=days,
            note=note,
        )
    return _("%(shop)s : fermeture exceptionnelle %(days)s.", shop=_and(shops), days=days)


def _day(day: dt.date) -> str:
    return day_label(day)


def _days(days: list[dt.date]) -> str:
    """ "le lundi 7 décembre", "du lundi 7 décembre au mercredi 9 décembre", runs of days
    apart joined by "et"."""
    runs: list[list[dt.date]] = []
    for day in sorted(days):
        if runs and day - runs[-1][-1] == dt.timedelta(days=1):
            runs[-1].append(day)
        else:
            runs.append([day])
    # With a context of their own: English says "on Tuesday 8 December" and "from Tuesday
    # 8 December to Thursday 10 December", and its sentences around them no "on".
    return _and(
        pgettext("dates", "le %(day)s", day=_day(run[0]))
        if len(run) == 1
        else pgettext("dates", "du %(first)s au %(last)s", first=_day(run[0]), last=_day(run[-1]))
        for run in runs
    )


def _and(items: Iterable[str]) -> str:
    """ "a", "a et b", "a, b et c"."""
    items = list(items)
    if len(items) == 1:
        return items[0]
    return _("%(first)s et %(last)s", first=", ".join(items[:-1]), last=items[-1])


class PlaceNotFound(ValidationError):
    """No commune at ``postal_code``, or none named ``city`` there (``names`` then lists the
    communes of that postal code). The message is French; ``code`` and ``params`` let a page
    in another language word it again (``domain_messages.shown``)."""

    def __init__(self, *, postal_code: str, city: str, names: list[str]) -> None:
        if names:
            super().__init__(
                f"Nous ne trouvons pas « {city} » avec le code postal {postal_code}. "
                f"Communes de ce code postal : {', '.join(names)}.",
                field="city",
            )
            self.code = "commune_not_at_postal_code"
        else:
            super().__init__(
                f"Le code postal {postal_code} ne correspond à aucune commune que nous "
                "livrons : vérifiez-le.",
                field="postal_code",
            )
            self.code = "unknown_postal_code"
        self.params.update(postal_code=postal_code, city=city, names=", ".join(names))


@dataclass(frozen=True, slots=True)
class Place:
    """A commune found for a postal code and a name, with its centre."""

    insee_code: str
    name: str
    postal_code: str
    lat: float
    lon: float
    served: bool


def resolve_commune(territory: Territory, postal_code: str, city: str) -> Place:
    """The commune at ``postal_code`` named ``city`` (accents and case ignored).

    Raises ``ValidationError`` naming the field to correct, with the communes of that postal
    code as a hint when the name does not match.
    """
    postal_code, city = postal_code.strip(), city.strip()
    if not re.fullmatch(r"\d{5}", postal_code):
        raise ValidationError("Le code postal doit comporter 5 chiffres.", field="postal_code")
    found = gazetteer.find(postal_code, city)
    if found is not None:
        return Place(
            insee_code=found.insee_code,
            name=found.name,
            postal_code=found.postal_code,
            lat=found.lat,
            lon=found.lon,
            served=territory.serves(found.insee_code),
        )
    # Communes outside the bundled gazetteer: the territory's own list knows its communes.
    commune = find_commune(db.uow(), territory_id=territory.id, postal_code=postal_code, city=city)
    if commune is not None:
        return Place(
            insee_code=commune.insee_code,
            name=commune.name,
            postal_code=commune.postal_code,
            lat=commune.lat,
            lon=commune.lon,
            served=True,
        )
    raise PlaceNotFound(
        postal_code=postal_code, city=city, names=_names_for(territory, postal_code)
    )


def _names_for(territory: Territory, postal_code: str) -> list[str]:
    """Names of the communes with this postal code, served ones first, a dozen at most."""
    served = [c.name for c in territory.communes if c.postal_code == postal_code]
    others = sorted(
        c.name
        for c in gazetteer.search(postal_code, limit=100)
        if c.postal_code == postal_code and c.name not in served
    )
    return (served + others)[:12]


def check_round_day(choice: DeliveryChoice, territory: Territory, at: dt.datetime) -> None:
    """Refuse a home or pickup-point date on which no round serves the place (in French,
    naming the next possible day), and a home-delivery slot no round covers there that
    day (``delivery.calendar.check_delivery_day``); click & collect needs no round. The
    shop's checkout and the API's both ask it before the core's."""
    if choice.method is DeliveryMethod.CLICK_COLLECT:
        return
    if choice.address is not None:
        insee = choice.address.insee_code
    else:
        point = db.uow().session.get(PickupPoint, choice.pickup_point_id or 0)
        if point is None or point.territory_id != territory.id:
            return  # the core refuses an unknown pickup point with its own message
        insee = point.insee_code
    slot = choice.slot if choice.method is DeliveryMethod.HOME else None
    calendar.check_delivery_day(db.uow().session, territory, insee, choice.date, at, slot=slot)
