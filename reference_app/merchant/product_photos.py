"""Photos of a product: the upload checked and stored, kept while the form comes back with
an error, put first or removed."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from reference_app import db, images
from reference_app.auth.users import actor, merchant_required
from reference_app.merchant.blueprint import bp, shop
from reference_app.merchant.forms import ProductForm
from reference_app.storage import storage
from shop_core.catalogue.services import put_photo_first, remove_photo


def _upload(field_name: str = "photo") -> FileStorage | None:
    upload = request.files.get(field_name)
    if upload is None or not upload.filename:
        return None
    return upload


def uploaded_photo(form: ProductForm) -> images.StoredImage | None | bool:
    """The photo to add: the one uploaded now (checked and stored), else the one kept when
    the form last came back with an error; ``None`` when there is none, ``False`` (with a
    field error) when the upload is not an acceptable image."""
    upload = _upload()
    if upload is None:
        return kept_photo(form.photo_kept.data)
    try:
        stored = images.store(upload.read(images.MAX_BYTES + 1), "products")
    except images.ImageRejected as error:
        form.photo.errors = [*form.photo.errors, error.shown()]
        return False
    form.photo_kept.data = _photo_signer().dumps(
        {"m": shop().id, "key": stored.key, "thumb": stored.thumb_key}
    )
    return stored


_KEPT_MAX_AGE = 24 * 3600


def _photo_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="product-photo-kept")


def kept_photo(token: str | None) -> images.StoredImage | None:
    """The photo a form kept for this merchant (see ``ProductForm.photo_kept``), if valid."""
    if not token:
        return None
    try:
        kept = _photo_signer().loads(token, max_age=_KEPT_MAX_AGE)
    except BadSignature:  # forged, or older than a day
        return None
    if not isinstance(kept, dict) or kept.get("m") != shop().id:
        return None
    key, thumb = kept.get("key"), kept.get("thumb")
    if not isinstance(key, str) or not isinstance(thumb, str):
        return None
    return images.StoredImage(key=key, thumb_key=thumb)


def photo_action() -> tuple[str, int] | None:
    """The photo button pressed in the product form (``photo_first`` or ``photo_remove``,
    valued with the photo's id), if one was: ``("first", id)`` or ``("remove", id)``."""
    for name, action in (("photo_first", "first"), ("photo_remove", "remove")):
        raw = request.form.get(name, "")
        if raw:
            return (action, int(raw)) if raw.isascii() and raw.isdigit() else ("bad", 0)
    return None


def apply_photo_action(*, product_id: int, action: str, photo_id: int) -> None:
    """Put the photo first or remove it (its files too), and say so."""
    merchant = shop()
    if action == "first":
        put_photo_first(
            uow=db.uow(),
            product_id=product_id,
            photo_id=photo_id,
            merchant_id=merchant.id,
            actor=actor(),
        )
        flash(_("Cette photo est maintenant la photo principale."), "success")
        return
    keys = remove_photo(
        uow=db.uow(),
        product_id=product_id,
        photo_id=photo_id,
        merchant_id=merchant.id,
        actor=actor(),
    )
    backend = storage()
    for key in keys:  # after the commit: a file left over costs less than a broken photo
        backend.delete(key)
    flash(_("La photo est retirée."), "success")


# The product form's photo buttons post the whole form to the product's page (see
# ``products.edit_product``); these addresses act on the photo alone.
@bp.route("/boutique/produits/<int:product_id>/photos/<int:photo_id>/premiere", methods=["POST"])
@merchant_required
def photo_first(product_id: int, photo_id: int) -> Response:
    apply_photo_action(product_id=product_id, action="first", photo_id=photo_id)
    return redirect(url_for("merchant.edit_product", product_id=product_id) + "#photos")


@bp.route("/boutique/produits/<int:product_id>/photos/<int:photo_id>/retirer", methods=["POST"])
@merchant_required
def photo_remove(product_id: int, photo_id: int) -> Response:
    apply_photo_action(product_id=product_id, action="remove", photo_id=photo_id)
    return redirect(url_for("merchant.edit_product", product_id=product_id) + "#photos")
