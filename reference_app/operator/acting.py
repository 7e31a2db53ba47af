"""Ending what the operator acts for: a merchant's back office or a shopper's shopfront.

Each end is recorded in the audit trail; an account or a shop gone meanwhile must not
keep the operator stuck in it, so a vanished one is only forgotten.
"""

from __future__ import annotations

from flask import session
from flask_login import current_user

from reference_app import db
from reference_app.auth.users import ACTING_FOR, ACTING_FOR_SHOPPER
from shop_core.accounts.assisted import note_shopper_assistance
from shop_core.errors import NotFound
from shop_core.merchants.onboarding import note_assistance


def stop_acting_for_merchant() -> None:
    """Leave the merchant's back office the operator acts in, if any."""
    merchant_id = session.pop(ACTING_FOR, None)
    if merchant_id is None:
        return
    try:
        note_assistance(
            uow=db.uow(),
            territory_id=db.territory().id,
            merchant_id=merchant_id,
            operator_id=current_user.id,
            started=False,
        )
    except NotFound:
        db.uow().rollback()


def stop_acting_for_shopper() -> None:
    """Leave the shopper's shopfront the operator orders in, if any."""
    user_id = session.pop(ACTING_FOR_SHOPPER, None)
    if user_id is None:
        return
    try:
        note_shopper_assistance(
            uow=db.uow(),
            territory_id=db.territory().id,
            shopper_id=int(user_id),
            operator_id=current_user.id,
            started=False,
        )
    except (NotFound, TypeError, ValueError):
        db.uow().rollback()
