"""The operator's round board: every run of a date on one page, planning and corrections."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.exceptions import NotFound as HttpNotFound

from delivery import geocoding, queries
from delivery.cash import hand_in_run
from delivery.exports import stops_csv, stops_geojson_text, stops_gpx
from delivery.model import PlanningStatus, RoundRun, StopKind, StopStatus
from delivery.planning_jobs import (
    UNREACHABLE,
    JobView,
    abandon_job,
    latest_job,
    request_planning,
    run_planning_job,
)
from delivery.postponing import postpone_unserved
from delivery.replanning import assign_run, insert_late_orders, move_shipment
from delivery.route_sheets import round_sheet_pdf
from delivery.services import depots
from delivery.transfers import carry_to_depot
from reference_app import db, jobs, notifications
from reference_app.domain_messages import shown, shown_text
from reference_app.formatting import date_fr, money, sheet_language
from reference_app.input_guard import form_id, page_date
from reference_app.labels import translate
from reference_app.rounds import settings
from reference_app.rounds.blueprint import bp, chosen_date, me, operator_required
from reference_app.rounds.fields import PositionForm
from reference_app.rounds.maps import map_data
from reference_app.rounds.reasons import unplanned_reason
from shop_core.errors import DomainError, NotFound
from shop_core.orders.model import Order

T = TypeVar("T")
PLAN_JOB = "delivery.plan_day"
OUTCOME_SHOWN = dt.timedelta(minutes=15)


def _to_board(date: dt.date) -> Response:
    return redirect(url_for("rounds.board", date=date.isoformat()))


@dataclass(frozen=True)
class _Done(Generic[T]):
    value: T


def _attempt(change: Callable[[], T]) -> _Done[T] | None:
    """Make one of the board's changes; a refusal (a ``DomainError`` other than
    ``NotFound``) rolls the transaction back and is shown as the error: None then."""
    try:
        return _Done(change())
    except NotFound:
        raise
    except DomainError as error:
        db.uow().rollback()
        flash(shown(error), "error")
        return None


@bp.get("/admin/tournees")
@operator_required
def board() -> str:
    territory = db.territory()
    date = page_date(request.args.get("date", ""), today=settings.today(territory))
    data = queries.board(
        db.uow().session, territory=territory, date=date, today=settings.today(territory)
    )
    merchants = sorted(
        {
            (item.merchant_id, item.merchant)
            for run in data.runs
            for visit in run.visits
            if visit.kind is StopKind.COLLECT
            for item in visit.items
        },
        key=lambda m: m[1],
    )
    # A parcel on board stays with its courier: no "move" control for it. Those loaded at
    # the depot are on board once their run is under way; until then they may only go to
    # another run leaving from that depot that has not left either.
    aboard = {
        item.merchant_order_id
        for run in data.runs
        for visit in run.visits
        if visit.kind in (StopKind.COLLECT, StopKind.TAKE_BACK)
        for item in visit.items
        if item.status is not StopStatus.TODO
    }
    aboard |= {
        item.merchant_order_id for run in data.runs if run.started for _, item in run.from_depot
    }
    from_depot = {item.merchant_order_id for run in data.runs for _, item in run.from_depot}
    move_to = {
        run.run_id: {
            "any": [other for other in data.runs if other.run_id != run.run_id],
            "depot": [
                other
                for other in data.runs
                if other.run_id != run.run_id
                and other.depot_id == run.depot_id
                and not other.started
            ],
        }
        for run in data.runs
    }
    now = settings.now()
    planning = latest_job(db.uow().session, territory.id, date, now=now)
    # What the last planning did is news for a while; why it failed stays until the next.
    recent = planning is not None and (
        planning.status is PlanningStatus.FAILED or now - planning.requested_at < OUTCOME_SHOWN
    )
    return render_template(
        "rounds/board.html",
        board=data,
        planning=planning,
        # When the planning started (or was asked for), on the territory's clock.
        planning_since=(
            (planning.started_at or planning.requested_at).astimezone(ZoneInfo(territory.timezone))
            if planning
            else None
        ),
        planning_outcome=(
            planning_outcome(planning) if planning and not planning.active and recent else ""
        ),
        aboard=aboard,
        from_depot=from_depot,
        move_to=move_to,
        unplanned_reason=unplanned_reason,
        depots=depots(db.uow().session, territory_id=territory.id) if data.unplanned else [],
        date=date,
        today=settings.today(territory),
        previous=date - dt.timedelta(days=1),
        following=date + dt.timedelta(days=1),
        merchants=merchants,
        tiles=settings.map_tiles(),
        maps=[map_data(run) for run in data.runs],
    )


@bp.post("/admin/tournees/planifier")
@operator_required
def plan() -> Response:
    """Ask for the day to be planned; a job worker plans it (see ``reference_app.jobs``)."""
    date = chosen_date("form")
    try:
        asked = request_planning(
            uow=db.uow(),
            territory_id=db.territory().id,
            date=date,
            actor=me(),
            now=settings.now(),
        )
    except DomainError as error:
        db.uow().rollback()
        flash(shown(error), "error")
        return _to_board(date)
    if asked.created:
        try:
            jobs.submit(PLAN_JOB, job_id=asked.job_id)
        except jobs.JobsUnavailable:
            abandon_job(uow=db.uow(), job_id=asked.job_id, message=UNREACHABLE)
    else:
        flash(_("Cette journée est déjà en cours de planification."), "info")
    return _to_board(date)


@jobs.job(PLAN_JOB, long=True)
def _plan_job(job_id: int) -> None:
    run_planning_job(
        uow=db.uow(),
        job_id=job_id,
        distances=settings.distances(),
        settings=settings.planning_settings(),
        geocoder=settings.geocoder(),
        now=settings.now(),
    )


def planning_outcome(job: JobView) -> str:
    """What a finished planning did, as the board says it."""
    if job.status is PlanningStatus.FAILED:
        return shown_text(job.message)
    message = (
        ngettext(
            "Journée planifiée : %(num)s commande",
            "Journée planifiée : %(num)s commandes",
            job.planned,
        )
        + " "
        + ngettext("sur %(num)s tournée.", "sur %(num)s tournées.", job.runs)
    )
    if job.unplanned:
        message += " " + ngettext(
            "%(num)s commande n'a pas pu être planifiée (voir plus bas).",
            "%(num)s commandes n'ont pas pu être planifiées (voir plus bas).",
            job.unplanned,
        )
    if job.returns:
        message += " " + ngettext(
            "%(num)s commande retournée : ses colis reviennent à sa boutique.",
            "%(num)s commandes retournées : leurs colis reviennent à leur boutique.",
            job.returns,
        )
    if job.returns_left_out:
        message += " " + returns_left_out(job.returns_left_out)
    if job.returns_without_round:
        message += " " + returns_without_round(job.returns_without_round)
    if job.kept_stops:
        message += " " + ngettext(
            "%(num)s arrêt déjà fait conservé.",
            "%(num)s arrêts déjà faits conservés.",
            job.kept_stops,
        )
    return message


def returns_left_out(count: int) -> str:
    """Ways back no round of the day had room for: said, or « pas encore sur une tournée »
    on *Retraits* would be the operator's only clue."""
    return ngettext(
        "%(num)s retour de colis n'a pas trouvé de place dans les tournées du jour : "
        "il attend une prochaine tournée.",
        "%(num)s retours de colis n'ont pas trouvé de place dans les tournées du jour : "
        "ils attendent une prochaine tournée.",
        count,
    )


def returns_without_round(count: int) -> str:
    """Ways back no round can ever take: not to be mistaken for those that wait for a
    round, and what the operator does about them (*Retraits* says why, one by one)."""
    return ngettext(
        "%(num)s retour de colis ne peut être pris par aucune tournée : il n'attend pas de "
        "prochaine tournée. La page Retraits dit pourquoi. Demandez à la boutique de venir le "
        "chercher, ou rapportez-le vous-même, puis confirmez-le sur cette page.",
        "%(num)s retours de colis ne peuvent être pris par aucune tournée : ils n'attendent "
        "pas de prochaine tournée. La page Retraits dit pourquoi. Demandez aux boutiques de "
        "venir les chercher, ou rapportez-les vous-même, puis confirmez-le sur cette page.",
        count,
    )


@bp.post("/admin/tournees/retardataires")
@operator_required
def insert_late() -> Response:
    date = chosen_date("form")
    try:
        report = insert_late_orders(
            uow=db.uow(),
            territory_id=db.territory().id,
            date=date,
            distances=settings.distances(),
            settings=settings.planning_settings(),
            actor=me(),
            now=settings.now(),
        )
    except DomainError as error:
        db.uow().rollback()
        flash(shown(error), "error")
        return _to_board(date)
    parts = []
    returns_said = report.returns or report.returns_left_out or report.returns_without_round
    if report.planned or report.unplanned or not returns_said:
        parts.append(
            ngettext(
                "%(num)s commande ajoutée sans changer l'ordre des autres arrêts.",
                "%(num)s commandes ajoutées sans changer l'ordre des autres arrêts.",
                report.planned,
            )
        )
    if report.unplanned:
        parts.append(  # not always for room: the reason is in the « non planifiées » table
            ngettext(
                "%(num)s n'a pu aller sur aucune tournée : la raison est dans le tableau des "
                "commandes non planifiées.",
                "%(num)s n'ont pu aller sur aucune tournée : la raison est dans le tableau des "
                "commandes non planifiées.",
                len(report.unplanned),
            )
        )
    if report.returns:
        parts.append(
            ngettext(
                "%(num)s commande retournée : ses colis reviennent à sa boutique.",
                "%(num)s commandes retournées : leurs colis reviennent à leur boutique.",
                report.returns,
            )
        )
    if report.returns_left_out:
        parts.append(returns_left_out(report.returns_left_out))
    if report.returns_without_round:
        parts.append(returns_without_round(report.returns_without_round))
    warn = report.unplanned or report.returns_left_out or report.returns_without_round
    flash(" ".join(parts), "warning" if warn else "success")
    return _to_board(date)


@bp.post("/admin/tournees/reporter")
@operator_required
def postpone() -> Response:
    """Move the orders the day's plan will not deliver to their next possible date."""
    date = chosen_date("form")
    try:
        territory = db.territory()
        report = postpone_unserved(
            uow=db.uow(),
            territory_id=territory.id,
            date=date,
            actor=me(),
            today=settings.today(territory),
        )
    except DomainError as error:
        db.uow().rollback()
        flash(shown(error), "error")
        return _to_board(date)
    notifications.announce(
        *(notifications.Postponed(p.order_id, p.previous.isoformat()) for p in report.moved)
    )
    if report.moved:
        flash(
            ngettext(
                "%(num)s commande reportée :",
                "%(num)s commandes reportées :",
                len(report.moved),
            )
            + " "
            + ", ".join(
                _(
                    "%(reference)s au %(date)s",
                    reference=p.reference,
                    date=date_fr(p.date, "d MMMM"),
                )
                for p in report.moved
            )
            + ". "
            + _("Les clients et les boutiques sont prévenus par e-mail."),
            "success",
        )
    for kept in report.kept:
        flash(
            _(
                "%(reference)s reste sur ce jour : %(reason)s",
                reference=kept.reference,
                reason=translate(kept.reason),
            ),
            "warning",
        )
    if not report.moved and not report.kept:
        flash(_("Aucune commande à reporter ce jour-là."), "info")
    return _to_board(date)


@bp.post("/admin/tournees/localiser")
@operator_required
def locate() -> Response:
    date = chosen_date("form")
    geocoder = settings.geocoder()
    if geocoder is None:
        flash(_("Aucun service de géocodage n'est configuré (CABAS_GEOCODER)."), "error")
        return _to_board(date)
    located, left = geocoding.locate_pending(
        uow=db.uow(),
        territory_id=db.territory().id,
        date=date,
        geocoder=geocoder,
        now=settings.now(),
    )
    message = ngettext("%(num)s adresse localisée.", "%(num)s adresses localisées.", located)
    if left:
        message += " " + ngettext(
            "%(num)s reste approximative (à corriger à la main).",
            "%(num)s restent approximatives (à corriger à la main).",
            left,
        )
    flash(message, "success" if not left else "warning")
    return _to_board(date)


@bp.post("/admin/tournees/arrets/<int:stop_id>/deplacer")
@operator_required
def move(stop_id: int) -> Response:
    date = chosen_date("form")
    run_id = form_id(request.form.get("run_id"))
    if run_id is None:
        flash(_("Choisissez la tournée qui doit prendre la commande."), "error")
        return _to_board(date)
    moved = _attempt(
        lambda: move_shipment(
            uow=db.uow(),
            territory_id=db.territory().id,
            stop_id=stop_id,
            run_id=run_id,
            distances=settings.distances(),
            settings=settings.planning_settings(),
            actor=me(),
            now=settings.now(),
        )
    )
    if moved is not None:
        flash(_("Commande déplacée."), "success")
    return _to_board(date)


@bp.post("/admin/tournees/colis/<int:merchant_order_id>/depot")
@operator_required
def carry(merchant_order_id: int) -> Response:
    """The parcels of an order waiting at a depot were carried to another by hand."""
    date = chosen_date("form")
    depot_id = form_id(request.form.get("depot_id"))
    if depot_id is None:
        flash(_("Choisissez le dépôt où sont maintenant les colis."), "error")
        return _to_board(date)
    carried = _attempt(
        lambda: carry_to_depot(
            uow=db.uow(),
            territory_id=db.territory().id,
            merchant_order_id=merchant_order_id,
            depot_id=depot_id,
            actor=me(),
            now=settings.now(),
        )
    )
    if carried is not None:
        flash(
            _(
                "Colis notés au nouveau dépôt (venus de « %(depot)s ») : replanifiez la journée "
                "ou reportez la commande pour qu'une tournée de ce dépôt les prenne.",
                depot=carried.value.name,
            ),
            "success",
        )
    return _to_board(date)


@bp.post("/admin/tournees/passages/<int:run_id>/livreur")
@operator_required
def assign(run_id: int) -> Response:
    date = chosen_date("form")
    courier_id = form_id(request.form.get("courier_id"))
    if courier_id is None:
        flash(_("Choisissez un livreur."), "error")
        return _to_board(date)
    assigned = _attempt(
        lambda: assign_run(
            uow=db.uow(),
            territory_id=db.territory().id,
            run_id=run_id,
            courier_id=courier_id,
            actor=me(),
        )
    )
    if assigned is not None:
        flash(_("Tournée confiée à un autre livreur pour ce jour."), "success")
    return _to_board(date)


@bp.post("/admin/tournees/passages/<int:run_id>/argent-remis")
@operator_required
def cash_handed_in(run_id: int) -> Response:
    """The courier handed in the cash and cheques taken at the run's doors."""
    date = chosen_date("form")
    try:
        amount = hand_in_run(
            uow=db.uow(), territory_id=db.territory().id, run_id=run_id, actor=me(),
            now=settings.now(),
        )  # fmt: skip
    except NotFound:
        raise
    except DomainError as error:
        db.uow().rollback()
        flash(shown(error), "error")
    else:
        flash(_("%(amount)s reçus du livreur.", amount=money(amount)), "success")
    return _to_board(date)


@bp.get("/admin/tournees/passages/<int:run_id>/feuille.pdf")
@operator_required
def sheet(run_id: int) -> Response:
    territory = db.territory()
    run = db.uow().session.get(RoundRun, run_id)
    if run is None or run.plan.territory_id != territory.id:
        raise HttpNotFound()
    (view,) = queries.day_runs(
        db.uow().session, territory=territory, date=run.plan.date, run_id=run_id
    )
    name = f"feuille-de-route-{view.date.isoformat()}-{view.round_id}.pdf"
    return _file(
        round_sheet_pdf(view, territory_name=territory.name, language=sheet_language()),
        "application/pdf",
        name,
        inline=True,
    )


# Werkzeug adds « ; charset=utf-8 » itself to text/ and +xml types: a charset written here
# too was sent twice.
EXPORTS = {
    "csv": ("text/csv", lambda runs: "\ufeff" + stops_csv(runs)),
    "geojson": ("application/geo+json", stops_geojson_text),
    "gpx": ("application/gpx+xml", stops_gpx),
}


@bp.get("/admin/tournees/arrets.<fmt>")
@operator_required
def export(fmt: str) -> Response:
    if fmt not in EXPORTS:
        raise HttpNotFound()
    date = chosen_date()
    runs = queries.day_runs(db.uow().session, territory=db.territory(), date=date)
    mimetype, render = EXPORTS[fmt]
    return _file(render(runs).encode("utf-8"), mimetype, f"arrets-{date.isoformat()}.{fmt}")


def _file(data: bytes, mimetype: str, name: str, *, inline: bool = False) -> Response:
    disposition = "inline" if inline else "attachment"
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'{disposition}; filename="{name}"'},
    )


@bp.route("/admin/tournees/commandes/<int:order_id>/position", methods=["GET", "POST"])
@operator_required
def order_position(order_id: int) -> Response | tuple[str, int]:
    territory = db.territory()
    order = db.uow().session.get(Order, order_id)
    if order is None or order.territory_id != territory.id:
        raise HttpNotFound()
    date = chosen_date()
    form = PositionForm()
    if request.method == "GET" and order.lat is not None:
        form.lat.data, form.lon.data = order.lat, order.lon
    if form.validate_on_submit():
        try:
            geocoding.correct_order_position(
                uow=db.uow(),
                territory_id=territory.id,
                order_id=order.id,
                lat=float(form.lat.data or 0),
                lon=float(form.lon.data or 0),
                actor=me(),
            )
        except NotFound:
            raise
        except DomainError as error:
            db.uow().rollback()
            form.lat.errors = [*form.lat.errors, shown(error)]  # type: ignore[list-item]
        else:
            flash(
                _("Position enregistrée : elle servira aussi aux prochaines commandes."), "success"
            )
            return _to_board(date)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "rounds/position.html", form=form, order=order, date=date, tiles=settings.map_tiles()
    ), status
