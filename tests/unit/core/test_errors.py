"""Domain error messages read as French sentences, whatever the count."""

from __future__ import annotations

from shop_core.errors import OutOfStock


def test_out_of_stock_message_agrees_with_the_quantity_left() -> None:
    messages = [str(OutOfStock(product="Tarte au sucre", available=n)) for n in (0, 1, 4)]
    assert messages == [
        "Stock insuffisant pour « Tarte au sucre » : il n'en reste plus.",
        "Stock insuffisant pour « Tarte au sucre » : 1 seul disponible.",
        "Stock insuffisant pour « Tarte au sucre » : 4 disponibles.",
    ]
    assert OutOfStock(product="Tarte", available=0).params == {"product": "Tarte", "available": 0}
