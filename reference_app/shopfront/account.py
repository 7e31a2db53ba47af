"""« Mon compte »: profile, addresses, password, a copy of my data, deleting the account."""

from __future__ import annotations

import json

from flask import abort, flash, make_response, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response

from reference_app import db
from reference_app.auth.views import start_session
from reference_app.domain_messages import shown
from reference_app.security import hash_password, verify_password
from reference_app.shopfront.blueprint import bp
from reference_app.shopfront.delivery_choice import resolve_commune
from reference_app.shopfront.forms import (
    AddressForm,
    ConfirmForm,
    DeleteAccountForm,
    PasswordForm,
    ProfileForm,
)
from shop_core.accounts.export import export_user_data
from shop_core.accounts.model import Address, Role
from shop_core.accounts.profile import (
    AddressInput,
    change_password,
    create_address,
    delete_address,
    get_address,
    update_address,
    update_profile,
)
from shop_core.accounts.services import delete_account
from shop_core.errors import DomainError, NotFound, ValidationError


@bp.route("/compte", methods=["GET", "POST"])
@login_required
def account() -> str | Response:
    user = current_user.user
    form = ProfileForm(obj=user)
    if form.validate_on_submit():
        uow = db.uow()
        try:
            update_profile(
                uow=uow,
                user_id=user.id,
                full_name=form.full_name.data or "",
                phone=form.phone.data or "",
            )
        except ValidationError as error:
            uow.rollback()
            target = form[error.field] if error.field in form else form.full_name
            target.errors = [*target.errors, shown(error)]
        else:
            flash(_("Vos informations sont enregistrées."), "success")
            return redirect(url_for("shop.account"))
    return render_template("account/account.html", form=form, user=user)


def _address_input(form: AddressForm) -> AddressInput | None:
    """The typed address with its commune checked, or ``None`` after adding field errors."""
    if not form.check_address_filled():
        return None
    territory = db.territory()
    try:
        place = resolve_commune(territory, form.postal_code.data or "", form.city.data or "")
    except ValidationError as error:
        field = form.city if error.field == "city" else form.postal_code
        field.errors = [*field.errors, shown(error)]
        return None
    if not place.served:
        flash(
            _(
                "Adresse enregistrée, mais la livraison à domicile ne va pas encore jusqu'à "
                "%(city)s : vous pourrez choisir un point de retrait.",
                city=place.name,
            ),
            "warning",
        )
    return AddressInput(
        label=(form.label.data or "").strip() or _("Domicile"),
        recipient=form.recipient.data or "",
        line1=form.line1.data or "",
        line2=form.line2.data or "",
        postal_code=place.postal_code,
        city=place.name,
        phone=form.phone.data or "",
        instructions=form.instructions.data or "",
        insee_code=place.insee_code,
        lat=place.lat,
        lon=place.lon,
    )


def _save_address(form: AddressForm, address_id: int | None) -> bool:
    data = _address_input(form) if form.validate_on_submit() else None
    if data is None:
        return False
    uow = db.uow()
    try:
        if address_id is None:
            create_address(uow=uow, user_id=current_user.id, data=data)
        else:
            update_address(uow=uow, user_id=current_user.id, address_id=address_id, data=data)
    except ValidationError as error:
        uow.rollback()
        target = form[error.field] if error.field in form else form.line1
        target.errors = [*target.errors, shown(error)]
        return False
    return True


@bp.route("/compte/adresses/nouvelle", methods=["GET", "POST"])
@login_required
def new_address() -> str | Response:
    form = AddressForm()
    if not form.is_submitted():
        form.recipient.data = current_user.user.full_name
        form.phone.data = current_user.user.phone
    if _save_address(form, None):
        flash(_("Adresse ajoutée."), "success")
        return redirect(url_for("shop.account") + "#adresses")
    return render_template("account/address.html", form=form, address=None)


def _own_address(address_id: int) -> Address:
    try:
        return get_address(db.uow(), user_id=current_user.id, address_id=address_id)
    except NotFound:
        abort(404)


@bp.route("/compte/adresses/<int:address_id>", methods=["GET", "POST"])
@login_required
def edit_address(address_id: int) -> str | Response:
    address = _own_address(address_id)
    form = AddressForm(obj=address)
    if _save_address(form, address.id):
        flash(_("Adresse modifiée."), "success")
        return redirect(url_for("shop.account") + "#adresses")
    return render_template("account/address.html", form=form, address=address)


@bp.route("/compte/adresses/<int:address_id>/supprimer", methods=["GET", "POST"])
@login_required
def remove_address(address_id: int) -> str | Response:
    """Asks first (GET), then deletes (POST): « Supprimer » on « Mon compte » is one tap."""
    address = _own_address(address_id)
    form = ConfirmForm()
    if not form.is_submitted():
        return render_template("account/remove_address.html", form=form, address=address)
    if form.validate_on_submit():
        delete_address(uow=db.uow(), user_id=current_user.id, address_id=address.id)
        flash(_("Adresse supprimée."), "success")
    return redirect(url_for("shop.account") + "#adresses")


@bp.route("/compte/mot-de-passe", methods=["GET", "POST"])
@login_required
def password() -> str | Response:
    user = current_user.user
    form = PasswordForm()
    form.known_words = (user.full_name, user.email)
    if form.validate_on_submit():
        if not verify_password(user.password_hash, form.current.data or ""):
            form.current.errors = [
                *form.current.errors,
                _("Ce n'est pas votre mot de passe actuel."),
            ]
        else:
            change_password(
                uow=db.uow(), user_id=user.id, password_hash=hash_password(form.password.data or "")
            )
            # Every other session ended with the version bump; this one logs in afresh.
            start_session(user)
            flash(
                _("Votre mot de passe est changé. Vos autres appareils devront se reconnecter."),
                "success",
            )
            return redirect(url_for("shop.account"))
    return render_template("account/password.html", form=form)


@bp.route("/compte/mes-donnees.json")
@login_required
def export() -> Response:
    """Everything the shop keeps about me, as a JSON file to download."""
    data = export_user_data(db.uow().session, user_id=current_user.id)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = make_response(body)
    response.mimetype = "application/json"
    response.headers["Content-Disposition"] = 'attachment; filename="mes-donnees.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/compte/supprimer", methods=["GET", "POST"])
@login_required
def delete() -> str | Response:
    user = current_user.user
    if user.role is not Role.SHOPPER:
        flash(
            _(
                "Un compte de commerçant, de livreur ou d'animation se supprime avec "
                "l'animation du territoire."
            ),
            "info",
        )
        return redirect(url_for("shop.account"))
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if not verify_password(user.password_hash, form.password.data or ""):
            form.password.errors = [*form.password.errors, _("Mot de passe incorrect.")]
        else:
            uow = db.uow()
            try:
                delete_account(uow=uow, user_id=user.id)
            except DomainError as error:
                uow.rollback()
                flash(shown(error), "error")
            else:
                logout_user()
                session.clear()
                flash(
                    _("Votre compte est supprimé. Merci d'avoir fait vos courses avec nous."),
                    "success",
                )
                return redirect(url_for("shop.home"))
    return render_template("account/delete.html", form=form)
