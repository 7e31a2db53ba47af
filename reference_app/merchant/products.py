"""Products: the list with stock and on/off switch, the product form with its photos."""

from __future__ import annotations

import json

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import format_number
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from reference_app import db
from reference_app.auth.users import actor, merchant_required
from reference_app.choices import options
from reference_app.extensions import limit_uploads
from reference_app.formatting import euros_input
from reference_app.merchant.blueprint import attach_error, bp, shop
from reference_app.merchant.forms import ProductForm, StockForm
from reference_app.merchant.product_photos import (
    apply_photo_action,
    kept_photo,
    photo_action,
    uploaded_photo,
)
from reference_app.request_caps import takes_a_photo
from shop_core.catalogue.merchant_queries import (
    archived_products,
    merchant_products,
    territory_categories,
)
from shop_core.catalogue.model import Product, Unit
from shop_core.catalogue.services import (
    MAX_STOCK,
    ProductChangedMeanwhile,
    ProductInput,
    StockLevel,
    add_photo,
    archive_product,
    create_product,
    edit_snapshot,
    get_product,
    restore_product,
    set_active,
    set_stock,
    update_product,
)
from shop_core.errors import DomainError, NotFound
from shop_core.money import TooManyDecimals, cents_from_euros
from shop_core.vat import VatRate

# Core field names → form field names.
_FIELDS = {"price": "price", "category": "category_id"}


def _product_form(product: Product | None = None) -> ProductForm:
    form = (
        ProductForm(obj=None)
        if product is None
        else ProductForm(data=None if request.method == "POST" else _initial(product))
    )
    categories = territory_categories(db.uow().session, territory_id=db.territory().id)
    form.category_id.choices = options(
        [("", _("Aucune"))] + [(str(c.id), c.name) for c in categories]
    )
    return form


def _initial(product: Product) -> dict[str, object]:
    return {
        "name": product.name,
        "price": euros_input(product.price_cents),
        "unit": product.unit.value,
        "estimated_weight_g": product.estimated_weight_g,
        "vat_rate": str(product.vat_rate.value),
        "category_id": str(product.category_id or ""),
        "track_stock": product.track_stock,
        "stock_quantity": product.stock_quantity,
        "stock_seen": str(product.stock_quantity) if product.track_stock else "",
        "edit_seen": json.dumps(edit_snapshot(product)),
        "no_withdrawal": product.no_withdrawal,
        "active": product.active,
        "description": product.description,
    }


def _input(form: ProductForm) -> ProductInput | None:
    """The core input typed, when every field is right; else ``None``, with each wrong
    field's error on the form, all at once: the form's own checks, the price, the core's."""
    try:
        price: int | None = cents_from_euros(form.price.data or "")
    except ValueError as error:
        price = None
        if not form.price.errors:  # an empty price is already « obligatoire »
            form.price.errors = [
                *form.price.errors,
                _("2 chiffres après la virgule au plus.")
                if isinstance(error, TooManyDecimals)
                else _("Prix illisible : écrivez par exemple 12,50."),
            ]
    try:
        unit, vat_rate = Unit(form.unit.data), VatRate(int(form.vat_rate.data))
    except ValueError:  # not one of the choices: the form's own check says so
        return None
    category = form.category_id.data or ""
    data = ProductInput(
        name=form.name.data or "",
        # An unreadable price stands in as 1 (its error is said above); 0 or less goes to
        # the core, which says the range (« 0 » was saved as 0,01 €).
        price_cents=1 if price is None else price,
        vat_rate=vat_rate,
        unit=unit,
        description=form.description.data or "",
        category_id=int(category) if category.isdigit() else None,
        estimated_weight_g=form.estimated_weight_g.data,
        track_stock=bool(form.track_stock.data),
        stock_quantity=form.stock_quantity.data or 0,
        active=bool(form.active.data),
        no_withdrawal=bool(form.no_withdrawal.data),
    )
    fine = price is not None
    for problem in data.problems():
        field = getattr(form, _FIELDS.get(problem.field or "", problem.field or ""), None)
        if field is not None and field.errors:
            continue  # the field already says what is wrong with it
        attach_error(form, problem, _FIELDS)
        fine = False
    if data.estimated_weight_g is not None and not data.sold_by_weight:
        # Only a product priced by weight keeps a weight (the core drops it). The unit is
        # « pièce » by default: a weight typed is most likely a kg price left at « pièce ».
        if not form.estimated_weight_g.errors:
            form.estimated_weight_g.errors = [
                _(
                    "Le poids estimé ne sert qu'aux produits vendus au kg ou aux 100 g : "
                    "choisissez l'une de ces unités, ou videz ce champ."
                )
            ]
        fine = False
    return data if fine else None


def _form_page(form: ProductForm, product: Product | None, status: int) -> tuple[str, int]:
    return render_template(
        "merchant/product_form.html",
        form=form,
        product=product,
        kept_photo=kept_photo(form.photo_kept.data),
    ), status


@bp.route("/boutique/produits")
@merchant_required
def products() -> str:
    merchant = shop()
    return render_template(
        "merchant/products.html",
        merchant=merchant,
        products=merchant_products(db.uow().session, merchant_id=merchant.id),
        archived=archived_products(db.uow().session, merchant_id=merchant.id),
        stock_form=StockForm(formdata=None),
        notice=session.pop(_ROW_NOTICE, None),
    )


_ROW_NOTICE = "product_notice"


def _row_notice(product: Product, text: str, kind: str = "success") -> Response:
    """Back to the list at the product's row, the outcome written in that row.

    A flashed message sits at the top of the page, out of sight on a phone once the list
    has scrolled to the row: a stock refused there went unnoticed.
    """
    session[_ROW_NOTICE] = {"id": product.id, "text": text, "kind": kind}
    return redirect(url_for("merchant.products") + f"#produit-{product.id}")


@bp.route("/boutique/produits/nouveau", methods=["GET", "POST"])
@takes_a_photo
@limit_uploads
@merchant_required
def new_product() -> str | tuple[str, int] | Response:
    form = _product_form()
    valid = form.validate_on_submit()
    # Stored even when the form comes back with an error: the photo is not chosen again.
    photo = uploaded_photo(form) if form.is_submitted() else None
    data = _input(form) if form.is_submitted() else None
    if valid and data is not None:
        merchant = shop()
        if photo is not False:
            try:
                pid = create_product(
                    uow=db.uow(),
                    merchant_id=merchant.id,
                    data=data,
                    actor=actor(),
                    commit=photo is None,
                )
                if photo:
                    add_photo(
                        uow=db.uow(),
                        product_id=pid,
                        merchant_id=merchant.id,
                        key=photo.key,
                        thumb_key=photo.thumb_key,
                        alt=(form.photo_alt.data or data.name).strip(),
                        actor=actor(),
                    )
            except DomainError as error:
                db.uow().rollback()
                attach_error(form, error, _FIELDS)
            else:
                flash(_("« %(name)s » est ajouté.", name=data.name.strip()), "success")
                if data.track_stock:
                    _sold_out_warning(data, data.stock_quantity)
                return redirect(url_for("merchant.products"))
    return _form_page(form, None, 422 if form.is_submitted() else 200)


@bp.route("/boutique/produits/<int:product_id>", methods=["GET", "POST"])
@takes_a_photo
@limit_uploads
@merchant_required
def edit_product(product_id: int) -> str | tuple[str, int] | Response:
    merchant = shop()
    product = get_product(db.uow(), product_id, merchant_id=merchant.id)
    form = _product_form(product)
    if form.is_submitted() and (pressed := photo_action()) is not None:
        return _photo_pressed(form, product, pressed)
    valid = form.validate_on_submit()
    photo = uploaded_photo(form) if form.is_submitted() else None  # kept if the page comes back
    data = _input(form) if form.is_submitted() else None
    if valid and data is not None:
        if photo is not False:
            try:
                level = update_product(
                    uow=db.uow(),
                    product_id=product.id,
                    merchant_id=merchant.id,
                    data=data,
                    actor=actor(),
                    stock_seen=_seen(form.stock_seen.data),
                    seen=_edit_seen(form.edit_seen.data),
                )
                if photo:
                    add_photo(
                        uow=db.uow(),
                        product_id=product.id,
                        merchant_id=merchant.id,
                        key=photo.key,
                        thumb_key=photo.thumb_key,
                        alt=(form.photo_alt.data or data.name).strip(),
                        actor=actor(),
                    )
            except ProductChangedMeanwhile as error:
                db.uow().rollback()
                flash(str(error), "error")
                # Saving again keeps the typed values over what is there now.
                product = get_product(db.uow(), product_id, merchant_id=merchant.id)
                form.edit_seen.data = json.dumps(edit_snapshot(product))
                form.stock_seen.data = _initial(product)["stock_seen"]
                return _form_page(form, product, 409)
            except DomainError as error:
                db.uow().rollback()
                attach_error(form, error, _FIELDS)
            else:
                flash(_("« %(name)s » est enregistré.", name=data.name.strip()), "success")
                _stock_notice(data.name.strip(), level)
                if level is not None:
                    _sold_out_warning(data, level.now)
                return redirect(url_for("merchant.products"))
    return _form_page(form, product, 422 if form.is_submitted() else 200)


def _photo_pressed(
    form: ProductForm, product: Product, pressed: tuple[str, int]
) -> tuple[str, int]:
    """A photo's « Mettre en premier » or « Retirer » was pressed in the product form: do
    that, and show the form again as typed (saved only by « Enregistrer »), a photo chosen
    meanwhile kept for that save.

    The buttons send the whole form so that a merchant who changed the price, then tidied
    the photos, does not lose the price: reloading the page from the database did.
    """
    action, photo_id = pressed
    uploaded_photo(form)
    try:
        if action == "bad":
            raise NotFound(what="Photo")
        apply_photo_action(product_id=product.id, action=action, photo_id=photo_id)
    except NotFound:
        db.uow().rollback()
        flash(_("Cette photo n'est plus là : elle a sans doute déjà été retirée."), "error")
    if _typed_changes(form, product):
        flash(
            _(
                "Vos autres changements sont toujours là, mais pas encore enregistrés : "
                "appuyez sur « Enregistrer » pour les garder."
            ),
            "info",
        )
    db.uow().session.expire(product, ["photos"])  # shown in their new order
    return _form_page(form, product, 200)


def _typed_changes(form: ProductForm, product: Product) -> bool:
    """Whether the form holds anything other than what the product has."""
    for name, value in _initial(product).items():
        if name in ("stock_seen", "edit_seen"):
            continue
        typed = form[name].data
        if ("" if typed is None else str(typed)) != ("" if value is None else str(value)):
            return True
    return bool(request.files.get("photo") and request.files["photo"].filename)


@bp.route("/boutique/produits/<int:product_id>/en-vente", methods=["POST"])
@merchant_required
def toggle_product(product_id: int) -> Response:
    merchant = shop()
    product = get_product(db.uow(), product_id, merchant_id=merchant.id)
    active = request.form.get("active") == "1"
    set_active(
        uow=db.uow(), product_id=product.id, merchant_id=merchant.id, active=active, actor=actor()
    )
    if active:
        return _row_notice(product, _("« %(name)s » est en vente.", name=product.name))
    return _row_notice(product, _("« %(name)s » est retiré de la vente.", name=product.name))


@bp.route("/boutique/produits/<int:product_id>/stock", methods=["POST"])
@merchant_required
def product_stock(product_id: int) -> Response:
    merchant = shop()
    product = get_product(db.uow(), product_id, merchant_id=merchant.id)
    form = StockForm()
    if form.validate_on_submit() and form.quantity.data is not None:
        level = set_stock(
            uow=db.uow(),
            product_id=product.id,
            merchant_id=merchant.id,
            quantity=form.quantity.data,
            actor=actor(),
            seen=_seen(form.seen.data),
        )
        if level.adjusted:  # shown at the top of the list, where the messages are
            _stock_notice(product.name, level)
            return redirect(url_for("merchant.products"))
        return _row_notice(
            product,
            _("Stock de « %(name)s » : %(n)s.", name=product.name, n=format_number(level.now)),
        )
    return _row_notice(product, _stock_refused(product.name), "error")


def _stock_refused(name: str) -> str:
    """Why the stock typed in the list was not taken, in the product form's words."""
    typed = request.form.get("quantity", "").strip()[:20]  # the session cookie holds it
    if not typed:
        return _("Stock de « %(name)s » non changé : indiquez le stock.", name=name)
    if typed.isascii() and typed.isdigit() and int(typed) > MAX_STOCK:
        return _(
            "Stock de « %(name)s » non changé : %(max)s au plus.",
            name=name,
            max=format_number(MAX_STOCK),
        )
    return _(
        "Stock de « %(name)s » non changé : « %(typed)s » n'est pas un nombre entier, 0 ou plus.",
        name=name,
        typed=typed,
    )


def _edit_seen(raw: str | None) -> dict[str, object] | None:
    """The product as the form showed it (None if the form did not say: no check)."""
    try:
        seen = json.loads(raw or "")
    except ValueError:
        return None
    return seen if isinstance(seen, dict) else None


def _seen(raw: str | None) -> int | None:
    """The stock level a form showed (a hidden field); ``None`` if missing or not one."""
    text = (raw or "").strip()
    return int(text) if text.isascii() and text.isdigit() and int(text) <= MAX_STOCK else None


def _sold_out_warning(data: ProductInput, stock: int) -> None:
    """Warn that a product on sale with a followed stock of 0 is sold out for shoppers.

    The form's defaults (stock followed, quantity 0) made a new product « Épuisé » in the
    shop while the merchant's list said « En vente ».
    """
    if data.active and stock <= 0:
        flash(
            _(
                "Le stock de « %(name)s » est à 0 : les clients le voient épuisé tant que "
                "vous n'indiquez pas de stock.",
                name=data.name.strip(),
            ),
            "warning",
        )


def _stock_notice(name: str, level: StockLevel | None) -> None:
    # Orders moved the stock while the merchant typed: say what was done with their change.
    if level is None or not level.adjusted:
        return
    change = (
        f"+{format_number(level.change)}"
        if level.change > 0
        else f"−{format_number(-level.change)}"
    )
    flash(
        _(
            "Pendant votre saisie, des commandes ont fait passer le stock de « %(name)s » de "
            "%(seen)s à %(before)s. Votre changement (%(change)s) est appliqué à ce qui "
            "restait : le stock est maintenant de %(now)s.",
            name=name,
            seen=format_number(level.seen or 0),
            before=format_number(level.before),
            change=change,
            now=format_number(level.now),
        ),
        "info",
    )


@bp.route("/boutique/produits/<int:product_id>/archiver", methods=["POST"])
@merchant_required
def archive(product_id: int) -> Response:
    merchant = shop()
    product = get_product(db.uow(), product_id, merchant_id=merchant.id)
    archive_product(uow=db.uow(), product_id=product.id, merchant_id=merchant.id, actor=actor())
    flash(
        _(
            "« %(name)s » est archivé : il n'apparaît plus, les commandes passées le gardent. "
            "Par erreur ? Il est en bas de la liste, dans « Produits archivés ».",
            name=product.name,
        ),
        "success",
    )
    return redirect(url_for("merchant.products"))


@bp.route("/boutique/produits/<int:product_id>/desarchiver", methods=["POST"])
@merchant_required
def restore(product_id: int) -> Response:
    merchant = shop()
    product = get_product(db.uow(), product_id, merchant_id=merchant.id)
    restore_product(uow=db.uow(), product_id=product.id, merchant_id=merchant.id, actor=actor())
    return _row_notice(
        product,
        _(
            "« %(name)s » est de retour dans vos produits, hors vente : vérifiez son prix et "
            "son stock, puis remettez-le en vente.",
            name=product.name,
        ),
    )
