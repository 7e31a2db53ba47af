"""The courier's forms: the shopper's code, a failed delivery."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from delivery.stops import AfterFailure, after_failure_choices
from reference_app.choices import options
from reference_app.input_guard import id_choice

#: The one reason whose parcels are not presented again (``delivery.stops.fail``).
REFUSED = "refus"

FAILURE_REASONS = [
    ("absent", _l("Personne à l'adresse")),
    ("adresse", _l("Adresse introuvable")),
    ("acces", _l("Accès impossible (portail, chien, route barrée)")),
    (REFUSED, _l("Colis refusé par le client")),
    ("autre", _l("Autre raison")),
]

AFTER_FAILURE = [
    (AfterFailure.NEXT_ROUND.value, _l("Le représenter à la prochaine tournée")),
    (AfterFailure.PICKUP_POINT.value, _l("Le déposer dans un point de retrait")),
    (AfterFailure.RETURN_TO_SHOP.value, _l("Le renvoyer à sa boutique")),
]


def offered_after(reason: str | None) -> list[str]:
    """Where the parcel may go after ``reason`` (none chosen yet: as for most reasons)."""
    return [then.value for then in after_failure_choices(refused=reason == REFUSED)]


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
    # Not « (facultatif) »: « Autre raison » needs them (``validate_details``).
    details = StringField(
        _l("Précisions"),
        validators=[Length(max=200)],
        description=_l(
            "Obligatoires pour « Autre raison » : dites en quelques mots ce qui s'est passé."
        ),
    )
    then = RadioField(
        _l("Et le colis ?"),
        choices=options(AFTER_FAILURE),
        default=AfterFailure.NEXT_ROUND.value,
        validators=[DataRequired(message=_l("Choisissez où va le colis."))],
    )
    pickup_point = SelectField(_l("Point de retrait"), coerce=id_choice, validate_choice=False)

    def validate_details(self, field: StringField) -> None:
        # « Autre raison » alone tells the operator and the shopper nothing.
        if self.reason.data == "autre" and not (field.data or "").strip():
            raise ValidationError(
                _l("Pour « Autre raison », dites en quelques mots ce qui s'est passé.")
            )

    @property
    def refused(self) -> bool:
        return self.reason.data == REFUSED

    def reason_text(self) -> str:
        """The reason as stored: its French label whatever the courier's page language (it
        goes into the French e-mails; pages read it in their reader's language, see
        ``labels.history_reason``), with the details typed."""
        label = reason_stored(self.reason.data or "")
        details = (self.details.data or "").strip()
        return f"{label} : {details}" if details else label


def reason_stored(code: str) -> str:
    """The French label of a failure reason, as stored (see ``FailForm.reason_text``)."""
    with force_locale("fr"):
        return str(dict(FAILURE_REASONS).get(code, ""))
