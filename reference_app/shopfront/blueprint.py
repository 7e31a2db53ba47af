"""The ``shop`` blueprint (its routes live in the modules named after what they serve) and
the paging helpers its lists share."""

from __future__ import annotations

from flask import Blueprint, request

bp = Blueprint("shop", __name__)

PER_PAGE = 24


def page_number() -> int:
    """The ``?page=`` of a list, 1 when missing or nonsense."""
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        return 1
    return page if 1 <= page <= 10_000 else 1


def page_count(total: int, per_page: int = PER_PAGE) -> int:
    return max(1, -(-total // per_page))
