"""The footer's language link: the page in the other language, never an address that only
takes a form (a page shown after a form's error has the form's address)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import Flask, current_app, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException


def _opens_with_get(path: str) -> bool:
    """Whether ``path`` is a page of this site that a link (GET) can open."""
    adapter = current_app.url_map.bind(request.host, script_name=request.script_root or None)
    try:
        adapter.match(path, method="GET")
    except HTTPException:  # NotFound, MethodNotAllowed, or a redirect to add a slash
        return False
    return True


def _with_lang(path: str, query: MultiDict[str, str], lang: str) -> str:
    args = MultiDict(query)
    args["lang"] = lang
    return f"{path}?{urlencode(list(args.items(multi=True)))}"


def language_url(lang: str) -> str:
    """The address of the current page in ``lang``; after a form was sent (or on the error
    page of an address a link cannot open), the page the visitor came from on this site,
    else the home page."""
    if request.method in ("GET", "HEAD") and _opens_with_get(request.path):
        return _with_lang(request.script_root + request.path, request.args, lang)
    referrer = request.referrer
    if referrer and referrer.startswith(request.host_url):
        parts = urlsplit(referrer)
        if _opens_with_get(parts.path.removeprefix(request.script_root) or "/"):
            return _with_lang(parts.path, MultiDict(parse_qsl(parts.query, True)), lang)
    return url_for("shop.home", lang=lang)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["language_url"] = language_url
