"""Forms of the operator admin (French labels, server-side checks)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    ColorField,
    EmailField,
    Field,
    RadioField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from reference_app.choices import options
from reference_app.merchant.forms import ShopIdentityForm
from reference_app.request_caps import photo_input

_COLOUR = Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("Couleur attendue au format #RRVVBB."))


class SuspendForm(FlaskForm):
    reason = StringField(
        _l("Motif de la suspension"),
        validators=[DataRequired(message=_l("Indiquez le motif.")), Length(max=300)],
        description=_l("Il est envoyé au commerçant."),
    )


class AssistedShopForm(ShopIdentityForm):
    """A shop opened by the operator for a merchant (assisted mode)."""

    email = EmailField(
        _l("E-mail de la boutique"),
        validators=[DataRequired(), Email(), Length(max=254)],
        description=_l("Les commandes y sont envoyées."),
    )
    phone = TelField(_l("Téléphone de la boutique"), validators=[Optional(), Length(max=30)])
    create_account = BooleanField(
        _l("Créer aussi le compte du commerçant (il reçoit un lien pour choisir son mot de passe)")
    )
    owner_name = StringField(
        _l("Prénom et nom du commerçant"),
        validators=[Optional(), Length(max=120)],
        description=_l("Seulement si vous créez son compte."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # The operator fills in someone else's shop: « ses clients », not « vos clients ».
        self.trade_name.description = _l("Le nom que voient ses clients.")
        self.legal_name.description = _l(
            "Comme sur son extrait Kbis ou son avis de situation SIRENE."
        )
        self.vat_franchise.label.text = _l(
            "Le commerçant est en franchise en base de TVA (pas de numéro de TVA)"
        )


class CommuneSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(
        _l("Code INSEE, code postal ou nom de la commune"),
        validators=[DataRequired(), Length(max=80)],
    )


PICKUP_KIND_LABELS = {
    "tiers_lieu": _l("Tiers-lieu"),
    "mairie": _l("Mairie"),
    "commerce": _l("Commerce"),
    "autre": _l("Autre lieu"),
}


class PickupPointForm(FlaskForm):
    name = StringField(_l("Nom du lieu"), validators=[DataRequired(), Length(max=120)])
    kind = SelectField(_l("Type de lieu"), choices=options(PICKUP_KIND_LABELS.items()))
    address = StringField(_l("Adresse"), validators=[DataRequired(), Length(max=200)])
    postal_code = StringField(
        _l("Code postal"),
        validators=[DataRequired(), Regexp(r"^\d{5}$", message=_l("5 chiffres."))],
    )
    city = StringField(_l("Commune"), validators=[DataRequired(), Length(max=120)])
    lat = StringField(
        _l("Latitude (facultatif)"),
        validators=[Optional(), Length(max=20)],
        description=_l("Exemple : 50,3814"),
    )
    lon = StringField(
        _l("Longitude (facultatif)"),
        validators=[Optional(), Length(max=20)],
        description=_l("Exemple : 2,3347"),
    )
    opening_notes = TextAreaField(
        _l("Horaires et consignes de retrait"), validators=[Optional(), Length(max=300)]
    )
    # The hours of each weekday, « 8:30-12:00, 13:30-17:00 » (labelled by the view, in the
    # page's language): shoppers are told the first day the point opens for their order.
    hours_0 = StringField(validators=[Optional(), Length(max=60)])
    hours_1 = StringField(validators=[Optional(), Length(max=60)])
    hours_2 = StringField(validators=[Optional(), Length(max=60)])
    hours_3 = StringField(validators=[Optional(), Length(max=60)])
    hours_4 = StringField(validators=[Optional(), Length(max=60)])
    hours_5 = StringField(validators=[Optional(), Length(max=60)])
    hours_6 = StringField(validators=[Optional(), Length(max=60)])

    def hours_fields(self) -> list[Field]:
        """Monday's field to Sunday's."""
        return [self[f"hours_{weekday}"] for weekday in range(7)]


class CourierForm(FlaskForm):
    """A staff account: a courier, or the person who hands over the parcels at a pickup
    point (``point``: the point's id, or 0 for a courier; choices set by the view)."""

    point = SelectField(_l("Ce compte est pour"), coerce=int, default=0, validate_choice=True)
    full_name = StringField(_l("Prénom et nom"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    phone = TelField(_l("Téléphone (facultatif)"), validators=[Optional(), Length(max=30)])
    mode = RadioField(
        _l("Mot de passe"),
        choices=options(
            [
                ("temporary", _l("Afficher un mot de passe provisoire (à lui transmettre)")),
                ("email", _l("Lui envoyer un lien par e-mail pour qu'il le choisisse")),
            ]
        ),
        default="temporary",
    )


class CommissionForm(FlaskForm):
    percent = StringField(
        _l("Commission, en % du montant TTC"),
        validators=[DataRequired(), Length(max=10)],
        description=_l("Par exemple 5 ou 4,5. S'applique aux nouvelles commandes."),
    )


class BrandingForm(FlaskForm):
    name = StringField(
        _l("Nom de la place de marché"), validators=[DataRequired(), Length(max=120)]
    )
    tagline = StringField(_l("Slogan"), validators=[Optional(), Length(max=200)])
    primary_color = ColorField(
        _l("Couleur principale"),
        validators=[DataRequired(), _COLOUR],
        description=_l(
            "Fond de l'en-tête et des boutons, sous du texte blanc : choisissez-la foncée."
        ),
    )
    accent_color = ColorField(
        _l("Couleur d'accent"),
        validators=[DataRequired(), _COLOUR],
        description=_l("Liseré et pastilles, sous du texte foncé : choisissez-la claire."),
    )
    logo = FileField(
        _l("Logo"),
        description=_l("JPEG, PNG ou WebP. Laissez vide pour garder le logo actuel."),
        render_kw=photo_input(),
    )
    remove_logo = BooleanField(_l("Retirer le logo actuel"))


class ShopperSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(
        _l("Nom, e-mail ou téléphone du client"),
        validators=[DataRequired(), Length(min=2, max=80)],
    )


class AssistedShopperForm(FlaskForm):
    """A shopper registered by the operator over the phone or at the town hall."""

    full_name = StringField(
        _l("Civilité, prénom et nom"),
        validators=[DataRequired(), Length(max=120)],
        description=_l("Par exemple : Mme Odette Leroy."),
    )
    phone = TelField(
        _l("Téléphone"),
        validators=[DataRequired(), Length(max=30)],
        description=_l("Le livreur et l'animation l'appellent à ce numéro."),
    )
    # Shown once the number turns out to be another shopper's (``PhoneAlreadyRegistered``).
    shared_phone = BooleanField(
        _l("C'est une autre personne, au même numéro : créer quand même son compte")
    )
    email = EmailField(
        _l("Adresse e-mail (facultatif)"),
        validators=[Optional(), Email(), Length(max=254)],
        description=_l(
            "Sans e-mail, le client ne reçoit aucun message et ne peut pas se connecter : "
            "vous lui lisez le code au téléphone. Vous pourrez ajouter son e-mail plus tard, "
            "en le retrouvant ici."
        ),
    )
    line1 = StringField(_l("Adresse de livraison"), validators=[DataRequired(), Length(max=200)])
    line2 = StringField(_l("Complément (facultatif)"), validators=[Optional(), Length(max=200)])
    postal_code = StringField(
        _l("Code postal"),
        validators=[DataRequired(), Regexp(r"^\d{5}$", message=_l("5 chiffres."))],
    )
    city = StringField(_l("Commune"), validators=[DataRequired(), Length(max=120)])
    instructions = StringField(
        _l("Indications pour le livreur (facultatif)"),
        validators=[Optional(), Length(max=300)],
    )


class ShopperEmailForm(FlaskForm):
    """The e-mail a shopper registered without one gives the operator later.

    One per shopper on the results page: built with ``prefix=email_prefix(id)`` so the
    fields of two shoppers have different ids.
    """

    email = EmailField(
        _l("Son adresse e-mail"),
        validators=[Length(max=254)],
        description=_l("Il pourra ensuite se connecter, après avoir choisi un mot de passe."),
    )
    send_link = BooleanField(
        _l("Lui envoyer maintenant le lien pour choisir son mot de passe"), default=True
    )


def email_prefix(shopper_id: int) -> str:
    """The prefix of the e-mail form of one shopper on the results page."""
    return f"client{shopper_id}"
