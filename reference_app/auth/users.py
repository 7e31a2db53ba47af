"""The logged-in person as Flask-Login sees it, and role checks for views."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, g, session
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from reference_app import db
from reference_app.domain_messages import N_
from reference_app.extensions import login_manager
from shop_core.accounts.assisted import shopper_for_operator
from shop_core.accounts.model import Role, User
from shop_core.audit.services import Actor
from shop_core.errors import NotFound
from shop_core.merchants.model import Merchant, MerchantMember

F = TypeVar("F", bound=Callable[..., Any])


class WebUser:
    """Wraps a core ``User``; the id carries the session version so that a password change
    or a logout elsewhere invalidates every other session."""

    is_active = True
    is_anonymous = False
    is_authenticated = True

    def __init__(self, user: User) -> None:
        self.user = user

    def get_id(self) -> str:
        return f"{self.user.id}:{self.user.session_version}"

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def role(self) -> Role:
        return self.user.role

    @property
    def is_operator(self) -> bool:
        return self.user.role is Role.OPERATOR

    @property
    def is_courier(self) -> bool:
        return self.user.role is Role.COURIER

    @property
    def is_staff(self) -> bool:
        """A work account (courier, pickup point): no basket, no shopping in its menu."""
        return self.user.role in (Role.COURIER, Role.POINT_STAFF)

    def merchant_ids(self) -> list[int]:
        return list(
            db.uow().session.scalars(
                select(MerchantMember.merchant_id).where(MerchantMember.user_id == self.user.id)
            )
        )


#: Flask-Login's request to log in (``create_app`` sets it), marked for the catalogue.
LOGIN_MESSAGE = N_("Connectez-vous pour accéder à cette page.")


def _in_page_language(message: str) -> str:
    return gettext(message)


# Flask-Login flashes its message as set, French on English pages, unless told to translate.
login_manager.localize_callback = _in_page_language


@login_manager.user_loader
def load_user(user_id: str) -> WebUser | None:
    try:
        raw_id, version = user_id.split(":")
        uid, ver = int(raw_id), int(version)
    except ValueError:
        return None
    user = db.uow().session.get(User, uid)
    if user is None or not user.active or user.deleted_at is not None:
        return None
    if user.session_version != ver or user.territory_id != db.territory().id:
        return None
    return WebUser(user)


def role_required(*roles: Role) -> Callable[[F], F]:
    """Only logged-in users with one of ``roles`` (403 otherwise, login page if anonymous)."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


ACTING_FOR = "acting_for_merchant"


def current_merchant() -> Merchant | None:
    """The merchant whose back-office this request works in.

    Merchant staff: their own merchant (the first, or the one chosen in the session).
    Operator: the merchant they chose to act for (assisted mode), if any.
    """
    if "cabas_merchant" in g:
        return g.cabas_merchant  # type: ignore[no-any-return]
    merchant: Merchant | None = None
    if current_user.is_authenticated:
        session_db = db.uow().session
        territory_id = db.territory().id
        if current_user.is_operator:
            mid = session.get(ACTING_FOR)
            if mid is not None:
                merchant = session_db.get(Merchant, mid)
        else:
            ids = current_user.merchant_ids()
            wanted = session.get("merchant_id")
            mid = wanted if wanted in ids else (ids[0] if ids else None)
            if mid is not None:
                merchant = session_db.get(Merchant, mid)
        if merchant is not None and merchant.territory_id != territory_id:
            merchant = None
    g.cabas_merchant = merchant
    return merchant


ACTING_FOR_SHOPPER = "acting_for_shopper"


def acting_shopper() -> User | None:
    """The shopper an operator orders for (« commande assistée »), if any.

    Checked on every request, not only when acting starts: a shopper deleted or disabled
    meanwhile, or a session carried to another territory, acts for nobody.
    """
    if "cabas_acting_shopper" in g:
        return g.cabas_acting_shopper  # type: ignore[no-any-return]
    shopper: User | None = None
    wanted = session.get(ACTING_FOR_SHOPPER)
    if wanted is not None and current_user.is_authenticated and current_user.is_operator:
        try:
            shopper = shopper_for_operator(
                db.uow().session, territory_id=db.territory().id, shopper_id=int(wanted)
            )
        except (NotFound, TypeError, ValueError):
            shopper = None
    g.cabas_acting_shopper = shopper
    return shopper


def shopper() -> User:
    """Whose basket, checkout and orders the shopfront serves: the logged-in person, or the
    shopper an operator acts for."""
    acting = acting_shopper()
    if acting is not None:
        return acting
    user: User = current_user.user
    return user


def merchant_required(view: F) -> F:
    """Views of the merchant back-office: staff of a merchant, or an operator acting for one."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_merchant() is None:
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def actor() -> Actor:
    """The actor recorded for what this request does (operator-for-merchant when assisted)."""
    if not current_user.is_authenticated:
        return Actor.system()
    merchant = current_merchant()
    if current_user.is_operator and merchant is not None:
        return Actor(user_id=current_user.id, merchant_id=merchant.id, on_behalf=True)
    return Actor(user_id=current_user.id, merchant_id=merchant.id if merchant else None)
