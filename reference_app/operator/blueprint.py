"""The ``operator`` blueprint and what its views share: the operator-only guard, 404 for
another territory's objects, and the assisted-mode banner."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_login import current_user

from reference_app.auth.users import current_merchant, role_required
from reference_app.errors import render_error
from shop_core.accounts.model import Role
from shop_core.audit.services import Actor
from shop_core.errors import NotFound

bp = Blueprint("operator", __name__)

operator_required = role_required(Role.OPERATOR)


@bp.context_processor
def _operator_context() -> dict[str, Any]:
    acting = current_merchant() if current_user.is_authenticated else None
    return {"acting_merchant": acting}


@bp.errorhandler(NotFound)
def _not_found(error: NotFound) -> Any:
    # Another territory's merchant, pickup point or courier looks like one that does not exist.
    return render_error(404)


def me() -> Actor:
    """The operator acting in their own name (approval, suspension, settings)."""
    return Actor(user_id=current_user.id)
