"""Back to the product card a shopper added from: the same list, scrolled to that card,
with the message beside it.

The « Ajouter au panier » button of a card posts to one view, which sends the shopper back
to the list she came from (a shop, a category, a search, the home page). Sent back to its
top, she lost her place in the list after each product; now the address ends with the card's
anchor, and the message (« Ajouté au panier… », or why not) is flashed for that card, which
shows it. A message whose card is not on the page (the list changed meanwhile) is shown at
the top of the page, as any other.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import flash, get_flashed_messages

#: A flash category "success:card-12" is a message for the card of product 12.
_FOR_CARD = ":card-"


def card_anchor(product_id: int) -> str:
    """The id of a product's card in a list (``product_card`` in shop/_macros.html)."""
    return f"produit-{product_id}"


def to_card(path: str, product_id: int) -> str:
    """``path`` (a local path, see ``reference_app.local_paths``) scrolled to the product's card."""
    return f"{path}#{card_anchor(product_id)}"


def flash_for_card(message: str, kind: str, product_id: int) -> None:
    """Flash ``message`` (``kind``: success, error…) to be shown on the product's card."""
    flash(message, f"{kind}{_FOR_CARD}{product_id}")


def _split(category: str) -> tuple[str, int | None]:
    kind, _, product = category.partition(_FOR_CARD)
    return (kind, int(product)) if product.isdigit() else (category, None)


def card_messages(product_id: int) -> list[tuple[str, str]]:
    """The (kind, message) pairs flashed for this product's card."""
    found = []
    for category, message in get_flashed_messages(with_categories=True):
        kind, product = _split(category)
        if product == product_id:
            found.append((kind, message))
    return found


def page_messages(card_ids: Iterable[int]) -> list[tuple[str, str]]:
    """The (kind, message) pairs for the top of a page showing the cards ``card_ids``:
    every message but those its cards show."""
    shown = set(card_ids)
    found = []
    for category, message in get_flashed_messages(with_categories=True):
        kind, product = _split(category)
        if product is None or product not in shown:
            found.append((kind, message))
    return found
