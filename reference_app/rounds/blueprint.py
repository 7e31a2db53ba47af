"""The ``rounds`` blueprint: operator-only, scoped to the request's territory.

Another territory's run, stop, round, depot or order answers 404 (``NotFound``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, request
from flask_login import current_user

from reference_app import db
from reference_app.auth.users import role_required
from reference_app.errors import render_error
from reference_app.input_guard import asked_date
from reference_app.rounds import settings
from shop_core.accounts.model import Role
from shop_core.audit.services import Actor
from shop_core.errors import NotFound

bp = Blueprint("rounds", __name__)

operator_required = role_required(Role.OPERATOR)


@bp.errorhandler(NotFound)
def _not_found(error: NotFound) -> Any:
    return render_error(404)


def me() -> Actor:
    """The operator acting in their own name."""
    return Actor(user_id=current_user.id)


def chosen_date(source: str = "args") -> dt.date:
    """The ``date`` of the query string (or form), today by default; 404 when malformed or
    out of range."""
    values = request.form if source == "form" else request.args
    raw = (values.get("date") or "").strip()
    if not raw:
        return settings.today(db.territory())
    date = asked_date(raw)
    if date is None:
        abort(404)
    return date
