"""Throttling: checkout (web and API) and uploads, in French, per account; counts shared by
every worker through Redis when configured; a Redis outage does not take the shop down."""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from reference_app import create_app
from reference_app.extensions import limiter
from reference_app.throttling import account_key_for
from shop_core.database import Database

from .api_support import Api, error_of
from .backoffice import png_bytes
from .conftest import PASSWORD, World, login

REDIS_URL = os.environ.get("CABAS_TEST_REDIS_URL", "")


def make_app(db: Database, tmp_path: Path, **config: Any) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
            "MAIL_BACKEND": "memory",
            "WTF_CSRF_ENABLED": False,
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            **config,
        }
    )


@pytest.fixture
def throttled(db: Database, tmp_path: Path) -> Iterator[Flask]:
    app = make_app(
        db, tmp_path, CHECKOUT_RATE_LIMIT="2 per minute", UPLOAD_RATE_LIMIT="2 per minute"
    )
    yield app
    app.extensions["cabas_db"].dispose()


def _is_french_429(response: Any, longest: int = 60) -> None:
    """A French 429 page saying how long to wait, at most ``longest`` seconds."""
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Trop de tentatives" in page and "Réessayez dans" in page
    assert 0 < int(response.headers["Retry-After"]) <= longest + 1


def test_checkout_is_throttled_per_account_with_a_french_page(
    throttled: Flask, world: World
) -> None:
    jeanne, paul = throttled.test_client(), throttled.test_client()
    login(jeanne, world.shopper_email)
    login(paul, world.shopper2_email)

    allowed = [jeanne.post("/commande").status_code for _ in range(2)]
    refused = jeanne.post("/commande")

    assert 429 not in allowed
    _is_french_429(refused)
    assert jeanne.get("/commande").status_code != 429  # showing the form is not counted
    assert paul.post("/commande").status_code != 429  # same address, another account


def test_api_checkout_is_throttled_with_a_json_error(throttled: Flask, world: World) -> None:
    api = Api(throttled)
    api.sign_in(world.shopper_email)

    allowed = [api.post("/api/v1/checkout", json={}).status_code for _ in range(2)]
    refused = api.post("/api/v1/checkout", json={})

    assert 429 not in allowed
    assert refused.status_code == 429
    assert error_of(refused)["code"] == "rate_limited"


def test_uploads_share_one_budget_per_account(throttled: Flask, world: World) -> None:
    merchant = throttled.test_client()
    login(merchant, world.baker_email)
    product = {"name": "Brioche", "price": "4,50", "vat_rate": "5.5", "unit": "piece"}

    first = merchant.post(
        "/boutique/produits/nouveau",
        data={**product, "photo": (_png(), "brioche.png")},
        content_type="multipart/form-data",
    )
    second = merchant.post(
        f"/boutique/produits/{world.bread_id}",
        data={"photo": (_png(), "pain.png")},
        content_type="multipart/form-data",
    )
    third = merchant.post(
        "/boutique/produits/import",
        data={"file": (_csv(), "catalogue.csv")},
        content_type="multipart/form-data",
    )

    assert 429 not in (first.status_code, second.status_code)
    _is_french_429(third)
    assert merchant.get("/boutique/produits/import").status_code == 200


def _png() -> io.BytesIO:
    return io.BytesIO(png_bytes(40, 30))


def _csv() -> io.BytesIO:
    return io.BytesIO(b"nom;prix\nBrioche;4,50\n")


def test_without_redis_the_limits_fall_back_to_memory_instead_of_failing(
    db: Database, world: World, tmp_path: Path
) -> None:
    app = make_app(db, tmp_path, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    try:
        client = app.test_client()
        response = client.post("/login", data={"email": world.shopper_email, "password": PASSWORD})
    finally:
        app.extensions["cabas_db"].dispose()
        # The limiter is one object per process and remembers a dead storage across
        # ``init_app``; a real worker has one app, the tests that follow get a fresh start.
        limiter._storage_dead = False

    assert response.status_code == 302


@pytest.fixture
def redis_url() -> str:
    if not REDIS_URL:
        pytest.skip("Redis not configured (set CABAS_TEST_REDIS_URL=redis://127.0.0.1:6379/0)")
    return REDIS_URL


def test_two_workers_share_their_counts_through_redis(
    db: Database, world: World, tmp_path: Path, redis_url: str
) -> None:
    import redis

    # Counters are keyed by client address and account: our own keep parallel runs apart.
    address = "10." + ".".join(str(b) for b in uuid.uuid4().bytes[:3])
    visitor = {"REMOTE_ADDR": address}
    config = {
        "RATELIMIT_STORAGE_URI": redis_url,
        "LOGIN_ADDRESS_RATE_LIMIT": "2 per minute",
        "LOGIN_ACCOUNT_RATE_LIMIT": "5 per minute",
    }
    server = redis.Redis.from_url(redis_url)
    nobody = f"{uuid.uuid4().hex}@example.fr"  # failures count whether an account has it or not
    wrong = {"email": nobody, "password": "pas-le-bon"}
    first = make_app(db, tmp_path, **config)
    second: Flask | None = None
    try:
        client = first.test_client()
        allowed = [
            client.post("/login", data=wrong, environ_base=visitor).status_code for _ in range(2)
        ]
        stored = list(server.scan_iter(f"*/{address}/*"))
        with first.test_request_context():
            account = account_key_for(nobody)
        # A second worker starts: its limiter keeps nothing in memory, only Redis knows.
        second = make_app(db, tmp_path, **config)
        refused = second.test_client().post(
            "/login", data={**wrong, "password": PASSWORD}, environ_base=visitor
        )
    finally:
        for pattern in (f"*/{address}/*", f"*/{account}/*"):
            for key in server.scan_iter(pattern):
                server.delete(key)
        server.close()
        for app in (first, second):
            if app is not None:
                app.extensions["cabas_db"].dispose()

    assert allowed == [200, 200]  # the form again, with its French error
    _is_french_429(refused)
    assert stored, "no rate-limit counter was written to Redis"


def test_behind_a_proxy_each_client_address_has_its_own_budget(
    db: Database, world: World, tmp_path: Path
) -> None:
    app = make_app(db, tmp_path, PROXY_FIX=1, LOGIN_ADDRESS_RATE_LIMIT="1 per minute")
    wrong = {"email": world.shopper_email, "password": "pas-le-bon"}

    def attempt(address: str) -> int:
        forwarded = {"X-Forwarded-For": address}
        return app.test_client().post("/login", data=wrong, headers=forwarded).status_code

    try:
        first, again, neighbour = (
            attempt("203.0.113.7"),
            attempt("203.0.113.7"),
            attempt("198.51.100.9"),
        )
    finally:
        app.extensions["cabas_db"].dispose()

    assert (first, again, neighbour) == (200, 429, 200)
