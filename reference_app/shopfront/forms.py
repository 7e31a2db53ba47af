"""Forms of the shopper's pages (labels and messages in French, translated by Babel).

Choices that depend on the territory or the account (delivery options, dates, addresses)
are set by the views before validation.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)
from wtforms.validators import ValidationError as FieldError
from wtforms.widgets import TextInput

from reference_app.auth.forms import NotGuessable, PhoneNumber, phone_error
from reference_app.security import MIN_PASSWORD_LENGTH
from shop_core.carts.services import MAX_QUANTITY

_QUANTITY = _l("Indiquez une quantité entre 1 et %(max)s.", max=MAX_QUANTITY)


class QuantityField(IntegerField):
    """A whole number typed by a person: "2 " and "02" are fine, "deux" gets a French error.

    A text box (``inputmode="numeric"`` brings the digits keyboard): a browser empties a
    number box holding « abc », so the shopper would not see what the message is about.
    """

    widget = TextInput()

    def pre_validate(self, form: Any) -> None:
        # Not a number: that message alone, not also « entre 1 et 999 » from NumberRange.
        if self.process_errors:
            raise StopValidation()

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        raw = str(valuelist[0]).strip()
        if not raw:
            self.data = None
            return
        try:
            self.data = int(raw)
        except ValueError as exc:
            self.data = None
            self.raw_data = [raw]
            raise ValueError(str(_l("Indiquez la quantité en chiffres, par exemple 2."))) from exc


class AddToBasketForm(FlaskForm):
    quantity = QuantityField(
        _l("Quantité"),
        default=1,
        validators=[
            InputRequired(message=_l("Indiquez une quantité.")),
            NumberRange(min=1, max=MAX_QUANTITY, message=_QUANTITY),
        ],
    )


class QuantityForm(FlaskForm):
    """Change a basket line; 0 removes it."""

    quantity = QuantityField(
        _l("Quantité"),
        validators=[
            InputRequired(message=_l("Indiquez une quantité.")),
            NumberRange(
                min=0,
                max=MAX_QUANTITY,
                message=_l("Indiquez une quantité entre 0 et %(max)s.", max=MAX_QUANTITY),
            ),
        ],
    )


class FilledByTheView:
    """Marks a field required (its label gets « * ») whose emptiness the view checks with
    ``check_address_filled``: the checkout's address fields count only when « Une autre
    adresse » is chosen, so no validator may refuse them empty."""

    field_flags = {"required": True}

    def __call__(self, form: FlaskForm, field: Any) -> None:
        return None


class AddressFields(FlaskForm):
    """A postal address in France; the commune is checked against the gazetteer by the view."""

    recipient = StringField(
        _l("Nom du destinataire"), validators=[Optional(), Length(max=120), FilledByTheView()]
    )
    line1 = StringField(
        _l("Numéro et rue"),
        validators=[Optional(), Length(max=200), FilledByTheView()],
        description=_l("Par exemple : 3 rue des Tilleuls"),
    )
    line2 = StringField(
        _l("Complément d'adresse (facultatif)"),
        validators=[Optional(), Length(max=200)],
        description=_l("Bâtiment, étage, lieu-dit…"),
    )
    postal_code = StringField(
        _l("Code postal"),
        validators=[Optional(), Length(max=5, message=_l("5 chiffres.")), FilledByTheView()],
    )
    city = StringField(_l("Commune"), validators=[Optional(), Length(max=120), FilledByTheView()])
    phone = TelField(
        _l("Téléphone (facultatif)"),
        validators=[Optional(), Length(max=30)],
        description=_l("Pour que le livreur puisse vous appeler."),
    )
    instructions = TextAreaField(
        _l("Indications pour le livreur (facultatif)"),
        validators=[Optional(), Length(max=300)],
        description=_l("Code de la porte, sonnette, où déposer le colis…"),
    )

    REQUIRED = {
        "recipient": _l("Indiquez le nom du destinataire."),
        "line1": _l("Indiquez le numéro et la rue."),
        "postal_code": _l("Indiquez le code postal."),
        "city": _l("Indiquez la commune."),
    }

    def check_address_filled(self) -> bool:
        """Add a French error to each empty required address field; True when all are filled."""
        ok = True
        for name, message in self.REQUIRED.items():
            field = self[name]
            if not (field.data or "").strip():
                field.errors = [*field.errors, str(message)]
                ok = False
        postal = (self.postal_code.data or "").strip()
        if postal and not (len(postal) == 5 and postal.isdigit()):
            self.postal_code.errors = [
                *self.postal_code.errors,
                str(_l("Le code postal doit comporter 5 chiffres.")),
            ]
            ok = False
        # Checked here rather than by the field: the checkout ignores this field when a saved
        # address is chosen, and fills it with the account's phone.
        message = phone_error(self.phone.data)
        if message:
            self.phone.errors = [*self.phone.errors, message]
            ok = False
        return ok


class AddressForm(AddressFields):
    label = StringField(
        _l("Nom de cette adresse"),
        default=_l("Domicile"),
        validators=[Optional(), Length(max=60)],
        description=_l("Par exemple : Domicile, Chez ma fille"),
    )


class CheckoutForm(AddressFields):
    where = RadioField(
        _l("Comment recevoir vos courses ?"),
        validators=[InputRequired(message=_l("Choisissez comment recevoir vos courses."))],
        invalid_choice_message=_l("Choisissez une des possibilités proposées."),
    )
    address = RadioField(_l("Adresse de livraison"), validate_choice=False)
    save_address = BooleanField(_l("Enregistrer cette adresse dans mon compte"), default=True)
    slot = RadioField(_l("Créneau de livraison"), validate_choice=False)
    # Radio buttons rather than a select: a closed select box cuts its text on a phone, and
    # the seven days offered all stay in view.
    date = RadioField(
        _l("Jour de livraison ou de retrait"),
        validators=[InputRequired(message=_l("Choisissez un jour."))],
        invalid_choice_message=_l("Choisissez un des jours proposés."),
    )
    payment = RadioField(
        _l("Paiement"),
        choices=[SelectChoice("offline", _l("Paiement à la livraison ou au retrait"))],
        default="offline",
        validators=[InputRequired(message=_l("Choisissez un moyen de paiement."))],
        invalid_choice_message=_l("Choisissez un moyen de paiement proposé."),
    )
    idempotency_key = HiddenField()
    expected_total = HiddenField()


class ProfileForm(FlaskForm):
    full_name = StringField(
        _l("Prénom et nom"),
        validators=[DataRequired(message=_l("Indiquez votre nom.")), Length(max=120)],
    )
    phone = TelField(
        _l("Téléphone (facultatif)"), validators=[Optional(), Length(max=30), PhoneNumber()]
    )


class PasswordForm(FlaskForm):
    #: The account's name and e-mail, set by the view (see ``NotGuessable``).
    known_words: tuple[str, ...] = ()

    current = PasswordField(
        _l("Mot de passe actuel"),
        validators=[DataRequired(message=_l("Indiquez votre mot de passe actuel."))],
    )
    password = PasswordField(
        _l("Nouveau mot de passe"),
        validators=[
            DataRequired(message=_l("Choisissez un nouveau mot de passe.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=_l("%(n)s caractères au moins.", n=MIN_PASSWORD_LENGTH),
            ),
            NotGuessable(),
        ],
        description=_l("%(n)s caractères au moins.", n=MIN_PASSWORD_LENGTH),
    )
    confirm = PasswordField(
        _l("Confirmez le nouveau mot de passe"),
        validators=[DataRequired(message=_l("Confirmez le nouveau mot de passe."))],
    )

    def validate_confirm(self, field: PasswordField) -> None:
        if field.data != self.password.data:
            raise FieldError(str(_l("Les mots de passe diffèrent.")))


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Votre mot de passe"),
        validators=[DataRequired(message=_l("Indiquez votre mot de passe pour confirmer."))],
    )
    understood = BooleanField(
        _l("J'ai compris : mon compte et mes adresses seront effacés."),
        validators=[DataRequired(message=_l("Cochez la case pour confirmer."))],
    )


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token."""
