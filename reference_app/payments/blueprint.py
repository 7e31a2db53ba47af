"""The ``payments`` blueprint: webhook, shopper's payment pages, merchant and operator pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from reference_app.errors import render_error
from shop_core.errors import NotFound

bp = Blueprint("payments", __name__)


@bp.errorhandler(NotFound)
def _not_found(error: NotFound) -> Any:
    # Another merchant's order looks exactly like one that does not exist.
    return render_error(404)
