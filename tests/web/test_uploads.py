"""Uploads end as images or nothing: size-capped with a French page, decoded and re-encoded
(so HTML hidden in a file never comes back), served with an image type and ``nosniff`` from
the upload folder only; downloads are attachments of their own type."""

from __future__ import annotations

import html
import io
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select

from shop_core.catalogue.model import Product, ProductPhoto
from shop_core.database import Database

from .api_support import Api, error_of
from .backoffice import png_bytes
from .conftest import World, login

PRODUCT = {
    "name": "Maroilles fermier",
    "price": "8,90",
    "unit": "piece",
    "vat_rate": "550",
    "track_stock": "y",
    "stock_quantity": "12",
    "active": "y",
}
PAYLOAD = b"<html><body><script>alert(document.cookie)</script></body></html>"


def _products(db: Database) -> int:
    with db.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(Product)) or 0


def test_a_request_over_the_size_cap_gets_a_french_413_page_and_saves_nothing(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    login(client, world.baker_email)
    before = _products(db)

    response = client.post(
        "/boutique/produits/nouveau",
        data={**PRODUCT, "photo": (io.BytesIO(b"\0" * 100_000), "grosse.png")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "Fichier trop volumineux" in page and "trop volumineux" in page
    assert _products(db) == before


def test_the_api_answers_413_in_json(app: Flask, world: World) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1024
    api = Api(app)
    api.sign_in(world.baker_email)

    response = api.post("/api/v1/merchant/products", json={"name": "x" * 4000})

    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"
    assert "trop volumineuse" in error_of(response)["message"]


def test_html_hidden_in_a_photo_is_dropped_by_re_encoding(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    polyglot = png_bytes(200, 100) + PAYLOAD  # a valid PNG with a web page after its end

    client.post(
        f"/boutique/produits/{world.bread_id}",
        data={**PRODUCT, "name": "Pain de campagne", "photo": (io.BytesIO(polyglot), "p.html")},
        content_type="multipart/form-data",
    )

    with db.uow() as uow:
        (photo,) = uow.session.get_one(Product, world.bread_id).photos
        key = photo.key
    served = client.get(f"/media/{key}")
    assert key.endswith(".webp")
    assert served.status_code == 200 and served.mimetype == "image/webp"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert b"<script" not in served.data and b"<html" not in served.data
    assert Image.open(io.BytesIO(served.data)).format == "WEBP"


@pytest.mark.parametrize(
    "name, data",
    [
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'),
        ("page.png", PAYLOAD),
    ],
)
def test_svg_and_html_are_refused_as_photos(
    client: FlaskClient, db: Database, world: World, name: str, data: bytes
) -> None:
    login(client, world.baker_email)

    response = client.post(
        "/boutique/produits/nouveau",
        data={**PRODUCT, "photo": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )

    assert response.status_code == 422
    assert "pas une image lisible" in response.get_data(as_text=True).replace("&#39;", "'")
    with db.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ProductPhoto)) == 0


def test_media_serves_images_from_the_upload_folder_only(
    app: Flask, client: FlaskClient, world: World, tmp_path: Path
) -> None:
    uploads = Path(app.config["UPLOAD_FOLDER"])
    (uploads / "products").mkdir(parents=True)
    (uploads / "products" / "page.html").write_bytes(PAYLOAD)
    (uploads / "products" / "page.svg").write_bytes(PAYLOAD)
    (tmp_path / "secret.png").write_bytes(png_bytes(10, 10))

    assert client.get("/media/products/page.html").status_code == 404
    assert client.get("/media/products/page.svg").status_code == 404
    assert client.get("/media/products/..%2F..%2Fsecret.png").status_code == 404
    assert client.get("/media/..%2Fsecret.png").status_code == 404


def test_downloads_are_attachments_with_their_own_type(app: Flask, world: World) -> None:
    merchant, shopper, operator = app.test_client(), app.test_client(), app.test_client()
    login(merchant, world.baker_email)
    login(shopper, world.shopper_email)
    login(operator, world.operator_email)

    for response, mimetype in [
        (merchant.get("/boutique/produits/export.csv"), "text/csv"),
        (shopper.get("/compte/mes-donnees.json"), "application/json"),
        (operator.get("/admin/indicateurs.csv"), "text/csv"),
    ]:
        assert response.status_code == 200
        assert response.mimetype == mimetype
        assert response.headers["Content-Disposition"].startswith("attachment; filename=")
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_413_page_says_the_cap_and_offers_a_way_back_to_the_form(
    app: Flask, client: FlaskClient, world: World
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    login(client, world.baker_email)
    form = "http://localhost/boutique/produits/nouveau"

    response = client.post(
        "/boutique/produits/nouveau",
        data={**PRODUCT, "photo": (io.BytesIO(b"\0" * 100_000), "grosse.png")},
        content_type="multipart/form-data",
        headers={"Referer": form},
    )

    assert response.status_code == 413
    page = html.unescape(response.get_data(as_text=True))
    assert "dépasse 64 Ko" in page
    assert f'href="{form}"' in page and "Revenir à la page précédente" in page
