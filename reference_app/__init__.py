"""Cabas reference shop: the Flask app where a territory's merchants sell together.

``create_app(config=None)`` builds an app; nothing happens at import time.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request, session
from flask_babel import get_locale

from reference_app import config as app_config
from reference_app.choices import PAYMENT_MEANS


def select_locale() -> str:
    """The visitor's choice (``?lang=`` remembered in the session), else French."""
    from flask import current_app

    languages: list[str] = current_app.config["LANGUAGES"]
    wanted = request.args.get("lang")
    if wanted in languages:
        session["lang"] = wanted
    chosen = session.get("lang")
    if chosen in languages:
        return str(chosen)
    return "fr"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the reference shop; ``config`` overrides defaults and ``CABAS_*`` variables."""
    app = Flask(__name__, instance_relative_config=True)
    app_config.load(app, config)
    from reference_app import input_guard

    input_guard.use_id_converter(app)  # before any route

    import delivery.model  # noqa: F401  (delivery tables and their migrations)
    from reference_app import (
        cli,
        db,
        errors,
        formatting,
        jobs,
        language_links,
        logs,
        mail,
        notifications,
        payments,
        request_caps,
        routines,
    )
    from reference_app.extensions import babel, csrf, limiter, login_manager

    logs.init_app(app)
    db.init_app(app)
    jobs.init_app(app)
    routines.init_app(app)
    mail.init_app(app)
    notifications.init_app(app)
    payments.init_app(app)
    formatting.init_app(app)
    language_links.init_app(app)
    request_caps.init_app(app)  # before the CSRF check reads the form
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Connectez-vous pour accéder à cette page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    from reference_app.auth import users  # noqa: F401  (registers the user loader)
    from reference_app.auth.views import bp as auth_bp
    from reference_app.shopfront.views import bp as shop_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(shop_bp)
    for name in ("merchant", "operator", "courier", "point", "rounds", "api", "payments"):
        _register_optional(app, name)

    errors.init_app(app)
    from reference_app import headers

    input_guard.init_app(app)

    headers.init_app(app)
    cli.init_app(app)

    # How a shopper pays by hand, offered wherever an order changes hands (imported macros
    # see the environment's globals, not the page's context).
    app.jinja_env.globals["payment_means"] = PAYMENT_MEANS

    @app.context_processor
    def _globals() -> dict[str, Any]:
        from reference_app.auth.users import acting_shopper
        from reference_app.db import territory
        from reference_app.shopfront.basket import basket_count
        from reference_app.shopfront.orders import has_purchases

        return {
            "locale": str(get_locale()),
            "current_territory": territory,
            "endpoints": app.view_functions,
            "basket_count": basket_count,
            "has_purchases": has_purchases,
            "acting_shopper": acting_shopper,
        }

    return app


def _register_optional(app: Flask, name: str) -> None:
    """Register the blueprint ``reference_app.<name>.views.bp`` when that part exists."""
    import importlib

    try:
        module = importlib.import_module(f"reference_app.{name}.views")
    except ModuleNotFoundError as exc:
        if exc.name in (f"reference_app.{name}", f"reference_app.{name}.views"):
            return
        raise
    app.register_blueprint(module.bp)
