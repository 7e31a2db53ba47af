"""``/vendre``: a merchant opens an account and a shop, pending the operator's approval."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from reference_app import db, mail
from reference_app.auth.views import start_session
from reference_app.extensions import limiter
from reference_app.merchant.blueprint import attach_error, bp
from reference_app.merchant.forms import SellForm, ShopIdentityForm
from reference_app.security import hash_password
from shop_core.accounts.model import Role, User
from shop_core.errors import ValidationError
from shop_core.merchants.model import Merchant, Trade
from shop_core.merchants.onboarding import OwnerAccount, open_shop, operators
from shop_core.merchants.services import MerchantProfile


def profile_from(
    form: ShopIdentityForm, *, email: str = "", phone: str = "", trade: Trade | None = None
) -> MerchantProfile:
    """The core profile typed in a shop form, its commune found by the gazetteer.

    The shop gets no position of its own: the commune's centre is only a guess, and a shop
    without one is planned there flagged approximate (``delivery.day_problem``), like a
    shopper's address, until the operator or a courier places it on the map. Stored as
    the shop's position, the centre would read as exact.
    """
    from delivery import gazetteer

    postal_code = (form.postal_code.data or "").strip()
    city = (form.city.data or "").strip()
    place = gazetteer.find(postal_code, city) if postal_code else None
    return MerchantProfile(
        trade_name=form.trade_name.data or "",
        legal_name=form.legal_name.data or "",
        siren=form.siren.data or "",
        siret=form.siret.data or "",
        vat_number="" if form.vat_franchise.data else (form.vat_number.data or ""),
        vat_franchise=bool(form.vat_franchise.data),
        trade=trade or Trade(form.trade.data),
        address=form.address.data or "",
        postal_code=postal_code,
        city=city,
        phone=phone,
        email=email,
        insee_code=place.insee_code if place else None,
    )


def identity_checked(form: ShopIdentityForm) -> bool:
    """Put the core's objections to the shop's identity by their fields, all at once, even
    when the form refused other fields (a field it refused keeps its own message); True
    when there is none. The SIREN, SIRET and VAT number were told one after the other."""
    try:
        trade = Trade(form.trade.data or "")
    except ValueError:  # not chosen: the field says so; any trade does for the checks
        trade = Trade.AUTRE
    fine = True
    for problem in profile_from(form, trade=trade).problems():
        field = getattr(form, problem.field or "", None)
        if field is not None and field.errors:
            continue
        attach_error(form, problem)
        fine = False
    return fine


def tell_operators(merchant: Merchant) -> None:
    """E-mail the territory's operators that a shop waits for approval."""
    territory = db.territory()
    link = None
    if "operator.merchant" in current_app.view_functions:
        link = url_for("operator.merchant", merchant_id=merchant.id, _external=True)
    for operator in operators(db.uow().session, territory_id=territory.id):
        mail.send(
            operator.email,
            _l("Nouvelle boutique à valider : %(name)s", name=merchant.trade_name),
            "merchant_signup",
            operator=operator,
            merchant=merchant,
            territory=territory,
            link=link,
        )


@bp.route("/vendre", methods=["GET", "POST"])
@limiter.limit("5 per minute;30 per hour", methods=["POST"])
def sell() -> str | Response:
    if current_user.is_authenticated and current_user.role is Role.MERCHANT:
        return redirect(url_for("merchant.dashboard"))
    form = SellForm()
    if form.is_submitted() and all([form.validate(), identity_checked(form)]):
        email = (form.email.data or "").strip()
        phone = (form.phone.data or "").strip()
        try:
            opened = open_shop(
                uow=db.uow(),
                territory_id=db.territory().id,
                profile=profile_from(form, email=email, phone=phone),
                owner=OwnerAccount(
                    email=email,
                    full_name=form.full_name.data or "",
                    phone=phone,
                    password_hash=hash_password(form.password.data or ""),
                ),
            )
        except ValidationError as error:
            db.uow().rollback()
            attach_error(form, error)
        else:
            session = db.uow().session
            start_session(session.get_one(User, opened.owner_user_id))
            tell_operators(session.get_one(Merchant, opened.merchant_id))
            # The banner of the shop's pages says the rest (awaiting approval, prepare the
            # catalogue): the flash said it again above it.
            flash(_("Votre boutique est créée."), "success")
            return redirect(url_for("merchant.dashboard"))
    return render_template("merchant/sell.html", form=form)
