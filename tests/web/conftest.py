"""Web fixtures: the Flask app on each database, a small territory with one account per role."""

from __future__ import annotations

import datetime as dt
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from reference_app import create_app
from reference_app.security import hash_password
from shop_core.accounts.model import Role
from shop_core.accounts.services import add_address, register_user
from shop_core.audit.services import Actor
from shop_core.catalogue.model import Unit
from shop_core.catalogue.services import create_category
from shop_core.database import Database
from shop_core.merchants.model import MemberRole, Trade
from shop_core.merchants.services import add_member
from shop_core.territories.services import add_pickup_point
from shop_core.testing.factories import make_merchant, make_product, make_territory
from shop_core.vat import VatRate

PASSWORD = "motdepasse-solide"


@dataclass
class World:
    """Ids of what the ``world`` fixture built (one account per role)."""

    territory_id: int
    other_territory_id: int
    baker_id: int
    farmer_id: int
    bread_id: int
    cake_id: int
    roast_id: int
    apples_id: int
    category_id: int
    pickup_point_id: int
    shopper_id: int
    shopper2_id: int
    baker_user_id: int
    farmer_user_id: int
    courier_id: int
    operator_id: int
    other_operator_id: int
    shopper_email: str = "jeanne@example.fr"
    shopper2_email: str = "paul@example.fr"
    baker_email: str = "boulanger@example.fr"
    farmer_email: str = "ferme@example.fr"
    courier_email: str = "livreur@example.fr"
    operator_email: str = "animatrice@example.fr"
    other_operator_email: str = "operateur@ailleurs.fr"


def shows_code(page: str, code: str) -> bool:
    """Whether ``page`` shows the 4-digit delivery ``code`` as a number of its own: a random
    code also turns up inside a phone number (« 0601020304 ») or a token by chance."""
    return re.search(rf"(?<!\d){re.escape(code)}(?!\d)", page) is not None


def app_config(db: Database, tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    """The configuration of the test apps, with ``overrides``."""
    return {
        "TESTING": True,
        "DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
        "MAIL_BACKEND": "memory",
        "JOBS": "inline",
        "GEOCODER": "none",  # no test reaches the internet; geocoding tests set a fake
        "RATELIMIT_ENABLED": False,
        "WTF_CSRF_ENABLED": False,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "SERVER_NAME": None,
        **overrides,
    }


@pytest.fixture
def app(db: Database, tmp_path: Path) -> Iterator[Flask]:
    application = create_app(app_config(db, tmp_path))
    yield application
    application.extensions["cabas_db"].dispose()


def use_celery_on_test_redis(app: Flask) -> None:
    """Hand the app's jobs to Celery on the test Redis (``CABAS_TEST_REDIS_URL``), on a
    queue of this test's own: other test processes may run the same test meanwhile. Skips
    the test without a Redis server."""
    broker = os.environ.get("CABAS_TEST_REDIS_URL")
    if not broker:
        pytest.skip("CABAS_TEST_REDIS_URL is not set (a Redis server for the Celery broker)")
    app.config.update(JOBS="celery", CELERY_BROKER_URL=broker, CELERY_QUEUE=f"t-{uuid.uuid4()}")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


_HASH: dict[str, str] = {}


def _hash() -> str:
    # argon2 is slow on purpose: hash the shared test password once per process.
    if "h" not in _HASH:
        _HASH["h"] = hash_password(PASSWORD)
    return _HASH["h"]


def _user(uow: object, territory_id: int, email: str, name: str, role: Role) -> int:
    return register_user(
        uow=uow,
        territory_id=territory_id,
        email=email,  # type: ignore[arg-type]
        full_name=name,
        password_hash=_hash(),
        role=role,
    )


@pytest.fixture
def world(db: Database) -> World:
    """Territory "Ternois" (the first, so the app serves it) and a second territory."""
    with db.uow() as uow:
        tid = make_territory(uow, name="Ternois")
        other = make_territory(uow, name="Montreuillois")
        category = create_category(uow=uow, territory_id=tid, name="Boulangerie")
        baker_user = _user(uow, tid, "boulanger@example.fr", "Louis Lefebvre", Role.MERCHANT)
        farmer_user = _user(uow, tid, "ferme@example.fr", "Claire Dufour", Role.MERCHANT)
        baker = make_merchant(
            uow, territory_id=tid, name="Boulangerie Lefebvre", owner_user_id=baker_user
        )
        farmer = make_merchant(
            uow,
            territory_id=tid,
            name="Ferme du Ternois",
            trade=Trade.FERME,
            owner_user_id=farmer_user,
        )
        bread = make_product(
            uow, merchant_id=baker, name="Pain de campagne", price_cents=350, category_id=category
        )
        cake = make_product(
            uow,
            merchant_id=baker,
            name="Tarte au sucre",
            price_cents=1200,
            stock=2,
            category_id=category,
        )
        roast = make_product(
            uow,
            merchant_id=farmer,
            name="Rôti de porc",
            price_cents=1890,
            unit=Unit.KG,
            estimated_weight_g=1000,
            stock=5,
        )
        apples = make_product(
            uow,
            merchant_id=farmer,
            name="Pommes Reinette",
            price_cents=290,
            stock=None,
            vat_rate=VatRate.REDUCED,
        )
        point = add_pickup_point(
            uow=uow,
            territory_id=tid,
            name="Le Tiers-Lieu du Ternois",
            kind="tiers_lieu",
            address="2 place de l'Hôtel de Ville",
            postal_code="62130",
            city="Saint-Pol-sur-Ternoise",
            insee_code="62767",
            lat=50.3814,
            lon=2.3347,
        )
        shopper = _user(uow, tid, "jeanne@example.fr", "Jeanne Martin", Role.SHOPPER)
        add_address(
            uow=uow,
            user_id=shopper,
            recipient="Jeanne Martin",
            line1="3 rue des Tilleuls",
            postal_code="62130",
            city="Saint-Pol-sur-Ternoise",
            insee_code="62767",
            phone="0601020304",
        )
        shopper2 = _user(uow, tid, "paul@example.fr", "Paul Leroy", Role.SHOPPER)
        courier = _user(uow, tid, "livreur@example.fr", "Marc Facteur", Role.COURIER)
        operator = _user(uow, tid, "animatrice@example.fr", "Sophie Animatrice", Role.OPERATOR)
        other_operator = _user(
            uow, other, "operateur@ailleurs.fr", "Autre Opérateur", Role.OPERATOR
        )
        add_member(
            uow=uow,
            merchant_id=baker,
            user_id=baker_user,
            role=MemberRole.OWNER,
            actor=Actor.system(),
        )
    return World(
        tid,
        other,
        baker,
        farmer,
        bread,
        cake,
        roast,
        apples,
        category,
        point,
        shopper,
        shopper2,
        baker_user,
        farmer_user,
        courier,
        operator,
        other_operator,
    )


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> None:
    """Log in through the real form; fails the test if the login is refused."""
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def only_the_operator_reaches(client: FlaskClient, world: World, url: str) -> None:
    """``url`` asks a visitor to log in, refuses a shopper, a merchant and a courier (403),
    and opens for the operator; the client ends logged in as the operator."""
    answer = client.get(url)
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    for who in (world.shopper_email, world.baker_email, world.courier_email):
        login(client, who)
        assert client.get(url).status_code == 403, who
        client.post("/logout")
    login(client, world.operator_email)
    assert client.get(url).status_code == 200


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


# A Monday morning before the cut-off; the earliest delivery date is then Tuesday.
NOW = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
