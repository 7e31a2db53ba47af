"""Choices of select, radio and checkbox fields, in the form WTForms 3.3+ expects.

WTForms deprecates ``(value, label)`` tuples in favour of ``SelectChoice`` (tuples stop
working in 3.4); the labels may be lazy strings, translated when the field is rendered.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

#: How a shopper pays by hand (``shop_core.payments.model.PaymentMeans`` values).
PAYMENT_MEANS = [("cash", _l("Espèces")), ("cheque", _l("Chèque"))]


def options(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """``SelectChoice`` objects for ``(value, label)`` pairs, in the same order."""
    return [SelectChoice(value, label) for value, label in pairs]
