"""Forms of the account pages (labels and messages in French, translated by Babel)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, Field, PasswordField, StringField, TelField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, StopValidation

from reference_app.security import MIN_PASSWORD_LENGTH, guessable
from shop_core import phones

_MISMATCH = _l("Les mots de passe diffèrent.")
_TOO_SHORT = _l("%(n)s caractères au moins.", n=MIN_PASSWORD_LENGTH)


class NotGuessable:
    """Refuses a password too easy to guess (``security.guessable``); ``about`` names the
    form's fields that describe the user (name, e-mail), which count as known words. A form
    without such fields (a password change or reset) is given them by its view, as the
    form's ``known_words``."""

    def __init__(self, *about: str) -> None:
        self.about = about

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if not field.data or len(field.data) < MIN_PASSWORD_LENGTH:
            return  # the length's own message says what is wrong
        words = [str(getattr(form, name).data or "") for name in self.about if name in form]
        words += getattr(form, "known_words", ())
        if guessable(field.data, *words):
            raise StopValidation(
                str(
                    _l(
                        "Ce mot de passe est trop facile à deviner (suite de chiffres ou de "
                        "lettres, mot courant, votre nom…) : essayez par exemple trois mots "
                        "sans rapport entre eux."
                    )
                )
            )


#: phones.INVALID_PHONE, the message the merchant's settings give, here in the catalogue.
INVALID_PHONE = _l(
    "Numéro de téléphone invalide : écrivez par exemple "
    "03\u00a021\u00a012\u00a034\u00a056 ou +33\u00a03\u00a021\u00a012\u00a034\u00a056."
)


def phone_error(typed: str | None) -> str | None:
    """The message for a typed phone number that is not one; ``None`` when it is or is empty."""
    if not (typed or "").strip() or phones.is_valid(typed or ""):
        return None
    return str(INVALID_PHONE)


class PhoneNumber:
    """An optional phone number: empty, or one that ``phones.is_valid`` accepts."""

    def __call__(self, form: FlaskForm, field: Field) -> None:
        message = phone_error(field.data)
        if message:
            raise StopValidation(message)


def new_password_validators(*about: str) -> list[Any]:
    """A new password: required, long enough, not too easy to guess."""
    return [
        DataRequired(),
        Length(min=MIN_PASSWORD_LENGTH, max=200, message=_TOO_SHORT),
        NotGuessable(*about),
    ]


class LoginForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired()])
    remember = BooleanField(_l("Rester connecté sur cet appareil"))


class SignupForm(FlaskForm):
    full_name = StringField(_l("Prénom et nom"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    phone = TelField(
        _l("Téléphone (facultatif)"), validators=[Optional(), Length(max=30), PhoneNumber()]
    )
    password = PasswordField(
        _l("Mot de passe"),
        validators=new_password_validators("full_name", "email"),
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
    #: The account's name and e-mail, set by the view (see ``NotGuessable``).
    known_words: tuple[str, ...] = ()

    password = PasswordField(
        _l("Nouveau mot de passe"),
        validators=new_password_validators(),
        description=_l("%(n)s caractères au moins.", n=MIN_PASSWORD_LENGTH),
    )
    confirm = PasswordField(
        _l("Confirmez le mot de passe"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("Les mots de passe diffèrent.")),
        ],
    )
