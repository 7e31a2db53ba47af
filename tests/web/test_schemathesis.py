"""schemathesis against ``/api/v1/openapi.json``: no 5xx, every answer as documented.

The Flask app is called in-process through WSGI, on each database. Each generated request
carries a fresh bearer token (a merchant's for ``/merchant/…``, a shopper's otherwise), so the
operations that need an account are exercised beyond their 401, and a ``DELETE /token`` in
one case cannot starve the next. A negative case that drops the ``Authorization`` header is
sent without a token, as generated.
"""

from __future__ import annotations

import os
from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance
from schemathesis.core.parameters import ParameterLocation
from sqlalchemy import select

from reference_app.api.auth import issue_token
from reference_app.api.openapi import document
from shop_core.accounts.model import User

from .conftest import NOW, World

# The document the app serves (tests/web/test_api_openapi.py checks they are the same).
schema = schemathesis.openapi.from_dict(document())
# An unknown query parameter is ignored, as HTTP clients expect, not refused.
schema.config.generation.update(allow_extra_parameters=False)

EXAMPLES = int(os.environ.get("CABAS_SCHEMATHESIS_EXAMPLES", "30"))
# CI replays the same examples on every run; CABAS_FUZZ_RANDOM=1 draws new ones.
RANDOM = os.environ.get("CABAS_FUZZ_RANDOM", "") == "1"


def _token(app: Flask, email: str) -> str:
    with app.extensions["cabas_db"].uow() as uow:
        user = uow.session.scalars(select(User).where(User.email == email)).one()
        with app.test_request_context():
            return issue_token(user)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not RANDOM,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_every_generated_request_as_documented(
    case: Any, app: Flask, world: World
) -> None:
    app.config["FIXED_NOW"] = NOW
    # The app of this test's database: schemathesis' own probes (e.g. the same request
    # without a token) must reach it too, not the network.
    case.operation.schema.app = case.operation.app = app
    headers = {}
    if case.meta is None or not case.meta.is_negative_at(ParameterLocation.HEADER):
        email = world.baker_email if case.path.startswith("/api/v1/merchant") else None
        headers["Authorization"] = f"Bearer {_token(app, email or world.shopper_email)}"
    case.call_and_validate(
        headers=headers,
        # Business rules answer some schema-valid requests with 422 by design (a date no
        # round serves, the same product twice in a basket): a schema cannot say those.
        excluded_checks=[positive_data_acceptance],
    )
