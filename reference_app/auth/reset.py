"""The password-reset e-mail: sent from « Mot de passe oublié », and by the operator right
after giving an e-mail address to a shopper registered without one."""

from __future__ import annotations

from flask import url_for
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
