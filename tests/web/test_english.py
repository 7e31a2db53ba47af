"""The English catalogue: ``?lang=en`` shows English pages, ``?lang=fr`` switches back."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from flask_babel import ngettext

from .conftest import World


def test_login_page_in_english_then_back_to_french(client: FlaskClient, world: World) -> None:
    page = client.get("/login?lang=en").get_data(as_text=True)
    assert "Email address" in page
    assert "Password" in page
    assert "Log in" in page
    assert "Forgotten your password?" in page
    assert "Adresse e-mail" not in page
    assert "Mot de passe" not in page
    assert "Se connecter" not in page

    # The choice is remembered by the session...
    page = client.get("/login").get_data(as_text=True)
    assert "Email address" in page

    # ...until the visitor picks French again.
    home = client.get("/?lang=fr").get_data(as_text=True)
    assert "Se connecter" in home
    assert "Log in" not in home
    page = client.get("/login").get_data(as_text=True)
    assert "Adresse e-mail" in page
    assert "Email address" not in page


def test_shop_home_in_english(client: FlaskClient, world: World) -> None:
    home = client.get("/?lang=en").get_data(as_text=True)
    assert "How does it work?" in home
    assert "Add to basket" in home or "Our shopkeepers" in home
    assert "Comment ça marche" not in home


def test_plurals_follow_each_language(app: Flask) -> None:
    # French takes the singular for 0 and 1 (the French catalogue's plural rule); English
    # for 1 only.
    counted = {}
    for lang in ("fr", "en"):
        with app.test_request_context(f"/?lang={lang}"):
            counted[lang] = [ngettext("%(num)s arrêt", "%(num)s arrêts", n) for n in (0, 1, 2)]
    assert counted["fr"] == ["0 arrêt", "1 arrêt", "2 arrêts"]
    assert counted["en"] == ["0 stops", "1 stop", "2 stops"]
