"""Forms of the merchant back-office: few fields, French labels, server-side checks."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from reference_app.auth.forms import new_password_validators
from reference_app.choices import options
from reference_app.request_caps import photo_input
from reference_app.security import MIN_PASSWORD_LENGTH
from shop_core.catalogue.model import UNIT_LABELS_FR
from shop_core.merchants.model import TRADE_LABELS_FR
from shop_core.vat import VatRate

_NUMBER = _l("Indiquez un nombre entier.")


def trade_choices() -> list[tuple[str, LazyString]]:
    # Lazily translated: the labels are the core's French ones, marked in `labels`.
    return [(t.value, _l(label)) for t, label in TRADE_LABELS_FR.items()]


class ShopIdentityForm(FlaskForm):
    """The legal identity and address of a shop (sign-up, and operator's assisted mode)."""

    trade_name = StringField(
        _l("Nom de la boutique"),
        validators=[DataRequired(), Length(max=120)],
        description=_l("Le nom que voient vos clients."),
    )
    legal_name = StringField(
        _l("Raison sociale"),
        validators=[DataRequired(), Length(max=160)],
        description=_l("Comme sur votre extrait Kbis ou votre avis de situation SIRENE."),
    )
    # No trade chosen by default: the first one (« Boulangerie-pâtisserie ») was taken
    # silently by a shop that scrolled past the field.
    trade = SelectField(
        _l("Métier"),
        choices=options([("", _l("Choisissez votre métier…")), *trade_choices()]),
        validators=[DataRequired(message=_l("Choisissez votre métier."))],
    )
    siren = StringField(
        _l("Numéro SIREN"),
        validators=[DataRequired(), Length(max=20)],
        description=_l("9 chiffres."),
    )
    siret = StringField(
        _l("Numéro SIRET (facultatif)"),
        validators=[Optional(), Length(max=30)],
        description=_l("14 chiffres : le SIREN suivi du numéro de l'établissement."),
    )
    vat_franchise = BooleanField(
        _l("Je suis en franchise en base de TVA (pas de numéro de TVA)"),
    )
    vat_number = StringField(
        _l("Numéro de TVA intracommunautaire"),
        validators=[Optional(), Length(max=30)],
        description=_l("Commence par FR, par exemple FR32123456789."),
    )
    address = StringField(
        _l("Adresse de la boutique"), validators=[DataRequired(), Length(max=200)]
    )
    postal_code = StringField(
        _l("Code postal"),
        validators=[DataRequired(), Regexp(r"^\d{5}$", message=_l("5 chiffres."))],
    )
    city = StringField(_l("Commune"), validators=[DataRequired(), Length(max=120)])


class SellForm(ShopIdentityForm):
    """Sign-up of a merchant: the owner's account, then the shop."""

    full_name = StringField(_l("Prénom et nom"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        _l("Adresse e-mail"),
        validators=[DataRequired(), Email(), Length(max=254)],
        description=_l("Pour vous connecter et recevoir les commandes."),
    )
    phone = TelField(_l("Téléphone"), validators=[DataRequired(), Length(max=30)])
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


def vat_choices() -> list[tuple[str, str]]:
    return [(str(r.value), r.label) for r in VatRate]


def unit_choices() -> list[tuple[str, LazyString]]:
    return [(u.value, _l(label)) for u, label in UNIT_LABELS_FR.items()]


class ProductForm(FlaskForm):
    name = StringField(_l("Nom du produit"), validators=[DataRequired(), Length(max=140)])
    price = StringField(
        _l("Prix TTC en euros"),
        validators=[DataRequired(), Length(max=20)],
        description=_l("Par exemple 12,50 — pour l'unité choisie ci-dessous."),
    )
    unit = SelectField(_l("Unité de vente"), choices=options(unit_choices()), default="piece")
    estimated_weight_g = IntegerField(
        _l("Poids estimé d'une pièce, en grammes"),
        validators=[Optional(), NumberRange(min=1, max=100_000)],
        description=_l(
            "Seulement pour un produit au kg ou aux 100 g : vous pèserez à la préparation."
        ),
    )
    vat_rate = SelectField(
        _l("Taux de TVA"),
        choices=options(vat_choices()),
        default=str(VatRate.REDUCED.value),
        description=_l("5,5 % pour la plupart des aliments, 20 % pour le reste."),
    )
    category_id = SelectField(_l("Catégorie"), choices=[], validate_choice=False)
    track_stock = BooleanField(_l("Je gère le stock de ce produit"), default=True)
    stock_quantity = IntegerField(
        _l("Quantité en stock"),
        # "-5" is a whole number: « Indiquez un nombre entier. » alone left the merchant puzzled.
        validators=[
            Optional(),
            NumberRange(min=0, max=1_000_000, message=_l("Indiquez un nombre entier, 0 ou plus.")),
        ],
        default=0,
    )
    # The level the form showed: orders placed while the merchant types are not undone.
    stock_seen = HiddenField()
    # The rest as the form showed it (JSON of ``edit_snapshot``): a save made by someone
    # else meanwhile is not overwritten unseen.
    edit_seen = HiddenField()
    no_withdrawal = BooleanField(
        _l("Produit périssable (pas de droit de rétractation)"),
    )
    active = BooleanField(_l("En vente"), default=True)
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    photo = FileField(
        _l("Ajouter une photo"),
        description=_l("JPEG, PNG ou WebP, 8 Mo au plus."),
        render_kw=photo_input(),
    )
    photo_alt = StringField(
        _l("Ce que montre la photo (pour les personnes aveugles)"),
        validators=[Optional(), Length(max=200)],
    )
    # The photo sent with a form that came back with an error, already stored (signed
    # keys): a file input cannot be filled again, and the merchant would save without it.
    photo_kept = HiddenField()


class StockForm(FlaskForm):
    quantity = IntegerField(
        _l("Stock"),
        validators=[InputRequired(message=_NUMBER), NumberRange(min=0, max=1_000_000)],
    )
    seen = HiddenField()  # the level the list showed (see ProductForm.stock_seen)


REFUSAL_REASONS = [
    ("", _l("Choisissez un motif")),
    ("epuise", _l("Produit épuisé")),
    ("ferme", _l("Boutique fermée ce jour-là")),
    ("delai", _l("Impossible de préparer à temps")),
    ("autre", _l("Autre motif")),
]


class RefuseForm(FlaskForm):
    reason = SelectField(
        _l("Motif du refus"),
        choices=options(REFUSAL_REASONS),
        validators=[DataRequired(message=_l("Choisissez un motif."))],
    )
    details = StringField(
        _l("Précisions pour le client"),
        validators=[Optional(), Length(max=200)],
    )


class ImportForm(FlaskForm):
    file = FileField(
        _l("Fichier CSV"),
        description=_l(
            "Enregistré depuis un tableur, séparé par des points-virgules ou des virgules."
        ),
        render_kw={"accept": ".csv,text/csv"},
    )


class ConfirmImportForm(FlaskForm):
    token = HiddenField()
