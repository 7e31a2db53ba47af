"""Refuse the character no database column can hold before any page sees it.

PostgreSQL text cannot store NUL (U+0000): a name or an address carrying one failed deep in a
write, as a 500 (SQLite stored it silently). The JSON API checks its own fields and query
parameters (:mod:`reference_app.api.parsing`); this guard covers the HTML pages. A NUL in
the path is a page that does not exist (404); in the query string or a form, a 400 that says
in French what is wrong. Nothing has been read from or written to the database yet.

Ids too: an integer beyond the database's integer columns cannot be a row's id, and asking
the database for it fails (SQLite cannot even bind one above 2⁶³ − 1). In an address it is
a page that does not exist (:class:`IdConverter`); in a form, :func:`form_id` gives None.
Dates as well: the day after 31/12/9999 does not exist in Python, so a date asked for in an
address must lie within :data:`DATES` (:func:`asked_date`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from flask import Flask, flash, request
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter, Map
from werkzeug.wrappers import Response

from reference_app.errors import render_error

NUL = "\x00"
MAX_ID = 2**31 - 1  # database integer columns
#: The dates a page can be asked for (rounds, a courier's day, a month's payments).
DATES = (dt.date(2000, 1, 1), dt.date(2099, 12, 31))


class IdConverter(IntegerConverter):
    """``<int:…>`` in an address, up to :data:`MAX_ID`: beyond, no route matches (404)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def use_id_converter(app: Flask) -> None:
    """Make ``<int:…>`` an :class:`IdConverter`: call before any route is added. The JSON
    API takes any integer (``<any_int:…>``) and answers the 404 its document describes."""
    app.url_map.converters["any_int"] = IntegerConverter
    app.url_map.converters["int"] = IdConverter


def form_id(value: str | None) -> int | None:
    """An id sent by a form (``<select>``, hidden field), or None if it cannot be one."""
    try:
        number = int((value or "").strip())
    except ValueError:
        return None
    return number if 1 <= number <= MAX_ID else None


def _any_nul(pairs: Iterable[tuple[str, str]]) -> bool:
    return any(NUL in key or NUL in value for key, value in pairs)


def id_choice(value: object) -> int:
    """``coerce`` of a ``<select>`` of ids whose choices are checked later: like ``int``
    (0 may mean "none"), but a number beyond the database's ids is refused as a choice
    that is not a number is (WTForms' "choix invalide")."""
    number = value if isinstance(value, int) else int(str(value))
    if not 0 <= number <= MAX_ID:
        raise ValueError(number)
    return number


def asked_date(raw: str) -> dt.date | None:
    """The date of ``raw`` (``2026-11-24``), or None if it is none or outside :data:`DATES`."""
    try:
        date = dt.date.fromisoformat(raw.strip())
    except ValueError:
        return None
    return date if DATES[0] <= date <= DATES[1] else None


def page_date(raw: str, *, today: dt.date) -> dt.date:
    """The day a page of days shows (the round board, the courier's round): ``raw`` read as
    :func:`asked_date`, ``today`` when none is asked for, and when it cannot be read (a
    link typed by hand, 30 February), with a word, rather than a page not found."""
    if not raw.strip():
        return today
    date = asked_date(raw)
    if date is None:
        flash(_l("Date illisible : voici aujourd'hui."), "info")
        return today
    return date


def init_app(app: Flask) -> None:
    @app.before_request
    def _refuse_nul() -> tuple[str | Response, int, dict[str, str]] | None:
        if request.path.startswith("/api/"):
            return None
        if NUL in request.path:
            return render_error(404)
        sent = _any_nul(request.args.items(multi=True))
        if not sent and request.method in ("POST", "PUT", "PATCH", "DELETE"):
            sent = _any_nul(request.form.items(multi=True)) or any(
                NUL in (upload.filename or "") for upload in request.files.values()
            )
        if sent:
            message = _l(
                "Un des champs contient un caractère invalide (caractère nul). "
                "Corrigez-le puis renvoyez le formulaire."
            )
            return render_error(400, str(message))
        return None
