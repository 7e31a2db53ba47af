"""Form fields carry only the attributes that have a value, and tie their errors to them.

WTForms writes an attribute given as ``None`` as the text ``"None"``: every field of the app
once said ``aria-invalid="None" aria-describedby="None" inputmode="None"``, which screen
readers read as an invalid field described by nothing (found by the axe-core audit,
``tests/browser/test_accessibility.py``).
"""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from .conftest import World, login

_NONE_ATTRIBUTE = re.compile(r'\s[a-z-]+="None"')


def test_no_page_writes_an_attribute_as_none(client: FlaskClient, world: World) -> None:
    for path in ("/login", "/signup", "/password/forgot"):
        html = client.get(path).get_data(as_text=True)
        assert not _NONE_ATTRIBUTE.search(html), (path, _NONE_ATTRIBUTE.findall(html))
    login(client, world.shopper_email)
    for path in ("/compte", "/compte/adresses/nouvelle"):
        html = client.get(path).get_data(as_text=True)
        assert not _NONE_ATTRIBUTE.search(html), (path, _NONE_ATTRIBUTE.findall(html))


def test_a_field_sent_wrong_is_invalid_and_described_by_its_error(
    client: FlaskClient, world: World
) -> None:
    html = client.post(
        "/signup", data={"full_name": "Jeanne Test", "email": "pas-une-adresse"}
    ).get_data(as_text=True)
    assert not _NONE_ATTRIBUTE.search(html)

    def field(name: str) -> str:
        found = re.search(rf'<input[^>]*id="{name}"[^>]*>', html)
        assert found is not None, name
        return found.group(0)

    def described_by(name: str) -> list[str]:
        found = re.search(r'aria-describedby="([^"]+)"', field(name))
        return found.group(1).split() if found else []

    assert 'aria-invalid="true"' in field("email")
    assert described_by("email") == ["email-err"]
    error = re.search(r'<p class="error" id="email-err">([^<]+)</p>', html)
    assert error is not None and error.group(1).strip()
    # The password's hint and its error, in reading order.
    assert described_by("password") == ["password-hint", "password-err"]
    # A field sent right says nothing about validity and points at nothing.
    assert "aria-invalid" not in field("full_name") and described_by("full_name") == []


def test_a_checkbox_left_unticked_is_invalid_and_described_by_its_error(
    client: FlaskClient, world: World
) -> None:
    login(client, world.shopper_email)
    html = client.post("/compte/supprimer", data={"password": "x"}).get_data(as_text=True)

    box = re.search(r'<input[^>]*id="understood"[^>]*>', html)
    assert box is not None
    assert 'aria-invalid="true"' in box.group(0)
    assert 'aria-describedby="understood-err"' in box.group(0)
    assert re.search(r'<p class="error" id="understood-err">\s*Cochez la case', html)
