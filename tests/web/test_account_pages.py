"""« Mon compte »: profile, addresses, password, export of my data, deleting the account."""

from __future__ import annotations

import html
import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from shop_core.accounts.model import Address, User
from shop_core.database import Database

from .conftest import NOW, PASSWORD, World, login
from .shopping import add, place_order


@pytest.fixture(autouse=True)
def _clock(app: Flask) -> None:
    app.config["FIXED_NOW"] = NOW


def page_of(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def addresses(db: Database, user_id: int) -> list[Address]:
    with db.uow() as uow:
        return list(
            uow.session.scalars(
                select(Address).where(Address.user_id == user_id).order_by(Address.id)
            )
        )


ADDRESS = {
    "label": "Chez ma fille",
    "recipient": "Jeanne Martin",
    "line1": "8 place du Marché",
    "line2": "",
    "postal_code": "62270",
    "city": "FREVENT",
    "phone": "",
    "instructions": "",
}


@pytest.mark.parametrize(
    "url",
    ["/compte", "/compte/adresses/nouvelle", "/compte/mot-de-passe", "/compte/mes-donnees.json"],
)
def test_account_pages_require_login(client: FlaskClient, world: World, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_profile_is_updated_and_an_empty_name_is_refused(
    client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.shopper_email)
    page = page_of(client.get("/compte"))
    assert world.shopper_email in page and "3 rue des Tilleuls" in page
    response = client.post("/compte", data={"full_name": "  ", "phone": "06 99 00 11 22"})
    assert response.status_code == 200
    assert "Indiquez votre nom." in page_of(response)
    assert 'value="06 99 00 11 22"' in page_of(response)
    client.post("/compte", data={"full_name": "Jeanne Dupont", "phone": "06 99 00 11 22"})
    with db.uow() as uow:
        user = uow.session.get_one(User, world.shopper_id)
        assert (user.full_name, user.phone) == ("Jeanne Dupont", "06 99 00 11 22")


def test_addresses_are_added_edited_and_deleted(
    client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.shopper_email)
    response = client.post("/compte/adresses/nouvelle", data=ADDRESS)
    assert response.status_code == 302
    first, added = addresses(db, world.shopper_id)
    assert (added.label, added.city, added.insee_code) == ("Chez ma fille", "Frévent", "62361")
    assert added.lat is not None
    edit = page_of(client.get(f"/compte/adresses/{added.id}"))
    assert 'value="8 place du Marché"' in edit
    client.post(f"/compte/adresses/{added.id}", data={**ADDRESS, "line1": "10 place du Marché"})
    assert addresses(db, world.shopper_id)[1].line1 == "10 place du Marché"
    client.post(f"/compte/adresses/{first.id}/supprimer")
    assert [a.id for a in addresses(db, world.shopper_id)] == [added.id]


def test_deleting_an_address_asks_first(client: FlaskClient, world: World, db: Database) -> None:
    login(client, world.shopper_email)
    client.post("/compte/adresses/nouvelle", data=ADDRESS)
    first, added = addresses(db, world.shopper_id)
    url = f"/compte/adresses/{added.id}/supprimer"
    account = page_of(client.get("/compte"))
    # « Supprimer » on the account page is a link to the question, not a form that deletes.
    assert f'<a class="button danger" href="{url}">' in account
    assert f'action="{url}"' not in account
    question = page_of(client.get(url))
    assert "Supprimer l'adresse « Chez ma fille » ?" in question
    assert "8 place du Marché" in question
    assert "Oui, supprimer l'adresse" in question and 'href="/compte#adresses"' in question
    assert len(addresses(db, world.shopper_id)) == 2
    answer = client.post(url, follow_redirects=True)
    assert "Adresse supprimée." in page_of(answer)
    assert [a.id for a in addresses(db, world.shopper_id)] == [first.id]


def test_bad_address_gives_french_errors_and_keeps_what_was_typed(
    client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.shopper_email)
    response = client.post(
        "/compte/adresses/nouvelle", data={**ADDRESS, "postal_code": "6227", "recipient": ""}
    )
    page = page_of(response)
    assert response.status_code == 200
    assert "Le code postal doit comporter 5 chiffres." in page
    assert "Indiquez le nom du destinataire." in page
    assert 'value="8 place du Marché"' in page and 'value="Chez ma fille"' in page
    response = client.post("/compte/adresses/nouvelle", data={**ADDRESS, "postal_code": "99999"})
    assert (
        "Le code postal 99999 ne correspond à aucune commune que nous livrons : vérifiez-le."
        in page_of(response)
    )
    assert len(addresses(db, world.shopper_id)) == 1


def test_a_phone_that_is_not_a_number_is_refused_in_the_profile_and_a_new_address(
    client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.shopper_email)
    for url, data in (
        ("/compte", {"full_name": "Jeanne Martin", "phone": "abc"}),
        ("/compte/adresses/nouvelle", {**ADDRESS, "phone": "abc"}),
        ("/compte/adresses/nouvelle", {**ADDRESS, "phone": "03 21 12"}),
    ):
        response = client.post(url, data=data)
        page = page_of(response)
        assert response.status_code == 200, url
        assert "Numéro de téléphone invalide : écrivez par exemple 03\u00a021" in page
        assert f'value="{data["phone"]}"' in page
    assert len(addresses(db, world.shopper_id)) == 1
    with db.uow() as uow:
        assert uow.session.get_one(User, world.shopper_id).phone != "abc"
    # Optional stays optional; a number written the French or the international way is kept.
    for phone in ("", "06.11.22.33.44", "+33 6 11 22 33 44"):
        response = client.post("/compte/adresses/nouvelle", data={**ADDRESS, "phone": phone})
        assert response.status_code == 302, phone
    assert [a.phone for a in addresses(db, world.shopper_id)[1:]] == [
        "",
        "06.11.22.33.44",
        "+33 6 11 22 33 44",
    ]


def test_address_outside_the_delivery_area_is_kept_with_a_warning(
    client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.shopper_email)
    response = client.post(
        "/compte/adresses/nouvelle",
        data={**ADDRESS, "postal_code": "62140", "city": "Hesdin"},
        follow_redirects=True,
    )
    assert "la livraison à domicile ne va pas encore jusqu'à Hesdin" in page_of(response)
    assert addresses(db, world.shopper_id)[-1].city == "Hesdin"


def test_someone_elses_address_is_not_found(
    client: FlaskClient, world: World, db: Database
) -> None:
    (theirs,) = addresses(db, world.shopper_id)
    login(client, world.shopper2_email)
    assert client.get(f"/compte/adresses/{theirs.id}").status_code == 404
    assert client.post(f"/compte/adresses/{theirs.id}", data=ADDRESS).status_code == 404
    assert client.post(f"/compte/adresses/{theirs.id}/supprimer").status_code == 404
    assert addresses(db, world.shopper_id)[0].line1 == "3 rue des Tilleuls"


def test_password_change_ends_other_sessions_and_keeps_this_one(
    client: FlaskClient, app: Flask, world: World
) -> None:
    login(client, world.shopper_email)
    phone = app.test_client()
    login(phone, world.shopper_email)
    wrong = client.post(
        "/compte/mot-de-passe",
        data={
            "current": "pas-le-bon",
            "password": "nouveau-secret-1",
            "confirm": "nouveau-secret-1",
        },
    )
    assert "Ce n'est pas votre mot de passe actuel." in page_of(wrong)
    mismatch = client.post(
        "/compte/mot-de-passe",
        data={"current": PASSWORD, "password": "nouveau-secret-1", "confirm": "autre-chose-2"},
    )
    assert "Les mots de passe diffèrent." in page_of(mismatch)
    response = client.post(
        "/compte/mot-de-passe",
        data={"current": PASSWORD, "password": "nouveau-secret-1", "confirm": "nouveau-secret-1"},
    )
    assert response.status_code == 302
    assert client.get("/compte").status_code == 200
    assert "/login" in phone.get("/compte").headers["Location"]
    client.post("/logout")
    login(client, world.shopper_email, "nouveau-secret-1")


def test_export_is_a_json_file_with_profile_addresses_and_orders(
    client: FlaskClient, world: World
) -> None:
    login(client, world.shopper_email)
    add(client, world.bread_id, 2)
    place_order(client)
    response = client.get("/compte/mes-donnees.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["email"] == world.shopper_email
    assert data["addresses"][0]["line1"] == "3 rue des Tilleuls"
    (order,) = data["orders"]
    assert order["merchant_orders"][0]["lines"][0]["product"] == "Pain de campagne"


def test_deleting_the_account_needs_the_password_then_anonymises_and_logs_out(
    client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.shopper_email)
    refused = client.post("/compte/supprimer", data={"password": "faux", "understood": "y"})
    assert "Mot de passe incorrect." in page_of(refused)
    unchecked = client.post("/compte/supprimer", data={"password": PASSWORD})
    assert "Cochez la case pour confirmer." in page_of(unchecked)
    response = client.post("/compte/supprimer", data={"password": PASSWORD, "understood": "y"})
    assert response.status_code == 302
    with db.uow() as uow:
        user = uow.session.get_one(User, world.shopper_id)
        assert user.deleted_at is not None and user.full_name == "Compte supprimé"
        assert world.shopper_email not in user.email
    assert addresses(db, world.shopper_id) == []
    assert "Se connecter" in page_of(client.get("/"))
    failed = client.post("/login", data={"email": world.shopper_email, "password": PASSWORD})
    assert failed.status_code == 200


def test_staff_accounts_are_not_deleted_from_the_shop(client: FlaskClient, world: World) -> None:
    login(client, world.baker_email)
    response = client.post("/compte/supprimer", data={"password": PASSWORD, "understood": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/compte")


def test_deleting_the_account_waits_for_the_order_on_its_way(
    client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.shopper_email)
    add(client, world.bread_id, 1)
    assert place_order(client).status_code == 302
    response = client.post("/compte/supprimer", data={"password": PASSWORD, "understood": "y"})
    assert response.status_code == 200
    assert "Une commande est encore en cours" in page_of(response)
    with db.uow() as uow:
        assert uow.session.get_one(User, world.shopper_id).deleted_at is None
