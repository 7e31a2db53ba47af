"""How big a request may be.

Every page: ``MAX_CONTENT_LENGTH`` (8 Mo), beyond which the shared page « Envoi trop
volumineux » answers (:mod:`reference_app.errors`) and whatever the form held is lost. A
form that sends a photo (a product's, the territory's logo: :func:`takes_a_photo`) may send
up to ``PHOTO_FORM_MAX_CONTENT_LENGTH`` (32 Mo), so that a photo heavier than
:data:`reference_app.images.MAX_BYTES` — a phone's full-size picture — is refused by its own
field and the form comes back with everything else typed. A browser says it before sending
(``static/js/photo-size.js``); this is for one that does not run it. Beyond even that cap,
the page says the photo's own limit (« Photo trop lourde »: 8 Mo au plus), as the field
does, not the form's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l

from reference_app.images import MAX_BYTES

F = TypeVar("F", bound=Callable[..., Any])

_MARK = "cabas_takes_a_photo"


def takes_a_photo(view: F) -> F:
    """Mark a view whose form sends a photo: put it right under ``@bp.route``, where the
    function it marks is the one the route calls."""
    setattr(view, _MARK, True)
    return view


def sends_a_photo() -> bool:
    """Whether this request goes to a view marked :func:`takes_a_photo`."""
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, _MARK, False))


def photo_input() -> dict[str, object]:
    """``render_kw`` of a photo's file field: the types it takes, and its weight limit with
    what to say beyond it, for ``photo-size.js`` to check before the form is sent."""
    return {
        "accept": "image/jpeg,image/png,image/webp",
        "data-max-bytes": MAX_BYTES,
        "data-too-heavy": _l(
            "Cette photo pèse plus de 8 Mo : choisissez-en une plus légère. "
            "Le reste du formulaire est gardé."
        ),
    }


def init_app(app: Flask) -> None:
    """Give the marked views their cap. Call before ``csrf.init_app``: the CSRF check reads
    the form, and the cap applies when the form is read."""

    @app.before_request
    def _photo_form_cap() -> None:
        view = app.view_functions.get(request.endpoint or "")
        general = app.config.get("MAX_CONTENT_LENGTH")
        photo = app.config.get("PHOTO_FORM_MAX_CONTENT_LENGTH")
        if getattr(view, _MARK, False) and general is not None and photo is not None:
            request.max_content_length = max(general, photo)
