"""The operator's merchants: access, approval, suspension, assisted mode and its audit."""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reference_app import mail
from shop_core.accounts.model import Role, User
from shop_core.audit.model import AuditEntry
from shop_core.catalogue.model import Product
from shop_core.database import Database
from shop_core.merchants.model import Merchant, MerchantStatus
from shop_core.orders.model import MerchantOrderStatus as S
from shop_core.orders.model import StatusChange
from shop_core.testing.factories import make_merchant

from .backoffice import merchant_order_of, place_order, shop_identity
from .conftest import PASSWORD, World, login


def _pending(db: Database, world: World, name: str = "Cidrerie du Ternois") -> int:
    with db.uow() as uow:
        return make_merchant(uow, territory_id=world.territory_id, name=name, active=False)


@pytest.mark.parametrize("who", ["shopper_email", "baker_email", "courier_email"])
def test_non_operators_get_403_on_the_admin(
    app: Flask, client: FlaskClient, world: World, who: str
) -> None:
    if who == "courier_email" and "courier.today" not in app.view_functions:
        pytest.skip("the courier's pages (linked from every page for couriers) are not there yet")
    login(client, getattr(world, who))
    for path in ("/admin", "/admin/boutiques", "/admin/territoire", "/admin/livreurs"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/admin/boutiques/{world.baker_id}/agir").status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(client: FlaskClient, world: World) -> None:
    response = client.get("/admin")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_list_filters_by_status(client: FlaskClient, db: Database, world: World) -> None:
    _pending(db, world)
    login(client, world.operator_email)
    everything = client.get("/admin/boutiques").get_data(as_text=True)
    assert "Cidrerie du Ternois" in everything and "Boulangerie Lefebvre" in everything
    pending = client.get("/admin/boutiques?statut=pending").get_data(as_text=True)
    assert "Cidrerie du Ternois" in pending and "Boulangerie Lefebvre" not in pending
    assert "À valider (1)" in pending


def test_approving_puts_the_shop_online_and_mails_its_owner(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    client.post(
        "/vendre",
        data={
            "full_name": "Anne Cidre",
            "email": "anne@example.fr",
            "phone": "0321000001",
            "password": "pommes-a-cidre",
            "confirm": "pommes-a-cidre",
            **shop_identity("Cidrerie Anne", 991),
        },
    )
    client.post("/logout")
    with db.uow() as uow:
        shop = uow.session.scalar(select(Merchant).where(Merchant.trade_name == "Cidrerie Anne"))
        assert shop is not None
    login(client, world.operator_email)
    page = client.get(f"/admin/boutiques/{shop.id}").get_data(as_text=True)
    assert "Valider la boutique" in page and shop.siren in page
    client.post(f"/admin/boutiques/{shop.id}/valider")
    with db.uow() as uow:
        assert uow.session.get_one(Merchant, shop.id).status is MerchantStatus.ACTIVE
        entry = uow.session.scalar(
            select(AuditEntry).where(
                AuditEntry.merchant_id == shop.id, AuditEntry.action == "merchant.active"
            )
        )
        assert entry is not None and entry.actor_id == world.operator_id
    with app.app_context():
        sent = [m for m in mail.outbox() if m.to == "anne@example.fr"]
    assert sent and sent[-1].subject == "Votre boutique est en ligne"


def test_suspension_needs_a_reason_then_reinstatement_works(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.operator_email)
    missing = client.post(f"/admin/boutiques/{world.baker_id}/suspendre", data={"reason": ""})
    assert missing.status_code == 422 and "Indiquez le motif." in missing.get_data(as_text=True)
    client.post(f"/admin/boutiques/{world.baker_id}/suspendre", data={"reason": "Kbis non fourni"})
    with db.uow() as uow:
        assert uow.session.get_one(Merchant, world.baker_id).status is MerchantStatus.SUSPENDED
    with app.app_context():
        sent = [m for m in mail.outbox() if m.to == world.baker_email]
    assert sent and "Motif : Kbis non fourni" in sent[-1].body
    client.post(f"/admin/boutiques/{world.baker_id}/reactiver")
    with db.uow() as uow:
        assert uow.session.get_one(Merchant, world.baker_id).status is MerchantStatus.ACTIVE


def test_an_operator_browsing_in_english_still_writes_to_shops_in_french(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.operator_email)
    client.get("/?lang=en")
    client.post(f"/admin/boutiques/{world.baker_id}/suspendre", data={"reason": "Kbis non fourni"})
    with app.app_context():
        (told,) = [m for m in mail.outbox() if m.to == world.baker_email]
    assert told.subject == "Votre boutique est suspendue"
    assert "Motif : Kbis non fourni" in told.body


def test_another_territorys_merchant_is_not_found(
    client: FlaskClient, db: Database, world: World
) -> None:
    with db.uow() as uow:
        foreign = make_merchant(uow, territory_id=world.other_territory_id, active=False)
    login(client, world.operator_email)
    assert client.get(f"/admin/boutiques/{foreign}").status_code == 404
    assert client.post(f"/admin/boutiques/{foreign}/valider").status_code == 404
    assert client.post(f"/admin/boutiques/{foreign}/agir").status_code == 404
    assert client.get(f"/admin/boutiques/{foreign}/journal").status_code == 404
    with db.uow() as uow:
        assert uow.session.get_one(Merchant, foreign).status is MerchantStatus.PENDING


def test_acting_for_a_merchant_shows_a_banner_and_audits_every_act_on_behalf(
    client: FlaskClient, db: Database, world: World
) -> None:
    order_id = place_order(db, world, {world.bread_id: 1})
    mo = merchant_order_of(db, order_id, world.baker_id)
    login(client, world.operator_email)
    response = client.post(f"/admin/boutiques/{world.baker_id}/agir")
    assert response.headers["Location"].endswith("/boutique")
    page = client.get("/boutique").get_data(as_text=True)
    assert "Vous agissez pour « Boulangerie Lefebvre »" in page
    assert "Arrêter d'agir pour cette boutique" in page

    client.post(
        "/boutique/produits/nouveau",
        data={
            "name": "Pain d'épices",
            "price": "6,50",
            "unit": "piece",
            "vat_rate": "550",
            "category_id": "",
            "track_stock": "y",
            "stock_quantity": "5",
            "active": "y",
        },
    )
    client.post(f"/boutique/produits/{world.cake_id}/stock", data={"quantity": "9"})
    client.post(f"/boutique/commandes/{mo.id}/accepter")

    with db.uow() as uow:
        product = uow.session.scalar(select(Product).where(Product.name == "Pain d'épices"))
        assert product is not None and product.merchant_id == world.baker_id
        entries = list(
            uow.session.scalars(
                select(AuditEntry).where(
                    AuditEntry.merchant_id == world.baker_id,
                    AuditEntry.actor_id == world.operator_id,
                )
            )
        )
        actions = {e.action for e in entries}
        assert {
            "merchant.assist_start",
            "product.create",
            "product.stock",
            "order.accepted",
        } <= actions
        assert all(e.on_behalf for e in entries)
        change = uow.session.scalar(
            select(StatusChange).where(
                StatusChange.merchant_order_id == mo.id, StatusChange.to_status == S.ACCEPTED
            )
        )
        assert change is not None and change.actor_id == world.operator_id and change.on_behalf

    log = client.get(f"/admin/boutiques/{world.baker_id}/journal").get_data(as_text=True)
    assert "Produit créé" in log and "Pain d&#39;épices" in log
    assert "Sophie Animatrice" in log and "pour Boulangerie Lefebvre" in log
    # Her role in a word that fits a man or a woman alike.
    assert '<span class="tag">animation</span>' in log and "animateur" not in log
    assert "Commande acceptée" in log

    stop = client.post("/admin/agir/fin")
    assert stop.headers["Location"].endswith(f"/admin/boutiques/{world.baker_id}")
    assert client.get("/boutique").status_code == 403
    assert "Vous agissez pour" not in client.get("/admin").get_data(as_text=True)


def test_the_merchants_own_acts_are_not_on_behalf(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    client.post(f"/boutique/produits/{world.cake_id}/stock", data={"quantity": "4"})
    with db.uow() as uow:
        entry = uow.session.scalar(select(AuditEntry).where(AuditEntry.action == "product.stock"))
        assert entry is not None
        assert entry.actor_id == world.baker_user_id and entry.on_behalf is False


def test_assisted_shop_with_an_account_mails_a_link_to_choose_the_password(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.operator_email)
    form = {
        **shop_identity("Miellerie Dumont", 555),
        "email": "miel@example.fr",
        "phone": "",
        "create_account": "y",
        "owner_name": "",
    }
    missing = client.post("/admin/boutiques/nouvelle", data=form)
    assert "Indiquez le nom du commerçant" in missing.get_data(as_text=True)
    response = client.post("/admin/boutiques/nouvelle", data={**form, "owner_name": "Luc Dumont"})
    assert response.status_code == 302
    with db.uow() as uow:
        shop = uow.session.scalar(select(Merchant).where(Merchant.trade_name == "Miellerie Dumont"))
        assert shop is not None and shop.assisted and shop.status is MerchantStatus.PENDING
        owner = uow.session.scalar(select(User).where(User.email == "miel@example.fr"))
        assert owner is not None and owner.role is Role.MERCHANT and owner.password_hash == ""
        assert [m.user_id for m in shop.members] == [owner.id]
    with app.app_context():
        (welcome,) = [m for m in mail.outbox() if m.to == "miel@example.fr"]
    link = re.search(r"http://\S+/password/reset/\S+", welcome.body)
    assert link
    client.post("/logout")
    path = link.group(0).split("localhost", 1)[1]
    chosen = {"password": "miel-de-tilleul", "confirm": "miel-de-tilleul"}
    assert client.post(path, data=chosen).status_code == 302
    client.post("/logout")
    login(client, "miel@example.fr", "miel-de-tilleul")
    assert "Miellerie Dumont" in client.get("/boutique").get_data(as_text=True)


def test_the_assisted_sign_up_tells_every_wrong_company_number_at_once(
    client: FlaskClient, db: Database, world: World
) -> None:
    """As on the shop's own sign-up: the SIREN's error, then the SIRET's, then the VAT's."""
    login(client, world.operator_email)
    wrong = {"siren": "123456789", "siret": "12345678901234", "vat_number": "FR00123456789"}
    form = {**shop_identity("Miellerie Dumont", 557), **wrong, "email": "m@example.fr"}
    response = client.post("/admin/boutiques/nouvelle", data=form)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    for field, message in [
        ("siren", "Numéro SIREN invalide (9 chiffres)."),
        ("siret", "Numéro SIRET invalide ou ne correspondant pas au SIREN."),
        ("vat_number", "Numéro de TVA intracommunautaire invalide pour ce SIREN."),
    ]:
        assert re.search(rf'id="{field}-err"[^>]*>\s*{re.escape(message)}', page), field
    with db.uow() as uow:
        assert (
            uow.session.scalar(select(Merchant).where(Merchant.trade_name == "Miellerie Dumont"))
            is None
        )


def test_assisted_shop_without_an_account_is_run_by_the_operator(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.operator_email)
    form = {**shop_identity("Ferme Bio Leroux", 556), "email": "leroux@example.fr", "phone": ""}
    client.post("/admin/boutiques/nouvelle", data=form)
    with db.uow() as uow:
        shop = uow.session.scalar(select(Merchant).where(Merchant.trade_name == "Ferme Bio Leroux"))
        assert shop is not None and shop.members == []
    client.post(f"/admin/boutiques/{shop.id}/agir")
    page = client.get("/boutique").get_data(as_text=True)
    assert "Ferme Bio Leroux" in page and "en attente de validation" in page


def test_a_wrong_vat_number_in_assisted_mode_keeps_the_form(
    client: FlaskClient, world: World
) -> None:
    login(client, world.operator_email)
    form = {
        **shop_identity("Brasserie Nord", 557),
        "vat_number": "FR00123456789",
        "email": "nord@example.fr",
        "phone": "",
    }
    response = client.post("/admin/boutiques/nouvelle", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Numéro de TVA intracommunautaire invalide pour ce SIREN." in page
    assert 'value="Brasserie Nord"' in page


def test_the_assisted_form_speaks_of_the_merchants_shop_and_sign_up_of_yours(
    client: FlaskClient, world: World
) -> None:
    login(client, world.operator_email)
    page = client.get("/admin/boutiques/nouvelle").get_data(as_text=True)
    assert "<legend>La boutique</legend>" in page
    assert "Le nom que voient ses clients." in page
    assert "Comme sur son extrait Kbis" in page
    assert "Le commerçant est en franchise en base de TVA" in page
    assert "vos clients" not in page and "Votre boutique" not in page
    client.post("/logout")
    own = client.get("/vendre").get_data(as_text=True)
    assert "<legend>Votre boutique</legend>" in own
    assert "Le nom que voient vos clients." in own
    assert "Je suis en franchise en base de TVA" in own


def test_the_other_territorys_operator_cannot_log_in_here(
    client: FlaskClient, world: World
) -> None:
    response = client.post(
        "/login", data={"email": world.other_operator_email, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert client.get("/admin").status_code == 302
