"""API errors: one JSON shape, a stable code, a French message, the right status.

Domain errors keep their ``code``; their status comes from :data:`DOMAIN_STATUS`. Nothing
the client sends may produce an HTML page or a 500: unexpected failures are logged and
answered with the same JSON shape.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Blueprint, Response, g, request
from flask_babel import force_locale
from werkzeug.exceptions import HTTPException

from reference_app import throttling
from shop_core.errors import DomainError

log = logging.getLogger("cabas.api")

#: HTTP status of each domain error code; unknown codes are treated as invalid input (422).
DOMAIN_STATUS = {
    "not_found": 404,
    "forbidden": 403,
    "invalid": 422,
    "invalid_delivery": 422,
    "weight_out_of_tolerance": 422,
    "out_of_stock": 409,
    "product_unavailable": 409,
    "merchant_unavailable": 409,
    "empty_basket": 409,
    "invalid_transition": 409,
    "duplicate": 409,
    "prices_changed": 409,
}

#: Code and French message of plain HTTP errors.
HTTP_ERRORS = {
    400: ("bad_request", "La requête est mal formée."),
    401: ("unauthorized", "Authentification requise."),
    403: ("forbidden", "Vous n'avez pas accès à cette ressource."),
    404: ("not_found", "Ressource introuvable."),
    405: ("method_not_allowed", "Méthode non permise sur cette adresse."),
    413: ("too_large", "Requête trop volumineuse."),
    415: ("unsupported_media_type", "Envoyez du JSON."),
    500: ("server_error", "Une erreur est survenue de notre côté. Réessayez dans un instant."),
    503: ("unavailable", "Le service n'est pas disponible pour le moment."),
}

#: Core field names that the API spells differently.
FIELD_NAMES = {"price": "price_cents"}


class ApiError(Exception):
    """An error answered as is: status, stable code, French message, offending field."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.headers = headers or {}


def invalid(field: str, message: str) -> ApiError:
    """A 422 about one field of the request."""
    return ApiError(422, "invalid", message, field=field)


def respond(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response, French characters unescaped."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status=status, headers=headers, mimetype="application/json")


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    _rollback()
    return respond({"error": {"code": code, "message": message, "field": field}}, status, headers)


def _rollback() -> None:
    # A service may have flushed before failing: leave the request's session clean.
    current = g.get("cabas_uow")
    if current is not None:
        current.rollback()


def _too_many() -> Response:
    """``rate_limited``: which limit refused and how long to wait, in French like every
    message of the API, and in ``Retry-After``."""
    with force_locale("fr"):
        refused = throttling.refusal()
    headers = {"Retry-After": str(refused.retry_after)}
    return error_response(429, "rate_limited", refused.message, headers=headers)


def init(bp: Blueprint) -> None:
    """Answer every error of the blueprint's views in JSON."""

    @bp.errorhandler(ApiError)
    def _api(error: ApiError) -> Response:
        return error_response(error.status, error.code, error.message, error.field, error.headers)

    @bp.errorhandler(DomainError)
    def _domain(error: DomainError) -> Response:
        field = getattr(error, "field", None)
        return error_response(
            DOMAIN_STATUS.get(error.code, 422),
            error.code,
            str(error),
            FIELD_NAMES.get(field, field) if field else None,
        )

    @bp.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        status = error.code or 500
        if status == 429:
            return _too_many()
        code, message = HTTP_ERRORS.get(status, (f"http_{status}", error.name))
        headers = {}
        if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
            headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
        return error_response(status, code, message, headers=headers)

    @bp.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("API error on %s %s", request.method, request.path)
        code, message = HTTP_ERRORS[500]
        return error_response(500, code, message)
