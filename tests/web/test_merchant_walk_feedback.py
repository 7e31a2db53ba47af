"""What a merchant on a phone sees after acting: found walking the back-office at 390 px."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from .conftest import World, login


def _row(page: str, product_id: int) -> str:
    """The HTML of one product's row in the product list."""
    found = re.search(
        rf'<li class="product-row[^"]*" id="produit-{product_id}">(.*?)</li>', page, re.S
    )
    assert found, f"no row for product {product_id}"
    return found.group(1)


def test_a_refused_stock_is_said_in_the_products_row_the_list_scrolls_to(
    client: FlaskClient, world: World
) -> None:
    login(client, world.baker_email)
    response = client.post(f"/boutique/produits/{world.cake_id}/stock", data={"quantity": "-3"})
    assert response.headers["Location"].endswith(f"#produit-{world.cake_id}")
    page = client.get("/boutique/produits").get_data(as_text=True)
    row = _row(page, world.cake_id)
    assert "non changé : « -3 » n&#39;est pas un nombre entier positif" in row
    assert 'role="alert"' in row
    assert "non changé" not in _row(page, world.bread_id)
    # Said once: a reload does not say it again.
    assert "non changé" not in client.get("/boutique/produits").get_data(as_text=True)


def test_a_stock_saved_or_a_product_switched_off_is_confirmed_in_its_row(
    client: FlaskClient, world: World
) -> None:
    login(client, world.baker_email)
    client.post(f"/boutique/produits/{world.cake_id}/stock", data={"quantity": "7"})
    row = _row(client.get("/boutique/produits").get_data(as_text=True), world.cake_id)
    assert "» : 7." in row and 'role="status"' in row
    client.post(f"/boutique/produits/{world.cake_id}/en-vente", data={"active": "0"})
    row = _row(client.get("/boutique/produits").get_data(as_text=True), world.cake_id)
    assert "est retiré de la vente." in row
