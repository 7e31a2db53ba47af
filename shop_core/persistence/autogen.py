"""Autogenerate settings shared by the Alembic environment and the drift test."""

from __future__ import annotations

from typing import Any, Literal

from shop_core.persistence.base import UTCDateTime, VatRateType

SEARCH_OBJECTS = {"product_search"}


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    # The search index is built with dialect-specific DDL (FTS5 / tsvector), not the ORM.
    if (
        type_ == "table"
        and name is not None
        and (name in SEARCH_OBJECTS or name.startswith("product_search_"))
    ):
        return False
    if type_ == "index" and name is not None and name.startswith("ix_product_search"):
        return False
    return True


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    # Render Cabas' column types as the plain types they store, so revisions need no import.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, VatRateType):
        return "sa.Integer()"
    return False
