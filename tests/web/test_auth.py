"""Accounts: login, logout, sign-up, password reset by mail, CSRF."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from reference_app import mail

from .conftest import PASSWORD, World, login

SIGNUP = {
    "full_name": "Nadia Benali",
    "email": "nadia@example.fr",
    "phone": "",
    "password": "un-mot-de-passe",
    "confirm": "un-mot-de-passe",
}


def test_login_with_the_right_password_opens_a_session(client: FlaskClient, world: World) -> None:
    login(client, world.shopper_email)
    page = client.get("/").get_data(as_text=True)
    assert "Se déconnecter" in page


def test_wrong_password_gives_a_french_message_and_keeps_the_email(
    client: FlaskClient, world: World
) -> None:
    response = client.post("/login", data={"email": world.shopper_email, "password": "faux"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect." in page
    assert f'value="{world.shopper_email}"' in page


def test_users_of_another_territory_cannot_log_in_here(client: FlaskClient, world: World) -> None:
    response = client.post(
        "/login", data={"email": world.other_operator_email, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "incorrect" in response.get_data(as_text=True)


def test_signup_refuses_a_phone_that_is_not_a_number(client: FlaskClient, world: World) -> None:
    refused = client.post("/signup", data={**SIGNUP, "phone": "abc"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "Numéro de téléphone invalide : écrivez par exemple 03\u00a021" in page
    assert 'value="abc"' in page
    assert client.post("/signup", data={**SIGNUP, "phone": "06 12 34 56 78"}).status_code == 302


def test_signup_creates_a_shopper_and_refuses_a_taken_email(
    client: FlaskClient, world: World
) -> None:
    form = dict(SIGNUP)
    assert client.post("/signup", data=form).status_code == 302
    client.post("/logout")
    again = client.post("/signup", data={**form, "email": world.shopper_email})
    page = again.get_data(as_text=True)
    assert again.status_code == 200
    assert "Un compte existe déjà avec cette adresse e-mail." in page
    assert 'value="Nadia Benali"' in page  # nothing the user typed is lost


def test_password_reset_link_is_mailed_and_works_once(
    app: Flask, client: FlaskClient, world: World
) -> None:
    client.post("/password/forgot", data={"email": world.shopper_email})
    with app.app_context():
        sent = mail.outbox()
        assert len(sent) == 1 and sent[0].to == world.shopper_email
        link = re.search(r"http://\S+/password/reset/\S+", sent[0].body)
    assert link
    path = link.group(0).split("localhost", 1)[1]
    form = {"password": "nouveau-mot-de-passe", "confirm": "nouveau-mot-de-passe"}
    assert client.post(path, data=form).status_code == 302
    client.post("/logout")
    login(client, world.shopper_email, "nouveau-mot-de-passe")
    client.post("/logout")
    assert client.post(path, data=form).headers["Location"].endswith("/password/forgot")


def test_unknown_email_gets_the_same_answer_and_no_mail(
    app: Flask, client: FlaskClient, world: World
) -> None:
    response = client.post("/password/forgot", data={"email": "inconnu@example.fr"})
    assert response.status_code == 302
    with app.app_context():
        assert mail.outbox() == []


def test_logout_ends_the_other_sessions_too(app: Flask, world: World) -> None:
    first, second = app.test_client(), app.test_client()
    login(first, world.shopper_email)
    login(second, world.shopper_email)
    first.post("/logout")
    assert "Se déconnecter" not in second.get("/").get_data(as_text=True)


def test_forms_without_a_csrf_token_are_refused(app: Flask, world: World) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    response = client.post("/login", data={"email": world.shopper_email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Le formulaire a expiré" in response.get_data(as_text=True)


def test_an_account_opened_in_english_gets_its_password_mail_in_english(
    app: Flask, client: FlaskClient, world: World
) -> None:
    client.get("/signup?lang=en")
    form = dict(SIGNUP)
    assert client.post("/signup", data=form).status_code == 302
    client.post("/logout")
    with app.test_client() as french_visitor:  # the page's language does not matter
        french_visitor.post("/password/forgot", data={"email": "nadia@example.fr"})
    with app.app_context():
        (reset,) = mail.outbox()
    assert reset.subject == "Resetting your password"
    assert reset.body.startswith("Hello Nadia Benali,")
    assert "valid for one hour" in reset.body


def test_from_the_signup_page_the_login_link_keeps_where_the_shopper_was_going(
    client: FlaskClient, world: World
) -> None:
    # Sent to log in before the checkout, a shopper who opened « Créer un compte » and then
    # remembered having one lost the way back to the checkout.
    page = client.get("/signup?next=/commande").get_data(as_text=True)
    assert 'Déjà un compte ? <a href="/login?next=/commande">' in page


@pytest.mark.parametrize("page", ["/login", "/signup"])
def test_the_login_and_signup_pages_lead_a_shopkeeper_to_the_shop_signup(
    client: FlaskClient, world: World, page: str
) -> None:
    # /vendre was linked from nowhere: a shopkeeper could not find how to open a shop.
    text = client.get(page).get_data(as_text=True)
    assert 'Vous êtes commerçant ? <a href="/vendre">Ouvrir ma boutique sur Ternois</a>' in text


def test_the_footer_invites_to_sell_only_those_who_could(
    client: FlaskClient, world: World
) -> None:
    """A visitor or a shopper is invited to open a shop; the operator, a merchant and a
    courier are not (the operator saw it on every admin page)."""
    sell = 'class="sell-link"'
    assert sell in client.get("/").get_data(as_text=True)
    for email, invited in (
        (world.shopper_email, True),
        (world.operator_email, False),
        (world.baker_email, False),
        (world.courier_email, False),
    ):
        login(client, email)
        assert (sell in client.get("/").get_data(as_text=True)) is invited, email
        client.post("/logout")


@pytest.mark.parametrize(
    "elsewhere",
    ["//evil.example/x", "/\\evil.example/x", "/\t/evil.example", "https://evil.example/"],
)
def test_after_login_the_next_page_is_never_another_site(
    client: FlaskClient, world: World, elsewhere: str
) -> None:
    # A browser reads "/\host" and "/<tab>/host" as "//host": another site.
    response = client.post(
        "/login",
        query_string={"next": elsewhere},
        data={"email": world.shopper_email, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]


def test_after_login_the_shopper_goes_back_where_she_was(client: FlaskClient, world: World) -> None:
    response = client.post(
        "/login",
        query_string={"next": "/commande?x=1"},
        data={"email": world.shopper_email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/commande?x=1"
