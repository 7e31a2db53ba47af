"""Staff accounts: couriers, and the people who hand over the parcels at a pickup point.

The operator creates them with a temporary password shown once or a link by e-mail, and
deactivates them (which ends their sessions at once)."""

from __future__ import annotations

import datetime as dt
import secrets

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from delivery.services import courier_duties
from reference_app import db, mail
from reference_app.formatting import date_fr
from reference_app.merchant.blueprint import attach_error
from reference_app.operator.blueprint import bp, operator_required
from reference_app.operator.forms import CourierForm
from reference_app.rounds import settings
from reference_app.security import hash_password, make_token
from shop_core.accounts.model import Role, User
from shop_core.accounts.services import register_user
from shop_core.accounts.staff import (
    STAFF_ROLES,
    accounts_with_role,
    create_point_staff,
    points_of_staff,
    set_account_active,
    staff_account,
)
from shop_core.errors import ValidationError

# Easy to read aloud or copy from a phone: no 0/O, 1/l/I.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def temporary_password() -> str:
    """A random password of 4 groups of 4 characters, e.g. ``k7m2-pq9x-…``."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(4))


def _with_points(form: CourierForm) -> CourierForm:
    points = [p for p in db.territory().pickup_points if p.active]
    form.point.choices = [(0, _("Un livreur"))] + [
        (p.id, _("Le point de retrait « %(name)s »", name=p.name)) for p in points
    ]
    return form


def _page(form: CourierForm, status: int = 200, **extra: object) -> tuple[str, int]:
    session = db.uow().session
    staff = accounts_with_role(session, territory_id=db.territory().id, role=STAFF_ROLES)
    couriers = [u for u in staff if u.role is Role.COURIER]
    at_points = [u for u in staff if u.role is Role.POINT_STAFF]
    return render_template(
        "operator/couriers.html",
        form=form,
        couriers=couriers,
        at_points=at_points,
        points=points_of_staff(session, [u.id for u in at_points]),
        **extra,
    ), status


def _create(form: CourierForm, password_hash: str) -> int:
    """The account the form asks for: a courier, or a pickup point's staff."""
    common = {
        "uow": db.uow(),
        "territory_id": db.territory().id,
        "email": form.email.data or "",
        "full_name": form.full_name.data or "",
        "phone": form.phone.data or "",
        "password_hash": password_hash,
    }
    if form.point.data:
        return create_point_staff(pickup_point_id=form.point.data, **common)  # type: ignore[arg-type]
    return register_user(role=Role.COURIER, **common)  # type: ignore[arg-type]


@bp.route("/admin/livreurs", methods=["GET", "POST"])
@operator_required
def couriers() -> str | tuple[str, int]:
    form = _with_points(CourierForm())
    if form.validate_on_submit():
        temporary = temporary_password() if form.mode.data == "temporary" else None
        try:
            uid = _create(form, hash_password(temporary) if temporary else "")
        except ValidationError as error:
            db.uow().rollback()
            attach_error(form, error)
        else:
            user = db.uow().session.get_one(User, uid)
            if temporary is None:
                token = make_token("reset", {"uid": user.id, "v": user.session_version})
                at_point = user.role is Role.POINT_STAFF
                mail.send(
                    user.email,
                    _l("Votre compte de point de retrait sur %(name)s", name=db.territory().name)
                    if at_point
                    else _l("Votre compte de livreur sur %(name)s", name=db.territory().name),
                    "operator_point_staff_invite" if at_point else "operator_courier_invite",
                    user=user,
                    territory=db.territory(),
                    point=points_of_staff(db.uow().session, [user.id]).get(user.id),
                    link=url_for("auth.reset", token=token, _external=True),
                    forgot=url_for("auth.forgot", _external=True),
                )
                flash(
                    _("Compte créé : %(email)s a reçu un lien par e-mail.", email=user.email),
                    "success",
                )
            # Shown once, in this answer only: never stored, never in a flash cookie.
            return _page(
                _with_points(CourierForm(formdata=None)), created=user, temporary=temporary
            )
    return _page(form, 422 if form.is_submitted() else 200)


@bp.route("/admin/livreurs/<int:user_id>/etat", methods=["POST"])
@operator_required
def toggle_courier(user_id: int) -> Response | str:
    user = staff_account(
        db.uow().session, territory_id=db.territory().id, user_id=user_id, role=STAFF_ROLES
    )
    active = request.form.get("active") == "1"
    if not active and user.active and request.form.get("confirm") != "1":
        # A courier with parcels still to deliver on a planned day (today's above all)
        # would be logged out mid-round: the operator confirms, knowing which rounds.
        runs = _planned_runs(user)
        if runs:
            today = settings.today(db.territory())
            return render_template(
                "operator/courier_deactivate.html",
                person=user,
                today_rounds=[_("« %(name)s »", name=name) for day, name in runs if day == today],
                later_runs=[(day, name) for day, name in runs if day != today],
            )
    set_account_active(
        uow=db.uow(),
        territory_id=db.territory().id,
        user_id=user.id,
        role=STAFF_ROLES,
        active=active,
    )
    if active:
        flash(_("%(name)s peut de nouveau se connecter.", name=user.full_name), "success")
    else:
        flash(
            _(
                "Le compte de %(name)s est désactivé : ses sessions sont fermées.",
                name=user.full_name,
            ),
            "success",
        )
        _warn_of_duties(user)
    return redirect(url_for("operator.couriers"))


def _planned_runs(user: User) -> tuple[tuple[dt.date, str], ...]:
    """The planned runs (day, round name) from today on that still have stops for
    ``user`` to drive; none for a pickup point's staff."""
    if user.role is not Role.COURIER:
        return ()
    territory = db.territory()
    return courier_duties(
        db.uow().session,
        territory_id=territory.id,
        courier_id=user.id,
        from_day=settings.today(territory),
    ).runs


def _warn_of_duties(user: User) -> None:
    """After a courier is deactivated, say which rounds and planned days still name them:
    the planning keeps giving a round's days to its courier until another is chosen."""
    if user.role is not Role.COURIER:
        return
    territory = db.territory()
    duties = courier_duties(
        db.uow().session,
        territory_id=territory.id,
        courier_id=user.id,
        from_day=settings.today(territory),
    )
    # Each name quoted as the page's language quotes (worded apart: Babel does not extract
    # a message inside another's arguments).
    rounds = ", ".join(_("« %(name)s »", name=name) for name in duties.rounds)
    runs = ", ".join(
        _("« %(name)s » (%(day)s)", name=name, day=date_fr(day, "EEEE d MMMM"))
        for day, name in duties.runs
    )
    if duties.rounds:
        flash(
            _(
                "Tournées confiées à %(name)s : %(rounds)s. Choisissez-leur un autre livreur "
                "dans « Tournées et dépôts », sinon leurs prochains jours seront encore "
                "confiés à ce compte désactivé.",
                name=user.full_name,
                rounds=rounds,
            ),
            "warning",
        )
    if duties.runs:
        flash(
            _(
                "Tournées déjà planifiées pour %(name)s : %(runs)s. Confiez-les à un autre "
                "livreur depuis le tableau des tournées.",
                name=user.full_name,
                runs=runs,
            ),
            "warning",
        )
