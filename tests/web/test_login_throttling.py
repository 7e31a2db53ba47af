"""Login throttling: only failed attempts count, per account and per address, shared by the
form and the API; the 429 page and JSON say how long to wait, from the limit that refused."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from reference_app import create_app, mail
from reference_app.throttling import end_words, wait_words
from shop_core.database import Database

from .api_support import Api, error_of
from .conftest import PASSWORD, World, app_config

WRONG = "pas-le-bon-mot-de-passe"
HALL = {"REMOTE_ADDR": "192.0.2.10"}  # a town hall's one public address
ELSEWHERE = {"REMOTE_ADDR": "198.51.100.20"}


def throttled_app(db: Database, tmp_path: Path, **limits: Any) -> Flask:
    config = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "LOGIN_ACCOUNT_RATE_LIMIT": "2 per 15 minutes",
        "LOGIN_ADDRESS_RATE_LIMIT": "3 per 15 minutes",
        **limits,
    }
    return create_app(app_config(db, tmp_path, **config))


@pytest.fixture
def throttled(db: Database, tmp_path: Path) -> Iterator[Flask]:
    app = throttled_app(db, tmp_path)
    yield app
    app.extensions["cabas_db"].dispose()


def attempt(app: Flask, email: str, password: str, where: dict[str, str] = HALL) -> Any:
    """A login through the form, from ``where``, in a browser of its own."""
    return app.test_client().post(
        "/login", data={"email": email, "password": password}, environ_base=where
    )


def test_successful_logins_are_not_counted(throttled: Flask, world: World) -> None:
    # A training session: everyone logs in from the tiers-lieu's one connection.
    emails = [world.shopper_email, world.shopper2_email, world.baker_email, world.farmer_email]
    answers = [attempt(throttled, email, PASSWORD).status_code for email in emails * 2]

    assert answers == [302] * 8


def test_failed_logins_block_the_account_from_any_address(throttled: Flask, world: World) -> None:
    failures = [attempt(throttled, world.shopper_email, WRONG).status_code for _ in range(2)]
    right_password_elsewhere = attempt(throttled, world.shopper_email, PASSWORD, ELSEWHERE)
    neighbour = attempt(throttled, world.shopper2_email, PASSWORD)

    assert failures == [200, 200]  # the form again, with its error
    assert right_password_elsewhere.status_code == 429
    page = right_password_elsewhere.get_data(as_text=True)
    assert "pour ce compte" in page
    assert 'href="/password/forgot"' in page  # the way out: a new password
    assert neighbour.status_code == 302  # same address, another account


def test_an_address_no_account_has_is_counted_like_one_that_has_one(
    throttled: Flask, world: World
) -> None:
    # Otherwise the refusals would tell which addresses have an account.
    unknown = "personne@example.fr"
    answers = [attempt(throttled, unknown, WRONG, ELSEWHERE).status_code for _ in range(3)]

    assert answers == [200, 200, 429]


def test_failures_on_several_accounts_block_the_address(throttled: Flask, world: World) -> None:
    # Guessing one password on many accounts: each account stays under its own limit.
    for email in (world.shopper_email, world.shopper2_email, world.baker_email):
        assert attempt(throttled, email, WRONG).status_code == 200

    from_the_hall = attempt(throttled, world.farmer_email, PASSWORD)
    from_elsewhere = attempt(throttled, world.farmer_email, PASSWORD, ELSEWHERE)

    assert from_the_hall.status_code == 429
    assert "depuis cette connexion internet" in from_the_hall.get_data(as_text=True)
    assert 'href="/password/forgot"' not in from_the_hall.get_data(as_text=True)
    assert from_elsewhere.status_code == 302


def test_a_successful_login_clears_its_accounts_failures(throttled: Flask, world: World) -> None:
    answers = [
        attempt(throttled, world.shopper_email, password, ELSEWHERE).status_code
        for password in (WRONG, PASSWORD, WRONG, PASSWORD)
    ]

    assert answers == [200, 302, 200, 302]


def test_a_new_password_unblocks_the_account(throttled: Flask, world: World) -> None:
    for _ in range(2):
        attempt(throttled, world.shopper_email, WRONG, ELSEWHERE)
    assert attempt(throttled, world.shopper_email, PASSWORD, ELSEWHERE).status_code == 429

    browser = throttled.test_client()
    browser.post("/password/forgot", data={"email": world.shopper_email}, environ_base=ELSEWHERE)
    with throttled.app_context():
        (sent,) = mail.outbox()
    link = re.search(r"http://localhost(/password/reset/\S+)", sent.body)
    assert link
    new = {"password": "trois-mots-sans-rapport", "confirm": "trois-mots-sans-rapport"}
    assert browser.post(link.group(1), data=new, environ_base=ELSEWHERE).status_code == 302

    again = attempt(throttled, world.shopper_email, "trois-mots-sans-rapport", ELSEWHERE)
    assert again.status_code == 302


def test_the_refusal_says_how_long_the_limit_that_refused_lasts(
    throttled: Flask, world: World
) -> None:
    for _ in range(2):
        attempt(throttled, world.shopper_email, WRONG, ELSEWHERE)

    refused = attempt(throttled, world.shopper_email, PASSWORD, ELSEWHERE)

    page = refused.get_data(as_text=True)
    assert 14 * 60 < int(refused.headers["Retry-After"]) <= 15 * 60 + 1
    assert "Réessayez dans 15\u00a0minutes (à partir de " in page
    assert "une minute" not in page


def test_the_longest_spent_limit_sets_the_wait(db: Database, tmp_path: Path, world: World) -> None:
    # The quarter of an hour and the day both spent: the day decides, not the first found.
    app = throttled_app(db, tmp_path, LOGIN_ACCOUNT_RATE_LIMIT="1 per 15 minutes;1 per day")
    try:
        attempt(app, world.shopper_email, WRONG, ELSEWHERE)
        refused = attempt(app, world.shopper_email, PASSWORD, ELSEWHERE)
    finally:
        app.extensions["cabas_db"].dispose()

    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 23 * 3600
    assert "Réessayez dans 24\u00a0heures" in refused.get_data(as_text=True)


def test_the_api_token_shares_the_budgets_and_says_the_wait_in_french(
    throttled: Flask, world: World
) -> None:
    attempt(throttled, world.shopper_email, WRONG)  # the form…
    api = Api(throttled)
    wrong = {"email": world.shopper_email, "password": WRONG}
    token_failure = api.post("/api/v1/token", json=wrong)  # …then the API: two failures
    refused = api.post("/api/v1/token", json={**wrong, "password": PASSWORD})

    assert token_failure.status_code == 401
    assert refused.status_code == 429
    error = error_of(refused)
    assert error["code"] == "rate_limited"
    assert "pour ce compte" in error["message"]
    assert "Réessayez dans 15" in error["message"]
    assert int(refused.headers["Retry-After"]) > 14 * 60


def test_a_successful_token_request_is_not_counted(throttled: Flask, world: World) -> None:
    api = Api(throttled)
    for _ in range(4):
        assert (
            api.post(
                "/api/v1/token", json={"email": world.shopper_email, "password": PASSWORD}
            ).status_code
            == 200
        )


def test_the_password_reset_refusal_says_the_wait_in_seconds_not_one_minute_fixed(
    throttled: Flask, world: World
) -> None:
    browser = throttled.test_client()
    asked = [
        browser.post("/password/forgot", data={"email": world.shopper_email}).status_code
        for _ in range(6)
    ]

    assert asked[:5] == [302] * 5 and asked[5] == 429
    refused = browser.post("/password/forgot", data={"email": world.shopper_email})
    assert 0 < int(refused.headers["Retry-After"]) <= 61
    page = refused.get_data(as_text=True).replace("&#39;", "'")
    assert re.search(r"Réessayez dans (moins d'une minute|1\u00a0minute) \(à partir de ", page)


def test_checkout_refused_by_its_hourly_limit_says_the_hour(
    db: Database, tmp_path: Path, world: World
) -> None:
    app = throttled_app(db, tmp_path, CHECKOUT_RATE_LIMIT="1 per minute;1 per hour")
    try:
        shopper = app.test_client()
        shopper.post("/login", data={"email": world.shopper_email, "password": PASSWORD})
        shopper.post("/commande")
        refused = shopper.post("/commande")
    finally:
        app.extensions["cabas_db"].dispose()

    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 59 * 60
    page = refused.get_data(as_text=True)
    assert "Réessayez dans 1\u00a0heure" in page


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (1, "moins d'une minute"),
        (59, "moins d'une minute"),
        (60, "1\u00a0minute"),
        (61, "2\u00a0minutes"),
        (14 * 60 + 30, "15\u00a0minutes"),
        (3600, "1\u00a0heure"),
        (3600 + 1, "1\u00a0h\u00a01\u00a0min"),
        (2 * 3600 + 5 * 60, "2\u00a0h\u00a05\u00a0min"),
        (24 * 3600, "24\u00a0heures"),
    ],
)
def test_a_wait_is_said_as_people_say_it_never_shorter(
    app: Flask, seconds: int, words: str
) -> None:
    with app.test_request_context():
        assert wait_words(seconds) == words


@pytest.mark.parametrize(
    ("now", "seconds", "words"),
    [
        (dt.datetime(2026, 12, 7, 14, 41, 30, tzinfo=dt.UTC), 30, "15\u00a0h\u00a042"),
        (dt.datetime(2026, 12, 7, 14, 41, 30, tzinfo=dt.UTC), 29, "15\u00a0h\u00a042"),
        (dt.datetime(2026, 12, 7, 14, 41, 30, tzinfo=dt.UTC), 31, "15\u00a0h\u00a043"),
        (dt.datetime(2026, 7, 7, 14, 41, 0, tzinfo=dt.UTC), 60, "16\u00a0h\u00a042"),
        (dt.datetime(2026, 12, 7, 22, 50, 0, tzinfo=dt.UTC), 20 * 60, "demain à 0\u00a0h\u00a010"),
    ],
)
def test_the_end_of_a_wait_is_said_on_the_shops_clock_to_the_minute_after(
    app: Flask, now: dt.datetime, seconds: int, words: str
) -> None:
    # Paris: UTC+1 in December, UTC+2 in July.
    with app.test_request_context():
        assert end_words(seconds, now=now) == words
