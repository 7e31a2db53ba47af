"""Password guessing held back, and the truth told to whoever is refused for going too fast.

Logging in (the form and ``POST /api/v1/token``) counts only the attempts that *fail* — a
wrong password, an address no account has, a deactivated account — in two budgets that the
form and the API share:

- per account: the e-mail typed, whether an account has it or not (the answer must not
  tell), kept in the rate-limit storage as a keyed hash, not as the address;
- per client address, looser: the shoppers of a training session at a tiers-lieu, or of the
  town hall where the operator helps them, share one.

A login that succeeds is not counted, and clears its account's failures, as does a new
password chosen with « Mot de passe oublié » (the way out of a blocked account). Once a
budget is spent every attempt is refused, the right password too, until its window ends.
The counts live in Flask-Limiter's storage: Redis when several workers serve the shop.

The other limits (password reset, sign-up, checkout, uploads) count every request, as
:mod:`reference_app.extensions` sets them. Whichever limit refuses a request, :func:`refusal`
says how long to wait: until the latest of the spent windows ends.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_babel import ngettext, to_user_timezone
from flask_limiter.util import get_remote_address
from limits import parse_many
from werkzeug.wrappers import Response

from reference_app.extensions import limiter
from reference_app.formatting import date_fr, hour_text
from shop_core.accounts.services import normalise_email

log = logging.getLogger("cabas")

ACCOUNT_SCOPE = "login-account"
ADDRESS_SCOPE = "login-address"

F = TypeVar("F", bound=Callable[..., Any])


def _account_limit() -> str:
    return str(current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"])


def _address_limit() -> str:
    return str(current_app.config["LOGIN_ADDRESS_RATE_LIMIT"])


def account_key_for(email: str) -> str:
    """The budget of the account ``email`` names: a hash keyed with the app's secret, so
    that the rate-limit storage holds no e-mail address."""
    secret = str(current_app.secret_key or "").encode()
    digest = hmac.new(secret, normalise_email(email).encode(), hashlib.sha256).hexdigest()
    return f"account-{digest[:32]}"


def _typed_email() -> str:
    if request.is_json:
        body = request.get_json(silent=True)
        email = body.get("email") if isinstance(body, dict) else None
    else:
        email = request.form.get("email")
    return email if isinstance(email, str) else ""


def _account_key() -> str:
    return account_key_for(_typed_email())


def login_failed() -> None:
    """Count this request's login attempt as failed (in both budgets, once it is answered)."""
    g.cabas_login_failed = True


def _failed(response: Response) -> bool:
    return bool(g.get("cabas_login_failed"))


_by_account = limiter.shared_limit(
    _account_limit, scope=ACCOUNT_SCOPE, key_func=_account_key, deduct_when=_failed,
    methods=["POST"],
)  # fmt: skip
_by_address = limiter.shared_limit(
    _address_limit, scope=ADDRESS_SCOPE, key_func=get_remote_address, deduct_when=_failed,
    methods=["POST"],
)  # fmt: skip


def throttle_login(view: F) -> F:
    """Refuse a login (form or API) once its account's or its address's failures are spent;
    the view calls :func:`login_failed` when the password is refused."""
    return _by_address(_by_account(view))


def forget_failures(email: str) -> None:
    """Clear the failed logins counted against the account of ``email`` (it logged in, or
    chose a new password); its address's are kept."""
    if not limiter.enabled:
        return
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    keys = [prefix] if prefix else []
    try:
        for item in parse_many(_account_limit()):
            limiter.limiter.clear(item, *keys, account_key_for(email), ACCOUNT_SCOPE)
    except Exception:  # the storage is down: the failures simply run out with their window
        log.exception("could not clear the failed logins of an account")


@dataclass(frozen=True)
class Refusal:
    """What a request refused for going too fast is told."""

    message: str
    retry_after: int
    """Seconds until the request can succeed (the ``Retry-After`` header)."""
    account_blocked: bool = False
    """Whether an account's failed logins are spent: a new password unblocks it."""


def refusal() -> Refusal:
    """Why and how long the current request is refused: until the latest of its spent
    limits ends (a daily one may outlast the quarter of an hour that also ran out)."""
    spent = [limit for limit in limiter.current_limits if limit.breached]
    if not spent:
        return Refusal(_("Vous avez fait trop d'essais en peu de temps. Réessayez plus tard."), 60)
    try:
        last = max(spent, key=lambda limit: limit.window.reset_time)
        until = last.window.reset_time
    except Exception:  # the storage went down meanwhile: the window is at most the limit's
        last = spent[0]
        until = time.time() + last.limit.get_expiry()
    seconds = max(1, math.ceil(until - time.time()))
    scope = last.request_args[-1] if last.request_args else ""
    words = {"wait": wait_words(seconds), "time": end_words(seconds, now=_now())}
    if scope == ACCOUNT_SCOPE:
        text = _(
            "Trop d'essais de mot de passe ont échoué pour ce compte : pour le protéger, sa "
            "connexion est bloquée. Réessayez dans %(wait)s (à partir de %(time)s), ou "
            "choisissez dès maintenant un nouveau mot de passe.",
            **words,
        )
        return Refusal(text, seconds, account_blocked=True)
    if scope == ADDRESS_SCOPE:
        text = _(
            "Trop d'essais de connexion ont échoué depuis cette connexion internet (peut-être "
            "partagée, dans un lieu public). Réessayez dans %(wait)s (à partir de %(time)s).",
            **words,
        )
        return Refusal(text, seconds)
    text = _(
        "Vous avez fait trop d'essais en peu de temps. Réessayez dans %(wait)s (à partir de "
        "%(time)s).",
        **words,
    )
    return Refusal(text, seconds)


def wait_words(seconds: int) -> str:
    """A wait as people say it: « moins d'une minute », « 14 minutes », « 1 heure »,
    « 2 h 5 min » (rounded up to the minute, never shorter than the truth)."""
    if seconds < 60:
        return _("moins d'une minute")
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return ngettext("%(num)s\u00a0minute", "%(num)s\u00a0minutes", minutes)
    hours, rest = divmod(minutes, 60)
    if rest == 0:
        return ngettext("%(num)s\u00a0heure", "%(num)s\u00a0heures", hours)
    return _("%(hours)s\u00a0h\u00a0%(minutes)s\u00a0min", hours=hours, minutes=rest)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def end_words(seconds: int, *, now: dt.datetime) -> str:
    """When a wait of ``seconds`` from ``now`` ends, on the reader's clock, to the minute
    after: « 15 h 42 », « demain à 9 h 10 »."""
    now = to_user_timezone(now)
    then = now + dt.timedelta(seconds=seconds)
    if then.second or then.microsecond:
        then = then.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    if then.date() == now.date():
        return hour_text(then)
    if then.date() == now.date() + dt.timedelta(days=1):
        return _("demain à %(time)s", time=hour_text(then))
    return date_fr(then)
