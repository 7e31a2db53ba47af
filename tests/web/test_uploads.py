"""Uploads end as images or nothing: size-capped with a French page, decoded and re-encoded
(so HTML hidden in a file never comes back), served with an image type and ``nosniff`` from
the upload folder only; downloads are attachments of their own type."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
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
from .conftest import PASSWORD, World, csrf_token, login
from .shopping import hidden

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
    app.config["PHOTO_FORM_MAX_CONTENT_LENGTH"] = 64 * 1024  # a photo form has its own cap
    login(client, world.baker_email)
    before = _products(db)

    response = client.post(
        "/boutique/produits/nouveau",
        data={**PRODUCT, "photo": (io.BytesIO(b"\0" * 100_000), "grosse.png")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 413
    page = html.unescape(response.get_data(as_text=True))
    assert "Photo trop lourde" in page and "La photo doit peser 8 Mo au plus" in page
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


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_413_page_of_a_photo_form_says_the_photos_limit_and_offers_a_way_back(
    app: Flask, client: FlaskClient, world: World, lang: str
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    app.config["PHOTO_FORM_MAX_CONTENT_LENGTH"] = 128 * 1024
    login(client, world.baker_email)
    client.get(f"/?lang={lang}")
    form = "http://localhost/boutique/produits/nouveau"

    response = client.post(
        "/boutique/produits/nouveau",
        data={**PRODUCT, "photo": (io.BytesIO(b"\0" * 200_000), "grosse.png")},
        content_type="multipart/form-data",
        headers={"Referer": form},
    )

    assert response.status_code == 413
    page = html.unescape(response.get_data(as_text=True))
    # The photo's own limit, as its field says, not the form's cap (128 Ko here, 32 Mo in
    # production), which a photo over it is also over.
    said = re.sub(r"<[^>]*>", " ", page)  # what is read, not the tags (a favicon's sizes)
    assert "128" not in said and "32" not in said
    if lang == "fr":
        assert "<h1>Photo trop lourde</h1>" in page
        assert (
            "La photo doit peser 8 Mo au plus : choisissez-en une plus légère (par exemple "
            "en qualité réduite), puis réessayez." in page
        )
        assert f'href="{form}"' in page and "Revenir à la page précédente" in page
    else:
        assert "<h1>Photo too heavy</h1>" in page
        assert (
            "The photo must weigh 8 MB at most: choose a lighter one (for example in "
            "reduced quality), then try again." in page
        )
        assert f'href="{form}"' in page and "trop" not in page


HEAVY = 9 * 1024 * 1024  # a phone's full-size photo: over the photo's 8 Mo, under the form's cap


def test_a_photo_over_8_mo_is_refused_by_its_field_and_the_product_form_keeps_the_rest(
    client: FlaskClient, db: Database, world: World
) -> None:
    # It used to exceed the cap of every request: the shared « Fichier trop volumineux »
    # page answered and the merchant typed the product again.
    login(client, world.baker_email)
    before = _products(db)

    response = client.post(
        "/boutique/produits/nouveau",
        data={
            **PRODUCT,
            "description": "Affiné six semaines",
            "photo": (io.BytesIO(b"\0" * HEAVY), "photo.jpg"),
        },
        content_type="multipart/form-data",
    )

    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "La photo est trop lourde (8 Mo au plus)." in page
    assert 'value="Maroilles fermier"' in page and 'value="8,90"' in page
    assert "Affiné six semaines" in page
    assert _products(db) == before


def test_a_photo_over_8_mo_on_a_product_being_edited_keeps_the_changes_typed(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    page = client.get(f"/boutique/produits/{world.bread_id}").get_data(as_text=True)
    seen = {name: hidden(page, name) for name in ("stock_seen", "edit_seen")}

    response = client.post(
        f"/boutique/produits/{world.bread_id}",
        data={
            **PRODUCT,
            **seen,
            "name": "Pain de campagne au levain",
            "photo": (io.BytesIO(b"\0" * HEAVY), "photo.jpg"),
        },
        content_type="multipart/form-data",
    )

    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "La photo est trop lourde (8 Mo au plus)." in page
    assert 'value="Pain de campagne au levain"' in page
    with db.uow() as uow:
        assert uow.session.get_one(Product, world.bread_id).name == "Pain de campagne"


def test_a_logo_over_8_mo_is_refused_by_its_field_and_the_branding_form_keeps_the_rest(
    client: FlaskClient, world: World
) -> None:
    login(client, world.operator_email)
    response = client.post(
        "/admin/apparence",
        data={
            "name": "Ternois",
            "tagline": "Le marché du Ternois, à deux pas",
            "primary_color": "#1d4e89",
            "accent_color": "#f2a541",
            "logo": (io.BytesIO(b"\0" * HEAVY), "logo.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "La photo est trop lourde (8 Mo au plus)." in page
    assert 'value="Le marché du Ternois, à deux pas"' in page


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_other_forms_keep_the_general_cap_and_a_general_message(
    client: FlaskClient, world: World, lang: str
) -> None:
    login(client, world.baker_email)
    client.get(f"/?lang={lang}")
    response = client.post(
        "/boutique/produits/import",
        data={"file": (io.BytesIO(b"\0" * HEAVY), "catalogue.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    page = html.unescape(response.get_data(as_text=True))
    assert "photo" not in page.lower()  # no photo was sent: a general word
    if lang == "fr":
        assert "<h1>Envoi trop volumineux</h1>" in page
        assert (
            "Ce que vous avez envoyé est trop volumineux (8 Mo au plus). Envoyez un fichier "
            "plus petit, puis réessayez." in page
        )
    else:
        assert "<h1>Upload too large</h1>" in page
        assert (
            "What you sent is too large (8 MB at most). Send a smaller file, then try "
            "again." in page
        )


def test_the_photo_field_tells_the_browser_its_limit_and_what_to_say(
    client: FlaskClient, world: World
) -> None:
    login(client, world.baker_email)
    page = html.unescape(client.get("/boutique/produits/nouveau").get_data(as_text=True))
    assert f'data-max-bytes="{8 * 1024 * 1024}"' in page
    assert 'data-too-heavy="Cette photo pèse plus de 8 Mo : choisissez-en une plus légère.' in page
    assert '<script src="/static/js/photo-size.js" defer></script>' in page


def test_the_photo_form_cap_applies_before_the_csrf_check_reads_the_form(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    # The CSRF check reads the whole form first: set after it, the cap came too late.
    app.config["WTF_CSRF_ENABLED"] = True
    login_page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={
            "email": world.baker_email,
            "password": PASSWORD,
            "csrf_token": csrf_token(login_page),
        },
    )
    form = client.get("/boutique/produits/nouveau").get_data(as_text=True)

    response = client.post(
        "/boutique/produits/nouveau",
        data={
            **PRODUCT,
            "csrf_token": csrf_token(form),
            "photo": (io.BytesIO(b"\0" * HEAVY), "photo.jpg"),
        },
        content_type="multipart/form-data",
    )

    assert response.status_code == 422
    assert "La photo est trop lourde (8 Mo au plus)." in response.get_data(as_text=True)


def _field_error(page: str, field_id: str) -> str:
    start = page.index(f'<p class="error" id="{field_id}-err">')
    return page[start : page.index("</p>", start)]


def _heavy_product_photo() -> dict[str, object]:
    return {**PRODUCT, "photo": (io.BytesIO(b"\0" * HEAVY), "photo.jpg")}


def _unreadable_logo() -> dict[str, object]:
    return {
        "name": "Ternois",
        "primary_color": "#1d4e89",
        "accent_color": "#f2a541",
        "logo": (io.BytesIO(b"not an image"), "logo.png"),
    }


@pytest.mark.parametrize(
    ("url", "field", "sent", "french"),
    [
        ("/boutique/produits/nouveau", "photo", _heavy_product_photo, "La photo est trop lourde"),
        ("/admin/apparence", "logo", _unreadable_logo, "n'est pas une image lisible"),
    ],
)
def test_a_refused_photo_is_said_in_the_pages_language(
    client: FlaskClient,
    world: World,
    url: str,
    field: str,
    sent: Callable[[], dict[str, object]],
    french: str,
) -> None:
    # A phone's full-size photo now reaches its field instead of the 413 page: an English
    # page said why in French.
    login(client, world.operator_email if field == "logo" else world.baker_email)
    for lang in ("en", "fr"):
        client.get(f"/?lang={lang}")
        response = client.post(url, data=sent(), content_type="multipart/form-data")
        assert response.status_code == 422
        said = _field_error(html.unescape(response.get_data(as_text=True)), field)
        if lang == "fr":
            assert french in said, said
        else:
            assert french not in said and ("8 MB" in said or "JPEG, PNG" in said), said
