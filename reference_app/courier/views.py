"""The courier's round on a phone: stops in order, big buttons, one hand.

A courier sees and acts on the stops of their own runs only; any other stop id is a 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer

from delivery.geocoding import correct_merchant_position, correct_order_position
from delivery.model import RoundRun, Stop, StopKind
from delivery.queries import (
    PlaceVisit,
    RunView,
    courier_next_day,
    courier_previous_day,
    courier_runs,
    day_runs,
)
from delivery.route_sheets import round_sheet_pdf
from delivery.stops import (
    VISIT_CHANGED,
    AfterFailure,
    AlreadyRecorded,
    NothingTakenAndCodeRefused,
    NotReady,
    NotYetItsDay,
    bring_back,
    check_its_day,
    claim_collections,
    collect,
    courier_stop,
    deliver,
    deliver_part,
    fail,
    has_delivery_to_do,
    open_on,
    return_failed,
    take_back,
)
from reference_app import db, notifications, payments
from reference_app.auth.users import role_required
from reference_app.choices import options
from reference_app.courier.forms import (
    FAILURE_REASONS,
    REFUSED,
    DeliverForm,
    FailForm,
    offered_after,
    reason_stored,
)
from reference_app.domain_messages import shown
from reference_app.errors import render_error
from reference_app.formatting import date_fr, sheet_language
from reference_app.input_guard import page_date
from reference_app.notifications import LeftAtShop
from reference_app.rounds import settings
from reference_app.rounds.fields import PositionForm
from reference_app.rounds.maps import map_data
from shop_core.accounts.model import Role
from shop_core.audit.services import Actor
from shop_core.errors import DomainError, NotFound, ValidationError
from shop_core.orders.delivery_codes import MissingDeliveryCode
from shop_core.orders.model import DeliveryMethod
from shop_core.payments.offline import CodeAndMeansRefused, means_from
from shop_core.territories.model import PickupPoint

bp = Blueprint("courier", __name__, url_prefix="/livreur")

courier_required = role_required(Role.COURIER)


# What a courier does at a stop: if the stop has left their rounds meanwhile (the operator
# moved the order or gave the round to someone else), their page is out of date, and a
# tap, perhaps kept offline, deserves an explanation rather than a page not found.
_STOP_ACTIONS = {
    "courier.collected",
    "courier.delivered",
    "courier.failed",
    "courier.returned",
    "courier.return_not_possible",
}


#: Devices that do not open ``geo:`` links (Safari on an iPhone or iPad says it cannot
#: open the page): they get Apple's map link instead. An iPad's Safari says "Macintosh",
#: as a Mac's does, and a Mac has no ``geo:`` application either.
_APPLE_PHONES = ("iPhone", "iPad", "iPod", "Macintosh")


@bp.app_template_filter("directions")
def directions(visit: PlaceVisit) -> str:
    """The « Itinéraire » link of a stop for the phone reading the page: ``geo:`` (Android
    and most others open the navigation app the courier chose), Apple's map link on an
    iPhone or iPad."""
    agent = request.headers.get("User-Agent", "")
    if any(name in agent for name in _APPLE_PHONES):
        return visit.apple_maps_url
    return visit.geo_uri


@bp.errorhandler(NotFound)
def _not_found(error: NotFound) -> Any:
    if request.endpoint in _STOP_ACTIONS:
        db.uow().rollback()
        if request.endpoint == "courier.collected" and _claim_moved_orders():
            return redirect(url_for("courier.today"))  # the tap did its part: not refused
        flash(
            _(
                "Cet arrêt ne fait plus partie de vos tournées : l'animation a modifié la "
                "tournée. Voici votre tournée à jour ; si le colis est déjà avec vous, "
                "prévenez l'animation."
            ),
            "info",
        )
        if request.headers.get("X-Cabas-Sent-Later"):
            # A tap kept offline: the phone lists it among the taps not recorded.
            return "", 409
        return redirect(url_for("courier.today"))
    return render_error(404)


def _date() -> dt.date:
    return page_date(request.args.get("date", ""), today=settings.today(db.territory()))


def _page(
    date: dt.date,
    *,
    status: int = 200,
    at_stop: int | None = None,
    errors: dict[int, str] | None = None,
    typed: dict[int, str] | None = None,
    unready: set[int] | None = None,
    means_errors: dict[int, str] | None = None,
    chosen: dict[int, str] | None = None,
    problems: dict[int, str] | None = None,
    parts_errors: dict[int, str] | None = None,
    ticked: dict[int, set[int]] | None = None,
) -> tuple[str, int]:
    territory = db.territory()
    runs = courier_runs(
        db.uow().session, territory=territory, courier_id=current_user.id, date=date
    )
    today = settings.today(territory)
    # The days either side on which the courier has a round to drive: « Demain » would be
    # a Sunday, or a day off, as often as not.
    mine = {"territory_id": territory.id, "courier_id": current_user.id}
    earlier = courier_previous_day(db.uow().session, **mine, before=date)
    later = courier_next_day(db.uow().session, **mine, after=date)
    next_day = None
    # A day off, a Sunday, a past day, a run without a stop: the next round from today on.
    if not any(run.visits for run in runs):
        after = max(date, today - dt.timedelta(days=1))
        next_day = (
            later if after == date else courier_next_day(db.uow().session, **mine, after=after)
        )
    return render_template(
        "courier/today.html",
        runs=runs,
        next_day=next_day,
        earlier=earlier,
        later=later,
        told_at=_visit_id(runs, at_stop),
        date=date,
        today=today,
        deliver_form=DeliverForm(formdata=None),
        errors=errors or {},
        typed=typed or {},
        unready=unready or set(),
        means_errors=means_errors or {},
        chosen=chosen or {},
        problems=problems or {},
        parts_errors=parts_errors or {},
        ticked=ticked or {},
        tiles=settings.map_tiles(),
        maps={run.run_id: map_data(run) for run in runs},
        return_reasons={kind: return_reasons(kind) for kind in StopKind if kind.returning},
    ), status


def _visit_id(runs: list[RunView], stop_id: int | None) -> int | None:
    """The visit (its first stop's id) that holds ``stop_id``, if it is on the page."""
    for run in runs:
        for visit in run.visits:
            if any(item.stop_id == stop_id for item in visit.items):
                return visit.stop_id
    return None


@bp.get("/sw.js")
def service_worker() -> Response:
    """The service worker of the courier's pages (scope /livreur/): pages kept for when the
    network drops, taps kept until it comes back. Public: it holds no data."""
    static = Path(current_app.static_folder or "static") / "js"
    response = send_from_directory(static, "courier-sw.js", mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/")
@courier_required
def today() -> tuple[str, int]:
    return _page(_date(), at_stop=session.pop(_AT_STOP, None))


#: How far back a tap made without network may be dated when it reaches the server.
OFFLINE_AT_MOST = dt.timedelta(hours=48)


def acted_at() -> dt.datetime:
    """When the courier acted: now, or for a tap made without network and sent later by the
    page (``recorded_at``, ISO 8601), that time, within the last 48 hours."""
    now = settings.now()
    raw = request.form.get("recorded_at", "")
    try:
        at = dt.datetime.fromisoformat(raw) if raw else None
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        return now
    return min(max(at, now - OFFLINE_AT_MOST), now)


def _stop(stop_id: int) -> Stop:
    return courier_stop(
        db.uow().session,
        territory_id=db.territory().id,
        courier_id=current_user.id,
        stop_id=stop_id,
    )


def _not_yet(stop: Stop) -> Response | tuple[str, int] | None:
    """A stop of a day still to come is only to look at: its parcels are not on board yet.
    The courier is told so on that day's page (None: the stop's day has come)."""
    try:
        check_its_day(stop, today=_today())
    except NotYetItsDay as error:
        db.uow().rollback()
        flash(shown(error), "info")
        if request.headers.get("X-Cabas-Sent-Later"):
            return "", 409  # a tap kept offline: listed among those not recorded
        return _back(stop.id, stop.run.plan.date)
    return None


def _today() -> dt.date:
    return settings.today(db.territory())


def _recorded_meanwhile(error: AlreadyRecorded, stop_id: int, date: dt.date) -> Response:
    # A double tap, or a tap kept offline and sent after the stop was recorded: the
    # courier sees the stop as it is, not an error.
    db.uow().rollback()
    flash(shown(error), "info")
    return _back(stop_id, date)


#: The stop the courier just acted on: the day's page shows what came of it in that stop's
#: card, where the page opens, rather than at the top, a phone's length away.
_AT_STOP = "courier_at_stop"


def _back(stop_id: int, date: dt.date) -> Response:
    session[_AT_STOP] = stop_id
    return redirect(url_for("courier.today", date=date.isoformat(), _anchor=f"arret-{stop_id}"))


# A collection tapped without network may reach the server after the operator gave some
# of its orders to another courier. The form names the visit's orders (signed, so that a
# courier can only name orders their own page showed them): those no longer on the
# courier's rounds are marked as claimed by them, for the operator to settle.
_VISIT_SALT = "cabas-courier-visit"


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key or "", salt=_VISIT_SALT)


@bp.app_template_global()
def visit_orders(visit: PlaceVisit, date: dt.date) -> str:
    """The signed courier, day and merchant orders of a collection, for its form."""
    orders = [item.merchant_order_id for item in visit.items]
    return _signer().dumps([current_user.id, date.isoformat(), orders])


def _claim_moved_orders() -> list[str]:
    """Claim the orders of the tapped visit that left the courier's rounds; flash it."""
    try:
        courier_id, day, order_ids = _signer().loads(request.form.get("commandes", ""))
        date = dt.date.fromisoformat(day)
    except (BadSignature, ValueError, TypeError):
        return []
    if courier_id != current_user.id or not isinstance(order_ids, list):
        return []
    claimed = claim_collections(
        uow=db.uow(),
        territory_id=db.territory().id,
        courier_id=current_user.id,
        date=date,
        merchant_order_ids=[i for i in order_ids if isinstance(i, int)],
        now=acted_at(),
    )
    if claimed:
        flash(
            ngettext(
                "La commande %(refs)s avait été confiée à un autre livreur pendant que vous "
                "étiez sans réseau. L'animation voit sur son tableau que vous avez le colis : "
                "gardez-le, elle vous dira quoi en faire.",
                "Les commandes %(refs)s avaient été confiées à un autre livreur pendant que "
                "vous étiez sans réseau. L'animation voit sur son tableau que vous avez les "
                "colis : gardez-les, elle vous dira quoi en faire.",
                len(claimed),
                refs=", ".join(claimed),
            ),
            "info",
        )
    return claimed


@bp.post("/arrets/<int:stop_id>/collecte")
@courier_required
def collected(stop_id: int) -> Response | tuple[str, int]:
    stop = _stop(stop_id)
    date = stop.run.plan.date
    if (early := _not_yet(stop)) is not None:
        return early
    try:
        done = collect(
            uow=db.uow(),
            territory_id=db.territory().id,
            courier_id=current_user.id,
            stop_id=stop_id,
            leave_unready=request.form.get("sans_les_commandes_pas_pretes") == "1",
            now=acted_at(),
            today=_today(),
        )
    except AlreadyRecorded as error:
        back = _recorded_meanwhile(error, stop_id, date)
        _claim_moved_orders()
        return back
    except NotReady as error:
        db.uow().rollback()
        return _page(date, status=422, errors={stop_id: shown(error)}, unready={stop_id})
    except DomainError as error:
        db.uow().rollback()
        flash(shown(error), "error")
        return _back(stop_id, date)
    message = (
        ngettext(
            "Collecte enregistrée : %(num)s commande à bord.",
            "Collecte enregistrée : %(num)s commandes à bord.",
            done.collected,
        )
        if done.collected
        else _("Aucun colis pris.")
    )
    if done.left:
        message += " " + ngettext(
            "%(num)s commande laissée à la boutique : elle sera proposée à la prochaine "
            "planification.",
            "%(num)s commandes laissées à la boutique : elles seront proposées à la prochaine "
            "planification.",
            len(done.left),
        )
        notifications.announce(*(LeftAtShop(mo_id) for mo_id in done.left))  # the shop hears
    flash(message, "success")
    _claim_moved_orders()
    return _back(stop_id, date)


def _ids(values: list[str]) -> set[int] | None:
    """Merchant order ids sent by a form (None: one is not a number, a form made up)."""
    if not all(value.isdigit() and len(value) < 10 for value in values):
        return None
    return {int(value) for value in values}


def _parts() -> tuple[set[int], set[int]] | None:
    """What the shopper took and refused, from the « Remis au client » ticks of a door with
    several orders: each offered order (``proposee``) is taken when ticked (``remise``),
    refused otherwise. None when the form offered none (a door with one order, a pickup
    point, a page sent before the ticks existed): the whole visit is handed over."""
    offered, ticked = _ids(request.form.getlist("proposee")), _ids(request.form.getlist("remise"))
    if offered == set() and not ticked:
        return None
    if offered is None or ticked is None:
        raise ValidationError(VISIT_CHANGED, field="handed_over", code="visit_changed")
    return ticked, offered - ticked


@bp.post("/arrets/<int:stop_id>/livraison")
@courier_required
def delivered(stop_id: int) -> Response | tuple[str, int]:
    stop = _stop(stop_id)
    date = stop.run.plan.date
    if (early := _not_yet(stop)) is not None:
        return early
    form = DeliverForm()
    at_point = stop.merchant_order.order.delivery_method is DeliveryMethod.PICKUP_POINT
    code = (form.code.data or "").strip()
    means = means_from(request.form.get("means"))
    again: dict[str, Any] = {
        "typed": {stop_id: code},
        "chosen": {stop_id: means.value if means else ""},
    }
    try:
        parts = _parts()
    except ValidationError as error:
        return _page(date, status=422, parts_errors={stop_id: shown(error)}, **again)
    if parts is not None:
        again["ticked"] = {stop_id: parts[0]}  # the page comes back ticked as it was sent
    asked = ""  # the form's own word for the code it did not get
    if not at_point and not form.validate():
        asked = " ".join(str(e) for e in form.code.errors) or _("Demandez son code au client.")
        if code or set(form.errors) - {"code"}:
            return _page(date, status=422, errors={stop_id: asked}, **again)
        # No code at all: the core says too whether the payment is missing, both at once.
    where = {"uow": db.uow(), "territory_id": db.territory().id, "courier_id": current_user.id}
    try:
        if parts is None:
            deliver(
                **where, stop_id=stop_id, code=code, means=means, now=acted_at(),
                today=_today(),
            )  # fmt: skip
            done = None
        else:
            done = deliver_part(
                **where, stop_id=stop_id, handed_over=parts[0], refused=parts[1],
                reason=reason_stored(REFUSED), code=code, means=means, now=acted_at(),
                today=_today(),
            )  # fmt: skip
    except AlreadyRecorded as error:
        return _recorded_meanwhile(error, stop_id, date)
    except CodeAndMeansRefused as error:  # each said by its field
        db.uow().rollback()
        return _page(
            date, status=422, errors={stop_id: asked or shown(error.code_error)},
            means_errors={stop_id: shown(error.means_error)}, **again,
        )  # fmt: skip
    except NothingTakenAndCodeRefused as error:  # each said by its field
        db.uow().rollback()
        return _page(
            date, status=422, errors={stop_id: asked or shown(error.code_error)},
            parts_errors={stop_id: shown(error.parts_error)}, **again,
        )  # fmt: skip
    except MissingDeliveryCode as error:
        db.uow().rollback()
        return _page(date, status=422, errors={stop_id: asked or shown(error)}, **again)
    except ValidationError as error:
        db.uow().rollback()
        if error.field == "means":
            return _page(date, status=422, means_errors={stop_id: shown(error)}, **again)
        if error.field == "handed_over":
            return _page(date, status=422, parts_errors={stop_id: shown(error)}, **again)
        return _page(date, status=422, errors={stop_id: shown(error)}, **again)
    except DomainError as error:
        db.uow().rollback()
        return _page(date, status=422, errors={stop_id: shown(error)}, **again)
    if done is None or not done.returned:
        if at_point:  # the parcels are left with the point's staff, not handed to the shopper
            flash(_("Dépôt au point de retrait enregistré."), "success")
        else:
            flash(_("Livraison enregistrée."), "success")
        return _back(stop_id, date)
    for order_id in done.orders:
        payments.settle_order(order_id)  # refund what was paid online for the refused ones
    flash(
        ngettext(
            "Livraison enregistrée, sauf %(num)s commande refusée par le client : son colis "
            "retourne à sa boutique. Rapportez-le au dépôt : une prochaine tournée le rendra. "
            "La boutique et le client sont prévenus.",
            "Livraison enregistrée, sauf %(num)s commandes refusées par le client : leurs "
            "colis retournent à leurs boutiques. Rapportez-les au dépôt : une prochaine "
            "tournée les rendra. Les commerçants et le client sont prévenus.",
            done.returned,
        ),
        "success",
    )
    return _back(stop_id, date)


def _on_return_stop(
    stop: Stop, action: Callable[..., int], *, problem: bool = False, **kwargs: Any
) -> int | Response | tuple[str, int]:
    """Run a courier's action on a return stop: how many merchant orders it recorded, or
    the page to answer with (recorded meanwhile, or refused with the reason, shown in the
    « not possible today » form when ``problem``)."""
    date = stop.run.plan.date
    if (early := _not_yet(stop)) is not None:
        return early
    try:
        return action(
            uow=db.uow(),
            territory_id=db.territory().id,
            courier_id=current_user.id,
            stop_id=stop.id,
            now=acted_at(),
            today=_today(),
            **kwargs,
        )
    except AlreadyRecorded as error:
        return _recorded_meanwhile(error, stop.id, date)
    except DomainError as error:
        db.uow().rollback()
        refused = {stop.id: shown(error)}
        if problem:
            return _page(date, status=422, problems=refused)
        return _page(date, status=422, errors=refused)


@bp.post("/arrets/<int:stop_id>/retour")
@courier_required
def returned(stop_id: int) -> Response | tuple[str, int]:
    """Returned parcels taken back at a pickup point, or given back at their shop."""
    stop = _stop(stop_id)
    taking = stop.kind is StopKind.TAKE_BACK
    done = _on_return_stop(stop, take_back if taking else bring_back)
    if not isinstance(done, int):
        return done
    if taking:
        message = ngettext(
            "Colis repris : %(num)s commande à rendre à sa boutique.",
            "Colis repris : %(num)s commandes à rendre à leurs boutiques.",
            done,
        )
    else:
        message = _("Colis rendus à la boutique : le commerçant décide s'ils retournent en vente.")
    flash(message, "success")
    return _back(stop_id, stop.run.plan.date)


def return_reasons(kind: StopKind) -> list[str]:
    """Why returned parcels could not travel today, as the courier's page offers it."""
    if kind is StopKind.TAKE_BACK:
        return [
            _("Point de retrait fermé"),
            _("Colis introuvables au point de retrait"),
            _("Plus de place dans le véhicule"),
        ]
    return [_("Boutique fermée"), _("Personne pour reprendre les colis")]


@bp.post("/arrets/<int:stop_id>/retour-impossible")
@courier_required
def return_not_possible(stop_id: int) -> Response | tuple[str, int]:
    """The returned parcels could not be taken back, or given back: another day."""
    stop = _stop(stop_id)
    reason = (request.form.get("reason") or "").strip()
    details = (request.form.get("other") or "").strip()
    if reason not in return_reasons(stop.kind):
        reason = details or reason
    elif details:
        reason = f"{reason} : {details}"
    done = _on_return_stop(stop, return_failed, problem=True, reason=reason)
    if not isinstance(done, int):
        return done
    flash(_("Retour reporté : une prochaine tournée s'en chargera."), "info")
    return _back(stop_id, stop.run.plan.date)


def _points(date: dt.date) -> list[PickupPoint]:
    """The pickup points a failed delivery may be left at on ``date``: active, and open
    that day (a point closed then is not offered; the core refuses it if sent anyway)."""
    territory = db.territory()
    return [p for p in territory.pickup_points if p.active and open_on(p, date)]


@bp.route("/arrets/<int:stop_id>/echec", methods=["GET", "POST"])
@courier_required
def failed(stop_id: int) -> Response | tuple[str, int]:
    stop = _stop(stop_id)
    if stop.kind is not StopKind.DELIVER:
        abort(404)
    date = stop.run.plan.date
    if (early := _not_yet(stop)) is not None:
        return early
    if not has_delivery_to_do(stop):
        return _recorded_meanwhile(
            AlreadyRecorded("Cette livraison est déjà enregistrée."), stop_id, date
        )
    form = FailForm()
    points = _points(date)
    form.pickup_point.choices = options(
        [(0, _("— Choisir un point —"))] + [(p.id, p.name) for p in points]
    )
    if form.validate_on_submit():
        then = AfterFailure(form.then.data)
        point_id = form.pickup_point.data or None
        try:
            outcome = fail(
                uow=db.uow(),
                territory_id=db.territory().id,
                courier_id=current_user.id,
                stop_id=stop_id,
                reason=form.reason_text(),
                then=then,
                pickup_point_id=point_id if then is AfterFailure.PICKUP_POINT else None,
                refused=form.refused,
                now=acted_at(),
                received=settings.now(),
                today=_today(),
            )
        except AlreadyRecorded as error:
            return _recorded_meanwhile(error, stop_id, date)
        except DomainError as error:
            db.uow().rollback()
            fields = {"pickup_point": form.pickup_point, "then": form.then, "reason": form.reason}
            target = fields.get(getattr(error, "field", None) or "")
            if target is not None:
                target.errors = [*target.errors, shown(error)]  # type: ignore[list-item]
            else:
                flash(shown(error), "error")
        else:
            if outcome.then is AfterFailure.RETURN_TO_SHOP:
                for order_id in outcome.orders:
                    payments.settle_order(order_id)  # refund what was paid online for them
                flash(
                    ngettext(
                        "Refus noté : le colis retourne à sa boutique. Rapportez-le au dépôt : "
                        "une prochaine tournée le rendra. La boutique et le client sont "
                        "prévenus.",
                        "Refus noté : les colis retournent à leurs boutiques. Rapportez-les "
                        "au dépôt : une prochaine tournée les rendra. Les commerçants et le "
                        "client sont prévenus.",
                        max(1, outcome.returned),
                    ),
                    "success",
                )
            elif outcome.then is AfterFailure.PICKUP_POINT:
                flash(
                    _("Échec noté. Déposez le colis à « %(point)s » : l'arrêt est ajouté à votre "
                      "tournée.", point=outcome.pickup_point),
                    "success",
                )  # fmt: skip
            elif outcome.date is not None:
                flash(
                    _("Échec noté. Le colis repart avec la tournée du %(date)s : rapportez-le "
                      "au dépôt.", date=date_fr(outcome.date, "EEEE d MMMM")),
                    "success",
                )  # fmt: skip
            else:
                flash(_("Échec noté. Aucune tournée n'est prévue : l'animation décidera."), "info")
            return _back(stop_id, date)
    visit = _visit_of(stop.run_id, stop_id, date)
    status = 422 if form.is_submitted() else 200
    offered_now = offered_after(form.reason.data)
    if len(offered_now) == 1 and form.then.data not in offered_now:
        # Sent without the page's script (a refusal with « Le représenter »): the page comes
        # back with the reason's only way ticked, so that one more tap records it.
        form.then.data = offered_now[0]
    return render_template(
        "courier/failed.html",
        form=form,
        visit=visit,
        date=date,
        # Where the parcel may go after each reason (the page offers only those).
        offered={code: offered_after(code) for code in ["", *dict(FAILURE_REASONS)]},
        offered_now=offered_now,
        refused=REFUSED,
    ), status


def _visit_of(run_id: int, stop_id: int, date: dt.date) -> PlaceVisit:
    runs: list[RunView] = day_runs(
        db.uow().session, territory=db.territory(), date=date, run_id=run_id
    )
    for run in runs:
        for visit in run.visits:
            if any(item.stop_id == stop_id for item in visit.items):
                return visit
    abort(404)


@bp.route("/arrets/<int:stop_id>/position", methods=["GET", "POST"])
@courier_required
def position(stop_id: int) -> Response | tuple[str, int]:
    stop = _stop(stop_id)
    order = stop.merchant_order.order
    at_door = stop.kind is StopKind.DELIVER and order.delivery_method is DeliveryMethod.HOME
    if not (stop.kind.at_shop or at_door):
        abort(404)  # a pickup point's position is the operator's
    date = stop.run.plan.date
    form = PositionForm()
    if request.method == "GET":
        form.lat.data, form.lon.data = stop.lat, stop.lon
    if form.validate_on_submit():
        lat, lon = float(form.lat.data or 0), float(form.lon.data or 0)
        actor = Actor(user_id=current_user.id)
        try:
            if stop.kind.at_shop:
                correct_merchant_position(
                    uow=db.uow(), territory_id=db.territory().id,
                    merchant_id=stop.merchant_order.merchant_id, lat=lat, lon=lon, actor=actor,
                )  # fmt: skip
            else:
                correct_order_position(
                    uow=db.uow(), territory_id=db.territory().id, order_id=order.id,
                    lat=lat, lon=lon, actor=actor,
                )  # fmt: skip
        except DomainError as error:
            db.uow().rollback()
            form.lat.errors = [*form.lat.errors, shown(error)]  # type: ignore[list-item]
        else:
            flash(_("Position enregistrée, merci !"), "success")
            return _back(stop_id, date)
    visit = _visit_of(stop.run_id, stop_id, date)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "courier/position.html", form=form, visit=visit, date=date, tiles=settings.map_tiles()
    ), status


@bp.get("/tournees/<int:run_id>/feuille.pdf")
@courier_required
def sheet(run_id: int) -> Response:
    territory = db.territory()
    run = db.uow().session.get(RoundRun, run_id)
    if run is None or run.courier_id != current_user.id or run.plan.territory_id != territory.id:
        abort(404)
    runs = day_runs(db.uow().session, territory=territory, date=run.plan.date, run_id=run_id)
    pdf = round_sheet_pdf(runs[0], territory_name=territory.name, language=sheet_language())
    name = f"feuille-de-route-{runs[0].date.isoformat()}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )
