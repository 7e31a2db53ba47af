"""Forms of the account pages (labels and messages in French, translated by Babel)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, TelField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from reference_app.security import MIN_PASSWORD_LENGTH

_MISMATCH = _l("Les mots de passe diffèrent.")


class LoginForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired()])
    remember = BooleanField(_l("Rester connecté sur cet appareil"))


class SignupForm(FlaskForm):
    full_name = StringField(_l("Prénom et nom"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    phone = TelField(_l("Téléphone (facultatif)"), validators=[Optional(), Length(max=30)])
    password = PasswordField(
        _l("Mot de passe"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
        description=_l("%(n)s caractères au moins.", n=MIN_PASSWORD_LENGTH),
    )
    confirm = PasswordField(
        _l("Confirmez le mot de passe"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("Les mots de passe diffèrent.")),
        ],
    )


class ForgotForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Email()])


class ResetForm(FlaskForm):
    password = PasswordField(
        _l("Nouveau mot de passe"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
    )
    confirm = PasswordField(
        _l("Confirmez le mot de passe"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("Les mots de passe diffèrent.")),
        ],
    )
