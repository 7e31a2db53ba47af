"""The ``merchant`` blueprint, and what its views share: the shop being worked on, the
mapping of core errors to fields, and 404 for another merchant's objects."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash
from flask_wtf import FlaskForm
from wtforms import Field

from reference_app.auth.users import current_merchant
from reference_app.domain_messages import shown
from reference_app.errors import render_error
from reference_app.merchant.statuses import history_step, order_state
from shop_core.errors import DomainError, NotFound
from shop_core.merchants.model import Merchant

bp = Blueprint("merchant", __name__, url_prefix="")


@bp.context_processor
def _merchant_context() -> dict[str, Any]:
    return {
        "merchant": current_merchant(),
        "order_state": order_state,
        "history_step": history_step,
    }


@bp.errorhandler(NotFound)
def _not_found(error: NotFound) -> Any:
    # Another merchant's order or product looks exactly like one that does not exist.
    return render_error(404)


def shop() -> Merchant:
    """The merchant this request works for (views are behind ``merchant_required``)."""
    merchant = current_merchant()
    if merchant is None:
        abort(403)
    return merchant


def attach_error(
    form: FlaskForm, error: DomainError, aliases: dict[str, str] | None = None
) -> None:
    """Show a core error under the field it names, else as a message at the top, in the
    page's language."""
    name = getattr(error, "field", None) or ""
    name = (aliases or {}).get(name, name)
    target: Field | None = getattr(form, name, None) if name else None
    if isinstance(target, Field):
        target.errors = [*target.errors, shown(error)]  # type: ignore[list-item]
    else:
        flash(shown(error), "error")
