"""Form fields shared by the courier and operator pages."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FloatField
from wtforms.validators import InputRequired, NumberRange
from wtforms.widgets import TextInput


class DegreesField(FloatField):
    """Decimal degrees; accepts the French comma (``50,3814``).

    A text box (with the decimal keyboard, ``inputmode``), not FloatField's number box: a
    browser set to English drops the comma from a number box, and « 50,3979 », as the hint
    writes it, reached the server as 503979."""

    widget = TextInput()

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            valuelist = [str(valuelist[0]).strip().replace(",", ".")]
        super().process_formdata(valuelist)


class PositionForm(FlaskForm):
    """Where a place really is, typed or filled by the "my position" button."""

    lat = DegreesField(
        _l("Latitude"),
        validators=[
            InputRequired(message=_l("Indiquez la latitude.")),
            NumberRange(-90, 90, message=_l("La latitude va de -90 à 90.")),
        ],
        description=_l("En degrés décimaux, par exemple 50,3814."),
    )
    lon = DegreesField(
        _l("Longitude"),
        validators=[
            InputRequired(message=_l("Indiquez la longitude.")),
            NumberRange(-180, 180, message=_l("La longitude va de -180 à 180.")),
        ],
        description=_l("En degrés décimaux, par exemple 2,3347."),
    )
