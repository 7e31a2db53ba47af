"""Form fields carry only the attributes that have a value, and tie their errors to them.

WTForms writes an attribute given as ``None`` as the text ``"None"``: every field of the app
once said ``aria-invalid="None" aria-describedby="None" inputmode="None"``, which screen
readers read as an invalid field described by nothing (found by the axe-core audit,
``tests/browser/test_accessibility.py``).
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from reference_app.formatting import typed_time

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


def test_pages_with_several_forms_repeat_no_id(
    app: Flask, client: FlaskClient, world: World
) -> None:
    """Each form's CSRF field used to write id="csrf_token": twice or more on a page."""
    login(client, world.baker_email)
    client.post("/boutique/fermetures", data={"starts": "2027-06-01", "ends": "2027-06-02"})
    client.post("/boutique/fermetures", data={"starts": "2027-07-01", "ends": "2027-07-02"})
    app.config["WTF_CSRF_ENABLED"] = True  # the pages as served, with their CSRF fields
    pages = ["/boutique/ma-boutique", "/boutique/fermetures"]
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), (path, sorted({i for i in ids if ids.count(i) > 1}))
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/logout")
    login(client, world.operator_email)
    app.config["WTF_CSRF_ENABLED"] = True
    html = client.get("/admin/creneaux").get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def starred_labels(page: str) -> set[str]:
    """The labels followed by the required star."""
    return set(
        re.findall(r'<label for="([a-z0-9_-]+)">[^<]*</label>&nbsp;<span class="required"', page)
    )


def test_the_required_address_fields_are_starred_in_the_account_and_the_checkout(
    client: FlaskClient, world: World
) -> None:
    required = {"recipient", "line1", "postal_code", "city"}
    login(client, world.shopper_email)
    assert (
        starred_labels(client.get("/compte/adresses/nouvelle").get_data(as_text=True)) >= required
    )
    client.post("/panier/ajouter", data={"product_id": world.bread_id, "quantity": 1})
    checkout = client.get("/commande").get_data(as_text=True)
    assert starred_labels(checkout) >= required
    assert not starred_labels(checkout) & {"line2", "phone", "instructions"}


@pytest.mark.parametrize(
    ("typed", "understood"),
    [("08:30", (8, 30)), ("08:30:00", (8, 30)), ("8h30", (8, 30)), ("8 h", (8, 0)),
     ("8.30", (8, 30)), ("14", (14, 0)), (" 9:05 ", (9, 5)), ("24:00", None), ("9h75", None),
     ("midi", None), ("", None)],
)  # fmt: skip
def test_a_time_is_understood_as_people_type_it(
    typed: str, understood: tuple[int, int] | None
) -> None:
    found = typed_time(typed)
    assert ((found.hour, found.minute) if found else None) == understood
