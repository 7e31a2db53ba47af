"""In Chromium: a merchant signs up, is approved, adds a product with a photo, prepares an
order and hands it over against the shopper's code; the operator approves a shop and acts
on a merchant's behalf."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from PIL import Image
from sqlalchemy import select

from shop_core.audit.model import AuditEntry
from shop_core.carts.services import add_item, get_or_create_cart
from shop_core.catalogue.model import Product
from shop_core.database import Database
from shop_core.merchants.model import Merchant, MerchantStatus
from shop_core.orders.model import DeliveryMethod, MerchantOrder, MerchantOrderStatus, Order
from shop_core.orders.services import Customer, DeliveryChoice, checkout, earliest_date
from shop_core.territories.model import Territory
from tests.web.conftest import PASSWORD, World

from .conftest import DESKTOP, PHONE, LiveServer, log_in, shot


def _png() -> bytes:
    image = Image.new("RGB", (800, 600), (200, 150, 80))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _order_for(db: Database, world: World, product_id: int) -> int:
    """A shopper orders the product (click & collect) through the core; returns the order."""
    with db.uow() as uow:
        territory = uow.session.get_one(Territory, world.territory_id)
        cart = get_or_create_cart(
            uow=uow, territory_id=world.territory_id, user_id=world.shopper_id
        )
        add_item(uow=uow, cart_id=cart, product_id=product_id, quantity=2)
        date = earliest_date(territory, datetime.now(UTC))
        while date.weekday() not in range(1, 6):  # factory shops open Tuesday to Saturday
            date += timedelta(days=1)
        return checkout(
            uow=uow,
            cart_id=cart,
            customer=Customer("Jeanne Martin", world.shopper_email, user_id=world.shopper_id),
            delivery=DeliveryChoice(method=DeliveryMethod.CLICK_COLLECT, date=date),
        )


def test_merchant_signs_up_is_approved_adds_a_product_and_prepares_an_order(
    db: Database, world: World, server: LiveServer, page_factory: Any
) -> None:
    merchant = page_factory(PHONE)
    merchant.goto(f"{server.url}/vendre")
    shot(merchant, "merchant-signup-phone")
    merchant.get_by_label("Nom de la boutique").fill("Fromagerie des Sept Vallées")
    merchant.get_by_label("Raison sociale").fill("SARL Fromagerie des Sept Vallées")
    merchant.get_by_label("Métier").select_option("fromagerie")
    merchant.get_by_label("Numéro SIREN").fill("356000000")
    merchant.get_by_label("Numéro de TVA intracommunautaire").fill("FR39356000000")
    merchant.get_by_label("Adresse de la boutique").fill("4 rue des Fromagers")
    merchant.get_by_label("Code postal").fill("62130")
    merchant.get_by_label("Commune").fill("Saint-Pol-sur-Ternoise")
    merchant.get_by_label("Prénom et nom").fill("Hélène Caron")
    merchant.get_by_label("Adresse e-mail").fill("helene@fromagerie.fr")
    merchant.get_by_label("Téléphone").fill("0321000000")
    merchant.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    merchant.get_by_label("Confirmez le mot de passe").fill(PASSWORD)
    merchant.get_by_role("button", name="Créer ma boutique").click()
    merchant.wait_for_load_state()
    assert "validation" in merchant.content()
    shot(merchant, "merchant-pending-phone")

    operator = page_factory(DESKTOP)
    log_in(operator, server, world.operator_email)
    operator.goto(f"{server.url}/admin/boutiques?statut=pending")
    operator.get_by_role("link", name="Fromagerie des Sept Vallées").click()
    operator.get_by_role("button", name="Valider la boutique").click()
    operator.wait_for_load_state()
    shot(operator, "operator-merchant-approved-desktop")
    with db.uow() as uow:
        shop = uow.session.scalars(
            select(Merchant).where(Merchant.trade_name == "Fromagerie des Sept Vallées")
        ).one()
        assert shop.status is MerchantStatus.ACTIVE

    merchant.goto(f"{server.url}/boutique/produits/nouveau")
    merchant.get_by_label("Nom du produit").fill("Maroilles AOP")
    merchant.get_by_label(re.compile("^Prix")).fill("8,90")
    merchant.get_by_label("Quantité en stock").fill("12")
    merchant.locator("input[type=file][name=photo]").set_input_files(
        {"name": "maroilles.png", "mimeType": "image/png", "buffer": _png()}
    )
    shot(merchant, "merchant-product-form-phone")
    merchant.get_by_role("button", name="Ajouter le produit").click()
    merchant.wait_for_load_state()
    shot(merchant, "merchant-products-phone")
    with db.uow() as uow:
        product = uow.session.scalars(select(Product).where(Product.name == "Maroilles AOP")).one()
        assert product.price_cents == 890 and product.stock_quantity == 12
        assert len(product.photos) == 1
        product_id = product.id

    order_id = _order_for(db, world, product_id)
    merchant.goto(f"{server.url}/boutique")
    shot(merchant, "merchant-dashboard-phone")
    merchant.get_by_role("button", name="Accepter").first.click()
    merchant.wait_for_load_state()
    merchant.get_by_role("button", name="Commencer la préparation").first.click()
    merchant.wait_for_load_state()
    merchant.get_by_role("button", name="Marquer prête").first.click()
    merchant.wait_for_load_state()
    with db.uow() as uow:
        order = uow.session.get_one(Order, order_id)
        mo = order.merchant_orders[0]
        assert mo.status is MerchantOrderStatus.READY
        assert [h.to_status for h in mo.history][-3:] == [
            MerchantOrderStatus.ACCEPTED,
            MerchantOrderStatus.PREPARING,
            MerchantOrderStatus.READY,
        ]
        code = order.delivery_code

    # Jeanne comes to the shop: she gives her code and pays in cash. A wrong code is refused
    # by the field, which takes the focus; the means chosen stays ticked.
    merchant.goto(f"{server.url}/boutique/commandes/{mo.id}")
    code_field = merchant.get_by_label("Code donné par le client")
    assert code_field.get_attribute("inputmode") == "numeric"
    assert code_field.get_attribute("autocomplete") == "off"
    code_field.fill("0000" if code != "0000" else "1111")
    merchant.get_by_label("Espèces").check()
    merchant.get_by_role("button", name="Remise au client").click()
    merchant.wait_for_load_state()
    assert "Code incorrect" in merchant.get_by_role("alert").first.inner_text()
    assert merchant.evaluate("document.activeElement.name") == "code"
    assert merchant.get_by_label("Espèces").is_checked()
    shot(merchant, "merchant-handover-wrong-code-phone")
    merchant.get_by_label("Code donné par le client").fill(code)
    merchant.get_by_role("button", name="Remise au client").click()
    merchant.wait_for_load_state()
    assert "Commande remise au client." in merchant.content()
    with db.uow() as uow:
        assert uow.session.get_one(MerchantOrder, mo.id).status is MerchantOrderStatus.PICKED_UP


def test_operator_acts_for_a_merchant_and_the_act_is_audited(
    db: Database, world: World, server: LiveServer, page_factory: Any
) -> None:
    order_id = _order_for(db, world, world.bread_id)
    operator = page_factory(DESKTOP)
    log_in(operator, server, world.operator_email)
    operator.goto(f"{server.url}/admin/boutiques/{world.baker_id}")
    operator.get_by_role("button", name="Agir pour cette boutique").click()
    operator.wait_for_load_state()
    operator.goto(f"{server.url}/boutique")
    assert "Vous agissez pour" in operator.content()
    shot(operator, "operator-acting-dashboard-desktop")
    operator.get_by_role("button", name="Accepter").first.click()
    operator.wait_for_load_state()
    with db.uow() as uow:
        mo = uow.session.scalars(
            select(MerchantOrder).where(MerchantOrder.order_id == order_id)
        ).one()
        assert mo.status is MerchantOrderStatus.ACCEPTED
        assert mo.history[-1].on_behalf and mo.history[-1].actor_id == world.operator_id
        entry = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "order.accepted")
        ).one()
        assert (entry.actor_id, entry.merchant_id) == (world.operator_id, world.baker_id)
    operator.goto(f"{server.url}/admin/boutiques/{world.baker_id}/journal")
    assert "Commande acceptée" in operator.content()
    shot(operator, "operator-audit-desktop")


def test_a_photo_too_heavy_is_said_before_sending_and_the_product_form_is_kept(
    db: Database, world: World, server: LiveServer, page_factory: Any
) -> None:
    # Sent, a photo over the cap got the shared « Fichier trop volumineux » page and the
    # merchant typed the product again.
    merchant = page_factory(PHONE)
    log_in(merchant, server, world.baker_email)
    merchant.goto(f"{server.url}/boutique/produits/nouveau")
    merchant.get_by_label("Nom du produit").fill("Brioche au sucre")
    merchant.get_by_label(re.compile("^Prix")).fill("4,20")
    photo = merchant.locator("input[type=file][name=photo]")
    heavy = {"name": "brioche.jpg", "mimeType": "image/jpeg", "buffer": b"\0" * (9 << 20)}
    posts: list[str] = []
    merchant.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    photo.set_input_files(heavy)
    merchant.wait_for_selector("#photo-too-heavy")

    said = merchant.locator("#photo-too-heavy")
    assert said.inner_text().startswith("Cette photo pèse plus de 8 Mo")
    assert photo.get_attribute("aria-invalid") == "true"
    assert "photo-too-heavy" in (photo.get_attribute("aria-describedby") or "")
    assert photo.evaluate("input => input.files.length") == 0  # out of the form
    assert merchant.get_by_label("Nom du produit").input_value() == "Brioche au sucre"
    shot(merchant, "merchant-photo-too-heavy-phone")
    assert posts == []  # nothing was sent

    photo.set_input_files({"name": "brioche.png", "mimeType": "image/png", "buffer": _png()})
    assert merchant.locator("#photo-too-heavy").count() == 0
    assert photo.get_attribute("aria-invalid") is None
    merchant.get_by_role("button", name="Ajouter le produit").click()
    merchant.wait_for_load_state()
    with db.uow() as uow:
        product = uow.session.scalars(select(Product).where(Product.name == "Brioche au sucre"))
        assert len(product.one().photos) == 1


def test_a_long_product_name_without_spaces_wraps_in_the_products_list_on_a_phone(
    db: Database, world: World, server: LiveServer, page_factory: Any
) -> None:
    """« TarteauxpommesTarteauxpommes… » pushed the list past 360 px."""
    with db.uow() as uow:
        uow.session.get_one(Product, world.cake_id).name = "Tarteauxpommes" * 6
        uow.commit()
    page = page_factory(PHONE)
    log_in(page, server, world.baker_email)
    page.goto(f"{server.url}/boutique/produits")

    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
