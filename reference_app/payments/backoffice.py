"""Payments in the back-offices: the merchant's connected account, transfers and refunds;
the operator's payouts, reconciliation and failed events."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from reference_app import db
from reference_app.auth.users import actor, current_merchant, merchant_required, role_required
from reference_app.domain_messages import shown
from reference_app.formatting import money
from reference_app.input_guard import asked_date, form_id
from reference_app.payments import gateway
from reference_app.payments.blueprint import bp
from reference_app.rounds import settings
from shop_core.accounts.model import Role
from shop_core.errors import DomainError, NotFound, ValidationError
from shop_core.money import cents_from_euros
from shop_core.orders.model import Order
from shop_core.orders.preparation import merchant_order
from shop_core.payments import accounts
from shop_core.payments.events import failed_events, replay
from shop_core.payments.gateway import MarketplaceGateway
from shop_core.payments.offline import ShopStatement, settle_month, statement
from shop_core.payments.reconciliation import (
    merchant_transfers,
    territory_balances,
    territory_transfers,
)
from shop_core.payments.refunds import refund_merchant_order, refundable_cents, refunds_of
from shop_core.payments.refunds import settle as settle_order

operator_required = role_required(Role.OPERATOR)


class RefundForm(FlaskForm):
    amount = StringField(
        _l("Montant à rembourser (€)"),
        validators=[DataRequired(message=_l("Indiquez un montant."))],
    )
    reason = StringField(
        _l("Motif (visible par le client)"),
        validators=[
            DataRequired(message=_l("Indiquez le motif du remboursement.")),
            Length(max=300),
        ],
    )


def _gateway() -> MarketplaceGateway:
    found = gateway()
    if found is None:
        abort(404)
    return found


def _shop_id() -> int:
    merchant = current_merchant()
    if merchant is None:
        abort(403)
    return merchant.id


class Month(NamedTuple):
    first: dt.date
    previous: dt.date
    following: dt.date


def _month(raw: str | None = None) -> Month:
    """The month asked for (``?mois=2026-11``), the current one by default (the
    territory's date)."""
    raw = request.args.get("mois", "") if raw is None else raw
    first = asked_date(f"{raw}-01") if raw else None
    if first is None:
        first = settings.today(db.territory()).replace(day=1)
    return Month(
        first=first,
        previous=(first - dt.timedelta(days=1)).replace(day=1),
        following=(first + dt.timedelta(days=32)).replace(day=1),
    )


def _statements(month: Month, merchant_id: int | None = None) -> list[ShopStatement]:
    return statement(
        db.uow().session,
        territory_id=db.territory().id,
        month=month.first,
        merchant_id=merchant_id,
    )


# --- merchant ----------------------------------------------------------------------------------


@bp.route("/boutique/paiements")
@merchant_required
def merchant_payments() -> str:
    """The connected account's status and the transfers received."""
    merchant_id = _shop_id()
    uow = db.uow()
    account = accounts.account_of(uow, merchant_id)
    month = _month()
    return render_template(
        "payments/merchant.html",
        merchant=current_merchant(),  # the back-office menu and notices need it
        online=gateway() is not None,
        account=account,
        transfers=merchant_transfers(uow.session, merchant_id),
        month=month,
        statements=_statements(month, merchant_id),
    )


@bp.route("/boutique/paiements/compte", methods=["POST", "GET"])
@merchant_required
def onboarding() -> Response:
    """Go to Stripe's onboarding pages (GET too: Stripe's ``refresh_url`` comes back here)."""
    found = _gateway()
    try:
        url = accounts.onboarding_link(
            uow=db.uow(),
            gateway=found,
            merchant_id=_shop_id(),
            refresh_url=url_for("payments.onboarding", _external=True),
            return_url=url_for("payments.onboarding_done", _external=True),
        )
    except DomainError as error:
        db.uow().rollback()
        flash(str(error), "error")
        return redirect(url_for("payments.merchant_payments"))
    return redirect(url, code=303)


@bp.route("/boutique/paiements/retour")
@merchant_required
def onboarding_done() -> Response:
    found = _gateway()
    try:
        status = accounts.refresh(uow=db.uow(), gateway=found, merchant_id=_shop_id())
    except DomainError as error:
        db.uow().rollback()
        flash(str(error), "error")
    else:
        if status is accounts.AccountStatus.ACTIVE:
            from shop_core.payments.services import send_transfers

            send_transfers(uow=db.uow(), gateway=found, merchant_id=_shop_id())
            flash(_("Votre compte de paiement est actif : vos virements partent."), "success")
        else:
            flash(_("Informations enregistrées. Stripe termine la vérification."), "info")
    return redirect(url_for("payments.merchant_payments"))


@bp.route("/boutique/commandes/<int:mo_id>/remboursement", methods=["GET", "POST"])
@merchant_required
def refund(mo_id: int) -> str | Response | tuple[str, int]:
    """Refund part or all of one of my orders paid online."""
    merchant_id = _shop_id()
    uow = db.uow()
    mo = merchant_order(uow.session, merchant_id=merchant_id, merchant_order_id=mo_id)
    form = RefundForm()
    status = 200
    if form.validate_on_submit():
        try:
            amount = cents_from_euros(form.amount.data or "")
        except ValueError:
            form.amount.errors = [_("Indiquez un montant en euros, par exemple 4,50.")]
            amount = None
        if amount is not None:
            try:
                refund_merchant_order(
                    uow=uow,
                    gateway=_gateway(),
                    merchant_order_id=mo.id,
                    amount_cents=amount,
                    actor=actor(),
                    reason=form.reason.data or "",
                    merchant_id=merchant_id,
                )
            except ValidationError as error:
                uow.rollback()
                target = form.reason if error.field == "reason" else form.amount
                target.errors = [str(error)]
            except DomainError as error:
                uow.rollback()
                form.amount.errors = [str(error)]
            else:
                flash(_("Remboursement effectué."), "success")
                return redirect(url_for("payments.refund", mo_id=mo.id))
    if form.errors:
        status = 422
    return render_template(
        "payments/refund.html",
        merchant=current_merchant(),
        mo=mo,
        form=form,
        online=gateway() is not None,
        available=refundable_cents(uow, mo.id),
        refunds=refunds_of(uow, mo.id),
    ), status


# --- operator ------------------------------------------------------------------------------


@bp.route("/admin/paiements")
@operator_required
def operator_payments() -> str:
    """Payouts per order, the reconciliation check, and the events that failed."""
    uow = db.uow()
    balances = territory_balances(uow.session, db.territory().id)
    month = _month()
    return render_template(
        "payments/operator.html",
        online=gateway() is not None,
        balances=balances,
        unbalanced=[b for b in balances if not b.balanced],
        events=failed_events(uow, db.territory().id),
        transfers=territory_transfers(uow.session, db.territory().id),
        month=month,
        statements=_statements(month),
    )


@bp.route("/admin/paiements/reglements", methods=["POST"])
@operator_required
def settle_shop() -> Response:
    """The operator settled a shop's balance of orders paid by hand for a month."""
    month = _month(request.form.get("mois", ""))
    merchant_id = form_id(request.form.get("merchant_id"))
    if merchant_id is None:
        abort(404)
    try:
        amount = settle_month(
            uow=db.uow(), territory_id=db.territory().id, merchant_id=merchant_id,
            month=month.first, actor=actor(), now=settings.now(),
        )  # fmt: skip
    except NotFound:
        raise
    except DomainError as error:
        db.uow().rollback()
        flash(shown(error), "error")
    else:
        if amount > 0:
            flash(
                _("Règlement enregistré : %(amount)s versés à la boutique.", amount=money(amount)),
                "success",
            )
        else:
            flash(
                _("Règlement enregistré : %(amount)s reçus de la boutique.", amount=money(-amount)),
                "success",
            )
    return redirect(url_for("payments.operator_payments", mois=month.first.strftime("%Y-%m")))


@bp.route("/admin/paiements/evenements/<int:event_id>/rejouer", methods=["POST"])
@operator_required
def replay_event(event_id: int) -> Response:
    try:
        result = replay(
            uow=db.uow(), gateway=_gateway(), event_id=event_id, territory_id=db.territory().id
        )
    except NotFound:
        raise  # another territory's event looks like one that does not exist
    except DomainError as error:
        db.uow().rollback()
        flash(str(error), "error")
    else:
        if result.outcome == "failed":
            flash(_("L'événement a encore échoué : %(detail)s", detail=result.detail), "error")
        else:
            flash(_("Événement rejoué."), "success")
    return redirect(url_for("payments.operator_payments"))


@bp.route("/admin/paiements/commandes/<int:order_id>/regler", methods=["POST"])
@operator_required
def settle(order_id: int) -> Response:
    """Retry what an order still owes: refunds, reversals, transfers."""
    uow = db.uow()
    order = uow.session.get(Order, order_id)
    if order is None or order.territory_id != db.territory().id:
        abort(404)
    settle_order(uow=uow, gateway=_gateway(), order_id=order_id)
    flash(_("Règlement relancé pour la commande %(ref)s.", ref=order.reference), "success")
    return redirect(url_for("payments.operator_payments") + f"#order-{order_id}")
