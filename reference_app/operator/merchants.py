"""Merchants: list, approval, suspension, shops opened on a merchant's behalf, assisted
mode ("Agir pour cette boutique") and the audit log of what was done for each."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_login import current_user
from werkzeug.wrappers import Response

from reference_app import db, mail
from reference_app.auth.users import ACTING_FOR
from reference_app.merchant.blueprint import attach_error
from reference_app.merchant.signup import identity_checked, profile_from
from reference_app.operator.acting import stop_acting_for_merchant, stop_acting_for_shopper
from reference_app.operator.blueprint import bp, me, operator_required
from reference_app.operator.forms import AssistedShopForm, SuspendForm
from reference_app.security import make_token
from shop_core.accounts.model import User
from shop_core.audit.queries import merchant_audit
from shop_core.errors import InvalidTransition, ValidationError
from shop_core.merchants.model import Merchant, MerchantStatus
from shop_core.merchants.onboarding import (
    OwnerAccount,
    list_merchants,
    note_assistance,
    open_shop,
    owner_emails,
    territory_merchant,
)
from shop_core.merchants.services import set_status

STATUS_FILTERS = {
    "pending": MerchantStatus.PENDING,
    "active": MerchantStatus.ACTIVE,
    "suspended": MerchantStatus.SUSPENDED,
}

ACTION_LABELS = {
    "merchant.register": _l("Inscription de la boutique"),
    "merchant.active": _l("Validation ou réactivation"),
    "merchant.suspended": _l("Suspension"),
    "merchant.update_profile": _l("Fiche de la boutique modifiée"),
    "merchant.opening_hours": _l("Horaires modifiés"),
    "merchant.profile": _l("Présentation et contact modifiés"),
    "merchant.add_member": _l("Accès donné à un compte"),
    "merchant.assist_start": _l("Début du mode assisté"),
    "merchant.assist_stop": _l("Fin du mode assisté"),
    "product.create": _l("Produit créé"),
    "product.update": _l("Produit modifié"),
    "product.stock": _l("Stock modifié"),
    "product.enable": _l("Produit remis en vente"),
    "product.disable": _l("Produit retiré de la vente"),
    "product.archive": _l("Produit archivé"),
    "product.photo": _l("Photo ajoutée"),
    "product.photo_first": _l("Photo principale choisie"),
    "product.photo_removed": _l("Photo retirée"),
    "product.import": _l("Import du catalogue"),
    "order.weigh": _l("Poids saisi"),
    "order.accepted": _l("Commande acceptée"),
    "order.refused": _l("Commande refusée"),
    "order.preparing": _l("Préparation commencée"),
    "order.ready": _l("Commande prête"),
    "order.picked_up": _l("Commande remise au client"),
    "order.cancelled": _l("Commande annulée"),
}


def _merchant(merchant_id: int) -> Merchant:
    return territory_merchant(
        db.uow().session, territory_id=db.territory().id, merchant_id=merchant_id
    )


def _write_to(merchant: Merchant, subject: LazyString, template: str, **context: object) -> None:
    for email in owner_emails(db.uow().session, merchant_id=merchant.id):
        mail.send(email, subject, template, merchant=merchant, territory=db.territory(), **context)


@bp.route("/admin/boutiques")
@operator_required
def merchants() -> str:
    wanted = request.args.get("statut", "")
    status = STATUS_FILTERS.get(wanted)
    session_db = db.uow().session
    every = list_merchants(session_db, territory_id=db.territory().id)
    shown = [m for m in every if status is None or m.status is status]
    counts = {key: sum(1 for m in every if m.status is s) for key, s in STATUS_FILTERS.items()}
    return render_template(
        "operator/merchants.html",
        merchants=shown,
        wanted=wanted if status else "",
        counts=counts,
        total=len(every),
    )


@bp.route("/admin/boutiques/<int:merchant_id>")
@operator_required
def merchant(merchant_id: int) -> str:
    shop = _merchant(merchant_id)
    return render_template(
        "operator/merchant.html", shop=shop, suspend_form=SuspendForm(formdata=None)
    )


@bp.route("/admin/boutiques/<int:merchant_id>/valider", methods=["POST"])
@operator_required
def approve(merchant_id: int) -> Response:
    shop = _merchant(merchant_id)
    return _set(shop, MerchantStatus.ACTIVE)


@bp.route("/admin/boutiques/<int:merchant_id>/reactiver", methods=["POST"])
@operator_required
def reinstate(merchant_id: int) -> Response:
    shop = _merchant(merchant_id)
    if shop.status is not MerchantStatus.SUSPENDED:
        flash(_("Cette boutique n'est pas suspendue."), "error")
        return redirect(url_for("operator.merchant", merchant_id=shop.id))
    return _set(shop, MerchantStatus.ACTIVE)


@bp.route("/admin/boutiques/<int:merchant_id>/suspendre", methods=["POST"])
@operator_required
def suspend(merchant_id: int) -> str | tuple[str, int] | Response:
    shop = _merchant(merchant_id)
    form = SuspendForm()
    if not form.validate_on_submit():
        return render_template("operator/merchant.html", shop=shop, suspend_form=form), 422
    return _set(shop, MerchantStatus.SUSPENDED, (form.reason.data or "").strip())


def _set(shop: Merchant, status: MerchantStatus, reason: str = "") -> Response:
    previous = shop.status
    try:
        set_status(uow=db.uow(), merchant_id=shop.id, status=status, actor=me(), reason=reason)
    except InvalidTransition:
        db.uow().rollback()
        flash(_("Cette boutique a déjà changé d'état."), "error")
        return redirect(url_for("operator.merchant", merchant_id=shop.id))
    if status is MerchantStatus.SUSPENDED:
        _write_to(
            shop,
            _l("Votre boutique est suspendue"),
            "merchant_suspended",
            reason=reason,
        )
        flash(_("« %(name)s » est suspendue.", name=shop.trade_name), "success")
    else:
        _write_to(
            shop,
            _l("Votre boutique est en ligne"),
            "merchant_approved",
            reinstated=previous is MerchantStatus.SUSPENDED,
            link=url_for("merchant.dashboard", _external=True),
        )
        flash(
            _("« %(name)s » est en ligne et prévenue par e-mail.", name=shop.trade_name), "success"
        )
    return redirect(url_for("operator.merchant", merchant_id=shop.id))


@bp.route("/admin/boutiques/nouvelle", methods=["GET", "POST"])
@operator_required
def new_merchant() -> str | tuple[str, int] | Response:
    form = AssistedShopForm()
    # Every wrong company number at once, as on the shop's own sign-up (identity_checked).
    if form.is_submitted() and all([form.validate(), identity_checked(form)]):
        email = (form.email.data or "").strip()
        owner = None
        if form.create_account.data:
            if not (form.owner_name.data or "").strip():
                form.owner_name.errors = [_("Indiquez le nom du commerçant pour créer son compte.")]
                return render_template("operator/merchant_new.html", form=form), 422
            owner = OwnerAccount(email=email, full_name=form.owner_name.data or "")
        try:
            opened = open_shop(
                uow=db.uow(),
                territory_id=db.territory().id,
                profile=profile_from(form, email=email, phone=(form.phone.data or "").strip()),
                owner=owner,
                actor=me(),
                assisted=True,
            )
        except ValidationError as error:
            db.uow().rollback()
            attach_error(form, error)
        else:
            shop = db.uow().session.get_one(Merchant, opened.merchant_id)
            if opened.owner_user_id is not None:
                _welcome(db.uow().session.get_one(User, opened.owner_user_id), shop)
            flash(
                _(
                    "La boutique « %(name)s » est créée, en attente de validation.",
                    name=shop.trade_name,
                ),
                "success",
            )
            return redirect(url_for("operator.merchant", merchant_id=shop.id))
    status = 422 if form.is_submitted() else 200
    return render_template("operator/merchant_new.html", form=form), status


def _welcome(user: User, shop: Merchant) -> None:
    """Send the new owner a link to choose their password (the reset link, single-use)."""
    token = make_token("reset", {"uid": user.id, "v": user.session_version})
    mail.send(
        user.email,
        _l("Votre boutique sur %(name)s", name=db.territory().name),
        "merchant_welcome",
        user=user,
        merchant=shop,
        territory=db.territory(),
        link=url_for("auth.reset", token=token, _external=True),
        forgot=url_for("auth.forgot", _external=True),
    )


@bp.route("/admin/boutiques/<int:merchant_id>/agir", methods=["POST"])
@operator_required
def act_for(merchant_id: int) -> Response:
    shop = _merchant(merchant_id)
    stop_acting_for_shopper()
    previous = session.get(ACTING_FOR)
    if previous is not None and previous != shop.id:
        stop_acting_for_merchant()
    note_assistance(
        uow=db.uow(),
        territory_id=db.territory().id,
        merchant_id=shop.id,
        operator_id=current_user.id,
        started=True,
    )
    session[ACTING_FOR] = shop.id
    return redirect(url_for("merchant.dashboard"))


@bp.route("/admin/agir/fin", methods=["POST"])
@operator_required
def stop_acting() -> Response:
    merchant_id = session.get(ACTING_FOR)
    if merchant_id is None:
        return redirect(url_for("operator.merchants"))
    stop_acting_for_merchant()
    flash(_("Vous n'agissez plus pour une boutique."), "info")
    return redirect(url_for("operator.merchant", merchant_id=merchant_id))


@bp.route("/admin/boutiques/<int:merchant_id>/journal")
@operator_required
def audit_log(merchant_id: int) -> str:
    shop = _merchant(merchant_id)
    lines = merchant_audit(db.uow().session, territory_id=db.territory().id, merchant_id=shop.id)
    return render_template("operator/audit.html", shop=shop, lines=lines, labels=ACTION_LABELS)
