"""The courier's forms: the shopper's code, a failed delivery."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from reference_app.choices import options
from reference_app.input_guard import id_choice

FAILURE_REASONS = [
    ("absent", _l("Personne à l'adresse")),
    ("adresse", _l("Adresse introuvable")),
    ("acces", _l("Accès impossible (portail, chien, route barrée)")),
    ("refus", _l("Colis refusé par le client")),
    ("autre", _l("Autre raison")),
]


class DeliverForm(FlaskForm):
    code = StringField(
        _l("Code donné par le client"),
        validators=[DataRequired(message=_l("Demandez son code au client.")), Length(max=12)],
    )


class FailForm(FlaskForm):
    reason = RadioField(
        _l("Que s'est-il passé ?"),
        choices=options(FAILURE_REASONS),
        validators=[DataRequired(message=_l("Choisissez ce qui s'est passé."))],
    )
    details = StringField(_l("Précisions (facultatif)"), validators=[Length(max=200)])
    then = RadioField(
        _l("Et le colis ?"),
        choices=options(
            [
                ("next_round", _l("Le représenter à la prochaine tournée")),
                ("pickup_point", _l("Le déposer dans un point de retrait")),
            ]
        ),
        default="next_round",
        validators=[DataRequired(message=_l("Choisissez où va le colis."))],
    )
    pickup_point = SelectField(_l("Point de retrait"), coerce=id_choice, validate_choice=False)

    def validate_details(self, field: StringField) -> None:
        # « Autre raison » alone tells the operator and the shopper nothing.
        if self.reason.data == "autre" and not (field.data or "").strip():
            raise ValidationError(
                _l("Pour « Autre raison », dites en quelques mots ce qui s'est passé.")
            )

    def reason_text(self) -> str:
        """The reason as stored: its label, with the details typed."""
        label = dict(FAILURE_REASONS).get(self.reason.data or "", "")
        details = (self.details.data or "").strip()
        return f"{label} : {details}" if details else str(label)
