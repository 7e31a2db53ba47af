"""Security headers, cookies and sessions: CSP without inline code, no framing, HTTPS only
when configured, a new session at login, old session cookies dead after logout."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from reference_app import create_app
from reference_app.headers import content_security_policy, tile_source
from shop_core.database import Database

from .conftest import PASSWORD, World, login

TEMPLATES = Path(__file__).resolve().parents[2] / "reference_app" / "templates"


def directives(response_policy: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for part in response_policy.split(";"):
        name, *sources = part.split()
        found[name] = sources
    return found


@pytest.mark.parametrize("url", ["/", "/login", "/page-qui-n-existe-pas", "/api/v1/territory"])
def test_every_answer_carries_the_security_headers(
    client: FlaskClient, world: World, url: str
) -> None:
    response = client.get(url)

    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP: no HSTS


def test_the_map_tile_server_is_the_only_other_image_source() -> None:
    assert tile_source("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png") == (
        "https://*.tile.openstreetmap.org"
    )
    assert tile_source("https://tuiles.example.fr:8443/{z}/{x}/{y}.png") == (
        "https://tuiles.example.fr:8443"
    )
    assert tile_source("") is None and tile_source("javascript:alert(1)") is None
    assert tile_source("https://{x}.example/{z}.png") is None
    policy = directives(content_security_policy("https://{s}.tile.example.org/{z}/{x}/{y}.png"))
    assert policy["img-src"] == ["'self'", "data:", "https://*.tile.example.org"]
    assert policy["connect-src"] == ["'self'"]


# Inline code would need 'unsafe-inline' (or a nonce): scripts and styles live in static/.
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event-handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_has_inline_scripts_styles_or_event_handlers() -> None:
    found = [
        f"{path.relative_to(TEMPLATES)}: {what}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        if not path.relative_to(TEMPLATES).parts[0] == "mail"  # e-mails are not web pages
        for pattern, what in INLINE
        if pattern.search(path.read_text(encoding="utf-8"))
    ]

    assert not found, found


def _secure_app(db: Database, tmp_path: Path, **config: object) -> Flask:
    url = db.engine.url.render_as_string(hide_password=False)
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "MAIL_BACKEND": "memory",
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            **config,
        }
    )


def test_behind_an_https_proxy_cookies_are_secure_and_hsts_is_sent(
    db: Database, world: World, tmp_path: Path
) -> None:
    app = _secure_app(db, tmp_path, HTTPS=True, PROXY_FIX=1)
    client = app.test_client()
    https = {"X-Forwarded-Proto": "https"}
    try:
        response = client.post(
            "/login", data={"email": world.shopper_email, "password": PASSWORD}, headers=https
        )
        plain = client.get("/", headers={"X-Forwarded-Proto": "http"})
    finally:
        app.extensions["cabas_db"].dispose()

    assert response.status_code == 302
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Strict-Transport-Security" not in plain.headers


def test_over_plain_http_the_session_cookie_is_httponly_and_samesite_lax(
    client: FlaskClient, world: World
) -> None:
    response = client.post("/login", data={"email": world.shopper_email, "password": PASSWORD})

    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_login_starts_a_new_session_without_what_was_planted_before(
    client: FlaskClient, world: World
) -> None:
    with client.session_transaction() as before:
        before["planted"] = "by an attacker"
        before["_user_id"] = "999:0"
    planted = client.get_cookie("session")
    assert planted is not None

    login(client, world.shopper_email)

    with client.session_transaction() as after:
        assert "planted" not in after
        assert after["_user_id"].startswith(f"{world.shopper_id}:")
    fresh = client.get_cookie("session")
    assert fresh is not None and fresh.value != planted.value


def test_a_session_cookie_copied_before_logout_no_longer_works(
    client: FlaskClient, world: World
) -> None:
    login(client, world.shopper_email)
    stolen = client.get_cookie("session")
    assert stolen is not None and client.get("/compte").status_code == 200

    client.post("/logout")
    client.set_cookie("session", stolen.value)

    replayed = client.get("/compte")
    assert replayed.status_code == 302 and "/login" in replayed.headers["Location"]


def test_a_session_cookie_copied_before_a_password_change_no_longer_works(
    app: Flask, world: World
) -> None:
    client = app.test_client()
    login(client, world.shopper_email)
    stolen = client.get_cookie("session")
    assert stolen is not None
    new_password = "un-autre-mot-de-passe-solide"

    changed = client.post(
        "/compte/mot-de-passe",
        data={"current": PASSWORD, "password": new_password, "confirm": new_password},
    )
    assert changed.status_code == 302, changed.get_data(as_text=True)[:1000]
    assert client.get("/compte").status_code == 200  # this browser logged in afresh

    thief = app.test_client()
    thief.set_cookie("session", stolen.value)
    replayed = thief.get("/compte")
    assert replayed.status_code == 302 and "/login" in replayed.headers["Location"]
