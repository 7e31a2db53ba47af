"""A pickup point's weekly hours in its form: one field per weekday, « 8:30-12:00,
13:30-17:00 », read into the windows the core keeps (``shop_core.weekly_hours``)."""

from __future__ import annotations

import datetime as dt
import re

from flask_babel import gettext as _

from reference_app.domain_messages import shown
from reference_app.formatting import typed_time
from reference_app.operator.forms import PickupPointForm
from reference_app.shopfront.display import weekday_names
from shop_core.errors import ValidationError
from shop_core.territories.model import PickupPoint
from shop_core.weekly_hours import Window, checked_windows

_WINDOWS = re.compile(r"\s*(?:[,;]|\bet\b)\s*")
_RANGE = re.compile(r"\s*(?:[-–—]|\bà\b)\s*")


def _day_windows(text: str) -> list[tuple[dt.time, dt.time]] | str:
    """The windows typed for one weekday (« 8:30-12:00, 13 h 30 à 17 h »), or the part
    that is not one."""
    windows = []
    for part in _WINDOWS.split(text.strip()):
        if not part:
            continue
        ends = _RANGE.split(part)
        times = [typed_time(end) for end in ends]
        if len(times) != 2 or times[0] is None or times[1] is None:
            return part
        windows.append((times[0], times[1]))
    return windows


def typed_hours(form: PickupPointForm) -> list[Window] | None:
    """The point's weekly hours as typed (none when every day is empty: the hours are then
    only in its notes); ``None`` with an error by each day the form cannot take."""
    hours: list[Window] = []
    wrong = False
    for weekday, day_field in enumerate(form.hours_fields()):
        windows = _day_windows(day_field.data or "")
        if isinstance(windows, str):
            day_field.errors = [
                *day_field.errors,
                _(
                    "«\u00a0%(typed)s\u00a0» n'est pas une plage horaire : écrivez par "
                    "exemple 8:30-12:00.",
                    typed=windows,
                ),
            ]
            wrong = True
            continue
        try:  # closing before opening, two windows that overlap: said by that day
            hours += checked_windows((weekday, opens, closes) for opens, closes in windows)
        except ValidationError as error:
            day_field.errors = [*day_field.errors, shown(error)]
            wrong = True
    return None if wrong else hours


def hours_text(point: PickupPoint, weekday: int) -> str:
    """A weekday's hours as the field shows them: « 08:30-12:00, 13:30-17:00 »."""
    return ", ".join(
        f"{opens:%H:%M}-{closes:%H:%M}" for opens, closes in point.opening_windows(weekday)
    )


def label_days(form: PickupPointForm) -> None:
    """Name each day's field in the page's language."""
    for name, day_field in zip(weekday_names(), form.hours_fields(), strict=True):
        day_field.label.text = name.capitalize()
