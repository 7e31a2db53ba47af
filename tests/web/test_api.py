"""JSON API: tokens, accounts, catalogue, merchant products, and errors that stay JSON."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from reference_app import create_app
from reference_app.api.auth import issue_token
from reference_app.security import make_token
from shop_core.accounts.model import Role, User
from shop_core.accounts.services import register_user
from shop_core.audit.services import Actor
from shop_core.catalogue.model import Product
from shop_core.catalogue.services import archive_product, set_active
from shop_core.database import Database
from shop_core.testing.factories import make_merchant, make_product

from .api_support import Api, error_of
from .conftest import PASSWORD, World


def test_a_token_from_the_right_password_opens_the_account(app: Flask, world: World) -> None:
    api = Api(app)
    response = api.post("/api/v1/token", json={"email": "Jeanne@Example.fr ", "password": PASSWORD})
    body = response.get_json()
    assert response.status_code == 200
    assert body["token_type"] == "Bearer" and body["expires_in"] == 30 * 24 * 3600
    assert body["user"]["email"] == world.shopper_email
    api.token = body["token"]
    me = api.get("/api/v1/me").get_json()
    assert me["full_name"] == "Jeanne Martin"
    assert [a["city"] for a in me["addresses"]] == ["Saint-Pol-sur-Ternoise"]


@pytest.mark.parametrize("email", ["jeanne@example.fr", "personne@example.fr"])
def test_a_wrong_password_or_unknown_email_gives_the_same_401(
    app: Flask, world: World, email: str
) -> None:
    response = Api(app).post("/api/v1/token", json={"email": email, "password": "pas-le-bon"})
    assert response.status_code == 401
    assert error_of(response) == {
        "code": "invalid_credentials",
        "message": "Adresse e-mail ou mot de passe incorrect.",
        "field": None,
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/me"),
        ("DELETE", "/api/v1/token"),
        ("GET", "/api/v1/basket"),
        ("POST", "/api/v1/basket/items"),
        ("POST", "/api/v1/checkout"),
        ("GET", "/api/v1/orders"),
        ("GET", "/api/v1/orders/1"),
        ("POST", "/api/v1/merchant/products"),
    ],
)
def test_account_endpoints_need_a_bearer_token(
    app: Flask, world: World, method: str, path: str
) -> None:
    response = Api(app).call(method, path, json={})
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer n-importe-quoi",
        "Bearer " + "x" * 5000,
        "Bearer eyJ1aWQiOjF9.Zm9v.YmFy",
    ],
)
def test_a_forged_token_is_refused(app: Flask, world: World, header: str) -> None:
    response = Api(app).get("/api/v1/me", headers={"Authorization": header}, token=None)
    assert response.status_code == 401
    assert error_of(response)["code"] == "invalid_token"


def test_a_token_signed_for_another_purpose_or_territory_is_refused(
    app: Flask, db: Database, world: World
) -> None:
    with db.uow() as uow:
        other = uow.session.get_one(User, world.other_operator_id)
    with app.test_request_context():
        reset_link_token = make_token("reset", {"uid": world.shopper_id, "v": 1})
        foreign = issue_token(other)
    api = Api(app)
    for token in (reset_link_token, foreign):
        response = api.get("/api/v1/me", token=token)
        assert response.status_code == 401
        assert error_of(response)["code"] == "invalid_token"


def test_logging_out_everywhere_revokes_every_token(app: Flask, world: World) -> None:
    first, second = Api(app), Api(app)
    first.login(world.shopper_email)
    second.login(world.shopper_email)
    assert first.delete("/api/v1/token").status_code == 204
    for api in (first, second):
        response = api.get("/api/v1/me")
        assert response.status_code == 401
        assert error_of(response)["code"] == "invalid_token"
    first.login(world.shopper_email)
    assert first.get("/api/v1/me").status_code == 200


def test_a_password_change_revokes_api_tokens(app: Flask, world: World) -> None:
    api = Api(app)
    api.login(world.shopper_email)
    with app.test_request_context():
        link = make_token("reset", {"uid": world.shopper_id, "v": 1})
    web = app.test_client()
    new = "un-tout-nouveau-secret"
    response = web.post(f"/password/reset/{link}", data={"password": new, "confirm": new})
    assert response.status_code == 302
    assert api.get("/api/v1/me").status_code == 401
    api.login(world.shopper_email, new)
    assert api.get("/api/v1/me").status_code == 200


def test_an_expired_token_is_refused(app: Flask, world: World) -> None:
    api = Api(app)
    api.sign_in(world.shopper_email)
    app.config["API_TOKEN_MAX_AGE"] = -1
    response = api.get("/api/v1/me")
    assert response.status_code == 401
    assert error_of(response)["message"] == "Jeton invalide ou expiré : demandez-en un nouveau."


def test_an_account_of_another_territory_cannot_get_a_token_here(app: Flask, world: World) -> None:
    response = Api(app).post(
        "/api/v1/token", json={"email": world.other_operator_email, "password": PASSWORD}
    )
    assert response.status_code == 401


def test_token_requests_are_throttled_like_the_login_form(db: Database, world: World) -> None:
    url = db.engine.url.render_as_string(hide_password=False)
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "RATELIMIT_ENABLED": True,
            "LOGIN_ACCOUNT_RATE_LIMIT": "2 per minute",
            "MAIL_BACKEND": "memory",
        }
    )
    try:
        api = Api(app)
        wrong = {"email": world.shopper_email, "password": "pas-le-bon"}
        assert [api.post("/api/v1/token", json=wrong).status_code for _ in range(2)] == [401] * 2
        response = api.post("/api/v1/token", json={**wrong, "password": PASSWORD})
        assert response.status_code == 429
        assert error_of(response)["code"] == "rate_limited"
        assert "Réessayez dans " in error_of(response)["message"]
    finally:
        app.extensions["cabas_db"].dispose()


def test_signing_up_creates_a_shopper_and_gives_a_token(
    app: Flask, db: Database, world: World
) -> None:
    api = Api(app)
    response = api.post(
        "/api/v1/accounts",
        json={
            "email": "nadia@example.fr",
            "full_name": "Nadia Benali",
            "password": "un-mot-de-passe",
            "phone": "0601020304",
        },
    )
    assert response.status_code == 201
    api.token = response.get_json()["token"]
    assert api.get("/api/v1/me").get_json()["role"] == "shopper"
    with db.uow() as uow:
        user = uow.session.scalars(select(User).where(User.email == "nadia@example.fr")).one()
        assert user.role is Role.SHOPPER and user.password_hash.startswith("$argon2")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"email": "jeanne@example.fr"}, "email", "Un compte existe déjà avec cette adresse"),
        ({"email": "pas-une-adresse"}, "email", "Adresse e-mail invalide."),
        ({"password": "court"}, "password", "au moins 10 caractères"),
        ({"full_name": "   "}, "full_name", "« full_name » est obligatoire."),
        ({"full_name": "x" * 121}, "full_name", "120 caractères au plus"),
        ({"phone": 612345678}, "phone", "texte attendu"),
        ({"newsletter": True}, "newsletter", "Champ inconnu"),
    ],
)
def test_sign_up_errors_name_the_field_in_french(
    app: Flask, world: World, change: dict[str, object], field: str, message: str
) -> None:
    body = {"email": "nadia@example.fr", "full_name": "Nadia", "password": "un-mot-de-passe"}
    response = Api(app).post("/api/v1/accounts", json={**body, **change})
    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == field and message in error["message"]


# --- catalogue ------------------------------------------------------------------------------


def test_the_catalogue_lists_products_on_sale_by_name_page_by_page(
    app: Flask, world: World
) -> None:
    api = Api(app)
    first = api.get("/api/v1/products?per_page=3").get_json()
    assert first["total"] == 4 and first["query"] is None
    assert [p["name"] for p in first["products"]] == [
        "Pain de campagne",
        "Pommes Reinette",
        "Rôti de porc",
    ]
    second = api.get("/api/v1/products?per_page=3&page=2").get_json()
    assert [p["name"] for p in second["products"]] == ["Tarte au sucre"]
    assert api.get("/api/v1/products?page=9").get_json()["products"] == []
    roast = next(p for p in first["products"] if p["name"] == "Rôti de porc")
    assert roast["price"] == {"cents": 1890, "formatted": "18,90\u00a0€"}
    assert roast["unit"] == "kg" and roast["sold_by_weight"] is True
    assert roast["estimated_price"]["cents"] == 1890
    assert roast["merchant"]["name"] == "Ferme du Ternois"
    apples = next(p for p in first["products"] if p["name"] == "Pommes Reinette")
    assert apples["stock_quantity"] is None and apples["available"] is True
    assert apples["vat_rate"] == {"percent": "5.5", "label": "5,5\u00a0%"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [("tartes", ["Tarte au sucre"]), ("ROTI porc", ["Rôti de porc"]), ("caviar", [])],
)
def test_search_ignores_accents_case_and_plurals(
    app: Flask, world: World, query: str, expected: list[str]
) -> None:
    body = Api(app).get(f"/api/v1/products?q={query}").get_json()
    assert [p["name"] for p in body["products"]] == expected
    assert body["total"] == len(expected) and body["query"] == query


@pytest.mark.parametrize(
    "query", ["page=0", "page=abc", "per_page=101", "page=99999999999999999999", "q=" + "a" * 201]
)
def test_bad_paging_or_query_gives_422_naming_the_parameter(
    app: Flask, world: World, query: str
) -> None:
    response = Api(app).get(f"/api/v1/products?{query}")
    assert response.status_code == 422
    assert error_of(response)["field"] == query.split("=")[0]


def test_a_product_is_shown_by_id_and_unknown_ids_are_404(
    app: Flask, db: Database, world: World
) -> None:
    api = Api(app)
    body = api.get(f"/api/v1/products/{world.cake_id}").get_json()
    assert body["name"] == "Tarte au sucre" and body["stock_quantity"] == 2
    for path in (
        "/api/v1/products/999999",
        "/api/v1/products/99999999999999999999999",
        "/api/v1/products/-1",
        "/api/v1/products/abc",
    ):
        response = api.get(path)
        assert response.status_code == 404, path
        assert error_of(response)["code"] == "not_found"


def test_a_product_taken_off_sale_still_shows_but_an_archived_one_is_gone(
    app: Flask, db: Database, world: World
) -> None:
    with db.uow() as uow:
        set_active(
            uow=uow,
            product_id=world.bread_id,
            merchant_id=world.baker_id,
            active=False,
            actor=Actor.system(),
        )
        archive_product(
            uow=uow, product_id=world.cake_id, merchant_id=world.baker_id, actor=Actor.system()
        )
    api = Api(app)
    body = api.get(f"/api/v1/products/{world.bread_id}").get_json()
    assert body["on_sale"] is False and body["available"] is False
    assert api.get(f"/api/v1/products/{world.cake_id}").status_code == 404
    listed = api.get("/api/v1/products").get_json()["products"]
    assert {p["name"] for p in listed} == {"Pommes Reinette", "Rôti de porc"}


def test_a_shop_awaiting_approval_shows_its_products_to_its_staff_only(
    app: Flask, db: Database, world: World
) -> None:
    with db.uow() as uow:
        pending = make_merchant(
            uow,
            territory_id=world.territory_id,
            name="Rucher de la Canche",
            active=False,
            owner_user_id=world.farmer_user_id,
        )
        honey = make_product(uow, merchant_id=pending, name="Miel de tilleul")
    api = Api(app)
    assert api.get(f"/api/v1/products/{honey}").status_code == 404
    api.sign_in(world.baker_email)
    assert api.get(f"/api/v1/products/{honey}").status_code == 404
    api.sign_in(world.farmer_email)
    assert api.get(f"/api/v1/products/{honey}").get_json()["on_sale"] is False


# --- merchant products ------------------------------------------------------------------------


def test_a_merchant_creates_a_product_for_their_shop(
    app: Flask, db: Database, world: World
) -> None:
    api = Api(app)
    api.sign_in(world.baker_email)
    response = api.post(
        "/api/v1/merchant/products",
        json={
            "name": "Cramique aux raisins",
            "description": "Brioche aux raisins, spécialité du Nord.",
            "price_cents": 690,
            "vat_rate": "5,5",
            "unit": "piece",
            "stock_quantity": 8,
            "category_id": world.category_id,
            "perishable": True,
        },
    )
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/products/{body['id']}")
    assert body["merchant"]["id"] == world.baker_id
    assert (body["price"]["cents"], body["vat_rate"]["percent"]) == (690, "5.5")
    assert (body["stock_quantity"], body["perishable"]) == (8, True)
    assert body["category"]["name"] == "Boulangerie"
    found = Api(app).get("/api/v1/products?q=cramique").get_json()
    assert [p["id"] for p in found["products"]] == [body["id"]]
    with db.uow() as uow:
        product = uow.session.get_one(Product, body["id"])
        assert product.merchant_id == world.baker_id


def test_a_product_sold_by_weight_without_stock_tracking(app: Flask, world: World) -> None:
    api = Api(app)
    api.sign_in(world.baker_email)
    response = api.post(
        "/api/v1/merchant/products",
        json={
            "name": "Pâté en croûte",
            "price_cents": 2490,
            "vat_rate": 5.5,
            "unit": "kg",
            "estimated_weight_g": 400,
            "stock_quantity": None,
        },
    )
    body = response.get_json()
    assert response.status_code == 201
    assert body["sold_by_weight"] is True and body["track_stock"] is False
    assert body["estimated_price"]["cents"] == 996  # 24,90 €/kg × 400 g


@pytest.mark.parametrize("who", ["shopper", "operator", "courier"])
def test_only_merchant_accounts_create_products(app: Flask, world: World, who: str) -> None:
    api = Api(app)
    api.sign_in(getattr(world, f"{who}_email"))
    response = api.post(
        "/api/v1/merchant/products",
        json={"name": "Intrus", "price_cents": 100, "vat_rate": "20", "stock_quantity": 1},
    )
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


def test_a_merchant_account_without_a_shop_cannot_create_products(
    app: Flask, db: Database, world: World
) -> None:
    with db.uow() as uow:
        register_user(
            uow=uow,
            territory_id=world.territory_id,
            email="vendeuse@example.fr",
            full_name="Vendeuse",
            password_hash="",
            role=Role.MERCHANT,
        )
    api = Api(app)
    api.sign_in("vendeuse@example.fr")
    response = api.post(
        "/api/v1/merchant/products",
        json={"name": "Brioche", "price_cents": 450, "vat_rate": "5.5", "stock_quantity": 3},
    )
    assert response.status_code == 403
    assert error_of(response)["message"] == "Votre compte n'est rattaché à aucune boutique."


def test_a_merchant_cannot_create_products_for_another_shop(app: Flask, world: World) -> None:
    api = Api(app)
    api.sign_in(world.baker_email)
    response = api.post(
        "/api/v1/merchant/products",
        json={
            "name": "Intrus",
            "price_cents": 100,
            "vat_rate": "20",
            "stock_quantity": 1,
            "merchant_id": world.farmer_id,
        },
    )
    assert response.status_code == 404
    assert error_of(response)["field"] == "merchant_id"


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"price_cents": None}, "price_cents", 422),
        ({"price_cents": "3,50"}, "price_cents", 422),
        ({"price_cents": True}, "price_cents", 422),
        ({"price_cents": 10**30}, "price_cents", 422),
        ({"price_cents": 0}, "price_cents", 422),
        ({"vat_rate": "7"}, "vat_rate", 422),
        ({"vat_rate": None}, "vat_rate", 422),
        ({"unit": "tonne"}, "unit", 422),
        ({"unit": "kg"}, "estimated_weight_g", 422),
        ({"stock_quantity": -1}, "stock_quantity", 422),
        ({"name": "Pain\u0000noir"}, "name", 422),
        ({"name": "x" * 141}, "name", 422),
        ({"category_id": 999999}, "category_id", 422),
        ({"category_id": 10**20}, "category_id", 404),
        ({"colour": "rouge"}, "colour", 422),
    ],
)
def test_product_fields_are_checked_with_the_field_named(
    app: Flask, world: World, change: dict[str, object], field: str, status: int
) -> None:
    api = Api(app)
    api.sign_in(world.baker_email)
    body = {"name": "Brioche", "price_cents": 450, "vat_rate": "5.5", "stock_quantity": 3}
    body.update(change)
    response = api.post("/api/v1/merchant/products", json=body)
    assert response.status_code == status
    assert error_of(response)["field"] == field


def test_stock_quantity_must_be_given_even_if_null(app: Flask, world: World) -> None:
    api = Api(app)
    api.sign_in(world.baker_email)
    response = api.post(
        "/api/v1/merchant/products", json={"name": "Brioche", "price_cents": 450, "vat_rate": 20}
    )
    assert response.status_code == 422
    assert error_of(response)["field"] == "stock_quantity"


# --- errors stay JSON ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{",
        b"[1, 2]",
        b"null",
        b'"texte"',
        b"\xff\xfe{",
        b'{"email": NaN}',
        b"[" * 50_000,  # deeper than the JSON parser recurses
    ],
)
def test_a_body_that_is_not_a_json_object_gives_400(app: Flask, world: World, raw: bytes) -> None:
    response = Api(app).post("/api/v1/token", data=raw)
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_json"


def test_a_huge_body_gives_413(app: Flask, world: World) -> None:
    response = Api(app).post("/api/v1/token", json={"email": "a@b.fr", "password": "x" * 70_000})
    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"


def test_unknown_addresses_and_methods_answer_json(app: Flask, world: World) -> None:
    api = Api(app)
    missing = api.get("/api/v1/nothing/here")
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"
    assert api.get("/api/v1/").status_code == 404
    wrong = api.call("PATCH", "/api/v1/orders")
    assert wrong.status_code == 405 and error_of(wrong)["code"] == "method_not_allowed"
    assert wrong.headers["Allow"] == "GET"
    post_product = api.post(f"/api/v1/products/{world.bread_id}", json={})
    assert post_product.status_code == 405
