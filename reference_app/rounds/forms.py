"""Forms of the round set-up (French labels, server-side checks)."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from reference_app.input_guard import id_choice
from reference_app.rounds.fields import DegreesField


class TooLong(Length):
    """``Length(max=…)`` told in French, without the ``maxlength`` attribute: a browser cuts
    a longer paste to it without a word, and the name saved is not the one typed."""

    def __init__(self, most: int, message: str | LazyString) -> None:
        super().__init__(max=most, message=message)
        self.field_flags = {}


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (one per choice), easier on a phone than a multiple select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RoundForm(FlaskForm):
    name = StringField(
        _l("Nom de la tournée"),
        validators=[
            DataRequired(message=_l("Donnez un nom à la tournée.")),
            TooLong(120, _l("Le nom de la tournée est trop long : 120 caractères au plus.")),
        ],
        description=_l("Par exemple « Saint-Pol matin » ou « Vallée de la Canche »."),
    )
    courier_id = SelectField(_l("Livreur"), coerce=id_choice, validate_choice=False)
    depot_id = SelectField(
        _l("Dépôt de départ et de retour"), coerce=id_choice, validate_choice=False
    )
    weekdays = MultiCheckboxField(
        _l("Jours de passage"),
        coerce=int,  # choices set by the view: the days in the reader's language
        default=[1, 2, 3, 4, 5],
        validators=[DataRequired(message=_l("Cochez au moins un jour de la semaine."))],
    )
    starts = TimeField(
        _l("Heure de départ"),
        default=dt.time(8),
        validators=[InputRequired(message=_l("Indiquez l'heure de départ."))],
    )
    ends = TimeField(
        _l("Retour au dépôt au plus tard"),
        default=dt.time(13),
        validators=[InputRequired(message=_l("Indiquez l'heure de retour."))],
    )
    capacity = IntegerField(
        _l("Capacité du véhicule (colis)"),
        default=30,
        validators=[
            InputRequired(message=_l("Indiquez la capacité.")),
            NumberRange(1, 1000, message=_l("La capacité va de 1 à 1000 colis.")),
        ],
    )
    max_duration_min = IntegerField(
        _l("Durée maximale (minutes, facultatif)"),
        validators=[
            Optional(),
            NumberRange(15, 1440, message=_l("La durée maximale va de 15 minutes à 24 heures.")),
        ],
        description=_l("Laissez vide si seules les heures de départ et de retour comptent."),
    )
    insee_codes = MultiCheckboxField(
        _l("Communes desservies"),
        description=_l("Aucune case cochée : toutes les communes du territoire."),
    )
    active = BooleanField(_l("Tournée active"), default=True)

    def validate_ends(self, field: TimeField) -> None:
        # Told with the form's other errors (the core says it too, but only once the form
        # is valid: a capacity of 0 hid it).
        if self.starts.data is not None and field.data is not None:
            if field.data <= self.starts.data:
                raise ValidationError(_l("L'heure de fin doit suivre l'heure de départ."))


class DepotForm(FlaskForm):
    name = StringField(
        _l("Nom du dépôt"),
        validators=[
            DataRequired(message=_l("Donnez un nom au dépôt.")),
            TooLong(120, _l("Le nom du dépôt est trop long : 120 caractères au plus.")),
        ],
    )
    address = StringField(
        _l("Adresse"),
        validators=[DataRequired(message=_l("Indiquez l'adresse du dépôt.")), Length(max=200)],
    )
    postal_code = StringField(
        _l("Code postal"),
        validators=[
            DataRequired(message=_l("Indiquez le code postal.")),
            Regexp(r"^\d{5}$", message=_l("Le code postal doit comporter 5 chiffres.")),
        ],
    )
    city = StringField(
        _l("Commune"),
        validators=[DataRequired(message=_l("Indiquez la commune.")), Length(max=120)],
    )
    lat = DegreesField(
        _l("Latitude (facultatif)"),
        validators=[Optional(), NumberRange(-90, 90, message=_l("La latitude va de -90 à 90."))],
        description=_l("Sans coordonnées, le dépôt est placé au centre de la commune."),
    )
    lon = DegreesField(
        _l("Longitude (facultatif)"),
        validators=[
            Optional(),
            NumberRange(-180, 180, message=_l("La longitude va de -180 à 180.")),
        ],
    )
