"""Jinja filters: prices as "12,50 €", dates in French, labels of core enums."""

from __future__ import annotations

import datetime as dt
import re

from babel import numbers
from flask import Flask
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    format_time,
    get_locale,
    get_translations,
    to_user_timezone,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from delivery.route_sheets import SheetLanguage, time_fr
from reference_app.labels import history_reason, translate
from shop_core.catalogue.model import UNIT_LABELS_FR, Unit
from shop_core.merchants.model import TRADE_LABELS_FR, Trade
from shop_core.money import Money
from shop_core.orders.model import STATUS_LABELS_FR, MerchantOrderStatus
from shop_core.payments.model import PaymentMeans
from shop_core.vat import VatRate


def reads_french() -> bool:
    """Whether the page or e-mail being written is in French (the default language)."""
    locale = get_locale()
    return locale is None or locale.language == "fr"


def hour_text(value: dt.time | dt.datetime | None) -> str:
    """A time of day as the reader writes it: "12 h 30" in French, "12:30 PM" in English.

    A datetime is read on its own clock (the territory's local time, as the rounds give it).
    """
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.time()
    if reads_french():
        return time_fr(value, space="\u00a0")
    return format_time(value, "short")


_VOWELS = frozenset("aeiouyàâäéèêëîïôöùûüÿœæ")


def elides(name: str | None) -> bool:
    """Whether French writes « d' » rather than « de » before ``name``: it starts with a
    vowel, accented or not (« d'Élodie », « d'Œdipe »), or a mute h before one
    (« d'Hélène »); a y before a vowel is a consonant (« de Yann », but « d'Yves »)."""
    word = (name or "").strip().casefold()
    if not word:
        return False
    if word[0] == "h":
        return len(word) > 1 and word[1] in _VOWELS
    if word[0] == "y":
        return len(word) > 1 and word[1] not in _VOWELS
    return word[0] in _VOWELS


def first_name(full_name: str | None) -> str:
    """What a merchant sees of a shopper: "Jeanne" for "Jeanne Martin", "—" for no name."""
    words = (full_name or "").split()
    return words[0] if words else "—"


def money(cents: int | None, currency: str = "EUR") -> str:
    if cents is None:
        return ""
    text = Money(cents, currency).format_fr()
    if str(get_locale()) == "en":
        sign = "-" if cents < 0 else ""
        euros, rest = divmod(abs(cents), 100)
        return f"€{sign}{euros:,}.{rest:02d}"
    return text


def euros_input(cents: int | None) -> str:
    """Cents as a value for a form field: 1250 → "12,50"."""
    if cents is None:
        return ""
    return f"{cents // 100},{cents % 100:02d}"


def date_fr(value: dt.date | dt.datetime | None, fmt: str = "full") -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        # The pattern itself is translated: "à" in French, "at" in English.
        # French writes the hour as "9 h 05" (no-break spaces), as `hour_text` does.
        pattern = str(_l("d MMMM yyyy 'à' H'\u00a0h\u00a0'mm"))
        local_day = to_user_timezone(value).date()  # the day the reader sees
        return format_datetime(value, day_pattern(pattern if fmt == "full" else fmt, local_day))
    return format_date(value, day_pattern("EEEE d MMMM yyyy" if fmt == "full" else fmt, value))


def day_pattern(pattern: str, value: dt.date) -> str:
    """`pattern` (CLDR) for `value`, with French's "1er" for the first of the month.

    "mardi 1er décembre", "du 26 oct. au 1er nov."; other days and languages unchanged.
    """
    if value.day != 1 or not reads_french():
        return pattern
    return re.sub(r"(?<![d'])d(?![d'])", "d'er'", pattern)


def sheet_language() -> SheetLanguage:
    """The printable sheets (round sheet, packing list) in the request's language, written
    as its pages write dates, times, amounts and distances."""
    return SheetLanguage(
        translations=get_translations(),
        date=date_fr,
        time=hour_text,
        money=money,
        decimal=lambda km: format_decimal(km, "#,##0.0"),
    )


def unit_label(unit: Unit | str) -> str:
    return translate(UNIT_LABELS_FR[Unit(unit)])


def trade_label(trade: Trade | str) -> str:
    return translate(TRADE_LABELS_FR[Trade(trade)])


def status_label(status: MerchantOrderStatus | str) -> str:
    return translate(STATUS_LABELS_FR[MerchantOrderStatus(status)])


def vat_label(rate: VatRate | int) -> str:
    """A VAT rate as the reader writes it: « 5,5 % » in French, "5.5%" in English.

    Babel's own ``format_percent``: Flask-Babel's rounds to the locale's whole percent
    ("6 %"), having no way to keep the rate's decimals."""
    return numbers.format_percent(
        VatRate(rate).percent / 100, locale=get_locale() or "fr", decimal_quantization=False
    )


_TYPED_TIME = re.compile(r"^\s*(\d{1,2})\s*(?:[hH:.]\s*(\d{2})?)?(?::\d{2}(?:\.\d+)?)?\s*$")


def typed_time(text: str) -> dt.time | None:
    """A time of day as a time input sends it ("08:30", "08:30:00") or as a person types
    it where there is none ("8h30", "8 h", "8.30", "14"); None when it is not one."""
    found = _TYPED_TIME.match(text)
    if found is None:
        return None
    hour, minute = int(found[1]), int(found[2] or 0)
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


#: Each means a hand-over can record (``PaymentMeans``), as it reads after « payer ».
MEANS_WORDS = {PaymentMeans.CASH: _l("en espèces"), PaymentMeans.CHEQUE: _l("par chèque")}


def hand_means() -> str:
    """How a shopper may pay at the door, the pickup point or the shop: « en espèces ou par
    chèque ». Made from ``PaymentMeans``, what the courier, the point and the shop can record
    taking, so that no page promises a means they cannot take (a card, once)."""
    words = [str(MEANS_WORDS[means]) for means in PaymentMeans]
    if len(words) == 1:
        return words[0]
    return _("%(some)s ou %(last)s", some=", ".join(words[:-1]), last=words[-1])


def colon() -> str:
    """The colon before an explanation: French puts a no-break space before it."""
    return "\u00a0: " if reads_french() else ": "


_TYPED_HOUR = re.compile(r"\b(\d{1,2}) ?h(?: ?(\d{2}))?\b")


def hours_together(text: str) -> str:
    """Hours typed by people (« Accueil de 8 h 30 à 12 h ») with no-break spaces inside
    each hour, so a narrow screen never cuts « 8 / h 30 » across two lines."""
    return _TYPED_HOUR.sub(lambda m: f"{m[1]}\u00a0h" + (f"\u00a0{m[2]}" if m[2] else ""), text)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["colon"] = colon
    app.jinja_env.globals["hand_means"] = hand_means
    app.jinja_env.globals["elides"] = elides
    app.jinja_env.filters.update(
        money=money,
        euros_input=euros_input,
        date_fr=date_fr,
        clock=hour_text,
        hours_together=hours_together,
        first_name=first_name,
        unit_label=unit_label,
        trade_label=trade_label,
        status_label=status_label,
        vat_label=vat_label,
        history_reason=history_reason,
    )
