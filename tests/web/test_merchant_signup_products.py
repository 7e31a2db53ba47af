"""Merchant sign-up, approval, products and photos, scoping between merchants."""

from __future__ import annotations

import html
import io
import re

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from delivery import gazetteer
from delivery.day_problem import merchant_place
from reference_app import mail
from shop_core.accounts.model import Role, User
from shop_core.audit.model import AuditEntry
from shop_core.catalogue.model import Product, Unit
from shop_core.catalogue.search import search_products
from shop_core.database import Database
from shop_core.merchants.model import Merchant, MerchantStatus
from shop_core.vat import VatRate

from .backoffice import place_order, png_bytes, shop_identity
from .conftest import World, login

SIGNUP = {
    "full_name": "Émile Caron",
    "email": "emile@example.fr",
    "phone": "0321000000",
    "password": "fromage-de-chevre",
    "confirm": "fromage-de-chevre",
    **shop_identity(),
}

PRODUCT = {
    "name": "Maroilles fermier",
    "price": "8,90",
    "unit": "piece",
    "vat_rate": "550",
    "category_id": "",
    "track_stock": "y",
    "stock_quantity": "12",
    "no_withdrawal": "y",
    "active": "y",
    "description": "Affiné 5 semaines",
    "photo_alt": "",
}


def _shop(db: Database, name: str) -> Merchant:
    with db.uow() as uow:
        merchant = uow.session.scalar(select(Merchant).where(Merchant.trade_name == name))
        assert merchant is not None
        return merchant


def test_signup_opens_a_pending_shop_logs_in_and_mails_the_operator(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    response = client.post("/vendre", data=SIGNUP)
    assert response.status_code == 302 and response.headers["Location"].endswith("/boutique")
    page = client.get("/boutique").get_data(as_text=True)
    assert "Votre boutique est créée." in page
    # Said once, by the banner (the flash repeated it).
    assert page.count("en attente de validation") == 1
    assert "en attente de validation par l'animation du territoire" in html.unescape(page)
    merchant = _shop(db, "Fromagerie Caron")
    assert merchant.status is MerchantStatus.PENDING
    assert merchant.insee_code == "62767" and merchant.email == "emile@example.fr"
    with db.uow() as uow:
        owner = uow.session.scalar(select(User).where(User.email == "emile@example.fr"))
        assert owner is not None and owner.role is Role.MERCHANT
    with app.app_context():
        sent = [m for m in mail.outbox() if m.to == world.operator_email]
    assert len(sent) == 1 and "Fromagerie Caron" in sent[0].body
    assert f"/admin/boutiques/{merchant.id}" in sent[0].body


def test_a_shop_signed_up_stands_at_its_commune_centre_flagged_approximate(
    client: FlaskClient, db: Database, world: World
) -> None:
    """Without a geocoder the commune's centre is a guess: the planning says so (« position
    approx. »), as for a shopper's address, until someone places the shop on the map."""
    client.post("/vendre", data=SIGNUP)
    merchant = _shop(db, "Fromagerie Caron")
    assert (merchant.lat, merchant.lon) == (None, None)
    place = merchant_place(merchant)
    centre = gazetteer.by_insee("62767")
    assert place is not None and centre is not None
    assert place.approximate and (place.lat, place.lon) == (centre.lat, centre.lon)


def test_signup_with_a_wrong_siren_says_so_in_french_and_keeps_what_was_typed(
    client: FlaskClient, db: Database, world: World
) -> None:
    response = client.post("/vendre", data={**SIGNUP, "siren": "123456789"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Numéro SIREN invalide (9 chiffres)." in page
    assert 'value="Fromagerie Caron"' in page and 'value="emile@example.fr"' in page
    with db.uow() as uow:
        assert uow.session.scalar(select(User).where(User.email == "emile@example.fr")) is None


def test_signup_asks_to_choose_a_trade_rather_than_take_the_first(
    client: FlaskClient, db: Database, world: World
) -> None:
    # « Boulangerie-pâtisserie » was chosen silently for a shop that scrolled past the field.
    form = html.unescape(client.get("/vendre").get_data(as_text=True))
    assert re.search(r'<option value=""[^>]*>Choisissez votre métier…</option>', form)
    response = client.post("/vendre", data={**SIGNUP, "trade": ""})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert re.search(r'id="trade-err"[^>]*>\s*Choisissez votre métier\.', page)
    with db.uow() as uow:
        assert (
            uow.session.scalar(select(Merchant).where(Merchant.trade_name == "Fromagerie Caron"))
            is None
        )


def test_signup_tells_every_wrong_company_number_at_once(
    client: FlaskClient, db: Database, world: World
) -> None:
    # Fixing the SIREN showed the SIRET's error, then the VAT number's.
    wrong = {"siren": "123456789", "siret": "12345678901234", "vat_number": "FR00123456789"}
    response = client.post("/vendre", data={**SIGNUP, **wrong, "phone": ""})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    for field, message in [
        ("siren", "Numéro SIREN invalide (9 chiffres)."),
        ("siret", "Numéro SIRET invalide ou ne correspondant pas au SIREN."),
        ("vat_number", "Numéro de TVA intracommunautaire invalide pour ce SIREN."),
        ("phone", "Ce champ est requis."),  # the form refused it: the core checked anyway
    ]:
        assert re.search(rf'id="{field}-err"[^>]*>\s*{re.escape(message)}', page), field
    with db.uow() as uow:
        assert uow.session.scalar(select(User).where(User.email == "emile@example.fr")) is None


def test_signup_refuses_a_phone_number_that_is_none(
    client: FlaskClient, db: Database, world: World
) -> None:
    """« abc » was kept as the shop's phone, which its own settings then refused."""
    response = client.post("/vendre", data={**SIGNUP, "phone": "abc"})
    page = html.unescape(response.get_data(as_text=True))
    assert re.search(r'id="phone-err"[^>]*>\s*Numéro de téléphone invalide', page)
    with db.uow() as uow:
        assert uow.session.scalar(select(User).where(User.email == "emile@example.fr")) is None


def test_signup_needs_a_vat_number_or_the_franchise(client: FlaskClient, world: World) -> None:
    page = client.post("/vendre", data={**SIGNUP, "vat_number": ""}).get_data(as_text=True)
    assert "cochez la franchise en base de TVA" in page
    ok = client.post("/vendre", data={**SIGNUP, "vat_number": "", "vat_franchise": "y"})
    assert ok.status_code == 302


def test_signup_then_approval_then_a_product_with_a_photo_is_searchable(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    client.post("/vendre", data=SIGNUP)
    merchant = _shop(db, "Fromagerie Caron")
    # Pending: the catalogue can be prepared, nothing is on sale yet.
    client.post(
        "/boutique/produits/nouveau",
        data={**PRODUCT, "photo": (io.BytesIO(png_bytes(2400, 1800)), "maroilles.png")},
        content_type="multipart/form-data",
    )
    with db.uow() as uow:
        hits = search_products(uow.session, territory_id=world.territory_id, query="maroilles")
        assert hits.total == 0
    client.post("/logout")

    login(client, world.operator_email)
    assert client.post(f"/admin/boutiques/{merchant.id}/valider").status_code == 302
    client.post("/logout")
    with app.app_context():
        approved = [m for m in mail.outbox() if m.to == "emile@example.fr"]
    assert approved and "validé votre boutique" in approved[0].body

    with db.uow() as uow:
        product = uow.session.scalar(select(Product).where(Product.merchant_id == merchant.id))
        assert product is not None
        assert (product.price_cents, product.vat_rate, product.unit) == (
            890,
            VatRate.REDUCED,
            Unit.PIECE,
        )
        assert product.stock_quantity == 12 and product.no_withdrawal is True
        (photo,) = product.photos
        assert photo.key.endswith(".webp") and photo.thumb_key.endswith("-400.webp")
        assert photo.alt == "Maroilles fermier"
        hits = search_products(uow.session, territory_id=world.territory_id, query="maroille")
        assert [p.id for p in hits.products] == [product.id]
    stored = client.get(f"/media/{photo.key}")
    assert stored.status_code == 200 and stored.mimetype == "image/webp"
    image = Image.open(io.BytesIO(stored.data))
    assert image.format == "WEBP" and max(image.size) == 1600
    thumb = Image.open(io.BytesIO(client.get(f"/media/{photo.thumb_key}").data))
    assert max(thumb.size) == 400


def test_a_text_file_named_jpg_is_refused_in_french_and_nothing_is_saved(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    response = client.post(
        "/boutique/produits/nouveau",
        data={**PRODUCT, "photo": (io.BytesIO(b"ceci n'est pas une photo"), "photo.jpg")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "n&#39;est pas une image lisible" in page
    assert 'value="Maroilles fermier"' in page and 'value="8,90"' in page
    with db.uow() as uow:
        assert (
            uow.session.scalar(select(Product).where(Product.name == "Maroilles fermier")) is None
        )


def test_photo_metadata_is_stripped(client: FlaskClient, db: Database, world: World) -> None:
    login(client, world.baker_email)
    exif = Image.Exif()
    exif[0x010F] = "AppareilSecret"  # Make
    out = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(out, format="JPEG", exif=exif)
    client.post(
        f"/boutique/produits/{world.bread_id}",
        data={
            **PRODUCT,
            "name": "Pain de campagne",
            "photo": (io.BytesIO(out.getvalue()), "p.jpg"),
        },
        content_type="multipart/form-data",
    )
    with db.uow() as uow:
        (photo,) = uow.session.get_one(Product, world.bread_id).photos
    data = client.get(f"/media/{photo.key}").data
    assert b"AppareilSecret" not in data
    assert not Image.open(io.BytesIO(data)).getexif()


def test_a_price_typed_wrong_or_a_weight_product_without_estimate_gets_french_errors(
    client: FlaskClient, world: World
) -> None:
    login(client, world.baker_email)
    page = client.post("/boutique/produits/nouveau", data={**PRODUCT, "price": "douze"}).get_data(
        as_text=True
    )
    assert "Prix illisible : écrivez par exemple 12,50." in page
    page = client.post("/boutique/produits/nouveau", data={**PRODUCT, "price": "2,555"}).get_data(
        as_text=True
    )
    assert "2 chiffres après la virgule au plus." in page and "Prix illisible" not in page
    page = client.post(
        "/boutique/produits/nouveau", data={**PRODUCT, "unit": "kg", "estimated_weight_g": ""}
    ).get_data(as_text=True)
    assert "Indiquez le poids estimé d&#39;une pièce" in page


def test_a_price_of_zero_is_refused_like_a_negative_one_and_nothing_is_saved(
    client: FlaskClient, db: Database, world: World
) -> None:
    """« 0 » or « 0,00 » was saved as 0,01 € without a word."""
    login(client, world.baker_email)
    for typed in ("0", "0,00", "-2"):
        response = client.post("/boutique/produits/nouveau", data={**PRODUCT, "price": typed})
        assert response.status_code == 422, typed
        assert "Le prix doit être compris entre 0,01 € et 10 000 €." in response.get_data(
            as_text=True
        )
        edited = client.post(
            f"/boutique/produits/{world.bread_id}", data={**PRODUCT, "price": typed}
        )
        assert edited.status_code == 422, typed
    with db.uow() as uow:
        names = uow.session.scalars(select(Product.name)).all()
        assert "Maroilles fermier" not in names
        assert uow.session.get_one(Product, world.bread_id).price_cents == 350


def test_a_weight_typed_for_a_product_sold_by_the_piece_is_told_not_dropped(
    client: FlaskClient, db: Database, world: World
) -> None:
    """The weight was dropped without a word; with « pièce » the default unit, it most
    likely means a price per kg left at « pièce »: the merchant chooses."""
    login(client, world.baker_email)
    typed = {**PRODUCT, "unit": "piece", "estimated_weight_g": "500"}
    response = client.post("/boutique/produits/nouveau", data=typed)
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "Le poids estimé ne sert qu'aux produits vendus au kg ou aux 100 g" in page
    assert 'value="500"' in page  # kept on the form, to keep or clear
    edited = client.post(f"/boutique/produits/{world.bread_id}", data=typed)
    assert edited.status_code == 422
    assert (
        client.post("/boutique/produits/nouveau", data={**typed, "unit": "kg"}).status_code == 302
    )
    with db.uow() as uow:
        saved = uow.session.scalars(select(Product).where(Product.name == "Maroilles fermier"))
        assert [(p.unit, p.estimated_weight_g) for p in saved] == [(Unit.KG, 500)]
        assert uow.session.get_one(Product, world.bread_id).name == "Pain de campagne"


def test_the_stock_checkbox_says_the_merchant_manages_the_stock(
    client: FlaskClient, world: World
) -> None:
    """« Je suis le stock » also reads « I am the stock »."""
    login(client, world.baker_email)
    page = html.unescape(client.get("/boutique/produits/nouveau").get_data(as_text=True))
    assert "Je gère le stock de ce produit" in page and "Je suis le stock" not in page
    assert "Si vous ne gérez pas son stock, le produit reste toujours disponible." in page


def test_every_wrong_field_of_the_product_form_is_told_in_one_go(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    typed = {**PRODUCT, "price": "douze", "unit": "kg", "estimated_weight_g": ""}

    response = client.post("/boutique/produits/nouveau", data=typed | {"stock_quantity": "-3"})

    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "Prix illisible : écrivez par exemple 12,50." in page
    assert "Indiquez le poids estimé d'une pièce (en grammes) pour un produit au poids." in page
    assert "Indiquez un nombre entier, 0 ou plus." in page
    assert page.count("Le stock doit être un nombre positif.") == 0  # said once, by the form
    edited = client.post(f"/boutique/produits/{world.bread_id}", data=typed | {"name": ""})
    page = html.unescape(edited.get_data(as_text=True))
    assert edited.status_code == 422
    assert "Prix illisible" in page and "Indiquez le poids estimé" in page
    with db.uow() as uow:
        assert uow.session.get_one(Product, world.bread_id).price_cents == 350


def test_editing_a_product_changes_price_and_category(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    form = client.get(f"/boutique/produits/{world.bread_id}").get_data(as_text=True)
    assert 'value="3,50"' in form
    response = client.post(
        f"/boutique/produits/{world.bread_id}",
        data={
            **PRODUCT,
            "name": "Pain de campagne",
            "price": "3,80",
            "category_id": str(world.category_id),
        },
    )
    assert response.status_code == 302
    with db.uow() as uow:
        bread = uow.session.get_one(Product, world.bread_id)
        assert bread.price_cents == 380 and bread.category_id == world.category_id


def test_quick_stock_update_and_switch_off_then_on(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    client.post(f"/boutique/produits/{world.cake_id}/stock", data={"quantity": "7"})
    bad = client.post(
        f"/boutique/produits/{world.cake_id}/stock", data={"quantity": "-3"}, follow_redirects=True
    )
    assert "n&#39;est pas un nombre entier, 0 ou plus" in bad.get_data(as_text=True)
    client.post(f"/boutique/produits/{world.cake_id}/en-vente", data={"active": "0"})
    with db.uow() as uow:
        cake = uow.session.get_one(Product, world.cake_id)
        assert cake.stock_quantity == 7 and cake.active is False
    page = client.get("/boutique/produits").get_data(as_text=True)
    assert "Remettre en vente" in page
    client.post(f"/boutique/produits/{world.cake_id}/en-vente", data={"active": "1"})
    with db.uow() as uow:
        assert uow.session.get_one(Product, world.cake_id).active is True


def _shown(page: str, name: str) -> str:
    """The value of the hidden field ``name`` in ``page``."""
    found = re.search(rf'<input[^>]*name="{name}"[^>]*type="hidden"[^>]*value="(\d+)"'
                      rf'|<input type="hidden" name="{name}" value="(\d+)"', page)  # fmt: skip
    assert found, f"no hidden {name} in the page"
    return found.group(1) or found.group(2)


def test_a_stock_typed_while_shoppers_buy_does_not_sell_loaves_twice(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    listed = client.get("/boutique/produits").get_data(as_text=True)
    seen = _shown(listed, "seen")
    assert seen == "10"
    place_order(db, world, {world.bread_id: 2})  # Jeanne buys two loaves meanwhile
    page = client.post(
        f"/boutique/produits/{world.bread_id}/stock",
        data={"quantity": "12", "seen": seen},  # two more baked, typed over the 10 shown
        follow_redirects=True,
    ).get_data(as_text=True)
    assert (
        "Pendant votre saisie, des commandes ont fait passer le stock de « Pain de campagne » "
        "de 10 à 8. Votre changement (+2) est appliqué à ce qui restait : le stock est "
        "maintenant de 10." in page.replace("&#34;", '"')
    )
    with db.uow() as uow:
        assert uow.session.get_one(Product, world.bread_id).stock_quantity == 10


def test_a_product_saved_with_its_stock_untouched_keeps_the_sales_made_meanwhile(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    form = client.get(f"/boutique/produits/{world.bread_id}").get_data(as_text=True)
    seen = _shown(form, "stock_seen")
    assert seen == "10"
    place_order(db, world, {world.bread_id: 3})
    page = client.post(
        f"/boutique/produits/{world.bread_id}",
        data={
            **PRODUCT,
            "name": "Pain de campagne",
            "price": "3,80",
            "stock_quantity": "10",
            "stock_seen": seen,
        },  # fmt: skip
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "« Pain de campagne » est enregistré." in page
    assert "Pendant votre saisie" not in page  # the stock was not touched: nothing to explain
    with db.uow() as uow:
        bread = uow.session.get_one(Product, world.bread_id)
        assert (bread.price_cents, bread.stock_quantity) == (380, 7)


def _edit_seen(page: str) -> str:
    found = re.search(r'name="edit_seen" type="hidden" value="([^"]*)"', page) or re.search(
        r'type="hidden" name="edit_seen" value="([^"]*)"', page
    )
    assert found, "no hidden edit_seen in the page"
    return html.unescape(found.group(1))


def test_a_product_saved_by_someone_else_meanwhile_is_not_overwritten_unseen(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    mine = client.get(f"/boutique/produits/{world.bread_id}").get_data(as_text=True)
    theirs = client.get(f"/boutique/produits/{world.bread_id}").get_data(as_text=True)
    bread = {**PRODUCT, "name": "Pain de campagne", "stock_quantity": "10", "stock_seen": "10"}
    client.post(  # another tab, or the operator acting for the shop: a new price
        f"/boutique/produits/{world.bread_id}",
        data={**bread, "price": "3,90", "edit_seen": _edit_seen(theirs)},
    )
    place_order(db, world, {world.bread_id: 1})  # a sale meanwhile is no conflict

    refused = client.post(
        f"/boutique/produits/{world.bread_id}",
        data={**bread, "name": "Pain de campagne bio", "price": "3,80",
              "edit_seen": _edit_seen(mine)},
    )  # fmt: skip

    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "Pendant votre saisie, quelqu&#39;un d&#39;autre a modifié ce produit (" in page
    assert "prix : 3,50\u00a0€ → 3,90\u00a0€" in page and "Vos valeurs sont restées" in page
    assert 'value="Pain de campagne bio"' in page and 'value="3,80"' in page  # kept
    with db.uow() as uow:
        product = uow.session.get_one(Product, world.bread_id)
        assert (product.name, product.price_cents) == ("Pain de campagne", 390)
    again = client.post(  # seen now: saving again keeps the merchant's values
        f"/boutique/produits/{world.bread_id}",
        data={**bread, "name": "Pain de campagne bio", "price": "3,80", "stock_seen": "9",
              "stock_quantity": "9", "edit_seen": _edit_seen(page)},
        follow_redirects=True,
    )  # fmt: skip
    assert "« Pain de campagne bio » est enregistré." in again.get_data(as_text=True)
    with db.uow() as uow:
        product = uow.session.get_one(Product, world.bread_id)
        assert (product.name, product.price_cents, product.stock_quantity) == (
            "Pain de campagne bio", 380, 9,
        )  # fmt: skip


def test_archived_products_leave_the_list(client: FlaskClient, db: Database, world: World) -> None:
    login(client, world.baker_email)
    client.post(f"/boutique/produits/{world.cake_id}/archiver")
    page = client.get("/boutique/produits").get_data(as_text=True)
    assert f'id="produit-{world.cake_id}"' not in page
    assert f'id="produit-{world.bread_id}"' in page


def test_an_archived_products_page_says_so_and_offers_to_bring_it_back(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    live = html.unescape(client.get(f"/boutique/produits/{world.cake_id}").get_data(as_text=True))
    assert "Archiver ce produit" in live and "est archivé" not in live
    client.post(f"/boutique/produits/{world.cake_id}/archiver")

    page = html.unescape(client.get(f"/boutique/produits/{world.cake_id}").get_data(as_text=True))

    assert "Ce produit est archivé : il n'apparaît pas dans la boutique." in page
    assert f'action="/boutique/produits/{world.cake_id}/desarchiver"' in page
    assert "Archiver ce produit" not in page
    client.post(f"/boutique/produits/{world.cake_id}/desarchiver")
    with db.uow() as uow:
        assert not uow.session.get_one(Product, world.cake_id).archived


def test_the_stock_of_a_product_sold_by_weight_is_said_in_pieces(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    client.post(
        "/boutique/produits/nouveau",
        data={**PRODUCT, "name": "Tomme", "unit": "kg", "estimated_weight_g": "400"},
    )

    page = client.get("/boutique/produits").get_data(as_text=True)

    rows = re.findall(r'<li class="product-row[^"]*" id="produit-\d+">.*?</li>', page, re.S)
    tomme = [row for row in rows if "Tomme" in row]
    assert len(tomme) == 1 and "pièces</span>" in tomme[0]
    assert all("pièces</span>" not in row for row in rows if "Tomme" not in row)


def test_an_archived_product_is_brought_back_off_sale_by_its_shop_only(
    client: FlaskClient, db: Database, world: World
) -> None:
    """One tap archives: a mistake is mended from « Produits archivés » at the list's foot;
    the product comes back switched off, for the merchant to check it before selling."""
    login(client, world.baker_email)
    archived = client.post(f"/boutique/produits/{world.cake_id}/archiver", follow_redirects=True)
    assert "dans « Produits archivés »" in html.unescape(archived.get_data(as_text=True))
    page = client.get("/boutique/produits").get_data(as_text=True)
    assert f'id="archive-{world.cake_id}"' in page
    client.post("/logout")

    login(client, world.farmer_email)
    assert client.post(f"/boutique/produits/{world.cake_id}/desarchiver").status_code == 404
    with db.uow() as uow:
        assert uow.session.get_one(Product, world.cake_id).archived
    client.post("/logout")

    login(client, world.baker_email)
    back = client.post(f"/boutique/produits/{world.cake_id}/desarchiver", follow_redirects=True)
    page = html.unescape(back.get_data(as_text=True))
    assert "est de retour dans vos produits, hors vente" in page
    assert f'id="produit-{world.cake_id}"' in page and f'id="archive-{world.cake_id}"' not in page
    with db.uow() as uow:
        product = uow.session.get_one(Product, world.cake_id)
        assert (product.archived, product.active) == (False, False)


def test_another_merchants_products_are_not_found(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    assert client.get(f"/boutique/produits/{world.roast_id}").status_code == 404
    assert (
        client.post(
            f"/boutique/produits/{world.roast_id}/en-vente", data={"active": "0"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/boutique/produits/{world.roast_id}/stock", data={"quantity": "0"}
        ).status_code
        == 404
    )
    assert client.post(f"/boutique/produits/{world.roast_id}/archiver").status_code == 404
    with db.uow() as uow:
        roast = uow.session.get_one(Product, world.roast_id)
        assert roast.active and roast.stock_quantity == 5 and not roast.archived
        assert (
            uow.session.scalar(
                select(AuditEntry).where(
                    AuditEntry.merchant_id == world.farmer_id,
                    AuditEntry.action.like("product.%"),
                    AuditEntry.actor_id == world.baker_user_id,
                )
            )
            is None
        )


def test_shoppers_and_anonymous_visitors_do_not_get_the_back_office(
    client: FlaskClient, world: World
) -> None:
    assert client.get("/boutique").status_code == 302  # to the login page
    login(client, world.shopper_email)
    assert client.get("/boutique").status_code == 403
    assert client.get("/boutique/produits").status_code == 403


def _add_photo(client: FlaskClient, product_id: int, colour: str, alt: str) -> None:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), colour).save(out, format="PNG")
    response = client.post(
        f"/boutique/produits/{product_id}",
        data={
            **PRODUCT,
            "name": "Pain de campagne",
            "photo_alt": alt,
            "photo": (io.BytesIO(out.getvalue()), "p.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302


def _photos(db: Database, product_id: int) -> list[tuple[int, str, str]]:
    with db.uow() as uow:
        product = uow.session.get_one(Product, product_id)
        return [(p.id, p.alt, p.key) for p in product.photos]


def test_a_merchant_puts_a_photo_first_and_removes_another(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    _add_photo(client, world.bread_id, "red", "Pain de face")
    _add_photo(client, world.bread_id, "blue", "Pain tranché")
    (front_id, _, front_key), (sliced_id, _, _) = _photos(db, world.bread_id)
    page = client.get(f"/boutique/produits/{world.bread_id}").get_data(as_text=True)
    assert "Photo principale" in page and "Mettre en premier" in page

    moved = client.post(f"/boutique/produits/{world.bread_id}/photos/{sliced_id}/premiere")
    assert moved.status_code == 302 and moved.headers["Location"].endswith("#photos")
    assert [alt for _, alt, _ in _photos(db, world.bread_id)] == ["Pain tranché", "Pain de face"]
    product_page = client.get(f"/produits/{world.bread_id}-pain-de-campagne").get_data(as_text=True)
    assert 'alt="Pain tranché"' in product_page

    assert client.get(f"/media/{front_key}").status_code == 200
    removed = client.post(f"/boutique/produits/{world.bread_id}/photos/{front_id}/retirer")
    assert removed.status_code == 302
    assert [alt for _, alt, _ in _photos(db, world.bread_id)] == ["Pain tranché"]
    assert client.get(f"/media/{front_key}").status_code == 404  # the file is gone too


def test_a_merchant_cannot_touch_another_shops_photos(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    _add_photo(client, world.bread_id, "red", "Pain de face")
    ((photo_id, _, _),) = _photos(db, world.bread_id)
    client.post("/logout")
    login(client, world.farmer_email)
    for action in ("premiere", "retirer"):
        response = client.post(f"/boutique/produits/{world.bread_id}/photos/{photo_id}/{action}")
        assert response.status_code == 404
    assert len(_photos(db, world.bread_id)) == 1


def test_a_photo_button_pressed_after_typing_keeps_what_was_typed_unsaved(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    _add_photo(client, world.bread_id, "red", "Pain de face")
    _add_photo(client, world.bread_id, "blue", "Pain tranché")
    (front_id, _, _), (sliced_id, _, _) = _photos(db, world.bread_id)
    typed = {**PRODUCT, "name": "Pain de campagne", "price": "9,40", "description": "Au levain"}

    moved = client.post(
        f"/boutique/produits/{world.bread_id}", data={**typed, "photo_first": str(sliced_id)}
    )

    page = html.unescape(moved.get_data(as_text=True))
    assert moved.status_code == 200
    assert [alt for _, alt, _ in _photos(db, world.bread_id)] == ["Pain tranché", "Pain de face"]
    assert "Cette photo est maintenant la photo principale." in page
    assert re.findall(r'alt="(Pain[^"]*)"', page) == ["Pain tranché", "Pain de face"]
    assert 'value="9,40"' in page and "Au levain</textarea>" in page
    assert "Vos autres changements sont toujours là, mais pas encore enregistrés" in page
    with db.uow() as uow:
        assert uow.session.get_one(Product, world.bread_id).price_cents == 890  # not saved yet

    removed = client.post(
        f"/boutique/produits/{world.bread_id}", data={**typed, "photo_remove": str(front_id)}
    )

    page = html.unescape(removed.get_data(as_text=True))
    assert removed.status_code == 200 and "La photo est retirée." in page
    assert re.findall(r'alt="(Pain[^"]*)"', page) == ["Pain tranché"]
    assert [alt for _, alt, _ in _photos(db, world.bread_id)] == ["Pain tranché"]
    assert 'value="9,40"' in page and "Au levain</textarea>" in page

    again = client.post(
        f"/boutique/produits/{world.bread_id}", data={**typed, "photo_remove": str(front_id)}
    )

    assert again.status_code == 200  # pressed twice: said, and the typed values still there
    assert "Cette photo n'est plus là" in html.unescape(again.get_data(as_text=True))

    saved = client.post(f"/boutique/produits/{world.bread_id}", data=typed)

    assert saved.status_code == 302
    with db.uow() as uow:
        bread = uow.session.get_one(Product, world.bread_id)
        assert bread.price_cents == 940 and bread.description == "Au levain"


def test_a_photo_button_pressed_with_nothing_typed_says_only_what_it_did(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    _add_photo(client, world.bread_id, "red", "Pain de face")
    _add_photo(client, world.bread_id, "blue", "Pain tranché")
    (_, _, _), (sliced_id, _, _) = _photos(db, world.bread_id)
    page = client.get(f"/boutique/produits/{world.bread_id}").get_data(as_text=True)
    # Enter in a field presses the form's first button: it must save, not move a photo.
    first_button = re.search(r"<form[^>]*enctype[^>]*>.*?(<button[^>]*>)", page, re.S)
    assert first_button and "photo_" not in first_button.group(1)
    assert f'name="photo_first" value="{sliced_id}"' in page

    moved = client.post(
        f"/boutique/produits/{world.bread_id}",
        data={**PRODUCT, "name": "Pain de campagne", "photo_first": str(sliced_id)},
    )

    text = html.unescape(moved.get_data(as_text=True))
    assert "Cette photo est maintenant la photo principale." in text
    assert "pas encore enregistrés" not in text
