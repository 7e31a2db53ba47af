"""The e-mails that lead to choosing a password: the reset link of « Mot de passe oublié »,
and the welcome a shopper registered by the operator receives once given an e-mail address
(they asked for nothing and have no password yet, so it says who created the account)."""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from reference_app import db, mail
from reference_app.security import make_token
from shop_core.accounts.model import User


def send_reset_link(user: User) -> None:
    """E-mail ``user`` a single-use link to choose a new password, in their language."""
    if not user.email:
        return
    token = make_token("reset", {"uid": user.id, "v": user.session_version})
    language = mail.language_of(user.locale)
    with force_locale(language):
        subject = _("Réinitialisation de votre mot de passe")
    mail.send(
        user.email,
        subject,
        "password_reset",
        locale=language,
        user=user,
        link=url_for("auth.reset", token=token, _external=True),
        territory=db.territory(),
    )


def send_welcome_link(user: User) -> None:
    """E-mail a shopper the operator registered a link to choose their first password, valid
    ``WELCOME_LINK_MAX_AGE`` seconds (days: they may read their mail once a week)."""
    if not user.email:
        return
    token = make_token("welcome", {"uid": user.id, "v": user.session_version})
    language = mail.language_of(user.locale)
    territory = db.territory()
    with force_locale(language):
        subject = _(
            "Votre compte sur %(territory)s : choisissez votre mot de passe",
            territory=territory.name,
        )
    mail.send(
        user.email,
        subject,
        "shopper_welcome",
        locale=language,
        user=user,
        link=url_for("auth.welcome", token=token, _external=True),
        days=max(1, current_app.config["WELCOME_LINK_MAX_AGE"] // 86400),
        territory=territory,
    )
