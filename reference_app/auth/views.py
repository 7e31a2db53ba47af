"""Login, logout, shopper sign-up and password reset."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from reference_app import db
from reference_app.auth.forms import ForgotForm, LoginForm, ResetForm, SignupForm
from reference_app.auth.reset import send_reset_link
from reference_app.auth.users import WebUser
from reference_app.domain_messages import shown
from reference_app.extensions import limiter
from reference_app.local_paths import local_path
from reference_app.operator.acting import stop_acting_for_shopper
from reference_app.security import (
    DUMMY_HASH,
    hash_password,
    read_token,
    verify_password,
)
from reference_app.throttling import forget_failures, login_failed, throttle_login
from shop_core.accounts.model import Role, User
from shop_core.accounts.profile import set_locale
from shop_core.accounts.services import find_by_email, register_user
from shop_core.errors import ValidationError

bp = Blueprint("auth", __name__)


_HOMES = {
    Role.OPERATOR: "operator.dashboard",
    Role.COURIER: "courier.today",
    Role.POINT_STAFF: "point.waiting",
    Role.MERCHANT: "merchant.dashboard",
}


def _home_for(user: User) -> str:
    endpoint = _HOMES.get(user.role, "shop.home")
    if endpoint not in current_app.view_functions:
        endpoint = "shop.home"
    return url_for(endpoint)


def start_session(user: User, remember: bool = False) -> int:
    """Log in with a fresh session (no fixation), keeping the visitor's basket.

    Returns how many products the account's basket kept from an earlier visit beside the
    visitor's (see ``adopt_anonymous_basket``)."""
    kept = {key: session[key] for key in ("basket_token", "lang") if key in session}
    session.clear()
    session.update(kept)
    login_user(WebUser(user), remember=remember)
    # The language: the one picked before logging in is remembered on the account (for
    # its e-mails); without one, the account's own.
    if session.get("lang") in current_app.config["LANGUAGES"]:
        set_locale(uow=db.uow(), user_id=user.id, locale=session["lang"])
    elif user.locale in current_app.config["LANGUAGES"]:
        session["lang"] = user.locale
    from reference_app.shopfront.basket import adopt_anonymous_basket

    return adopt_anonymous_basket(user)


@bp.before_app_request
def _remember_language() -> None:
    # A logged-in person who switches language (?lang=) gets their e-mails in it too.
    wanted = request.args.get("lang")
    if (
        wanted in current_app.config["LANGUAGES"]
        and current_user.is_authenticated
        and current_user.user.locale != wanted
    ):
        set_locale(uow=db.uow(), user_id=current_user.user.id, locale=wanted)


@bp.route("/login", methods=["GET", "POST"])
@throttle_login
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(_home_for(current_user.user))
    form = LoginForm()
    if form.validate_on_submit():
        user = find_by_email(db.uow(), territory_id=db.territory().id, email=form.email.data or "")
        password = form.password.data or ""
        if user is None:
            verify_password(DUMMY_HASH, password)
        elif user.active and verify_password(user.password_hash, password):
            forget_failures(user.email)
            earlier = start_session(user, remember=bool(form.remember.data))
            flash(_("Bonjour %(name)s, vous êtes connecté.", name=user.full_name), "success")
            wanted = local_path(request.args.get("next"))
            if earlier and wanted and urlsplit(wanted).path == url_for("shop.checkout"):
                return redirect(url_for("shop.basket"))  # see what was added before paying
            return redirect(wanted or _home_for(user))
        login_failed()
        form.password.errors.append(_("Adresse e-mail ou mot de passe incorrect."))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    if current_user.is_authenticated:
        # Bump the session version: every other session of this account ends too.
        user = current_user.user
        if current_user.is_operator:
            stop_acting_for_shopper()  # recorded: the shopper's session ends with the login
        user.session_version += 1
        db.uow().commit()
    logout_user()
    session.clear()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("shop.home"))


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("5 per minute;30 per hour", methods=["POST"])
def signup() -> str | Response:
    form = SignupForm()
    if form.validate_on_submit():
        try:
            uid = register_user(
                uow=db.uow(),
                territory_id=db.territory().id,
                email=form.email.data or "",
                full_name=form.full_name.data or "",
                phone=form.phone.data or "",
                password_hash=hash_password(form.password.data or ""),
                locale=str(get_locale() or "fr"),
            )
        except ValidationError as error:
            target = getattr(form, error.field or "", None) or form.email
            target.errors = [*target.errors, shown(error)]  # type: ignore[union-attr]
        else:
            user = db.uow().session.get_one(User, uid)
            start_session(user)
            flash(_("Votre compte est créé. Bienvenue !"), "success")
            return redirect(local_path(request.args.get("next")) or url_for("shop.home"))
    return render_template("auth/signup.html", form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per minute;20 per hour", methods=["POST"])
def forgot() -> str | Response:
    form = ForgotForm()
    if form.validate_on_submit():
        user = find_by_email(db.uow(), territory_id=db.territory().id, email=form.email.data or "")
        if user is not None and user.active:
            send_reset_link(user)
        # Same answer whether the account exists or not.
        flash(
            _("Si un compte existe avec cette adresse, un e-mail vient de lui être envoyé."), "info"
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset(token: str) -> str | Response:
    return _choose_password(token, "reset", current_app.config["PASSWORD_RESET_MAX_AGE"])


@bp.route("/password/welcome/<token>", methods=["GET", "POST"])
def welcome(token: str) -> str | Response:
    """A shopper the operator registered chooses their first password (``send_welcome_link``)."""
    return _choose_password(token, "welcome", current_app.config["WELCOME_LINK_MAX_AGE"])


def _choose_password(token: str, purpose: str, max_age: int) -> str | Response:
    data = read_token(purpose, token, max_age)
    user = db.uow().session.get(User, data["uid"]) if data else None
    if user is None or data is None or data.get("v") != user.session_version:
        flash(_("Ce lien n'est plus valable : demandez-en un nouveau."), "error")
        return redirect(url_for("auth.forgot"))
    form = ResetForm()
    form.known_words = (user.full_name, user.email)
    first = not user.password_hash
    if form.validate_on_submit():
        user.password_hash = hash_password(form.password.data or "")
        user.session_version += 1  # ends other sessions and makes the link single-use
        db.uow().commit()
        forget_failures(user.email)  # the mailbox's owner: a blocked login opens again
        start_session(user)
        if first:
            flash(_("Votre mot de passe est enregistré."), "success")
        else:
            flash(_("Votre mot de passe est changé."), "success")
        return redirect(_home_for(user))
    return render_template("auth/reset.html", form=form, first=first)
