"""Setting up rounds and depots (operator)."""

from __future__ import annotations

from babel.lists import format_list
from flask import Response, flash, redirect, render_template, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from delivery import services
from delivery.model import Round
from reference_app import db
from reference_app.choices import options
from reference_app.formatting import date_fr
from reference_app.merchant.blueprint import attach_error
from reference_app.rounds import settings
from reference_app.rounds.blueprint import bp, me, operator_required
from reference_app.rounds.forms import DepotForm, RoundForm
from reference_app.shopfront.display import weekday_names
from shop_core.accounts.model import Role, User
from shop_core.accounts.staff import accounts_with_role
from shop_core.errors import DomainError, NotFound


@bp.get("/admin/tournees/reglages")
@operator_required
def setup() -> str:
    session, territory = db.uow().session, db.territory()
    names = {c.insee_code: c.name for c in territory.communes}
    return render_template(
        "rounds/setup.html",
        rounds=services.rounds(session, territory_id=territory.id),
        depots=services.depots(session, territory_id=territory.id),
        commune_names=names,
        weekday_labels=weekday_names(),
        with_history=services.rounds_with_history(session, territory_id=territory.id),
    )


def _round_choices(form: RoundForm, current_courier: User | None = None) -> None:
    session, territory = db.uow().session, db.territory()
    couriers = accounts_with_role(session, territory_id=territory.id, role=Role.COURIER)
    choices: list[tuple[int, str]] = [(0, _("— Pas encore de livreur —"))]
    choices += [(c.id, c.full_name) for c in couriers if c.active]
    if current_courier is not None and not current_courier.active:
        # Shown as it is, rather than silently replaced by "no courier" on the next save.
        name = _("%(name)s (compte désactivé)", name=current_courier.full_name)
        choices.insert(1, (current_courier.id, name))
    form.courier_id.choices = options(choices)
    form.depot_id.choices = options(
        (d.id, d.name) for d in services.depots(session, territory_id=territory.id)
    )
    form.weekdays.choices = options(
        (i, name.capitalize()) for i, name in enumerate(weekday_names())
    )
    form.insee_codes.choices = options(
        (c.insee_code, f"{c.name} ({c.postal_code})") for c in territory.communes
    )


def _round_input(form: RoundForm) -> services.RoundInput:
    return services.RoundInput(
        name=form.name.data or "",
        depot_id=form.depot_id.data or 0,
        weekdays=form.weekdays.data or [],
        starts=form.starts.data,  # type: ignore[arg-type]  (required by the form)
        ends=form.ends.data,  # type: ignore[arg-type]
        capacity=form.capacity.data or 0,
        courier_id=form.courier_id.data or None,
        max_duration_min=form.max_duration_min.data,
        insee_codes=form.insee_codes.data or [],
        active=bool(form.active.data),
    )


_ROUND_FIELDS = {"courier": "courier_id"}


@bp.route("/admin/tournees/nouvelle", methods=["GET", "POST"])
@operator_required
def new_round() -> Response | tuple[str, int]:
    form = RoundForm()
    _round_choices(form)
    if not form.depot_id.choices:
        flash(_("Créez d'abord un dépôt : les tournées en partent et y reviennent."), "info")
        return redirect(url_for("rounds.new_depot"))
    if form.validate_on_submit():
        try:
            services.create_round(
                uow=db.uow(), territory_id=db.territory().id, data=_round_input(form), actor=me()
            )
        except DomainError as error:
            db.uow().rollback()
            attach_error(form, error, _ROUND_FIELDS)
        else:
            flash(_("Tournée « %(name)s » créée.", name=form.name.data), "success")
            return redirect(url_for("rounds.setup"))
    status = 422 if form.is_submitted() else 200
    return render_template("rounds/round_form.html", form=form, editing=None), status


@bp.route("/admin/tournees/<int:round_id>/modifier", methods=["GET", "POST"])
@operator_required
def edit_round(round_id: int) -> Response | tuple[str, int]:
    round_ = services.get_round(db.uow().session, territory_id=db.territory().id, round_id=round_id)
    form = RoundForm()
    _round_choices(form, round_.courier)
    if round_.courier is not None and not round_.courier.active:
        form.courier_id.description = _(
            "Le compte de %(name)s est désactivé : choisissez un autre livreur pour cette "
            "tournée, ou « Pas encore de livreur ».",
            name=round_.courier.full_name,
        )
    if not form.is_submitted():
        form.name.data, form.depot_id.data = round_.name, round_.depot_id
        form.courier_id.data = round_.courier_id or 0
        form.weekdays.data = round_.weekday_numbers
        form.starts.data, form.ends.data = round_.starts, round_.ends
        form.capacity.data, form.max_duration_min.data = round_.capacity, round_.max_duration_min
        form.insee_codes.data = sorted(round_.insee_codes)
        form.active.data = round_.active
    if form.validate_on_submit():
        before = _what_plans_read(round_)
        try:
            services.update_round(
                uow=db.uow(),
                territory_id=db.territory().id,
                round_id=round_id,
                data=_round_input(form),
                actor=me(),
            )
        except NotFound:
            raise
        except DomainError as error:
            db.uow().rollback()
            attach_error(form, error, _ROUND_FIELDS)
        else:
            flash(_("Tournée « %(name)s » enregistrée.", name=form.name.data), "success")
            if _what_plans_read(round_) != before:
                _planned_before(round_id)
            return redirect(url_for("rounds.setup"))
    status = 422 if form.is_submitted() else 200
    return render_template("rounds/round_form.html", form=form, editing=round_), status


def _what_plans_read(round_: Round) -> tuple[object, ...]:
    """What of a round its planned runs were made with (its name is not)."""
    return (
        round_.depot_id, round_.courier_id, round_.weekdays, round_.starts, round_.ends,
        round_.capacity, round_.max_duration_min, frozenset(round_.insee_codes), round_.active,
    )  # fmt: skip


def _planned_before(round_id: int) -> None:
    """Days already planned keep the round as it was (courier, depot, hours…) until they
    are planned again: say which, so the operator plans them again from the board."""
    territory = db.territory()
    days = services.days_planned_before_change(
        db.uow().session, territory_id=territory.id, round_id=round_id,
        from_day=settings.today(territory),
    )  # fmt: skip
    if days:
        named = format_list([date_fr(day, "EEEE d MMMM") for day in days], locale=get_locale())
        flash(
            ngettext(
                "Déjà planifiée le %(days)s, la tournée y reste telle qu'elle était : "
                "planifiez cette journée à nouveau (onglet « Tournées ») pour qu'elle tienne "
                "compte du changement.",
                "Déjà planifiée les %(days)s, la tournée y reste telle qu'elle était : "
                "planifiez ces journées à nouveau (onglet « Tournées ») pour qu'elles tiennent "
                "compte du changement.",
                len(days),
                days=named,
            ),
            "warning",
        )


@bp.get("/admin/tournees/<int:round_id>/supprimer")
@operator_required
def confirm_delete_round(round_id: int) -> str:
    """What « Supprimer » (« Désactiver » for a round with history) will do, before it is
    done: the days already planned with the round, the communes left without one."""
    session, territory = db.uow().session, db.territory()
    round_ = services.get_round(session, territory_id=territory.id, round_id=round_id)
    removal = services.round_removal(
        session, territory_id=territory.id, round_id=round_id, from_day=settings.today(territory)
    )
    names = {c.insee_code: c.name for c in territory.communes}
    return render_template(
        "rounds/round_delete.html",
        round=round_,
        removal=removal,
        today=settings.today(territory),
        communes_left=[names.get(code, code) for code in removal.communes_left],
        form=FlaskForm(),
    )


@bp.post("/admin/tournees/<int:round_id>/supprimer")
@operator_required
def delete_round(round_id: int) -> Response:
    deleted = services.delete_round(
        uow=db.uow(), territory_id=db.territory().id, round_id=round_id, actor=me()
    )
    if deleted:
        flash(_("Tournée supprimée."), "success")
    else:
        flash(
            _("Cette tournée a un historique : elle est désactivée plutôt que supprimée."), "info"
        )
    return redirect(url_for("rounds.setup"))


def _depot_input(form: DepotForm) -> services.DepotInput:
    return services.DepotInput(
        name=form.name.data or "",
        address=form.address.data or "",
        postal_code=form.postal_code.data or "",
        city=form.city.data or "",
        lat=form.lat.data,
        lon=form.lon.data,
    )


@bp.route("/admin/depots/nouveau", methods=["GET", "POST"])
@operator_required
def new_depot() -> Response | tuple[str, int]:
    form = DepotForm()
    if form.validate_on_submit():
        try:
            services.create_depot(
                uow=db.uow(), territory_id=db.territory().id, data=_depot_input(form), actor=me()
            )
        except DomainError as error:
            db.uow().rollback()
            attach_error(form, error)
        else:
            flash(_("Dépôt « %(name)s » créé.", name=form.name.data), "success")
            return redirect(url_for("rounds.setup"))
    status = 422 if form.is_submitted() else 200
    return render_template("rounds/depot_form.html", form=form, editing=None), status


@bp.route("/admin/depots/<int:depot_id>/modifier", methods=["GET", "POST"])
@operator_required
def edit_depot(depot_id: int) -> Response | tuple[str, int]:
    depot = services.get_depot(db.uow().session, territory_id=db.territory().id, depot_id=depot_id)
    form = DepotForm(obj=depot)  # what was typed wins over the stored values
    if form.validate_on_submit():
        try:
            services.update_depot(
                uow=db.uow(),
                territory_id=db.territory().id,
                depot_id=depot_id,
                data=_depot_input(form),
                actor=me(),
            )
        except NotFound:
            raise
        except DomainError as error:
            db.uow().rollback()
            attach_error(form, error)
        else:
            flash(_("Dépôt « %(name)s » enregistré.", name=form.name.data), "success")
            return redirect(url_for("rounds.setup"))
    status = 422 if form.is_submitted() else 200
    return render_template("rounds/depot_form.html", form=form, editing=depot), status
