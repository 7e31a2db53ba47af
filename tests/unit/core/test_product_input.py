"""A product as a merchant fills it in: every wrong field is named, not just the first."""

from __future__ import annotations

import pytest

from shop_core.catalogue.model import Unit
from shop_core.catalogue.services import ProductInput
from shop_core.errors import ValidationError


def test_every_wrong_field_is_named_in_the_forms_order() -> None:
    data = ProductInput(name=" ", price_cents=0, unit=Unit.KG, stock_quantity=-1)

    assert [p.field for p in data.problems()] == [
        "name",
        "price",
        "estimated_weight_g",
        "stock_quantity",
    ]


def test_validate_raises_the_first_and_a_right_product_has_no_problem() -> None:
    with pytest.raises(ValidationError) as raised:
        ProductInput(name="Comté", price_cents=0, unit=Unit.KG).validate()
    assert raised.value.field == "price"
    assert ProductInput(name="Comté", price_cents=1890).problems() == []
