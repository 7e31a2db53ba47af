"""Every page names its icon, a basket served by the app itself (no /favicon.ico 404)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from .conftest import World, login


@pytest.mark.parametrize("path", ["/", "/login", "/panier", "/page-qui-n-existe-pas"])
def test_every_page_links_the_basket_icon(client: FlaskClient, world: World, path: str) -> None:
    page = client.get(path).get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.ico" sizes="16x16 32x32 48x48">' in page
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page


def test_a_back_office_page_links_it_too(client: FlaskClient, world: World) -> None:
    login(client, world.operator_email)
    assert 'href="/static/favicon.svg"' in client.get("/admin").get_data(as_text=True)


def test_the_icons_are_served_from_the_app(client: FlaskClient) -> None:
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg.get_data().startswith(b"<svg")
    ico = client.get("/static/favicon.ico")
    assert ico.status_code == 200
    assert ico.get_data()[:4] == b"\x00\x00\x01\x00"  # an icon file (ICO header)
