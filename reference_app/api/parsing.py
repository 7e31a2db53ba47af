"""Reading what API clients send: a JSON object with typed, bounded fields.

Every problem becomes an :class:`~reference_app.api.errors.ApiError`: 400 when the body is
not a JSON object, 413 when it is too large, 422 naming the field for a missing, mistyped,
out-of-range or unknown field. Strings are bounded (to their column's length) and may not
hold control characters, so nothing reaches the database that it would refuse.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any, TypeVar

from flask import request

from reference_app.api.errors import ApiError, invalid
from reference_app.input_guard import MAX_ID

MAX_BODY_BYTES = 64 * 1024

T = TypeVar("T")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def json_body() -> Fields:
    """The request's JSON object (400 if it is not one, 413 beyond 64 KiB)."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise ApiError(413, "too_large", "Requête trop volumineuse (64 Kio au plus).")
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, "too_large", "Requête trop volumineuse (64 Kio au plus).")
    try:
        data = json.loads(raw, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise ApiError(
            400, "invalid_json", "Le corps de la requête n'est pas du JSON valide."
        ) from None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "Le corps de la requête doit être un objet JSON.")
    return Fields(data)


def check_id(value: int, field: str | None = None, what: str = "Ressource") -> int:
    """An id from a path or a body: beyond the database's range it cannot exist (404)."""
    if not 1 <= value <= MAX_ID:
        raise ApiError(404, "not_found", f"{what} introuvable.", field=field)
    return value


class Fields:
    """Typed access to a JSON object; ``done()`` refuses the fields nobody read."""

    def __init__(self, data: Mapping[str, Any], prefix: str = "") -> None:
        self.data = data
        self.prefix = prefix
        self.read: set[str] = set()

    def name(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def _get(self, key: str, required: bool) -> Any:
        self.read.add(key)
        value = self.data.get(key)
        if value is None and required:
            raise invalid(self.name(key), f"« {self.name(key)} » est obligatoire.")
        return value

    def text(self, key: str, *, max_length: int, required: bool = True, default: str = "") -> str:
        value = self._get(key, required)
        if value is None:
            return default
        if not isinstance(value, str):
            raise invalid(self.name(key), f"« {self.name(key)} » : texte attendu.")
        if len(value) > max_length:
            raise invalid(
                self.name(key),
                f"« {self.name(key)} » : {max_length} caractères au plus.",
            )
        if _CONTROL.search(value):
            raise invalid(self.name(key), f"« {self.name(key)} » contient un caractère interdit.")
        if required and not value.strip():
            raise invalid(self.name(key), f"« {self.name(key)} » est obligatoire.")
        return value

    def integer(
        self,
        key: str,
        *,
        minimum: int,
        maximum: int,
        required: bool = True,
        default: int | None = None,
    ) -> int | None:
        value = self._get(key, required)
        if value is None:
            return default
        # JSON numbers like 2.0 are accepted; booleans are not numbers here.
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if type(value) is not int:
            raise invalid(self.name(key), f"« {self.name(key)} » : nombre entier attendu.")
        if not minimum <= value <= maximum:
            raise invalid(
                self.name(key),
                f"« {self.name(key)} » : nombre entre {minimum} et {maximum} attendu.",
            )
        return value

    def required_integer(self, key: str, *, minimum: int, maximum: int) -> int:
        value = self.integer(key, minimum=minimum, maximum=maximum)
        assert value is not None
        return value

    def identifier(self, key: str, *, required: bool = True) -> int | None:
        """An id: a positive integer (too large for the database: nothing has it)."""
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if type(value) is not int:
            raise invalid(self.name(key), f"« {self.name(key)} » : identifiant entier attendu.")
        if value < 1:
            raise invalid(self.name(key), f"« {self.name(key)} » : identifiant positif attendu.")
        return check_id(value, self.name(key))

    def boolean(self, key: str, *, default: bool) -> bool:
        value = self._get(key, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise invalid(self.name(key), f"« {self.name(key)} » : true ou false attendu.")
        return value

    def choice(self, key: str, choices: Mapping[str, T], *, default: T | None = None) -> T:
        value = self._get(key, default is None)
        if value is None:
            assert default is not None
            return default
        if not isinstance(value, str) or value not in choices:
            allowed = ", ".join(choices)
            raise invalid(self.name(key), f"« {self.name(key)} » : choisissez parmi {allowed}.")
        return choices[value]

    def date(self, key: str) -> dt.date:
        value = self._get(key, True)
        try:
            if not isinstance(value, str) or not _DATE.match(value):
                raise ValueError(value)
            return dt.date.fromisoformat(value)
        except ValueError:
            raise invalid(
                self.name(key), f"« {self.name(key)} » : date au format AAAA-MM-JJ attendue."
            ) from None

    def object(self, key: str, *, required: bool = True) -> Fields | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise invalid(self.name(key), f"« {self.name(key)} » : objet JSON attendu.")
        return Fields(value, prefix=f"{self.name(key)}.")

    def array(self, key: str, *, max_items: int) -> list[Any]:
        value = self._get(key, True)
        if not isinstance(value, list):
            raise invalid(self.name(key), f"« {self.name(key)} » : liste attendue.")
        if len(value) > max_items:
            raise invalid(self.name(key), f"« {self.name(key)} » : {max_items} éléments au plus.")
        return value

    def raw(self, key: str) -> Any:
        """The value as sent (``None`` if absent), for fields of several types."""
        self.read.add(key)
        return self.data.get(key)

    def has(self, key: str) -> bool:
        return key in self.data

    def done(self) -> None:
        """Refuse fields the endpoint does not know (a typo would otherwise pass silently)."""
        unknown = sorted(set(self.data) - self.read)
        if unknown:
            raise invalid(self.name(unknown[0]), f"Champ inconnu : « {self.name(unknown[0])} ».")


def query_int(name: str, *, default: int, minimum: int, maximum: int) -> int:
    """An integer from the query string (422 naming the parameter if it is not one)."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if not re.fullmatch(r"\d{1,9}", raw) or not minimum <= int(raw) <= maximum:
        raise invalid(name, f"« {name} » : nombre entre {minimum} et {maximum} attendu.")
    return int(raw)


def query_text(name: str, *, max_length: int) -> str:
    raw = request.args.get(name, "")
    if len(raw) > max_length:
        raise invalid(name, f"« {name} » : {max_length} caractères au plus.")
    if _CONTROL.search(raw):
        raise invalid(name, f"« {name} » contient un caractère interdit.")
    return raw
