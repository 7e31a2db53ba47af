"""Territory settings: the home-delivery slots shoppers choose from, and the order cut-off.

The rules (names, hours, what orders still to deliver were promised) are the core's
(``shop_core.territories.services``); these views parse the forms, call one service and
show its refusal next to the field it concerns.
"""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField, TimeField
from wtforms.validators import InputRequired, Length

from delivery.services import SlotCover, slot_cover, slot_covers
from reference_app import db
from reference_app.domain_messages import shown
from reference_app.formatting import hour_text, typed_time
from reference_app.merchant.blueprint import attach_error
from reference_app.operator.blueprint import bp, me, operator_required
from shop_core.errors import ValidationError
from shop_core.territories.model import DeliverySlot
from shop_core.territories.services import (
    create_delivery_slot,
    delete_delivery_slot,
    delivery_slot,
    set_order_cutoff,
    slot_deletion_refused,
    slot_orders,
    update_delivery_slot,
)

_MINUTE = dt.timedelta(minutes=1)


class ClockField(TimeField):
    """A time of day: what the browser's time picker sends (``09:30``), or what a person
    types where there is none (``9h30``, ``9 h``, ``14``); refused in French otherwise."""

    def process_formdata(self, valuelist: list[str]) -> None:
        text = " ".join(valuelist).strip()
        if not text:
            self.data = None  # left to InputRequired, which says which hour is missing
            return
        self.data = typed_time(text)
        if self.data is None:
            raise ValueError(_("Indiquez une heure, par exemple 9:00 ou 14:30."))

    def _value(self) -> str:
        # What was understood, as the time picker writes it ("7h30" comes back "07:30");
        # what was not, as it was typed.
        if self.data is not None:
            return f"{self.data:%H:%M}"
        return " ".join(self.raw_data or [])


class SlotForm(FlaskForm):
    label = StringField(
        _l("Nom du créneau"),
        validators=[InputRequired(message=_l("Indiquez le nom du créneau.")), Length(max=60)],
        description=_l(
            "C'est ce que lisent les clients : indiquez-y les heures, par exemple "
            "«\u00a0Soir (18\u00a0h – 20\u00a0h)\u00a0»."
        ),
    )
    starts = ClockField(
        _l("Début"), validators=[InputRequired(message=_l("Indiquez l'heure de début."))]
    )
    ends = ClockField(_l("Fin"), validators=[InputRequired(message=_l("Indiquez l'heure de fin."))])


class CutoffForm(FlaskForm):
    order_cutoff = ClockField(
        _l("Heure limite de commande"),
        validators=[InputRequired(message=_l("Indiquez l'heure limite."))],
    )


def _page(
    slot_form: SlotForm | None = None, cutoff_form: CutoffForm | None = None, status: int = 200
) -> tuple[str, int]:
    territory = db.territory()
    cutoff_form = cutoff_form or CutoffForm(data={"order_cutoff": territory.order_cutoff})
    return render_template(
        "operator/slots.html",
        territory=territory,
        counts=slot_orders(db.uow().session, territory_id=territory.id),
        offered={
            code: offered(cover)
            for code, cover in slot_covers(
                db.uow().session, territory_id=territory.id, slots=territory.delivery_slots
            ).items()
        },
        slot_form=slot_form or SlotForm(formdata=None),
        cutoff_form=cutoff_form,
        cutoff=hour_text(territory.order_cutoff),
        # The last minute still in time, for the example: 17 h 59 with a cut-off at 18 h.
        in_time=hour_text(
            (dt.datetime.combine(dt.date(2000, 1, 1), territory.order_cutoff) - _MINUTE).time()
        ),
    ), status


@bp.route("/admin/creneaux")
@operator_required
def slots() -> tuple[str, int]:
    return _page()


@bp.route("/admin/creneaux", methods=["POST"])
@operator_required
def add_slot() -> tuple[str, int] | Response:
    form = SlotForm()
    if form.validate_on_submit():
        assert form.starts.data is not None and form.ends.data is not None
        try:
            create_delivery_slot(
                uow=db.uow(),
                territory_id=db.territory().id,
                label=form.label.data or "",
                starts=form.starts.data,
                ends=form.ends.data,
                actor=me(),
            )
        except ValidationError as error:
            db.uow().rollback()
            attach_error(form, error)
        else:
            label = " ".join((form.label.data or "").split())
            cover = _cover(form.starts.data, form.ends.data)
            if cover.rounds:
                flash(_("Créneau « %(label)s » ajouté.", label=label), "success")
                _say_which_rounds(cover)
            else:  # no round set up yet: every slot is offered, every day
                flash(
                    _(
                        "Créneau « %(label)s » ajouté : les clients peuvent le choisir dès "
                        "maintenant.",
                        label=label,
                    ),
                    "success",
                )
            return redirect(_top())
    return _page(slot_form=form, status=422)


def _cover(starts: dt.time, ends: dt.time) -> SlotCover:
    return slot_cover(db.uow().session, territory_id=db.territory().id, starts=starts, ends=ends)


def _named(rounds: tuple[tuple[str, dt.time, dt.time], ...]) -> str:
    return ", ".join(
        _(
            "« %(name)s » (%(starts)s – %(ends)s)",
            name=name,
            starts=hour_text(start),
            ends=hour_text(end),
        )
        for name, start, end in rounds
    )


def offered(cover: SlotCover) -> tuple[str, bool] | None:
    """Whether checkout offers a slot, for the list and the slot's page: the line to show,
    and whether it is a warning. None while no round is set up (every slot is offered).
    Checkout offers a slot where and when a round covering it goes
    (``delivery.calendar.slots_on``, the rule ``slot_cover`` applies)."""
    if not cover.rounds:
        return None
    if cover.covering:
        return ngettext(
            "Proposé aux clients dans les communes et les jours de la tournée %(rounds)s.",
            "Proposé aux clients dans les communes et les jours des tournées %(rounds)s.",
            len(cover.covering),
            rounds=_named(cover.covering),
        ), False
    if cover.partial:
        return ngettext(
            "Pas proposé aux clients : aucune tournée ne couvre tout ce créneau, "
            "%(rounds)s n'en couvre qu'une partie.",
            "Pas proposé aux clients : aucune tournée ne couvre tout ce créneau, "
            "%(rounds)s n'en couvrent qu'une partie.",
            len(cover.partial),
            rounds=_named(cover.partial),
        ), True
    return _("Pas proposé aux clients : aucune tournée ne roule pendant ce créneau."), True


def _say_which_rounds(cover: SlotCover) -> None:
    """After a slot is added or its hours changed, say which rounds can deliver in it:
    checkout offers a slot only where and when a round covering it goes."""
    if not cover.rounds:
        return  # no rounds set up yet: nothing to compare with, every slot is offered
    if cover.covering:
        flash(
            ngettext(
                "Les clients le verront dans les communes et les jours de la tournée qui le "
                "couvre : %(rounds)s.",
                "Les clients le verront dans les communes et les jours des tournées qui le "
                "couvrent : %(rounds)s.",
                len(cover.covering),
                rounds=_named(cover.covering),
            ),
            "info",
        )
    elif cover.partial:
        flash(
            ngettext(
                "Les clients ne le verront pas tant qu'aucune tournée ne le couvre : "
                "%(rounds)s n'en couvre qu'une partie. Allongez une tournée ou changez les "
                "heures du créneau.",
                "Les clients ne le verront pas tant qu'aucune tournée ne le couvre : "
                "%(rounds)s n'en couvrent qu'une partie. Allongez une tournée ou changez les "
                "heures du créneau.",
                len(cover.partial),
                rounds=_named(cover.partial),
            ),
            "warning",
        )
    else:
        flash(
            _(
                "Les clients ne le verront pas tant qu'aucune tournée ne le couvre : aucune "
                "tournée ne roule pendant ce créneau. Changez les heures du créneau, ou "
                "ajoutez une tournée à ces heures."
            ),
            "warning",
        )


def _top() -> str:
    # The forms post to an anchor, so that a refusal shows the form it concerns; a redirect
    # without one would keep it, and scroll the flash that says "done" out of sight.
    return url_for("operator.slots", _anchor="contenu")


def _slot(code: str) -> DeliverySlot:
    return delivery_slot(db.uow().session, territory_id=db.territory().id, code=code)


@bp.route("/admin/creneaux/<code>", methods=["GET", "POST"])
@operator_required
def edit_slot(code: str) -> tuple[str, int] | Response:
    slot = _slot(code)
    form = SlotForm(
        data=None
        if request.method == "POST"
        else {"label": slot.label, "starts": slot.starts, "ends": slot.ends}
    )
    if form.validate_on_submit():
        assert form.starts.data is not None and form.ends.data is not None
        try:
            changed = update_delivery_slot(
                uow=db.uow(),
                territory_id=db.territory().id,
                code=slot.code,
                label=form.label.data or "",
                starts=form.starts.data,
                ends=form.ends.data,
                actor=me(),
            )
        except ValidationError as error:
            db.uow().rollback()
            attach_error(form, error)
        else:
            if changed:
                flash(_("Créneau « %(label)s » enregistré.", label=slot.label), "success")
                _say_which_rounds(_cover(form.starts.data, form.ends.data))
            else:
                flash(_("Rien n'a changé dans le créneau « %(label)s ».", label=slot.label), "info")
            return redirect(url_for("operator.slots"))
    session = db.uow().session
    territory = db.territory()
    return render_template(
        "operator/slot_form.html",
        slot=slot,
        form=form,
        orders=slot_orders(session, territory_id=territory.id).get(slot.code, 0),
        offered=offered(_cover(slot.starts, slot.ends)),
        refused=slot_deletion_refused(db.uow(), territory_id=territory.id, code=slot.code),
    ), 422 if form.is_submitted() else 200


@bp.route("/admin/creneaux/<code>/supprimer", methods=["POST"])
@operator_required
def delete_slot(code: str) -> Response:
    slot = _slot(code)
    label = slot.label
    try:
        delete_delivery_slot(
            uow=db.uow(), territory_id=db.territory().id, code=slot.code, actor=me()
        )
    except ValidationError as error:
        db.uow().rollback()
        flash(shown(error), "error")
        return redirect(url_for("operator.edit_slot", code=code))
    flash(
        _("Créneau « %(label)s » supprimé : il n'est plus proposé aux clients.", label=label),
        "success",
    )
    return redirect(url_for("operator.slots"))


@bp.route("/admin/heure-limite", methods=["POST"])
@operator_required
def order_cutoff() -> tuple[str, int] | Response:
    form = CutoffForm()
    if form.validate_on_submit():
        assert form.order_cutoff.data is not None
        try:
            changed = set_order_cutoff(
                uow=db.uow(),
                territory_id=db.territory().id,
                order_cutoff=form.order_cutoff.data,
                actor=me(),
            )
        except ValidationError as error:
            db.uow().rollback()
            attach_error(form, error)
        else:
            hour = hour_text(form.order_cutoff.data)
            if changed:
                flash(
                    _(
                        "Heure limite enregistrée : une commande passée avant %(hour)s peut "
                        "être livrée dès le lendemain.",
                        hour=hour,
                    ),
                    "success",
                )
            else:
                flash(_("L'heure limite était déjà %(hour)s.", hour=hour), "info")
            return redirect(_top())
    return _page(cutoff_form=form, status=422)
