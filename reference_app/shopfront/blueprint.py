"""The ``shop`` blueprint (its routes live in the modules named after what they serve) and
the paging helpers its lists share."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from werkzeug.wrappers import Response

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


def past_the_last(page: int, shown: int, total: int, **args: str) -> Response | None:
    """A list asked at a page past its last one (a link kept after products went): a
    redirect to the last page, rather than « nothing found » beside « 14 produits »."""
    if page > 1 and not shown and total:
        last = page_count(total)
        return redirect(
            url_for(request.endpoint or "", **request.view_args or {}, **args, page=last)
        )
    return None
