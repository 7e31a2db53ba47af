"""New passwords too easy to guess are refused wherever one is chosen, with a French
message next to the field, and what was typed elsewhere is kept."""

from __future__ import annotations

import html

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reference_app.security import guessable, make_token, verify_password
from shop_core.accounts.model import User
from shop_core.database import Database

from .conftest import PASSWORD, World, login

TOO_EASY = "Ce mot de passe est trop facile à deviner"


@pytest.mark.parametrize(
    ("password", "about", "easy"),
    [
        ("aaaaaaaaaaaa", (), True),
        ("12345678901", (), True),
        ("azertyuiop12", (), True),
        ("jeannedupont", ("Jeanne Dupont", "jeanne.dupont@example.fr"), True),
        ("jeannedupont", (), False),
        ("un-mot-de-passe", (), False),
        ("chevaux verts sous la lune", (), False),
        ("x" * 72 + "!Q7#p-k9Lm2$vQ8", (), True),  # judged on its first 72 characters
        ("k9#Lm2$vQ8!zR4@t" * 5, (), False),
    ],
)
def test_what_is_too_easy_to_guess(password: str, about: tuple[str, ...], easy: bool) -> None:
    assert guessable(password, *about) is easy


def test_signing_up_with_an_easy_password_is_refused_and_the_form_kept(
    client: FlaskClient, db: Database, world: World
) -> None:
    form = {
        "full_name": "Jeanne Dupont", "email": "jeanne.dupont@example.fr", "phone": "",
        "password": "jeannedupont", "confirm": "jeannedupont",
    }  # fmt: skip
    page = html.unescape(client.post("/signup", data=form).get_data(as_text=True))
    assert TOO_EASY in page
    assert 'value="jeanne.dupont@example.fr"' in page
    with db.uow() as uow:
        assert uow.session.scalar(select(User).where(User.email == form["email"])) is None

    short = html.unescape(
        client.post("/signup", data={**form, "password": "court", "confirm": "court"}).get_data(
            as_text=True
        )
    )
    assert "10 caractères au moins." in short and TOO_EASY not in short

    ok = client.post(
        "/signup", data={**form, "password": "tartes-aux-pommes", "confirm": "tartes-aux-pommes"}
    )
    assert ok.status_code == 302


def test_changing_or_resetting_to_an_easy_password_is_refused(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.shopper_email)
    page = client.post(
        "/compte/mot-de-passe",
        data={"current": PASSWORD, "password": "1234567890", "confirm": "1234567890"},
    )
    assert TOO_EASY in html.unescape(page.get_data(as_text=True))
    client.post("/logout")
    with db.uow() as uow:  # the password is unchanged
        assert verify_password(uow.session.get_one(User, world.shopper_id).password_hash, PASSWORD)

    with db.uow() as uow, app.test_request_context():
        version = uow.session.get_one(User, world.shopper_id).session_version
        token = make_token("reset", {"uid": world.shopper_id, "v": version})
    page = client.post(
        f"/password/reset/{token}", data={"password": "qwertyuiop", "confirm": "qwertyuiop"}
    )
    assert TOO_EASY in html.unescape(page.get_data(as_text=True))


def test_the_api_refuses_an_easy_password(client: FlaskClient, world: World) -> None:
    response = client.post(
        "/api/v1/accounts",
        json={"email": "nadia@example.fr", "full_name": "Nadia Benali", "password": "0123456789"},
    )
    assert response.status_code == 422
    assert TOO_EASY in str(response.get_json())


def test_changing_or_resetting_to_ones_own_name_is_refused_as_at_sign_up(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    # "jeannedupont" is no common word: only Jeanne Dupont's name makes it easy to guess.
    assert not guessable("jeannedupont")
    with db.uow() as uow:
        uow.session.get_one(User, world.shopper_id).full_name = "Jeanne Dupont"
        uow.commit()
    login(client, world.shopper_email)
    page = client.post(
        "/compte/mot-de-passe",
        data={"current": PASSWORD, "password": "jeannedupont", "confirm": "jeannedupont"},
    )
    assert TOO_EASY in html.unescape(page.get_data(as_text=True))
    client.post("/logout")

    with db.uow() as uow, app.test_request_context():
        version = uow.session.get_one(User, world.shopper_id).session_version
        token = make_token("reset", {"uid": world.shopper_id, "v": version})
    page = client.post(
        f"/password/reset/{token}", data={"password": "jeannedupont", "confirm": "jeannedupont"}
    )
    assert TOO_EASY in html.unescape(page.get_data(as_text=True))
    with db.uow() as uow:
        assert verify_password(uow.session.get_one(User, world.shopper_id).password_hash, PASSWORD)
