"""Parcels waiting at the pickup points, and handing them to the shopper who comes for them
(with the code of the order confirmation, and the payment of an order paid on pickup);
deliveries that failed; sending either back to their shops when nobody comes, and the
parcels on their way back; and the money the points' staff took, collected by the
operator."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from delivery.queries import return_rounds
from delivery.returns import (
    OnBoard,
    back_at_shop,
    on_board,
    return_to_merchant,
    ways_back_without_round,
)
from reference_app import db, payments
from reference_app.domain_messages import shown
from reference_app.formatting import money
from reference_app.operator.blueprint import bp, operator_required
from reference_app.pickup_handover import form_state, hand_over
from reference_app.rounds import settings
from shop_core.audit.services import Actor
from shop_core.errors import DomainError, NotFound, ValidationError
from shop_core.orders.model import MerchantOrder, Order
from shop_core.orders.pickup_points import waiting_at_points
from shop_core.orders.returns import failed_deliveries, on_the_way_back, returnable
from shop_core.payments.offline import hand_in_point, held_at_points


def _page(
    status: int = 200,
    *,
    return_errors: dict[int, str] | None = None,
    reasons: dict[int, str] | None = None,
    **refused: dict[int, str],
) -> tuple[str, int]:
    territory = db.territory()
    session = db.uow().session
    way_back = on_the_way_back(session, territory_id=territory.id)
    going_back = [r.merchant_order_id for r in way_back]
    today = settings.today(territory)
    failed = failed_deliveries(session, territory_id=territory.id)
    return render_template(
        "operator/pickups.html",
        waiting=waiting_at_points(session, territory_id=territory.id),
        failed=failed,
        # Where each failed part is: in a courier's vehicle, not to be sent back from here.
        vans=on_board(
            session,
            territory_id=territory.id,
            merchant_order_ids=[part.merchant_order_id for f in failed for part in f.parts],
            today=today,
        ),
        held=held_at_points(session, territory_id=territory.id),
        way_back=way_back,
        return_rounds=return_rounds(
            session, territory=territory, merchant_order_ids=going_back, today=today
        ),
        without_round=ways_back_without_round(
            session, territory_id=territory.id, merchant_order_ids=going_back, today=today
        ),
        return_errors=return_errors or {},
        reasons=reasons or {},
        **form_state(**refused),
    ), status


@bp.get("/admin/retraits")
@operator_required
def pickups() -> tuple[str, int]:
    return _page()


@bp.post("/admin/retraits/<int:order_id>")
@operator_required
def picked_up(order_id: int) -> Response | tuple[str, int]:
    return hand_over(order_id, page=_page, back="operator.pickups")


@bp.post("/admin/retraits/<int:order_id>/retour")
@operator_required
def send_back(order_id: int) -> Response | tuple[str, int]:
    """Parcels nobody came for, or that could not be delivered, go back to their shops: the
    sale is undone (credit note, refund of an online payment) and their rounds skip them.
    Those in a courier's vehicle stay on their round, and the page says so."""
    reason = request.form.get("reason", "").strip()[:300]
    try:
        returned = return_to_merchant(
            uow=db.uow(), territory_id=db.territory().id, order_id=order_id, reason=reason,
            actor=Actor(user_id=current_user.id), now=settings.now(),
        )  # fmt: skip
    except NotFound:
        raise
    except DomainError as error:
        db.uow().rollback()
        if isinstance(error, ValidationError) and error.field == "reason":
            return _page(422, return_errors={order_id: shown(error)}, reasons={order_id: reason})
        flash(shown(error), "error")  # returned meanwhile (a second click): not on the page
        return redirect(url_for("operator.pickups"))
    payments.settle_order(order_id)  # refund what was paid online for them
    flash(
        ngettext(
            "%(num)s commande de boutique retournée : la boutique et le client sont prévenus.",
            "%(num)s commandes de boutique retournées : les boutiques et le client sont prévenus.",
            len(returned),
        ),
        "success",
    )
    for mo, van in _in_vans(order_id):
        flash(
            _(
                "La commande %(reference)s de %(merchant)s est dans la camionnette de la tournée "
                "« %(round)s », en cours : elle n'est pas retournée. Si le livreur ne peut pas "
                "la remettre, elle revient au dépôt et vous pourrez alors la retourner.",
                reference=mo.reference,
                merchant=mo.merchant.trade_name,
                round=van.round_name,
            ),
            "warning",
        )
    return redirect(url_for("operator.pickups"))


def _in_vans(order_id: int) -> list[tuple[MerchantOrder, OnBoard]]:
    """The parts of the order still to return that a courier has on board."""
    territory = db.territory()
    session = db.uow().session
    order = session.get_one(Order, order_id)
    vans = on_board(
        session,
        territory_id=territory.id,
        merchant_order_ids=[mo.id for mo in returnable(order)],
        today=settings.today(territory),
    )
    return [(mo, vans[mo.id]) for mo in order.merchant_orders if mo.id in vans]


def _one_click(record: Callable[[], str]) -> Response:
    """Record what the operator confirms with one button and say it; a refusal (confirmed
    meanwhile: a second click, the merchant first) is said instead."""
    try:
        done = record()
    except NotFound:
        raise
    except DomainError as error:
        db.uow().rollback()
        flash(shown(error), "error")
    else:
        flash(done, "success")
    return redirect(url_for("operator.pickups"))


@bp.post("/admin/retraits/points/<int:point_id>/argent-remis")
@operator_required
def point_cash_handed_in(point_id: int) -> Response:
    """The operator collected the cash and cheques the point's staff took."""

    def record() -> str:
        amount = hand_in_point(
            uow=db.uow(), territory_id=db.territory().id, point_id=point_id,
            actor=Actor(user_id=current_user.id), now=settings.now(),
        )  # fmt: skip
        return _("%(amount)s reçus du point de retrait.", amount=money(amount))

    return _one_click(record)


@bp.post("/admin/retraits/retours/<int:mo_id>/rapportes")
@operator_required
def brought_back(mo_id: int) -> Response:
    """The operator (or a courier) brought a returned order's parcels back to the shop."""

    def record() -> str:
        back_at_shop(
            uow=db.uow(), territory_id=db.territory().id, merchant_order_id=mo_id,
            actor=Actor(user_id=current_user.id), now=settings.now(),
        )  # fmt: skip
        return _("Colis rapportés à la boutique.")

    return _one_click(record)
