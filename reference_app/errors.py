"""Error pages in French (HTML) — the API blueprint answers JSON itself."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from reference_app import throttling
from reference_app.images import MAX_BYTES
from reference_app.request_caps import sends_a_photo

log = logging.getLogger("cabas")

TITLES = {
    400: _l("Demande incorrecte"),
    403: _l("Accès refusé"),
    404: _l("Page introuvable"),
    405: _l("Action non permise"),
    413: _l("Envoi trop volumineux"),
    429: _l("Trop de tentatives"),
    500: _l("Erreur du serveur"),
    503: _l("Service indisponible"),
}

MESSAGES = {
    400: _l("La demande n'a pas pu être comprise. Revenez en arrière et réessayez."),
    403: _l("Vous n'avez pas accès à cette page."),
    404: _l("Cette page n'existe pas ou plus."),
    405: _l("Cette action n'est pas permise ici."),
    413: _l(
        "Ce que vous avez envoyé est trop volumineux (%(size)s au plus). Envoyez un fichier "
        "plus petit, puis réessayez."
    ),
    500: _l("Une erreur est survenue de notre côté. Réessayez dans un instant."),
    503: _l("Le service n'est pas disponible pour le moment."),
}


#: The 413 page of a form sending a photo: its cap is the photo's (images.MAX_BYTES), as
#: its field says, not the form's larger one (request_caps), which the photo is over.
PHOTO_TOO_HEAVY = (
    _l("Photo trop lourde"),
    _l(
        "La photo doit peser %(size)s au plus : choisissez-en une plus légère (par exemple "
        "en qualité réduite), puis réessayez."
    ),
)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _size(cap: int) -> str:
    """A size cap in words a shopper reads: "8 Mo", "64 Ko"."""
    if cap >= 1024 * 1024:
        return _("%(num)s Mo", num=cap // (1024 * 1024))
    return _("%(num)s Ko", num=max(1, cap // 1024))


def _back_link() -> str | None:
    """The page the visitor came from on this site (e.g. the upload form), to offer a way back."""
    referrer = request.referrer
    if not referrer or not referrer.startswith(request.host_url):
        return None
    # A form posts to its own address: going back there (GET) shows the form again.
    if request.method == "GET" and referrer == request.url:
        return None
    return referrer


def render_error(
    code: int,
    message: str | None = None,
    headers: dict[str, str] | None = None,
    *,
    way_out: tuple[str, str] | None = None,
) -> tuple[str | Response, int, dict[str, str]]:
    """The error page (JSON under ``/api/``); ``way_out``: a link (address, label) offered
    first, e.g. to choose a new password."""
    text = str(message or MESSAGES.get(code, MESSAGES[500]))
    title = str(TITLES.get(code, _l("Erreur")))
    if code == 413 and message is None and sends_a_photo():
        title = str(PHOTO_TOO_HEAVY[0])
        text = str(PHOTO_TOO_HEAVY[1]) % {"size": _size(MAX_BYTES)}
    elif code == 413 and message is None:
        text = text % {"size": _size(request.max_content_length or 8 * 1024 * 1024)}
    if _wants_json():
        return jsonify({"error": {"code": f"http_{code}", "message": text}}), code, headers or {}
    page = render_template(
        "errors/error.html",
        code=code,
        title=title,
        message=text,
        back=_back_link(),
        way_out=way_out,
    )
    return page, code, headers or {}


def _too_many() -> tuple[str | Response, int, dict[str, str]]:
    """The 429 page: which limit refused, and until when (``Retry-After`` too)."""
    refused = throttling.refusal()
    way_out = None
    if refused.account_blocked:
        way_out = (url_for("auth.forgot"), str(_l("Choisir un nouveau mot de passe")))
    headers = {"Retry-After": str(refused.retry_after)}
    return render_error(429, refused.message, headers, way_out=way_out)


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> tuple[str | Response, int, dict[str, str]]:
        return render_error(400, str(_l("Le formulaire a expiré. Rechargez la page et réessayez.")))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[str | Response, int, dict[str, str]]:
        code = error.code or 500
        if code == 429:
            return _too_many()
        description = error.description if code in (503,) else None
        # A 405 must say which methods the address accepts (RFC 9110, Allow).
        allow = {k: v for k, v in error.get_headers() if k == "Allow"}
        return render_error(code, description, allow)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str | Response, int, dict[str, str]]:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return render_error(500)
