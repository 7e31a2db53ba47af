"""How the shopfront words things: opening hours, days, prices per unit, links to products.

Offered to the shop's templates by a context processor (see ``views.py``) and used by the
e-mails, so a page and a mail say the same thing the same way.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import url_for
from flask_babel import format_date, format_decimal, format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from reference_app import db
from reference_app.formatting import day_pattern, hour_text, hours_together, reads_french
from reference_app.rounds import settings
from shop_core.catalogue.model import Product, Unit
from shop_core.merchants.closures import upcoming
from shop_core.merchants.model import Merchant
from shop_core.orders.model import DeliveryMethod, MerchantOrderStatus, Order
from shop_core.territories.model import DeliverySlot, PickupPoint


def weekday_names() -> list[str]:
    return [
        _("lundi"),
        _("mardi"),
        _("mercredi"),
        _("jeudi"),
        _("vendredi"),
        _("samedi"),
        _("dimanche"),
    ]


def opening_hours(merchant: Merchant) -> list[tuple[str, list[tuple[str, str]]]]:
    """One row per weekday: ("Mardi", [("8 h", "12 h 30"), ("14 h", "19 h")]); no window =
    closed. Each window's hours come apart so that a narrow screen may break it after its
    dash ("9:00 AM – 12:30 PM" is wider than a phone's column)."""
    rows = []
    for weekday, name in enumerate(weekday_names()):
        windows = merchant.opening_windows(weekday)
        rows.append((name.capitalize(), [(hour_text(a), hour_text(b)) for a, b in windows]))
    return rows


def closures_ahead(merchant: Merchant) -> list[str]:
    """The shop's exceptional closures not over yet, worded: "Fermé du lundi 21 au
    dimanche 27 décembre (Congés)", "Fermé le mardi 24 novembre"."""
    lines = []
    for c in upcoming(merchant.closures, settings.today(db.territory())):
        if c.starts == c.ends:
            text = _("Fermé le %(day)s", day=format_date(c.starts, "EEEE d MMMM"))
        else:
            # Across a new year, each end says its year (« lundi 20 décembre 2027 »).
            pattern = "EEEE d MMMM y" if c.starts.year != c.ends.year else "EEEE d MMMM"
            text = _(
                "Fermé du %(starts)s au %(ends)s",
                starts=format_date(c.starts, pattern),
                ends=format_date(c.ends, pattern),
            )
        lines.append(f"{text} ({c.note})" if c.note else text)
    return lines


def open_days(place: Merchant | PickupPoint) -> str:
    """The days a shop or a pickup point opens: "du mardi au samedi", "tous les jours sauf
    le lundi", "le mardi, le jeudi et le samedi", or "" when the hours are not given."""
    days = sorted({h.weekday for h in place.opening_hours})
    if not days:
        return ""
    names = weekday_names()
    closed = [d for d in range(7) if d not in days]
    if not closed:
        return _("tous les jours")
    if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
        return _("du %(first)s au %(last)s", first=names[days[0]], last=names[days[-1]])
    if len(closed) <= 2:
        return _("tous les jours sauf %(days)s", days=_listing([names[d] for d in closed]))
    return _listing(names[d] for d in days)


def _listing(names: Iterable[str]) -> str:
    """ "le lundi", "le lundi et le jeudi", "le lundi, le mardi et le jeudi"."""
    items = [_("le %(day)s", day=name) for name in names]
    if len(items) == 1:
        return items[0]
    return _("%(first)s et %(last)s", first=", ".join(items[:-1]), last=items[-1])


def day_label(value: dt.date) -> str:
    """A day as it reads inside a sentence: "mardi 24 novembre" in French, which writes
    weekdays in lower case (« à préparer pour le mardi 24 novembre »), "Tuesday 24
    November" in English. A day that starts a label is ``day_choice``."""
    return format_date(value, day_pattern("EEEE d MMMM", value))


def day_choice(value: dt.date, today: dt.date | None = None) -> str:
    """A day that starts a label or a line (a radio button, the day of an order): "Mardi
    24 novembre"; "Demain, mardi 24 novembre" when it is tomorrow."""
    text = day_label(value)
    if today is not None and value == today + dt.timedelta(days=1):
        return _("Demain, %(day)s", day=text)
    return text[:1].upper() + text[1:]


def mid_sentence(text: str) -> str:
    """A name (a slot's) inside a sentence: lower case in French, capitalised in English."""
    if reads_french():
        return text.lower()
    return text[:1].upper() + text[1:]


def unit_suffix(unit: Unit | str) -> str:
    """ "/ kg", "/ pièce", "/ 100 g"…"""
    from reference_app.formatting import unit_label

    return f"/\u00a0{unit_label(unit)}"


def product_url(product: Product, **kwargs: Any) -> str:
    return url_for("shop.product", product_id=product.id, slug=product.slug, **kwargs)


def photo_url(product: Product, thumb: bool = True) -> str | None:
    if not product.photos:
        return None
    photo = product.photos[0]
    key = photo.thumb_key if thumb and photo.thumb_key else photo.key
    return url_for("shop.media", key=key)


def photo_alt(product: Product) -> str:
    if product.photos and product.photos[0].alt:
        return product.photos[0].alt
    return product.name


def weight_text(grams: int | None) -> str:
    """500 → "500 g", 1000 → "1 kg", 1250 → "1,25 kg" ("1.25 kg" in English)."""
    if not grams:
        return ""
    if grams < 1000:
        return f"{grams}\u00a0g"
    kilos = format_decimal(Decimal(grams) / 1000, format="#,##0.###")
    return f"{kilos}\u00a0kg"


def method_label(method: DeliveryMethod | str) -> str:
    return {
        DeliveryMethod.HOME: _("Livraison à domicile"),
        DeliveryMethod.PICKUP_POINT: _("Point de retrait"),
        DeliveryMethod.CLICK_COLLECT: _("Retrait dans les boutiques"),
    }[DeliveryMethod(method)]


@dataclass(frozen=True, slots=True)
class PointVisit:
    """When a shopper can collect a pickup-point order: the first day from its delivery day
    that the point opens, its windows that day, and the delivery day when the point is
    closed then (a town hall on a Saturday)."""

    day: dt.date
    windows: list[tuple[dt.time, dt.time]]
    closed_on: dt.date | None

    @property
    def hours(self) -> str:
        """ "8 h 30 – 12 h et 13 h 30 – 17 h"."""
        texts = [f"{hour_text(a)} – {hour_text(b)}" for a, b in self.windows]
        if len(texts) == 1:
            return texts[0]
        return _("%(first)s et %(last)s", first=", ".join(texts[:-1]), last=texts[-1])


def point_visit(order: Order) -> PointVisit | None:
    """When the shopper can collect ``order`` at its pickup point; ``None`` for another
    kind of order, or a point that has not given its weekly hours."""
    point = order.pickup_point
    if order.delivery_method is not DeliveryMethod.PICKUP_POINT or point is None:
        return None
    day = point.first_open_day(order.delivery_date)
    if day is None:
        return None
    closed_on = order.delivery_date if day != order.delivery_date else None
    return PointVisit(day, point.opening_windows(day.weekday()), closed_on)


def slot_text(slot: DeliverySlot) -> str:
    """How a delivery slot reads on the page or in the e-mail.

    The territory names its slots in French ("Matin (9 h – 12 h)"); in another language the
    slot reads as its hours ("9:00 AM – 12:00 PM"), which need no translation.
    """
    if reads_french():
        return slot.label
    return _(
        "%(starts)s – %(ends)s",
        starts=format_time(slot.starts, "short"),
        ends=format_time(slot.ends, "short"),
    )


def slot_unbroken(text: str) -> str:
    """A slot's text that a phone never cuts inside an hour or before the dash: no-break
    spaces in « 9 h » and before « – » (« (9 h – 12 h) » wrapped as « (9 » / « h – 12 h) »)."""
    return re.sub(r" ([–-]) ", "\u00a0\\1 ", hours_together(text))


def slot_label(code: str | None, slots: Iterable[DeliverySlot]) -> str:
    """The text of a delivery slot (see `slot_text`) from its code."""
    if not code:
        return ""
    return next((slot_text(slot) for slot in slots if slot.code == code), code)


SHOPPER_STATUS = {
    MerchantOrderStatus.PLACED: _l("Envoyée au commerçant"),
    MerchantOrderStatus.PAID: _l("Payée"),
    MerchantOrderStatus.ACCEPTED: _l("Acceptée"),
    MerchantOrderStatus.PREPARING: _l("En préparation"),
    MerchantOrderStatus.READY: _l("Prête"),
    MerchantOrderStatus.HANDED_TO_COURIER: _l("En cours de livraison"),
    MerchantOrderStatus.DELIVERED: _l("Livrée"),
    MerchantOrderStatus.PICKED_UP: _l("Retirée"),
    MerchantOrderStatus.REFUSED: _l("Refusée par le commerçant"),
    MerchantOrderStatus.CANCELLED: _l("Annulée"),
    MerchantOrderStatus.DELIVERY_FAILED: _l("Livraison impossible"),
    MerchantOrderStatus.RETURNED: _l("Retournée au commerçant"),
}


def shopper_status(status: MerchantOrderStatus | str) -> str:
    """A merchant order's status in the shopper's words ("En cours de livraison")."""
    return str(SHOPPER_STATUS[MerchantOrderStatus(status)])


def helpers() -> dict[str, Any]:
    """What the shop's templates (and e-mails) may call."""
    return {
        "opening_hours": opening_hours,
        "closures_ahead": closures_ahead,
        "open_days": open_days,
        "day_label": day_label,
        "day_choice": day_choice,
        "unit_suffix": unit_suffix,
        "product_url": product_url,
        "photo_url": photo_url,
        "photo_alt": photo_alt,
        "weight_text": weight_text,
        "method_label": method_label,
        "slot_label": slot_label,
        "slot_unbroken": slot_unbroken,
        "mid_sentence": mid_sentence,
        "shopper_status": shopper_status,
    }
