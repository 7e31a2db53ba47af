"""Every JSON endpoint that takes a body, fuzzed with hypothesis: never a 5xx, every answer as
the OpenAPI document says (``api_support.Api`` checks each one), an error in the documented
shape with a French message, and nothing written when the request is refused.

Bodies start from a valid request of each operation; each field is kept, dropped, or replaced
by a value of the wrong type or out of range, nested objects included; sometimes the whole
body is replaced (not an object, not JSON at all, not UTF-8).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from shop_core.accounts.model import Address
from shop_core.database import Database

from .api_support import Api, error_of
from .conftest import PASSWORD, World
from .fuzzing import SPECIAL, changed_tables, check_invariants, fuzz_settings, snapshot

TUESDAY = "2026-11-24"

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(SPECIAL),
    st.text(max_size=20),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def mutated(draw: st.DrawFn, value: Any, depth: int = 0) -> Any:
    """``value`` with some of its fields dropped or replaced, recursively."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            choice = draw(st.sampled_from(["keep", "keep", "mutate", "drop", "replace"]))
            if choice == "keep":
                out[key] = item
            elif choice == "mutate":
                out[key] = draw(mutated(item, depth + 1))
            elif choice == "replace":
                out[key] = draw(json_values)
        if draw(st.integers(0, 4)) == 0:
            out[draw(st.sampled_from(["id", "user_id", "role", "total", "x"]))] = draw(scalars)
        return out
    if isinstance(value, list):
        return [draw(mutated(v, depth + 1)) for v in value] + draw(
            st.lists(json_values, max_size=2)
        )
    return draw(st.one_of(st.just(value), json_values))


@st.composite
def body_of(draw: st.DrawFn, valid: Any) -> tuple[str, bytes | Any]:
    """("json", a value) most of the time; ("raw", bytes) for bodies that are not JSON."""
    kind = draw(st.sampled_from(["mutated"] * 6 + ["any", "raw"]))
    if kind == "mutated":
        return "json", draw(mutated(valid))
    if kind == "any":
        return "json", draw(json_values)
    raw = draw(
        st.one_of(
            st.sampled_from([b"", b"{", b"[1,", b"\xff\xfe", b'{"a": NaN}', b"null", b"1e999"]),
            st.binary(max_size=30),
        )
    )
    return "raw", raw


def _fuzz_operation(
    api: Api,
    db: Database,
    method: str,
    path: str,
    valid: Any,
    seen: Counter[str],
    examples: int | None = None,
) -> None:
    options = {"examples": examples} if examples else {}

    @fuzz_settings(**options)
    @given(body_of(valid))
    def run(body: tuple[str, Any]) -> None:
        kind, payload = body
        before = snapshot(db)
        if kind == "json":
            response = api.call(method, path, data=json.dumps(payload))
        else:
            response = api.call(method, path, data=payload)
        status = response.status_code
        seen[f"{method} {path} → {status}"] += 1
        where = f"{method} {path} {payload!r}"[:2000]
        assert status < 500, where
        if status >= 400:
            error = error_of(response)
            assert error["code"] and error["message"].strip(), where
            assert not changed_tables(before, snapshot(db)), f"{where} → {status} wrote"
        check_invariants(db)

    run()


def test_the_json_api_survives_bad_bodies(app: Flask, db: Database, world: World) -> None:
    shopper, merchant = Api(app), Api(app)
    shopper.sign_in(world.shopper_email)
    merchant.sign_in(world.baker_email)
    with db.uow() as uow:
        address_id = uow.session.scalars(select(Address.id)).first()
    seen: Counter[str] = Counter()

    def fill() -> None:
        shopper.post(
            "/api/v1/basket", json={"items": [{"product_id": world.bread_id, "quantity": 1}]}
        )

    item = {"product_id": world.bread_id, "quantity": 1}
    _fuzz_operation(shopper, db, "POST", "/api/v1/basket", {"items": [item]}, seen)
    _fuzz_operation(shopper, db, "POST", "/api/v1/basket/items", item, seen)
    _fuzz_operation(
        shopper, db, "PUT", f"/api/v1/basket/items/{world.cake_id}", {"quantity": 2}, seen
    )
    fill()
    checkout = {
        "delivery": {
            "method": "home",
            "date": TUESDAY,
            "slot": "matin",
            "address_id": address_id,
        },
        "payment_method": "offline",
        "expected_total_cents": 350,
    }
    _fuzz_operation(shopper, db, "POST", "/api/v1/checkout", checkout, seen)
    fill()
    new_address = {
        "method": "home",
        "date": TUESDAY,
        "slot": "apres-midi",
        "address": {
            "recipient": "Jeanne Martin",
            "line1": "3 rue des Tilleuls",
            "postal_code": "62130",
            "city": "Saint-Pol-sur-Ternoise",
            "instructions": "Sonnez deux fois",
        },
    }
    _fuzz_operation(shopper, db, "POST", "/api/v1/checkout", {"delivery": new_address}, seen)
    fill()
    point = {"method": "pickup_point", "date": TUESDAY, "pickup_point_id": world.pickup_point_id}
    _fuzz_operation(shopper, db, "POST", "/api/v1/checkout", {"delivery": point}, seen)
    product = {
        "name": "Pain d'épices",
        "description": "Au miel du Ternois",
        "price_cents": 590,
        "vat_rate": "5.5",
        "unit": "piece",
        "stock_quantity": 4,
        "category_id": world.category_id,
        "active": True,
    }
    _fuzz_operation(merchant, db, "POST", "/api/v1/merchant/products", product, seen)
    # Passwords are hashed with argon2 on purpose (slow): fewer examples.
    account = {"email": "nadia@example.fr", "full_name": "Nadia Benali", "password": PASSWORD}
    _fuzz_operation(Api(app), db, "POST", "/api/v1/accounts", account, seen, examples=5)
    login = {"email": world.shopper_email, "password": PASSWORD}
    _fuzz_operation(Api(app), db, "POST", "/api/v1/token", login, seen, examples=5)
    print("\n".join(f"{n:5} {answer}" for answer, n in sorted(seen.items())))
