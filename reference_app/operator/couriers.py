"""Couriers: accounts created by the operator, with a temporary password shown once or a
link by e-mail, and deactivation (which ends their sessions at once)."""

from __future__ import annotations

import secrets

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from reference_app import db, mail
from reference_app.merchant.blueprint import attach_error
from reference_app.operator.blueprint import bp, operator_required
from reference_app.operator.forms import CourierForm
from reference_app.security import hash_password, make_token
from shop_core.accounts.model import Role, User
from shop_core.accounts.services import register_user
from shop_core.accounts.staff import accounts_with_role, set_account_active, staff_account
from shop_core.errors import ValidationError

# Easy to read aloud or copy from a phone: no 0/O, 1/l/I.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def temporary_password() -> str:
    """A random password of 4 groups of 4 characters, e.g. ``k7m2-pq9x-…``."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(4))


def _page(form: CourierForm, status: int = 200, **extra: object) -> tuple[str, int]:
    couriers = accounts_with_role(
        db.uow().session, territory_id=db.territory().id, role=Role.COURIER
    )
    return render_template("operator/couriers.html", form=form, couriers=couriers, **extra), status


@bp.route("/admin/livreurs", methods=["GET", "POST"])
@operator_required
def couriers() -> str | tuple[str, int]:
    form = CourierForm()
    if form.validate_on_submit():
        temporary = temporary_password() if form.mode.data == "temporary" else None
        try:
            uid = register_user(
                uow=db.uow(),
                territory_id=db.territory().id,
                email=form.email.data or "",
                full_name=form.full_name.data or "",
                phone=form.phone.data or "",
                password_hash=hash_password(temporary) if temporary else "",
                role=Role.COURIER,
            )
        except ValidationError as error:
            db.uow().rollback()
            attach_error(form, error)
        else:
            user = db.uow().session.get_one(User, uid)
            if temporary is None:
                token = make_token("reset", {"uid": user.id, "v": user.session_version})
                mail.send(
                    user.email,
                    _l("Votre compte de livreur sur %(name)s", name=db.territory().name),
                    "operator_courier_invite",
                    user=user,
                    territory=db.territory(),
                    link=url_for("auth.reset", token=token, _external=True),
                    forgot=url_for("auth.forgot", _external=True),
                )
                flash(
                    _("Compte créé : %(email)s a reçu un lien par e-mail.", email=user.email),
                    "success",
                )
            # Shown once, in this answer only: never stored, never in a flash cookie.
            return _page(CourierForm(formdata=None), created=user, temporary=temporary)
    return _page(form, 422 if form.is_submitted() else 200)


@bp.route("/admin/livreurs/<int:user_id>/etat", methods=["POST"])
@operator_required
def toggle_courier(user_id: int) -> Response:
    user = staff_account(
        db.uow().session, territory_id=db.territory().id, user_id=user_id, role=Role.COURIER
    )
    active = request.form.get("active") == "1"
    set_account_active(
        uow=db.uow(),
        territory_id=db.territory().id,
        user_id=user.id,
        role=Role.COURIER,
        active=active,
    )
    if active:
        flash(_("%(name)s peut de nouveau se connecter.", name=user.full_name), "success")
    else:
        flash(
            _("%(name)s est désactivé : ses sessions sont fermées.", name=user.full_name), "success"
        )
    return redirect(url_for("operator.couriers"))
