"""Line pricing: by the piece, or by weight."""

from __future__ import annotations

from decimal import Decimal

from shop_core.catalogue.model import Unit
from shop_core.money import round_half_up


def line_total_cents(
    price_cents: int, unit: Unit, quantity: int, weight_g: int | None = None
) -> int:
    """Total including VAT of a line.

    For a unit of weight the total is price × weight (``weight_g`` is the weight of one piece
    when ``quantity`` pieces are ordered at an estimate, or the total weighed weight with
    ``quantity=1``), rounded half-up to the cent. Otherwise price × quantity, exact.
    """
    grams = unit.grams
    if grams is None:
        return price_cents * quantity
    if weight_g is None:
        raise ValueError("a product sold by weight needs a weight")
    return round_half_up(Decimal(price_cents) * Decimal(weight_g) * quantity / grams)
