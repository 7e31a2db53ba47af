"""Orders to prepare: the dashboard grouped by when they leave the shop (the courier's
expected collection once the day is planned), the detail, the buttons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from delivery.collection_times import expected_collections
from delivery.queries import return_rounds
from delivery.replanning import follow_parcels
from delivery.returns import back_at_shop, put_back_on_sale, ways_back_without_round
from reference_app import db, payments
from reference_app.auth.users import actor, merchant_required
from reference_app.domain_messages import shown, shown_weights
from reference_app.merchant.blueprint import bp, shop
from reference_app.merchant.forms import REFUSAL_REASONS, RefuseForm
from reference_app.merchant.statuses import order_state
from reference_app.rounds import settings as rounds_settings
from reference_app.shopfront.display import slot_text
from shop_core.errors import DomainError, InvalidTransition, ValidationError
from shop_core.orders.model import DeliveryMethod, MerchantOrder, MerchantOrderStatus
from shop_core.orders.preparation import (
    WeightsRefused,
    merchant_order,
    orders_to_prepare,
    recent_orders,
    record_weights,
    status_counts,
    weight_bounds,
)
from shop_core.orders.returns import parcel_return, put_back_already, units_to_put_back
from shop_core.orders.services import transition
from shop_core.payments.offline import (
    CodeAndMeansRefused,
    hand_over_at_shop,
    means_from,
    payments_for,
)

S = MerchantOrderStatus


def _slot_labels() -> dict[str, str]:
    return {slot.code: slot_text(slot) for slot in db.territory().delivery_slots}


def _page(back: str, mo_id: int | None, status: int = 200, **extra: Any) -> tuple[str, int]:
    """Render the page a form was sent from again, with its errors and typed values."""
    merchant = shop()
    session = db.uow().session
    today = rounds_settings.today(db.territory())
    # When the courier should come for each order, once its day is planned.
    collections = expected_collections(
        session, territory=db.territory(), merchant_id=merchant.id, today=today
    )
    context: dict[str, Any] = {
        "merchant": merchant,
        "collections": collections,
        "slot_labels": _slot_labels(),
        "weight_bounds": weight_bounds,
        "refuse_form": extra.pop("refuse_form", None) or RefuseForm(formdata=None),
        # The order whose form was refused: its fields show what was typed. The order page
        # shown as it is fills them from the order (the weighed weights were left empty).
        "failed_mo": mo_id if status != 200 else None,
        "weight_errors": {},
        "weight_values": {},
        "handover": {},
        "parcels": {},
        **extra,
    }
    if back == "detail" and mo_id is not None:
        mo = merchant_order(session, merchant_id=merchant.id, merchant_order_id=mo_id)
        paid = payments_for(session, [mo.id]).get(mo.id)
        context["to_put_back"] = units_to_put_back(db.uow(), mo.id)
        context["put_back"] = put_back_already(db.uow(), mo.id)
        context["way_back"] = parcel_return(session, mo.id)
        context["return_round"] = return_rounds(
            session, territory=db.territory(), merchant_order_ids=[mo.id], today=today
        ).get(mo.id)
        context["no_return_round"] = ways_back_without_round(
            session, territory_id=merchant.territory_id, merchant_order_ids=[mo.id], today=today
        ).get(mo.id)
        return render_template("merchant/order.html", mo=mo, paid=paid, **context), status
    windows = {key: (w.earliest, w.latest) for key, w in collections.items()}
    groups = orders_to_prepare(session, merchant_id=merchant.id, collections=windows)
    counts = status_counts(session, merchant_id=merchant.id)
    return render_template(
        "merchant/dashboard.html", groups=groups, counts=counts, **context
    ), status


def _back(mo_id: int) -> Response:
    if request.form.get("back") == "detail":
        return redirect(url_for("merchant.order", mo_id=mo_id))
    return redirect(url_for("merchant.dashboard") + f"#commande-{mo_id}")


def _mine(mo_id: int) -> MerchantOrder:
    return merchant_order(db.uow().session, merchant_id=shop().id, merchant_order_id=mo_id)


def _move(mo_id: int, target: MerchantOrderStatus, done: str, reason: str = "") -> Response:
    def move(mo: MerchantOrder) -> None:
        transition(
            uow=db.uow(), merchant_order_id=mo.id, target=target, actor=actor(), reason=reason
        )

    return _act(mo_id, move, done)


def _moved_on(mo: MerchantOrder) -> str:
    """Said when a button no longer applies: the order moved on meanwhile (a second tap,
    another person of the shop)."""
    return _(
        "La commande %(ref)s est « %(status)s » : cette action n'est plus possible.",
        ref=mo.reference,
        status=order_state(mo),
    )


def _act(mo_id: int, act: Callable[[MerchantOrder], None], done: str) -> Response:
    """Do ``act`` on the shop's merchant order and say how it went."""
    mo = _mine(mo_id)
    try:
        act(mo)
    except InvalidTransition:
        db.uow().rollback()
        flash(_moved_on(mo), "error")
    except DomainError as error:
        db.uow().rollback()
        flash(shown(error), "error")
    else:
        flash(done, "success")
        payments.settle_order(mo.order_id)  # e.g. refund a refused order paid online
    return _back(mo_id)


@bp.route("/boutique")
@merchant_required
def dashboard() -> str | tuple[str, int]:
    return _page("dashboard", None)


@bp.route("/boutique/commandes")
@merchant_required
def orders() -> str:
    merchant = shop()
    return render_template(
        "merchant/orders.html",
        merchant=merchant,
        orders=recent_orders(db.uow().session, merchant_id=merchant.id),
    )


@bp.route("/boutique/commandes/<int:mo_id>")
@merchant_required
def order(mo_id: int) -> str | tuple[str, int]:
    return _page("detail", mo_id)


@bp.route("/boutique/commandes/<int:mo_id>/remise-en-vente", methods=["POST"])
@merchant_required
def put_back(mo_id: int) -> Response:
    """The parcels of a returned order are back: their goods go on sale again."""

    mo = _mine(mo_id)
    try:
        units = put_back_on_sale(
            uow=db.uow(), merchant_id=shop().id, merchant_order_id=mo.id, actor=actor()
        )
    except DomainError as error:
        db.uow().rollback()
        flash(shown(error), "error")
    else:
        flash(
            ngettext("%(num)s article remis en vente.", "%(num)s articles remis en vente.", units),
            "success",
        )
    return redirect(url_for("merchant.order", mo_id=mo_id))


@bp.route("/boutique/commandes/<int:mo_id>/colis-recuperes", methods=["POST"])
@merchant_required
def parcels_back(mo_id: int) -> Response:
    """The merchant has the returned parcels back in the shop."""
    mo = _mine(mo_id)
    try:
        back_at_shop(
            uow=db.uow(), territory_id=db.territory().id, merchant_order_id=mo.id,
            actor=actor(), merchant_id=shop().id,
        )  # fmt: skip
    except DomainError as error:
        db.uow().rollback()
        flash(shown(error), "error")
    else:
        flash(_("Colis récupérés : décidez s'ils retournent en vente."), "success")
    return redirect(url_for("merchant.order", mo_id=mo_id))


@bp.route("/boutique/commandes/<int:mo_id>/accepter", methods=["POST"])
@merchant_required
def accept(mo_id: int) -> Response:
    return _move(mo_id, S.ACCEPTED, _("Commande acceptée."))


@bp.route("/boutique/commandes/<int:mo_id>/preparer", methods=["POST"])
@merchant_required
def start_preparing(mo_id: int) -> Response:
    return _move(mo_id, S.PREPARING, _("Préparation commencée."))


@bp.route("/boutique/commandes/<int:mo_id>/remise", methods=["POST"])
@merchant_required
def handed_over(mo_id: int) -> str | tuple[str, int] | Response:
    """The shopper collects a click-and-collect order, against their delivery code (and
    their payment when it is paid on pickup); a refusal shows the page again with the error
    by the field and what was typed and chosen."""
    mo = _mine(mo_id)
    if mo.order.delivery_method is not DeliveryMethod.CLICK_COLLECT:
        flash(_("Cette commande part avec le livreur : il la prendra à la boutique."), "error")
        return _back(mo_id)
    code = request.form.get("code", "").strip()[:12]
    means = means_from(request.form.get("means"))
    typed = {"code": code, "means": means.value if means else ""}
    back = request.form.get("back", "dashboard")
    try:
        hand_over_at_shop(
            uow=db.uow(), merchant_order_id=mo.id, merchant_id=mo.merchant_id, code=code,
            means=means, actor=actor(),
        )  # fmt: skip
    except InvalidTransition:
        db.uow().rollback()
        flash(_moved_on(mo), "error")
        return _back(mo_id)
    except CodeAndMeansRefused as error:  # both said at once, each by its field
        db.uow().rollback()
        refused = {"code_error": shown(error.code_error), "means_error": shown(error.means_error)}
        return _page(back, mo_id, 422, handover={**typed, **refused})
    except ValidationError as error:
        db.uow().rollback()
        if error.field != "means":
            flash(shown(error), "error")
            return _back(mo_id)
        return _page(back, mo_id, 422, handover={**typed, "means_error": shown(error)})
    except DomainError as error:  # the code is not the order's
        db.uow().rollback()
        return _page(back, mo_id, 422, handover={**typed, "code_error": shown(error)})
    flash(_("Commande remise au client."), "success")
    payments.settle_order(mo.order_id)
    return _back(mo_id)


@bp.route("/boutique/commandes/<int:mo_id>/refuser", methods=["POST"])
@merchant_required
def refuse(mo_id: int) -> str | tuple[str, int] | Response:
    _mine(mo_id)
    form = RefuseForm()
    back = request.form.get("back", "dashboard")
    if form.validate_on_submit():
        details = (form.details.data or "").strip()
        if form.reason.data == "autre" and not details:
            form.details.errors = [_("Précisez le motif pour le client.")]
        else:
            # Stored in French whatever the merchant's page language: the shopper's French
            # e-mail prints it as is, pages word it for their reader (``history_reason``).
            with force_locale("fr"):
                label = str(dict(REFUSAL_REASONS)[form.reason.data])
            reason = f"{label} : {details}" if details else label
            return _move(mo_id, S.REFUSED, _("Commande refusée, le client est prévenu."), reason)
    return _page(back, mo_id, 422, refuse_form=form)


def _weights(mo: MerchantOrder) -> tuple[dict[int, int | None], dict[int, str], dict[int, str]]:
    """Weights typed in the form (grams), the raw values, and unreadable ones."""
    weights: dict[int, int | None] = {}
    raw: dict[int, str] = {}
    errors: dict[int, str] = {}
    for line in mo.lines:
        if not line.sold_by_weight:
            continue
        text = request.form.get(f"poids-{line.id}", "").strip()
        raw[line.id] = text
        cleaned = text.replace(" ", "").replace("\u202f", "").lower().removesuffix("g")
        if not cleaned:
            weights[line.id] = None
        elif cleaned.isdigit() and len(cleaned) <= 7:
            weights[line.id] = int(cleaned)
        else:
            errors[line.id] = _("Indiquez le poids en grammes, par exemple 1050.")
    return weights, raw, errors


def _parcels() -> tuple[int | None, dict[str, str]]:
    """The number of parcels typed (None: no field, the order keeps its number), and the
    field as the page shows it again: the value typed, the error if it is no number."""
    if "colis" not in request.form:
        return None, {}
    text = request.form.get("colis", "").strip()[:8]
    if text.isascii() and text.isdigit():  # not « ² », which int() refuses
        return int(text), {"value": text}
    return None, {"value": text, "error": _("Indiquez un nombre de colis entre 1 et 20.")}


@bp.route("/boutique/commandes/<int:mo_id>/pesee", methods=["POST"])
@merchant_required
def weigh(mo_id: int) -> str | tuple[str, int] | Response:
    """Save the weighed weights and the number of parcels; with the "ready" button, mark
    the order ready too."""
    mo = _mine(mo_id)
    back = request.form.get("back", "dashboard")
    ready = request.form.get("action") == "ready"
    weights, raw, errors = _weights(mo)
    parcels, typed = _parcels()
    if not errors and "error" not in typed:
        try:
            record_weights(
                uow=db.uow(),
                merchant_id=shop().id,
                merchant_order_id=mo.id,
                weights=weights,
                actor=actor(),
                then_ready=ready,
                parcels=parcels,
            )
        except WeightsRefused as refused:
            db.uow().rollback()
            errors, said = shown_weights(refused)  # in the page's language
            if said:
                typed["error"] = said
        except ValidationError as error:
            db.uow().rollback()
            if error.field == "parcels":
                typed["error"] = shown(error)
            else:
                flash(shown(error), "error")
                return _back(mo_id)
        except InvalidTransition:
            db.uow().rollback()
            flash(_moved_on(mo), "error")
            return _back(mo_id)
        else:
            if parcels is not None:  # a planned day: the courier's stops count them too
                follow_parcels(db.uow().session, merchant_order_id=mo.id)
                db.uow().commit()
            flash(
                _("Commande prête.") if ready else _("Poids enregistrés."),
                "success",
            )
            payments.settle_order(mo.order_id)  # capture the weighed amount once known
            return _back(mo_id)
    return _page(back, mo_id, 422, weight_errors=errors, weight_values=raw, parcels=typed)
