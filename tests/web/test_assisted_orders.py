"""Ordering for a shopper (« commande assistée »): the operator finds or registers a shopper,
acts for them through the ordinary shopfront, and reads out the code once ordered."""

from __future__ import annotations

import html
import re
import time

import itsdangerous.timed
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from reference_app.operator import shoppers as shoppers_views
from shop_core.accounts.assisted import SEARCH_LIMIT
from shop_core.accounts.model import Role, User
from shop_core.audit.model import AuditEntry
from shop_core.audit.services import Actor
from shop_core.database import Database
from shop_core.merchants.model import Merchant
from shop_core.orders.model import MerchantOrderStatus
from shop_core.orders.services import transition
from shop_core.territories.model import Territory
from shop_core.testing.factories import make_user

from .conftest import NOW, World, login, shows_code
from .shopping import add, orders_of, place_order, sent


@pytest.fixture(autouse=True)
def _clock(app: Flask) -> None:
    app.config["FIXED_NOW"] = NOW


def page_of(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def act_for(client: FlaskClient, world: World, shopper_id: int | None = None) -> None:
    login(client, world.operator_email)
    response = client.post(f"/admin/clients/{shopper_id or world.shopper_id}/agir")
    assert response.status_code == 302, page_of(response)[:500]


def actions(db: Database, prefix: str) -> list[str]:
    with db.uow() as uow:
        return list(
            uow.session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.action.startswith(prefix))
                .order_by(AuditEntry.id)
            )
        )


def test_the_operator_finds_a_shopper_by_name_or_phone(
    client: FlaskClient, world: World, db: Database
) -> None:
    with db.uow() as uow:
        uow.session.get_one(User, world.shopper_id).phone = "06 11 22 33 44"
        uow.commit()
    login(client, world.operator_email)
    for query in ("martin", "0611223344"):
        page = page_of(client.get("/admin/clients", query_string={"q": query}))
        assert "1 client trouvé" in page
        assert "Jeanne Martin" in page
        assert f"/admin/clients/{world.shopper_id}/agir" in page


def test_a_search_matching_too_many_shoppers_asks_to_narrow_it(
    client: FlaskClient, world: World, db: Database
) -> None:
    with db.uow() as uow:
        for n in range(SEARCH_LIMIT + 1):
            make_user(uow, territory_id=world.territory_id, name=f"Paul Dupont {n:02}")
    login(client, world.operator_email)
    page = page_of(client.get("/admin/clients", query_string={"q": "dupont"}))
    assert (
        f"Plus de {SEARCH_LIMIT} clients correspondent : précisez la recherche "
        "(nom complet, téléphone…)." in page
    )
    assert "clients trouvés" not in page
    assert page.count("Commander pour ce client<") == SEARCH_LIMIT
    page = page_of(client.get("/admin/clients", query_string={"q": "Paul Dupont 07"}))
    assert "1 client trouvé" in page
    assert "Plus de" not in page


def test_a_search_matching_nobody_says_so(client: FlaskClient, world: World) -> None:
    login(client, world.operator_email)
    page = page_of(client.get("/admin/clients", query_string={"q": "Zorglub"}))
    # Said once, in the heading screen readers announce: no « 0 client trouvé » before it.
    assert "0 client" not in page
    assert page.count("Aucun client ne correspond") == 1
    assert re.search(
        r'<h3 id="resultats" aria-live="polite">Aucun client ne correspond : vérifiez '
        r"l'orthographe, ou créez son compte.</h3>",
        page,
    )
    assert 'aria-labelledby="resultats"' not in page  # no empty list
    assert "/agir" not in page


def test_acting_for_a_shopper_shows_a_banner_on_every_page_until_ended(
    client: FlaskClient, world: World, db: Database
) -> None:
    act_for(client, world)
    for path in ("/", "/panier", "/admin/clients"):
        page = page_of(client.get(path))
        assert 'class="acting-banner acting-shopper" role="status"' in page, path
        assert "Vous commandez pour Jeanne Martin" in page, path
    response = client.post("/admin/clients/agir/fin")
    assert response.status_code == 302
    assert "Vous commandez pour" not in page_of(client.get("/"))
    assert actions(db, "shopper.assist") == ["shopper.assist_start", "shopper.assist_stop"]


def test_while_acting_the_menu_offers_none_of_the_operators_own_account_or_purchases(
    client: FlaskClient, world: World
) -> None:
    login(client, world.operator_email)
    add(client, world.bread_id)
    assert place_order(client, where="collect").status_code == 302  # she bought for herself
    page = page_of(client.get("/"))
    assert '<a href="/compte">Mon compte</a>' in page
    assert '<a href="/mes-commandes">Mes achats</a>' in page

    act_for(client, world)
    for path in ("/", "/panier", "/mes-commandes"):
        page = page_of(client.get(path))
        # Both would name the operator's own: the banner's « Ses commandes » is the shopper's.
        assert 'href="/compte"' not in page, path
        assert "Mes achats" not in page, path
        assert '<a class="button" href="/mes-commandes">Ses commandes</a>' in page, path

    client.post("/admin/clients/agir/fin")
    assert '<a href="/compte">Mon compte</a>' in page_of(client.get("/"))


def test_while_acting_the_pages_say_whose_orders_and_whose_account_they_show(
    client: FlaskClient, world: World
) -> None:
    login(client, world.operator_email)
    assert "Ceci est votre propre compte" not in page_of(client.get("/compte"))
    assert "<h1>Mes commandes</h1>" in page_of(client.get("/mes-commandes"))

    act_for(client, world)
    orders = page_of(client.get("/mes-commandes"))
    assert "<h1>Commandes de Jeanne Martin</h1>" in orders
    assert "Ce client n'a pas encore passé de commande." in orders
    # Typed by hand: the operator's own account, and the page says so.
    own = page_of(client.get("/compte"))
    assert (
        "Ceci est votre propre compte, pas celui de Jeanne Martin, pour qui vous commandez." in own
    )


def test_ordering_for_a_shopper_the_basket_and_checkout_speak_of_them(
    client: FlaskClient, world: World, db: Database
) -> None:
    act_for(client, world)
    add(client, world.bread_id)
    basket = page_of(client.get("/panier"))
    assert "<h1>Panier de Jeanne Martin</h1>" in basket
    assert "Mon panier" not in basket and "Continuer mes achats" not in basket
    checkout = page_of(client.get("/commande"))
    for said in (
        "Rien n'est commandé avant d'appuyer sur « Valider la commande ».",
        "Enregistrer cette adresse dans son compte",
        "Jeanne Martin recevra une confirmation par e-mail.",
        "Valider la commande ·",
        "Modifier le panier",
    ):
        assert said in checkout, said
    for mine in ("Valider ma commande", "dans mon compte", "vous recevrez", "mon panier"):
        assert mine not in checkout, mine
    # Ordered: the confirmation too.
    done = place_order(client)
    assert done.status_code == 302, page_of(done)[:2000]
    confirmation = page_of(client.get(done.headers["Location"]))
    assert "Suivre sa commande" in confirmation and "Sa commande chez 1 commerçant" in confirmation
    assert "Suivre ma commande" not in confirmation and "Votre commande chez" not in confirmation
    # A shopper without e-mail gets none: the page says what the operator does instead.
    odette = _without_email(db, world)
    client.post(f"/admin/clients/{odette}/agir")
    add(client, world.bread_id)
    checkout = page_of(client.get("/commande"))
    assert (
        "Mme Odette Leroy n'a pas d'e-mail et ne reçoit aucun message\u00a0: la page suivante "
        "vous donne son code de remise, à lui lire." in checkout
    )
    assert "recevra une confirmation" not in checkout


def test_the_shopper_reads_their_own_basket_and_checkout_in_the_first_person(
    client: FlaskClient, world: World
) -> None:
    login(client, world.shopper_email)
    add(client, world.bread_id)
    assert "<h1>Mon panier</h1>" in page_of(client.get("/panier"))
    checkout = page_of(client.get("/commande"))
    assert "Valider ma commande" in checkout
    assert "Enregistrer cette adresse dans mon compte" in checkout
    assert "vous recevrez une confirmation par e-mail." in checkout


def test_ordering_for_the_same_shopper_again_logs_one_start_until_ended(
    client: FlaskClient, world: World, db: Database
) -> None:
    act_for(client, world)
    for _ in range(3):  # « Commander pour ce client » again, from the search or their card
        assert client.post(f"/admin/clients/{world.shopper_id}/agir").status_code == 302
    add(client, world.bread_id)
    assert place_order(client).status_code == 302
    client.post("/admin/clients/agir/fin")
    act_for(client, world)
    assert actions(db, "shopper.assist") == [
        "shopper.assist_start",
        "shopper.assist_stop",
        "shopper.assist_start",
    ]


def test_an_order_taken_for_a_shopper_is_theirs_and_records_the_operator(
    client: FlaskClient, world: World, db: Database, app: Flask
) -> None:
    act_for(client, world)
    add(client, world.bread_id, 2)
    response = place_order(client)
    assert response.status_code == 302, page_of(response)[:2000]
    [order] = orders_of(db, world.shopper_id)
    assert order.placed_by_id == world.operator_id
    assert order.payment_method.value == "offline"
    assert orders_of(db, world.operator_id) == []
    assert actions(db, "order.") == ["order.placed_for_shopper"]
    # The shopper has an e-mail: they get the usual confirmation.
    assert any(m.to == world.shopper_email for m in sent(app))

    page = page_of(client.get(response.headers["Location"]))
    assert "À lire à Jeanne Martin" in page
    assert " ".join(order.delivery_code) in page
    assert "en espèces ou par chèque" in page
    assert f"/commande/{order.reference}/fiche" in page
    sheet = page_of(client.get(f"/commande/{order.reference}/fiche"))
    assert order.delivery_code in sheet
    assert "Commande prise par l'animation pour le client" in sheet
    # Printed, the page's header is gone: the sheet names the marketplace and each shop,
    # with how to reach it; the hint on printing is not printed.
    with db.uow() as uow:
        territory = uow.session.get_one(Territory, world.territory_id)
        baker = uow.session.get_one(Merchant, world.baker_id)
    assert f'<p class="sheet-brand">{territory.name}' in sheet
    assert f"{baker.address}, {baker.postal_code} {baker.city}" in sheet
    assert '<p class="small no-print">Pour imprimer cette fiche' in sheet


def test_the_merchant_sees_that_the_operator_took_the_order(
    client: FlaskClient, world: World, db: Database, app: Flask
) -> None:
    act_for(client, world)
    add(client, world.bread_id)
    assert place_order(client).status_code == 302
    [order] = orders_of(db, world.shopper_id)
    baker = app.test_client()
    login(baker, world.baker_email)
    page = page_of(baker.get(f"/boutique/commandes/{order.merchant_orders[0].id}"))
    assert "Commande prise par l'animation pour le client" in page


def test_a_shopper_without_email_is_registered_ordered_for_and_sent_nothing(
    client: FlaskClient, world: World, db: Database, app: Flask
) -> None:
    login(client, world.operator_email)
    response = client.post(
        "/admin/clients/nouveau",
        data={
            "full_name": "Mme Odette Leroy",
            "phone": "03 21 00 00 01",
            "email": "",
            "line1": "2 rue de l'Église",
            "postal_code": "62130",
            "city": "Saint-Pol-sur-Ternoise",
        },
    )
    assert response.status_code == 302, page_of(response)[:3000]
    with db.uow() as uow:
        odette = uow.session.scalars(select(User).where(User.full_name == "Mme Odette Leroy")).one()
        assert (odette.email, odette.role) == (None, Role.SHOPPER)
    assert "Vous commandez pour Mme Odette Leroy" in page_of(client.get("/"))
    before = len(sent(app))
    add(client, world.bread_id)
    response = place_order(client)
    assert response.status_code == 302, page_of(response)[:3000]
    [order] = orders_of(db, odette.id)
    assert (order.customer_email, order.customer_phone) == ("", "03 21 00 00 01")
    assert len(sent(app)) == before + 1  # the shop's e-mail only
    assert "aucun message n'est envoyé" in page_of(client.get(response.headers["Location"]))
    # Without an e-mail, nobody can log in to that account.
    client.post("/admin/clients/agir/fin")
    other = app.test_client()
    assert other.post("/login", data={"email": "", "password": ""}).status_code != 302


ODETTE = {
    "full_name": "Mme Odette Leroy",
    "email": "",
    "line1": "2 rue de l'Église",
    "postal_code": "62130",
    "city": "Saint-Pol-sur-Ternoise",
}


def _accounts_named(db: Database, name: str) -> int:
    with db.uow() as uow:
        return len(uow.session.scalars(select(User).where(User.full_name == name)).all())


def test_a_phone_already_a_shoppers_is_warned_of_with_their_account_to_use(
    client: FlaskClient, world: World, db: Database
) -> None:
    with db.uow() as uow:
        uow.session.get_one(User, world.shopper_id).phone = "03 21 04 05 06"
        uow.commit()
    login(client, world.operator_email)
    response = client.post("/admin/clients/nouveau", data={**ODETTE, "phone": "+33 3 21 04 05 06"})
    assert response.status_code == 422
    page = page_of(response)
    assert (
        "Ce numéro de téléphone est déjà celui d'un compte client : vérifiez qu'il ne s'agit "
        "pas de la même personne." in page
    )
    assert "Ce numéro est déjà celui de ce client :" in page
    assert f'<a href="/admin/clients/{world.shopper_id}">Jeanne Martin</a>' in page
    assert f'action="/admin/clients/{world.shopper_id}/agir"' in page
    assert 'name="shared_phone"' in page
    assert 'value="Mme Odette Leroy"' in page  # nothing typed is lost
    assert _accounts_named(db, "Mme Odette Leroy") == 0

    # Two people on one landline: the operator says so, and the account is created.
    response = client.post(
        "/admin/clients/nouveau",
        data={**ODETTE, "phone": "+33 3 21 04 05 06", "shared_phone": "y"},
    )
    assert response.status_code == 302, page_of(response)[:3000]
    assert _accounts_named(db, "Mme Odette Leroy") == 1
    assert "Vous commandez pour Mme Odette Leroy" in page_of(client.get("/"))


def test_a_new_phone_asks_nothing_more(client: FlaskClient, world: World) -> None:
    login(client, world.operator_email)
    page = page_of(client.get("/admin/clients"))
    assert 'name="shared_phone"' not in page
    response = client.post("/admin/clients/nouveau", data={**ODETTE, "phone": "03 21 09 09 09"})
    assert response.status_code == 302, page_of(response)[:3000]


def not_for_acting(db: Database, world: World) -> tuple[int, ...]:
    """Accounts the operator may not act for nor see as shoppers: a namesake of Jeanne in
    another territory, a merchant, a courier, an operator."""
    with db.uow() as uow:
        stranger = make_user(uow, territory_id=world.other_territory_id, name="Jeanne Martin")
    return (stranger, world.baker_user_id, world.courier_id, world.other_operator_id)


def test_the_operator_cannot_act_for_another_territorys_shopper_nor_for_staff(
    client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.operator_email)
    for user_id in not_for_acting(db, world):
        assert client.post(f"/admin/clients/{user_id}/agir").status_code == 404, user_id
    assert "Vous commandez pour" not in page_of(client.get("/"))
    page = page_of(client.get("/admin/clients", query_string={"q": "Jeanne"}))
    assert "1 client trouvé" in page  # territory X's Jeanne only


def test_a_shopper_cannot_act_for_another(client: FlaskClient, world: World) -> None:
    login(client, world.shopper_email)
    assert client.post(f"/admin/clients/{world.shopper2_id}/agir").status_code == 403


def test_logging_out_ends_acting_for_the_shopper(
    client: FlaskClient, world: World, db: Database
) -> None:
    act_for(client, world)
    client.post("/logout")
    login(client, world.operator_email)
    assert "Vous commandez pour" not in page_of(client.get("/"))
    assert actions(db, "shopper.assist") == ["shopper.assist_start", "shopper.assist_stop"]


def test_acting_for_a_merchant_ends_acting_for_a_shopper(
    client: FlaskClient, world: World, db: Database
) -> None:
    act_for(client, world)
    client.post(f"/admin/boutiques/{world.baker_id}/agir")
    assert "Vous commandez pour" not in page_of(client.get("/"))
    assert actions(db, "shopper.assist") == ["shopper.assist_start", "shopper.assist_stop"]


def _without_email(db: Database, world: World) -> int:
    """A shopper the operator registered over the phone without an e-mail."""
    with db.uow() as uow:
        uid = make_user(uow, territory_id=world.territory_id, name="Mme Odette Leroy")
        odette = uow.session.get_one(User, uid)
        odette.email, odette.password_hash = None, ""
        uow.commit()
    return uid


def _give_email(client: FlaskClient, uid: int, email: str, send_link: bool = False) -> TestResponse:
    data = {f"client{uid}-email": email, "q": "Leroy"}
    if send_link:
        data[f"client{uid}-send_link"] = "y"
    return client.post(f"/admin/clients/{uid}/email", data=data)


def _choose_password(client: FlaskClient, app: Flask, email: str, kind: str = "reset") -> None:
    """Follow the ``kind`` link last mailed to ``email``, choose a first password (the page
    says it is recorded, not changed) and log in with it."""
    [mailed] = [m for m in sent(app) if m.to == email]
    link = re.search(rf"http://\S+/password/{kind}/\S+", mailed.body)
    assert link, mailed.body
    form = {"password": "mon-beau-jardin", "confirm": "mon-beau-jardin"}
    response = client.post(link.group(0).split("localhost", 1)[1], data=form)
    assert response.status_code == 302
    page = page_of(client.get(response.headers["Location"]))
    assert "Votre mot de passe est enregistré." in page
    assert "Votre mot de passe est changé." not in page
    client.post("/logout")
    login(client, email, "mon-beau-jardin")


def test_only_a_shopper_without_email_gets_the_form_to_add_one(
    client: FlaskClient, world: World, db: Database
) -> None:
    uid = _without_email(db, world)
    login(client, world.operator_email)
    page = page_of(client.get("/admin/clients", query_string={"q": "Leroy"}))
    assert "Ajouter son adresse e-mail" in page
    assert f'action="/admin/clients/{uid}/email"' in page
    assert f'name="client{uid}-email"' in page
    page = page_of(client.get("/admin/clients", query_string={"q": "Martin"}))
    assert "Jeanne Martin" in page
    assert "Ajouter son adresse e-mail" not in page
    assert "/email" not in page


def test_the_operator_adds_an_email_then_the_shopper_resets_a_password_and_logs_in(
    client: FlaskClient, world: World, db: Database, app: Flask
) -> None:
    uid = _without_email(db, world)
    login(client, world.operator_email)
    response = _give_email(client, uid, "Odette.Leroy@example.fr")
    assert response.status_code == 302, page_of(response)[:3000]
    page = page_of(client.get(response.headers["Location"]))
    assert (
        "Adresse enregistrée : Mme Odette Leroy peut maintenant choisir un mot de passe "
        "avec « Mot de passe oublié »." in page
    )
    assert "Ajouter son adresse e-mail" not in page
    assert "odette.leroy@example.fr" in page
    assert sent(app) == []  # the box was left unticked
    assert actions(db, "shopper.email") == ["shopper.email_set_for"]

    shopper = app.test_client()
    shopper.post("/password/forgot", data={"email": "odette.leroy@example.fr"})
    _choose_password(shopper, app, "odette.leroy@example.fr", kind="reset")
    assert shopper.get("/compte").status_code == 200


def test_with_the_box_ticked_a_welcome_mail_says_who_created_the_account(
    client: FlaskClient, world: World, db: Database, app: Flask
) -> None:
    uid = _without_email(db, world)
    login(client, world.operator_email)
    response = _give_email(client, uid, "odette@example.fr", send_link=True)
    assert response.status_code == 302, page_of(response)[:3000]
    page = page_of(client.get(response.headers["Location"]))
    assert "Mme Odette Leroy va recevoir un e-mail pour choisir son mot de passe" in page
    [mailed] = sent(app)
    assert mailed.subject == "Votre compte sur Ternois : choisissez votre mot de passe"
    assert "L'animation de Ternois a créé votre compte" in mailed.body
    assert "(valable 7 jours)" in mailed.body
    # Not the reset mail: the shopper asked for nothing and has no password to change.
    assert "Vous avez demandé" not in mailed.body
    assert "/password/reset/" not in mailed.body
    _choose_password(app.test_client(), app, "odette@example.fr", kind="welcome")


def test_a_shopper_reading_english_gets_the_welcome_in_english(
    client: FlaskClient, world: World, db: Database, app: Flask
) -> None:
    uid = _without_email(db, world)
    with db.uow() as uow:
        uow.session.get_one(User, uid).locale = "en"
        uow.commit()
    login(client, world.operator_email)
    _give_email(client, uid, "odette@example.fr", send_link=True)
    [mailed] = sent(app)
    assert "The Ternois team has created your account" in mailed.body
    assert "(valid for 7 days)" in mailed.body
    assert "/password/welcome/" in mailed.body


def test_the_welcome_link_lasts_days_as_configured_and_works_once(
    client: FlaskClient, world: World, db: Database, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    uid = _without_email(db, world)
    login(client, world.operator_email)
    _give_email(client, uid, "odette@example.fr", send_link=True)
    [mailed] = sent(app)
    link = re.search(r"http://\S+/password/welcome/\S+", mailed.body)
    assert link
    path = link.group(0).split("localhost", 1)[1]

    class Later:
        """The clock ``days`` later, as the signed link reads it."""

        def __init__(self, days: float) -> None:
            self.at = time.time() + days * 86400

        def time(self) -> float:
            return self.at

    shopper = app.test_client()
    monkeypatch.setattr(itsdangerous.timed, "time", Later(6))
    assert shopper.get(path).status_code == 200  # a reset link would be dead after an hour
    monkeypatch.setattr(itsdangerous.timed, "time", Later(8))
    assert shopper.get(path).headers["Location"].endswith("/password/forgot")
    app.config["WELCOME_LINK_MAX_AGE"] = 10 * 86400
    form = {"password": "mon-beau-jardin", "confirm": "mon-beau-jardin"}
    assert shopper.post(path, data=form).status_code == 302
    shopper.post("/logout")
    assert shopper.post(path, data=form).headers["Location"].endswith("/password/forgot")
    # A welcome link is not a reset link, nor the other way round.
    assert shopper.get(path.replace("/welcome/", "/reset/")).status_code == 302


def test_a_wrong_address_is_shown_by_its_field_with_what_was_typed(
    client: FlaskClient, world: World, db: Database
) -> None:
    uid = _without_email(db, world)
    login(client, world.operator_email)
    for typed, message in (
        ("odette@", "Adresse e-mail invalide."),
        (world.shopper_email, "Un compte existe déjà avec cette adresse e-mail."),
    ):
        response = _give_email(client, uid, typed)
        assert response.status_code == 422, typed
        page = page_of(response)
        assert f'<p class="error" id="client{uid}-email-err">{message}</p>' in page
        assert f'value="{typed}"' in page
        assert 'class="shopper-email" open' in page
        assert "Mme Odette Leroy" in page
    with db.uow() as uow:
        assert uow.session.get_one(User, uid).email is None


def test_the_operator_cannot_change_the_email_of_a_shopper_who_can_log_in(
    client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.operator_email)
    response = _give_email(client, world.shopper_id, "pirate@example.fr")
    assert response.status_code == 422
    assert "Ce client a déjà un mot de passe" in page_of(response)
    with db.uow() as uow:
        assert uow.session.get_one(User, world.shopper_id).email == world.shopper_email
    with db.uow() as uow:
        stranger = make_user(uow, territory_id=world.other_territory_id, name="Mme Leroy")
    assert _give_email(client, stranger, "odette@example.fr").status_code == 404


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("fr", "Un compte existe déjà avec cette adresse e-mail."),
        ("en", "An account already exists with this email address."),
    ],
)
def test_a_taken_address_is_said_by_its_field_in_the_pages_language(
    client: FlaskClient, world: World, lang: str, said: str
) -> None:
    login(client, world.operator_email)
    client.get(f"/admin/clients?lang={lang}")  # the session remembers the language
    response = client.post(
        "/admin/clients/nouveau",
        data={
            "full_name": "Mme Odette Leroy",
            "phone": "03 21 00 00 01",
            "email": world.shopper_email,
            "line1": "2 rue de l'Église",
            "postal_code": "62130",
            "city": "Saint-Pol-sur-Ternoise",
        },
    )
    assert response.status_code == 422
    assert said in page_of(response)


def test_an_order_cancelled_for_a_shopper_says_so_and_is_audited_for_them(
    client: FlaskClient, world: World, db: Database
) -> None:
    act_for(client, world)
    add(client, world.bread_id)
    assert place_order(client).status_code == 302
    [order] = orders_of(db, world.shopper_id)

    response = client.post(f"/mes-commandes/{order.reference}/annuler", follow_redirects=True)

    assert "Votre commande est annulée." in page_of(response)
    with db.uow() as uow:
        entry = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "order.cancelled_for_shopper")
        ).one()
        assert (entry.actor_id, entry.on_behalf, entry.subject) == (
            world.operator_id,
            True,
            order.reference,
        )
        assert entry.details == {"shopper_id": world.shopper_id, "order_id": order.id}
    [order] = orders_of(db, world.shopper_id)
    [part] = order.merchant_orders
    assert part.history[-1].reason == "Annulée par l'animation pour le client"
    assert part.history[-1].actor_id == world.operator_id


def test_a_shopper_cancelling_their_own_order_is_not_audited_as_assisted(
    client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.shopper_email)
    add(client, world.bread_id)
    assert place_order(client).status_code == 302
    [order] = orders_of(db, world.shopper_id)
    client.post(f"/mes-commandes/{order.reference}/annuler")
    [order] = orders_of(db, world.shopper_id)
    assert order.merchant_orders[0].history[-1].reason == "Annulée par le client"
    assert actions(db, "order.cancelled_for") == []


def test_the_shoppers_card_lists_their_orders_and_what_the_operator_did(
    client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.shopper_email)
    add(client, world.bread_id)
    assert place_order(client).status_code == 302  # one she placed herself
    client.post("/logout")
    act_for(client, world)
    add(client, world.bread_id)
    assert place_order(client).status_code == 302  # one taken for her
    client.post("/admin/clients/agir/fin")
    mine, taken = sorted(orders_of(db, world.shopper_id), key=lambda o: o.id)

    card = page_of(client.get(f"/admin/clients/{world.shopper_id}"))

    assert "<h1>Jeanne Martin</h1>" in card
    assert card.count("prise par l'animation") == 1
    assert card.index(taken.reference) < card.index(mine.reference)  # newest first
    for order in (mine, taken):
        assert f"/admin/clients/{world.shopper_id}/commandes/{order.reference}/fiche" in card
    journal = card[card.index("Ce que l'animation a fait pour ce client") :]
    assert "Début d'une commande pour le client" in journal
    assert f"Commande prise pour le client : {taken.reference}" in journal
    assert "Fin d'une commande pour le client" in journal

    # The sheet printed again, without acting for her; another shopper's order is not hers.
    sheet = page_of(
        client.get(f"/admin/clients/{world.shopper_id}/commandes/{taken.reference}/fiche")
    )
    assert taken.delivery_code in sheet and "Retour à la fiche du client" in sheet
    assert "Vous commandez pour" not in sheet
    missing = client.get(f"/admin/clients/{world.shopper2_id}/commandes/{taken.reference}/fiche")
    assert missing.status_code == 404


def test_a_sheet_printed_again_says_what_is_still_to_pay_and_hides_a_dead_code(
    client: FlaskClient, world: World, db: Database
) -> None:
    """Two shops: the farm refuses its part, so the sheet asks for the bakery's amount only;
    once both parts are gone the sheet says the order is cancelled and shows no code."""
    login(client, world.shopper_email)
    add(client, world.bread_id)
    add(client, world.apples_id)
    assert place_order(client).status_code == 302
    client.post("/logout")
    (order,) = orders_of(db, world.shopper_id)
    bakery, farm = order.merchant_orders
    login(client, world.operator_email)
    url = f"/admin/clients/{world.shopper_id}/commandes/{order.reference}/fiche"

    def refuse(part_id: int) -> None:
        with db.uow() as uow:
            transition(uow=uow, merchant_order_id=part_id, target=MerchantOrderStatus.REFUSED,
                       actor=Actor.system(), reason="Épuisé", now=NOW)  # fmt: skip

    refuse(farm.id)
    sheet = page_of(client.get(url))
    owed = f"{bakery.total_incl_cents // 100},{bakery.total_incl_cents % 100:02d}\u00a0€"
    assert f"Montant à payer <strong>{owed}</strong>" in sheet
    assert "Sans ce qui a été annulé ou refusé." in sheet
    assert order.delivery_code in sheet and "Ferme du Ternois</h2>" not in sheet

    refuse(bakery.id)
    sheet = page_of(client.get(url))
    assert "Cette commande est annulée\u00a0: vous n'avez rien à payer ni à retirer." in sheet
    assert not shows_code(sheet, order.delivery_code) and "Montant à payer" not in sheet


def test_the_shoppers_card_says_when_it_lists_only_their_latest_orders(
    client: FlaskClient, world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shoppers_views, "CARD_ORDERS", 2)
    login(client, world.shopper_email)
    for _ in range(2):
        add(client, world.bread_id)
        assert place_order(client).status_code == 302
    client.post("/logout")
    login(client, world.operator_email)
    card = page_of(client.get(f"/admin/clients/{world.shopper_id}"))
    assert "dernières commandes sont affichées" not in card  # all of them are

    client.post("/logout")
    login(client, world.shopper_email)
    add(client, world.bread_id)
    assert place_order(client).status_code == 302
    client.post("/logout")
    login(client, world.operator_email)
    card = page_of(client.get(f"/admin/clients/{world.shopper_id}"))
    assert "Les 2 dernières commandes sont affichées." in card
    oldest, *latest = sorted(orders_of(db, world.shopper_id), key=lambda o: o.id)
    assert oldest.reference not in card
    assert all(order.reference in card for order in latest)


def test_the_card_of_another_territorys_shopper_or_of_staff_is_nobody(
    client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.operator_email)
    for user_id in not_for_acting(db, world):
        assert client.get(f"/admin/clients/{user_id}").status_code == 404, user_id


def test_a_client_registered_outside_the_territory_is_warned_of_like_on_their_own_form(
    client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.operator_email)
    response = client.post(
        "/admin/clients/nouveau",
        data={
            **ODETTE,
            "phone": "03 20 00 00 01",
            "line1": "1 rue Nationale",
            "postal_code": "59000",
            "city": "Lille",
        },
    )
    assert response.status_code == 302, page_of(response)[:3000]
    page = page_of(client.get(response.headers["Location"]))
    assert "Compte client créé." in page
    assert (
        "La livraison à domicile ne va pas jusqu'à Lille : proposez-lui un point de retrait "
        "ou le retrait dans les boutiques." in page
    )
    # Inside the territory, nothing to warn of.
    client.post("/admin/clients/agir/fin")
    response = client.post("/admin/clients/nouveau", data={**ODETTE, "phone": "03 21 00 07 07"})
    assert "ne va pas jusqu'à" not in page_of(client.get(response.headers["Location"]))
