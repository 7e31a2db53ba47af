"""Weekly opening windows, a shop's or a pickup point's, as the core accepts them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from shop_core.errors import ValidationError

#: One opening window: weekday (0 = Monday), opening and closing times.
Window = tuple[int, dt.time, dt.time]


def checked_windows(windows: Iterable[Window]) -> list[Window]:
    """``windows`` in order, or ``ValidationError`` for a weekday outside Monday–Sunday, a
    window that does not close after it opens, or two windows of a day that overlap."""
    ordered = sorted(windows)
    for weekday, opens, closes in ordered:
        if not 0 <= weekday <= 6:
            raise ValidationError("Jour de la semaine invalide.", field="weekday")
        if opens >= closes:
            raise ValidationError("L'heure de fermeture doit suivre l'ouverture.", field="closes")
    for (day, _, end), (next_day, start, _) in zip(ordered, ordered[1:], strict=False):
        if day == next_day and start < end:
            raise ValidationError("Deux plages horaires se chevauchent.", field="opens")
    return ordered
