"""Flask extensions, created unbound and initialised in the app factory."""

from __future__ import annotations

from flask import current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def user_or_address() -> str:
    """Throttle a signed-in person as themselves — the shoppers of a village hall or a
    tiers-lieu share one address — and anyone else by address."""
    from flask_login import current_user

    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()


def checkout_limit() -> str:
    return str(current_app.config["CHECKOUT_RATE_LIMIT"])


def upload_limit() -> str:
    return str(current_app.config["UPLOAD_RATE_LIMIT"])


#: One budget for every upload of an account (product photos, logo, CSV import), POST only.
limit_uploads = limiter.shared_limit(
    upload_limit, scope="uploads", key_func=user_or_address, methods=["POST"]
)
