"""Ordering for a shopper (« commande assistée »): the operator finds or registers a shopper
of the territory, then uses the ordinary shopfront in their name until they end it.

While acting, :func:`reference_app.auth.users.shopper` is that shopper: the basket, the
checkout and « Mes commandes » are theirs, and the order records the operator who took it.
Acting for a shopper and acting for a merchant exclude each other (see
:mod:`reference_app.operator.acting`).
"""

from __future__ import annotations

from dataclasses import replace

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from reference_app import db
from reference_app.auth.reset import send_welcome_link
from reference_app.auth.users import ACTING_FOR, ACTING_FOR_SHOPPER
from reference_app.domain_messages import shown
from reference_app.merchant.blueprint import attach_error
from reference_app.operator.acting import stop_acting_for_merchant, stop_acting_for_shopper
from reference_app.operator.blueprint import bp, operator_required
from reference_app.operator.forms import (
    AssistedShopperForm,
    ShopperEmailForm,
    ShopperSearchForm,
    email_prefix,
)
from reference_app.shopfront.delivery_choice import resolve_commune
from reference_app.shopfront.display import helpers
from shop_core.accounts.assisted import (
    PhoneAlreadyRegistered,
    PhoneHolder,
    ShopperMatches,
    find_shoppers,
    note_shopper_assistance,
    register_shopper_for,
    set_shopper_email_for,
    shopper_for_operator,
)
from shop_core.accounts.profile import AddressInput
from shop_core.audit.queries import shopper_audit
from shop_core.errors import ValidationError
from shop_core.orders.history import customer_order, orders_of_customer, served_parts


@bp.route("/admin/clients")
@operator_required
def shoppers() -> str:
    search = ShopperSearchForm(request.args)
    found = None
    if "q" in request.args and search.validate():
        found = find_shoppers(
            db.uow().session, territory_id=db.territory().id, query=search.q.data or ""
        )
    return _page(search, found, AssistedShopperForm())


def _page(
    search: ShopperSearchForm,
    found: ShopperMatches | None,
    form: AssistedShopperForm,
    email_forms: dict[int, ShopperEmailForm] | None = None,
    phone_holders: list[PhoneHolder] | None = None,
) -> str:
    # Shoppers without an e-mail get a form to add one: they cannot log in until then.
    forms = {
        s.id: ShopperEmailForm(formdata=None, prefix=email_prefix(s.id))
        for s in (found.shoppers if found else [])
        if s.email is None and not s.password_hash
    }
    forms.update(email_forms or {})
    return render_template(
        "operator/shoppers.html",
        search=search,
        found=found,
        form=form,
        email_forms=forms,
        phone_holders=phone_holders or [],
    )


@bp.route("/admin/clients/nouveau", methods=["POST"])
@operator_required
def new_shopper() -> str | tuple[str, int] | Response:
    form = AssistedShopperForm()
    if form.validate_on_submit():
        try:
            place = resolve_commune(
                db.territory(), form.postal_code.data or "", form.city.data or ""
            )
            uid = register_shopper_for(
                uow=db.uow(),
                territory_id=db.territory().id,
                operator_id=current_user.id,
                full_name=form.full_name.data or "",
                phone=form.phone.data or "",
                email=form.email.data or None,
                shared_phone=form.shared_phone.data,
                address=AddressInput(
                    recipient=form.full_name.data or "",
                    line1=form.line1.data or "",
                    line2=form.line2.data or "",
                    postal_code=place.postal_code,
                    city=place.name,
                    instructions=form.instructions.data or "",
                    insee_code=place.insee_code,
                    lat=place.lat,
                    lon=place.lon,
                ),
            )
        except PhoneAlreadyRegistered as error:
            # Perhaps the same person phoning again: offer their account, or to go on.
            db.uow().rollback()
            attach_error(form, error)
            return _page(
                ShopperSearchForm(formdata=None), None, form, phone_holders=error.holders
            ), 422
        except ValidationError as error:
            db.uow().rollback()
            attach_error(form, error)
        else:
            _start(uid)
            flash(_("Compte client créé."), "success")
            if not place.served:
                # As the shopper's own address form says it: the account is kept.
                flash(
                    _(
                        "La livraison à domicile ne va pas jusqu'à %(city)s : proposez-lui un "
                        "point de retrait ou le retrait dans les boutiques.",
                        city=place.name,
                    ),
                    "warning",
                )
            return redirect(url_for("shop.home"))
    return _page(ShopperSearchForm(formdata=None), None, form), 422


@bp.route("/admin/clients/<int:user_id>/email", methods=["POST"])
@operator_required
def shopper_email(user_id: int) -> tuple[str, int] | Response:
    # Another territory's account, or anyone but a shopper, looks like nobody (404).
    shopper = shopper_for_operator(
        db.uow().session, territory_id=db.territory().id, shopper_id=user_id
    )
    form = ShopperEmailForm(prefix=email_prefix(user_id))
    query = request.form.get("q", "").strip()[:80]
    if form.validate_on_submit():
        try:
            set_shopper_email_for(
                uow=db.uow(),
                territory_id=db.territory().id,
                operator_id=current_user.id,
                shopper_id=user_id,
                email=form.email.data or "",
            )
        except ValidationError as error:
            db.uow().rollback()
            form.email.errors = [*form.email.errors, shown(error)]
        else:
            if form.send_link.data:
                send_welcome_link(shopper)
                flash(
                    _(
                        "Adresse enregistrée : %(name)s va recevoir un e-mail pour choisir son "
                        "mot de passe.",
                        name=shopper.full_name,
                    ),
                    "success",
                )
            else:
                flash(
                    _(
                        "Adresse enregistrée : %(name)s peut maintenant choisir un mot de passe "
                        "avec « Mot de passe oublié ».",
                        name=shopper.full_name,
                    ),
                    "success",
                )
            return redirect(url_for("operator.shoppers", q=query or shopper.full_name))
    search = ShopperSearchForm(formdata=None, q=query)
    found = find_shoppers(db.uow().session, territory_id=db.territory().id, query=query)
    if shopper not in found.shoppers:
        found = replace(found, shoppers=[shopper, *found.shoppers])
    return _page(search, found, AssistedShopperForm(formdata=None), {user_id: form}), 422


@bp.route("/admin/clients/<int:user_id>/agir", methods=["POST"])
@operator_required
def act_for_shopper(user_id: int) -> Response:
    # Another territory's account, or anyone but a shopper, looks like nobody (404).
    shopper_for_operator(db.uow().session, territory_id=db.territory().id, shopper_id=user_id)
    _start(user_id)
    return redirect(url_for("shop.home"))


def _start(user_id: int) -> None:
    if session.get(ACTING_FOR) is not None:
        stop_acting_for_merchant()
    previous = session.get(ACTING_FOR_SHOPPER)
    if previous == user_id:
        return  # already ordering for them (« Commander pour ce client » again): one start
    if previous is not None:
        stop_acting_for_shopper()
    note_shopper_assistance(
        uow=db.uow(),
        territory_id=db.territory().id,
        shopper_id=user_id,
        operator_id=current_user.id,
        started=True,
    )
    session[ACTING_FOR_SHOPPER] = user_id


@bp.route("/admin/clients/agir/fin", methods=["POST"])
@operator_required
def stop_acting_shopper() -> Response:
    if session.get(ACTING_FOR_SHOPPER) is not None:
        stop_acting_for_shopper()
        flash(_("Vous ne commandez plus pour ce client."), "info")
    return redirect(url_for("operator.shoppers"))


# What the operator did for a shopper, as the shopper's page lists it.
ASSISTED_LABELS = {
    "shopper.registered_for": _l("Compte créé pour le client"),
    "shopper.assist_start": _l("Début d'une commande pour le client"),
    "shopper.assist_stop": _l("Fin d'une commande pour le client"),
    "shopper.email_set_for": _l("Adresse e-mail enregistrée"),
    "order.placed_for_shopper": _l("Commande prise pour le client"),
    "order.cancelled_for_shopper": _l("Commande annulée pour le client"),
}


#: How many of a shopper's orders their card lists, newest first (it says when there are more).
CARD_ORDERS = 50


@bp.get("/admin/clients/<int:user_id>")
@operator_required
def shopper_page(user_id: int) -> str:
    """A shopper's card for the operator: how to reach them, their orders (each with its
    sheet to print again), and what the operator did for them."""
    session = db.uow().session
    person = shopper_for_operator(session, territory_id=db.territory().id, shopper_id=user_id)
    return render_template(
        "operator/shopper.html",
        person=person,
        orders=orders_of_customer(
            session, territory_id=db.territory().id, user_id=person.id, limit=CARD_ORDERS
        ),
        log=shopper_audit(session, shopper=person),
        labels=ASSISTED_LABELS,
        **helpers(),
    )


@bp.get("/admin/clients/<int:user_id>/commandes/<reference>/fiche")
@operator_required
def shopper_order_sheet(user_id: int, reference: str) -> str:
    """An order's sheet printed again by the operator, without acting for the shopper."""
    session = db.uow().session
    person = shopper_for_operator(session, territory_id=db.territory().id, shopper_id=user_id)
    order = customer_order(
        session, territory_id=db.territory().id, user_id=person.id, reference=reference
    )
    if order is None:
        abort(404)
    return render_template(
        "shop/order_sheet.html",
        order=order,
        served=served_parts(order),
        back_url=url_for("operator.shopper_page", user_id=person.id),
        **helpers(),
    )
