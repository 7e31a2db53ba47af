"""What a merchant on a phone sees after acting: found walking the back-office at 390 px."""

from __future__ import annotations

import io
import re

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from shop_core.catalogue.model import Product
from shop_core.database import Database

from .backoffice import png_bytes
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
    assert "non changé : « -3 » n&#39;est pas un nombre entier, 0 ou plus." in row
    assert 'role="alert"' in row
    assert "non changé" not in _row(page, world.bread_id)
    # Said once: a reload does not say it again.
    assert "non changé" not in client.get("/boutique/produits").get_data(as_text=True)


def test_a_stock_left_empty_or_too_big_is_said_so_with_french_thousands(
    client: FlaskClient, world: World
) -> None:
    """An empty stock said « «  » n'est pas … »; big numbers read 1000000."""
    login(client, world.baker_email)

    def row_after(quantity: str) -> str:
        client.post(f"/boutique/produits/{world.cake_id}/stock", data={"quantity": quantity})
        page = client.get("/boutique/produits").get_data(as_text=True)
        return _row(page, world.cake_id).replace("\u202f", " ").replace("\xa0", " ")

    assert "non changé : indiquez le stock." in row_after("")
    assert "non changé : 1 000 000 au plus." in row_after("2000000")
    assert "» : 1 000 000." in row_after("1000000")


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


PRODUCT = {
    "name": "Maroilles fermier",
    "price": "8,90",
    "unit": "piece",
    "vat_rate": "550",
    "category_id": "",
    "track_stock": "y",
    "stock_quantity": "12",
    "active": "y",
    "description": "",
    "photo_alt": "",
}


def _kept(page: str) -> str:
    found = re.search(r'name="photo_kept" type="hidden" value="([^"]+)"', page) or re.search(
        r'id="photo_kept" name="photo_kept" type="hidden" value="([^"]+)"', page
    )
    assert found, "no kept photo in the page"
    return found.group(1)


def _product(db: Database, name: str) -> Product:
    with db.uow() as uow:
        product = uow.session.scalar(
            select(Product).where(Product.name == name).options(selectinload(Product.photos))
        )
        assert product is not None
        return product


def test_a_photo_sent_with_a_wrong_price_is_kept_until_the_product_is_saved(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    response = client.post(
        "/boutique/produits/nouveau",
        data={**PRODUCT, "price": "-2", "photo": (io.BytesIO(png_bytes()), "maroilles.png")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Photo reçue : elle sera ajoutée avec le produit." in page
    # The price is corrected; the file input came back empty, the photo is not sent again.
    response = client.post(
        "/boutique/produits/nouveau", data={**PRODUCT, "photo_kept": _kept(page)}
    )
    assert response.status_code == 302
    (photo,) = _product(db, "Maroilles fermier").photos
    assert (
        photo.key.startswith("products/") and client.get(f"/media/{photo.key}").status_code == 200
    )


def test_a_photo_kept_by_another_shops_form_is_not_taken(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.farmer_email)
    page = client.post(
        "/boutique/produits/nouveau",
        data={**PRODUCT, "name": "", "photo": (io.BytesIO(png_bytes()), "p.png")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    token = _kept(page)
    client.post("/logout")
    login(client, world.baker_email)
    response = client.post("/boutique/produits/nouveau", data={**PRODUCT, "photo_kept": token})
    assert response.status_code == 302
    assert _product(db, "Maroilles fermier").photos == []
    forged = client.post(
        f"/boutique/produits/{world.bread_id}",
        data={**PRODUCT, "name": "Pain de campagne", "photo_kept": token[:-4] + "AAAA"},
    )
    assert forged.status_code == 302
    assert _product(db, "Pain de campagne").photos == []


def _import(client: FlaskClient, data: bytes, name: str) -> tuple[int, str]:
    response = client.post(
        "/boutique/produits/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    return response.status_code, response.get_data(as_text=True)


def test_a_spreadsheet_workbook_sent_as_the_catalogue_says_to_save_it_as_csv(
    client: FlaskClient, world: World
) -> None:
    login(client, world.baker_email)
    # What an .xlsx (or .ods) file begins with: a zip archive.
    status, page = _import(client, b"PK\x03\x04\x14\x00\x06\x00" + bytes(200), "catalogue.xlsx")
    assert status == 422
    assert "Ce fichier est un classeur de tableur, pas un fichier CSV" in page
    assert "Aperçu de l'import" not in page and "ignorée" not in page


def test_a_photo_renamed_csv_is_refused_without_a_preview_of_its_bytes(
    client: FlaskClient, world: World
) -> None:
    login(client, world.baker_email)
    status, page = _import(client, png_bytes(40, 30), "catalogue.csv")
    assert status == 422
    assert "Ce fichier n&#39;est pas un fichier CSV" in page
    assert "Aperçu de l'import" not in page
    # A real file still goes to the preview.
    status, page = _import(client, b"nom;prix\nPain;3\n", "catalogue.csv")
    assert status == 200 and "Aperçu de l'import" in page


def test_a_negative_stock_in_the_product_form_is_told_it_must_be_0_or_more(
    client: FlaskClient, world: World
) -> None:
    login(client, world.baker_email)
    response = client.post("/boutique/produits/nouveau", data={**PRODUCT, "stock_quantity": "-5"})
    assert response.status_code == 422
    assert "Indiquez un nombre entier, 0 ou plus." in response.get_data(as_text=True)


def test_a_product_saved_with_a_followed_stock_of_0_is_listed_sold_out_and_warned(
    client: FlaskClient, db: Database, world: World
) -> None:
    """The form's defaults (stock followed, 0) made a product « Épuisé » for shoppers
    while the merchant's list said « En vente »."""
    login(client, world.baker_email)
    response = client.post(
        "/boutique/produits/nouveau", data={**PRODUCT, "stock_quantity": "0"}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    warning = "Le stock de « Maroilles fermier » est à 0 : les clients le voient épuisé"
    assert warning in page.replace("&#39;", "'")
    product = _product(db, "Maroilles fermier")
    row = _row(page, product.id)
    assert "Épuisé" in row and "En vente" not in row
    # Stock typed: on sale, no warning.
    edited = client.post(
        f"/boutique/produits/{product.id}", data={**PRODUCT, "stock_quantity": "4"}
    )
    page = client.get(edited.headers["Location"]).get_data(as_text=True)
    assert "les clients le voient épuisé" not in page
    row = _row(page, product.id)
    assert "En vente" in row and "Épuisé" not in row
    # Back to 0 by the form: warned again.
    client.post(f"/boutique/produits/{product.id}", data={**PRODUCT, "stock_quantity": "0"})
    assert warning in client.get("/boutique/produits").get_data(as_text=True)


def test_the_product_list_sorts_accented_names_where_they_are_read(
    client: FlaskClient, world: World
) -> None:
    """« Éclair au café » was listed after « Tarte au sucre » (byte order)."""
    login(client, world.baker_email)
    for name in ("Éclair au café", "oeufs frais"):
        client.post("/boutique/produits/nouveau", data={**PRODUCT, "name": name})
    page = client.get("/boutique/produits").get_data(as_text=True)
    names = re.findall(r'<h2 class="product-name"><a [^>]*>([^<]+)</a>', page)
    assert names == ["Éclair au café", "oeufs frais", "Pain de campagne", "Tarte au sucre"]


def test_the_stock_buttons_hidden_label_does_not_need_an_elision(
    client: FlaskClient, db: Database, world: World
) -> None:
    """« stock de Éclair au café » read wrong (« d'Éclair »): the label says « stock : … »."""
    login(client, world.baker_email)
    client.post("/boutique/produits/nouveau", data={**PRODUCT, "name": "Éclair au café"})
    product = _product(db, "Éclair au café")
    row = _row(client.get("/boutique/produits").get_data(as_text=True), product.id)
    assert '<span class="visually-hidden"> — stock : Éclair au café</span>' in row
    assert "stock de" not in row


def test_a_products_line_does_not_end_in_a_separator_when_its_tag_wraps(
    client: FlaskClient, world: World
) -> None:
    """At 360 px the tag went to the next line and left « 2,90 € / pièce · » (no
    category): the tag stands on its own, a category keeps its « · » with it."""
    login(client, world.farmer_email)
    page = client.get("/boutique/produits").get_data(as_text=True)
    lines = re.findall(r'<p class="muted">(.*?)</p>', page, re.S)
    assert lines and all(not re.search(r"·\s*<span", line) for line in lines)
    assert all(not re.search(r"·\s+$", line.split("<")[0]) for line in lines)
    client.post("/logout")
    login(client, world.baker_email)
    page = client.get("/boutique/produits").get_data(as_text=True)
    assert "/ pièce ·&nbsp;Boulangerie" in page
