"""Security headers on every answer, HTTPS behind a proxy, and secure cookies.

A small ``after_request`` rather than an extension: the policy is a handful of fixed
headers plus the map tile server, and reading it here is simpler than reading a library's
defaults. No template has inline scripts, inline styles or event-handler attributes, so the
Content-Security-Policy allows neither ``'unsafe-inline'`` nor ``'unsafe-eval'``.

Behind a reverse proxy that terminates TLS, set ``CABAS_PROXY_FIX=1`` (the number of proxies
in front) so that ``X-Forwarded-Proto``/``-For``/``-Host`` are trusted, and ``CABAS_HTTPS=1``:
session and remember-me cookies become ``Secure`` and answers over HTTPS carry HSTS.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

HSTS = "max-age=31536000; includeSubDomains"


def tile_source(template: str) -> str | None:
    """The CSP source of a tile URL template (``https://{s}.tile.example/{z}/{x}/{y}.png``
    → ``https://*.tile.example``); ``None`` without a usable one."""
    parts = urlsplit(template.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = parts.netloc.replace("{s}", "*")
    if "{" in host or "}" in host:
        return None
    return f"{parts.scheme}://{host}"


def content_security_policy(tile_url: str = "") -> str:
    images = ["'self'", "data:"]
    tiles = tile_source(tile_url)
    if tiles:
        images.append(tiles)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": images,
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def init_app(app: Flask) -> None:
    proxies = int(app.config.get("PROXY_FIX") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    if app.config.get("HTTPS"):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    policy = content_security_policy(str(app.config.get("MAP_TILE_URL") or ""))

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
        if request.is_secure and app.config.get("HTTPS"):
            headers.setdefault("Strict-Transport-Security", HSTS)
        return response
