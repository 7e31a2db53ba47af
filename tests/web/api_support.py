"""A test client for the JSON API that holds every answer to the OpenAPI document.

Each response is checked as it arrives: JSON (or empty for 204), never a 500, a status the
document lists for that operation, and a body valid against the documented schema. The
client also remembers which documented operations it called.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.test import TestResponse

from reference_app.api.auth import issue_token
from reference_app.api.openapi import document
from shop_core.accounts.model import User

from .conftest import NOW, PASSWORD

SPEC = document()
_URI = "urn:cabas-api"
_REGISTRY: Registry = Registry().with_resource(
    _URI, Resource.from_contents(SPEC, default_specification=DRAFT202012)
)
_UNSET: Any = object()


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def documented_operations() -> set[tuple[str, str]]:
    """Every (path template, method) of the document."""
    return {(path, method) for path, item in SPEC["paths"].items() for method in item}


def operation_of(app: Flask, method: str, path: str) -> tuple[str, str] | None:
    """The document's (path template, method) for a request, ``None`` if no route has it."""
    adapter = app.url_map.bind("localhost")
    try:
        rule, _ = adapter.match(path.split("?")[0], method=method, return_rule=True)
    except HTTPException:
        return None
    if rule.endpoint == "api.unknown_route":
        return None
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule), method.lower()


def _validate(body: Any, pointer: str, where: str) -> None:
    validator = Draft202012Validator(
        {"$ref": f"{_URI}#{pointer}"},
        registry=_REGISTRY,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
    assert not problems, f"{where} does not match the document: {problems[:5]}"


def check_response(app: Flask, method: str, path: str, response: TestResponse) -> str | None:
    """Hold one response to the document; returns the operation's path template."""
    status = response.status_code
    where = f"{method} {path} → {status}"
    assert status != 500, f"{where}: {response.get_data(as_text=True)[:500]}"
    if status == 204:
        assert not response.data, where
    else:
        assert response.mimetype == "application/json", f"{where}: {response.mimetype}"
    operation = operation_of(app, method, path)
    if operation is None:  # no route: the catch-all's JSON error
        assert status in (404, 405), where
        _validate(response.get_json(), "/components/schemas/Error", where)
        return None
    template, verb = operation
    responses = SPEC["paths"][template][verb]["responses"]
    assert str(status) in responses, f"{where}: status not documented for {verb} {template}"
    documented = responses[str(status)]
    pointer = "/" + "/".join(
        _escape(p) for p in ("paths", template, verb, "responses", str(status))
    )
    if "$ref" in documented:
        pointer = documented["$ref"][1:]
        name = documented["$ref"].rsplit("/", 1)[1]
        documented = SPEC["components"]["responses"][name]
    if "content" not in documented:
        assert not response.data, where
        return template
    _validate(response.get_json(), f"{pointer}/content/application~1json/schema", where)
    return template


class Api:
    """Calls ``/api/v1`` with a bearer token and checks every answer (see module doc)."""

    def __init__(self, app: Flask, client: FlaskClient | None = None) -> None:
        self.app = app
        self.client = client or app.test_client()
        self.token: str | None = None
        self.calls: set[tuple[str, str]] = set()
        # Checkouts happen on a Monday morning before the cut-off (first date: Tuesday).
        app.config["FIXED_NOW"] = NOW

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = _UNSET,
        data: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        token: str | None = _UNSET,
    ) -> TestResponse:
        sent = dict(headers or {})
        bearer = self.token if token is _UNSET else token
        if bearer:
            sent["Authorization"] = f"Bearer {bearer}"
        options: dict[str, Any] = {}
        if json is not _UNSET:
            options["json"] = json
        elif data is not None:
            options["data"] = data
            options["content_type"] = "application/json"
        response = self.client.open(path, method=method, headers=sent, **options)
        template = check_response(self.app, method, path, response)
        if template is not None:
            self.calls.add((template, method.lower()))
        return response

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> TestResponse:
        return self.call("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> TestResponse:
        return self.call("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> TestResponse:
        return self.call("DELETE", path, **kwargs)

    def login(self, email: str, password: str = PASSWORD) -> str:
        """Get a token through ``POST /api/v1/token`` (argon2: about 0,3 s)."""
        response = self.post("/api/v1/token", json={"email": email, "password": password})
        assert response.status_code == 200, response.get_json()
        self.token = response.get_json()["token"]
        return self.token

    def sign_in(self, email: str) -> str:
        """Get the token ``login`` would give, without checking the password (fast)."""
        with self.app.extensions["cabas_db"].uow() as uow:
            user = uow.session.scalars(select(User).where(User.email == email)).one()
        with self.app.test_request_context():
            self.token = issue_token(user)
        return self.token


def error_of(response: TestResponse) -> dict[str, Any]:
    """The ``error`` object of a JSON error answer."""
    body = response.get_json()
    assert isinstance(body, dict) and "error" in body, body
    error: dict[str, Any] = body["error"]
    return error
