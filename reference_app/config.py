"""Configuration: defaults, then ``CABAS_*`` environment variables, then the caller's dict."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask

DEV_SECRET = "dev-only-secret-change-me"


def defaults(app: Flask) -> dict[str, Any]:
    instance = Path(app.instance_path)
    return {
        "SECRET_KEY": DEV_SECRET,
        "DATABASE_URL": f"sqlite:///{instance / 'cabas.db'}",
        # Which territory a request belongs to: by host name, else the default slug, else the
        # first territory in the database.
        "TERRITORY_HOSTS": {},
        "DEFAULT_TERRITORY": None,
        "MAIL_BACKEND": "console",  # console | smtp | memory
        "MAIL_SENDER": "Cabas <ne-pas-repondre@cabas.local>",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": 25,
        "SMTP_USERNAME": None,
        "SMTP_PASSWORD": None,
        "SMTP_STARTTLS": False,
        "STORAGE_BACKEND": "local",  # local | s3
        "UPLOAD_FOLDER": str(instance / "uploads"),
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        # The forms that send a photo: its own field refuses one over 8 Mo, the form kept
        # (reference_app.request_caps).
        "PHOTO_FORM_MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_ENABLED": True,
        # Failed logins only (form and API token, one budget for both; reference_app.throttling):
        # per account (the e-mail typed) and, looser, per address — a tiers-lieu's training
        # session or the town hall share one.
        "LOGIN_ACCOUNT_RATE_LIMIT": "10 per 15 minutes;50 per day",
        "LOGIN_ADDRESS_RATE_LIMIT": "50 per 15 minutes;300 per day",
        # Every spent limit known, not only the first: the 429 page says the longest wait.
        "RATELIMIT_FAIL_ON_FIRST_BREACH": False,
        # Per signed-in account (per address otherwise); uploads: photos, logo, CSV import.
        "CHECKOUT_RATE_LIMIT": "10 per minute;60 per hour",
        "UPLOAD_RATE_LIMIT": "30 per minute;300 per hour",
        # Redis down: count in memory and log, rather than answer 500 to everyone.
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
        "LANGUAGES": ["fr", "en"],
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,  # forced on by HTTPS
        # Served over HTTPS (Secure cookies, HSTS); PROXY_FIX: how many proxies to trust for
        # X-Forwarded-* (0: none). See docs/security.md.
        "HTTPS": False,
        "PROXY_FIX": 0,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        # Background jobs (day planning): thread | celery | inline; see reference_app.jobs.
        "JOBS": "thread",
        # The app's own log lines, shown on stderr when the server configures no logging.
        "LOG_LEVEL": "INFO",
        "CELERY_BROKER_URL": None,
        "MAP_TILE_URL": "",
        # Days parcels wait at a pickup point before they go back to the shop by themselves
        # (shopper refunded of an online payment); 0: only the operator sends them back.
        "PICKUP_KEEP_DAYS": 14,
        "GEOCODER": "ban",
        "API_TOKEN_MAX_AGE": 30 * 24 * 3600,
        "PASSWORD_RESET_MAX_AGE": 3600,
        # The link mailed to a shopper the operator registered, to choose a first password.
        "WELCOME_LINK_MAX_AGE": 7 * 24 * 3600,
        # Online payment (Stripe Connect); without a secret key only offline payment is offered.
        "STRIPE_SECRET_KEY": None,
        "STRIPE_WEBHOOK_SECRET": None,
        "STRIPE_API_BASE": None,  # another API server, e.g. a local fake in tests
    }


def load(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Fill ``app.config``; refuse the development secret key outside debug and testing."""
    app.config.update(defaults(app))
    app.config.from_prefixed_env("CABAS")
    if overrides:
        app.config.update(overrides)
    app.config["FIXED_NOW"] = fixed_now(
        app.config.get("FIXED_NOW"), app.config["BABEL_DEFAULT_TIMEZONE"]
    )
    if app.config["SECRET_KEY"] == DEV_SECRET and not (app.debug or app.testing):
        raise RuntimeError(
            "CABAS_SECRET_KEY is not set: refusing to run with the development key outside "
            "debug mode. Set CABAS_SECRET_KEY to a long random value."
        )


def fixed_now(value: object, timezone: str) -> dt.datetime | None:
    """``FIXED_NOW``, the moment the app takes for now (tests, demonstrations: a day to come
    walked through with ``CABAS_FIXED_NOW=2026-12-08T10:00 make run``): a datetime, or its
    ISO 8601 text from the environment, read in ``timezone`` when it gives no offset."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise RuntimeError(
                f"CABAS_FIXED_NOW={value!r} is not a date and time: write it as "
                "2026-12-08T10:00 (territory time) or 2026-12-08T09:00+00:00."
            ) from None
    if not isinstance(value, dt.datetime):
        raise RuntimeError(f"FIXED_NOW must be a date and time, not {value!r}.")
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(timezone))
    return value.astimezone(dt.UTC)
