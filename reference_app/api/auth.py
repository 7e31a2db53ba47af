"""Bearer tokens for the API: signed, tied to the account's session version, limited in age.

A token carries the user id, the territory and the account's ``session_version``. Logging out
(web or ``DELETE /api/v1/token``), a password change or a deleted account bump or break that
version, so every token issued before stops working at once; tokens also expire after
``API_TOKEN_MAX_AGE`` seconds.
"""

from __future__ import annotations

from flask import current_app, g, request

from reference_app import db
from reference_app.api.errors import ApiError
from reference_app.security import make_token, read_token
from shop_core.accounts.model import Role, User
from shop_core.merchants.model import Merchant
from shop_core.merchants.services import merchants_of_user

PURPOSE = "api"

_CHALLENGE = 'Bearer realm="cabas"'


def issue_token(user: User) -> str:
    """A new token for ``user``."""
    return make_token(PURPOSE, {"uid": user.id, "t": user.territory_id, "v": user.session_version})


def max_age() -> int:
    return int(current_app.config["API_TOKEN_MAX_AGE"])


def _bearer() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _invalid() -> ApiError:
    return ApiError(
        401,
        "invalid_token",
        "Jeton invalide ou expiré : demandez-en un nouveau.",
        headers={"WWW-Authenticate": f'{_CHALLENGE}, error="invalid_token"'},
    )


def optional_user() -> User | None:
    """The account of the request's token; ``None`` without a token, 401 for a bad one."""
    if "api_user" in g:
        user: User | None = g.api_user
        return user
    token = _bearer()
    user = None
    if token is not None:
        data = read_token(PURPOSE, token, max_age()) or {}
        uid, version, territory = data.get("uid"), data.get("v"), data.get("t")
        if not all(type(v) is int for v in (uid, version, territory)):
            raise _invalid()
        user = db.uow().session.get(User, uid)
        if (
            user is None
            or not user.active
            or user.deleted_at is not None
            or user.session_version != version
            or user.territory_id != territory
            or territory != db.territory().id
        ):
            raise _invalid()
    g.api_user = user
    return user


def current_user() -> User:
    """The account of the request's token, or 401."""
    user = optional_user()
    if user is None:
        raise ApiError(
            401,
            "unauthorized",
            "Authentification requise : envoyez l'en-tête « Authorization: Bearer <jeton> ».",
            headers={"WWW-Authenticate": _CHALLENGE},
        )
    return user


def merchant_of(user: User, merchant_id: int | None) -> Merchant:
    """The merchant ``user`` works for (the one asked for, or their only one).

    Only merchant accounts (403 otherwise); a merchant that is not theirs is a 404.
    """
    if user.role is not Role.MERCHANT:
        raise ApiError(403, "forbidden", "Réservé aux comptes commerçants.")
    mine = [m for m in merchants_of_user(db.uow(), user.id) if m.territory_id == user.territory_id]
    if merchant_id is not None:
        for merchant in mine:
            if merchant.id == merchant_id:
                return merchant
        raise ApiError(404, "not_found", "Boutique introuvable.", field="merchant_id")
    if not mine:
        raise ApiError(403, "forbidden", "Votre compte n'est rattaché à aucune boutique.")
    if len(mine) > 1:
        raise ApiError(
            422,
            "invalid",
            "Vous travaillez pour plusieurs boutiques : indiquez merchant_id.",
            field="merchant_id",
        )
    return mine[0]
