"""``/boutique/fermetures``: the shop's exceptional closures (holidays, works…).

On those days checkout offers no delivery or collection that needs the shop, and the
rounds do not call there. The orders already placed for those days are named, for the
merchant to prepare them before or to call the facilitator.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import DateField, StringField
from wtforms.validators import InputRequired, Length, Optional

from reference_app import db
from reference_app.auth.users import actor, merchant_required
from reference_app.formatting import date_fr
from reference_app.merchant.blueprint import attach_error, bp, shop
from reference_app.rounds import settings
from shop_core.errors import DomainError
from shop_core.merchants.closures import (
    ClosureInput,
    add_closure,
    orders_during,
    remove_closure,
    upcoming,
)


def day_range(
    starts: dt.date, ends: dt.date, *, pattern: str = "EEEE d MMMM", year_on_end: bool = True
) -> tuple[str, str]:
    """The first and last days of a range as « du … au … » writes them: the year on the
    last (``year_on_end``), and on both when they differ — « lundi 20 décembre 2027 » …
    « mercredi 1er mars 2028 », not « lundi 20 décembre » … « mercredi 1er mars 2028 »."""
    with_year = f"{pattern} yyyy"
    across = starts.year != ends.year
    return (
        date_fr(starts, with_year if across else pattern),
        date_fr(ends, with_year if across or year_on_end else pattern),
    )


class DayField(DateField):
    """A day typed as the browser sends it (2026-12-21) or as people write it (21/12/2026),
    with a French message when it is neither."""

    def __init__(self, label: str | LazyString, **kwargs: Any) -> None:
        super().__init__(label, format=["%Y-%m-%d", "%d/%m/%Y"], **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(
                str(_l("Date non reconnue : indiquez un jour qui existe, par exemple 24/11/2026."))
            ) from error


class ClosureForm(FlaskForm):
    starts = DayField(
        _l("Premier jour fermé"),
        validators=[InputRequired(message=_l("Indiquez le premier jour de fermeture."))],
    )
    ends = DayField(
        _l("Dernier jour fermé"),
        validators=[InputRequired(message=_l("Indiquez le dernier jour de fermeture."))],
        description=_l("Le même jour que le premier pour une seule journée."),
    )
    note = StringField(
        _l("Motif (facultatif)"),
        validators=[Optional(), Length(max=120)],
        description=_l("Par exemple « Congés d'été ». Les clients le voient sur votre page."),
    )


def _page(form: ClosureForm, status: int = 200) -> tuple[str, int]:
    merchant = shop()
    today = settings.today(db.territory())
    closures = upcoming(merchant.closures, today)
    return render_template(
        "merchant/closures.html",
        form=form,
        closures=closures,
        orders={
            c.id: orders_during(db.uow().session, merchant.id, c.starts, c.ends) for c in closures
        },
        remove_form=FlaskForm(),
        today=today,
        day_range=day_range,
    ), status


@bp.get("/boutique/fermetures")
@merchant_required
def closures() -> tuple[str, int]:
    return _page(ClosureForm())


@bp.post("/boutique/fermetures")
@merchant_required
def add_closure_view() -> Response | tuple[str, int]:
    form = ClosureForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    merchant = shop()
    data = ClosureInput(form.starts.data, form.ends.data, form.note.data or "")  # type: ignore[arg-type]
    try:
        closure = add_closure(
            uow=db.uow(),
            merchant_id=merchant.id,
            data=data,
            actor=actor(),
            today=settings.today(db.territory()),
        )
    except DomainError as error:
        db.uow().rollback()
        attach_error(form, error)
        return _page(form, 422)
    if closure.starts == closure.ends:  # « du mardi 24 novembre au mardi 24 novembre »
        saved = _(
            "Fermeture enregistrée le %(day)s : ce jour-là, vos produits ne sont plus proposés "
            "à la livraison ni au retrait.",
            day=date_fr(closure.starts, "EEEE d MMMM"),
        )
    else:
        first, last = day_range(closure.starts, closure.ends, year_on_end=False)
        saved = _(
            "Fermeture enregistrée du %(starts)s au %(ends)s : ces jours-là, vos produits ne "
            "sont plus proposés à la livraison ni au retrait.",
            starts=first,
            ends=last,
        )
    flash(saved, "success")
    during = orders_during(db.uow().session, merchant.id, closure.starts, closure.ends)
    if during:
        flash(
            ngettext(
                "%(num)s commande est déjà prévue pendant cette fermeture : préparez-la avant "
                "de fermer, ou appelez l'animation du territoire pour la décaler.",
                "%(num)s commandes sont déjà prévues pendant cette fermeture : préparez-les "
                "avant de fermer, ou appelez l'animation du territoire pour les décaler.",
                len(during),
            ),
            "warning",
        )
    return redirect(url_for("merchant.closures"))


@bp.post("/boutique/fermetures/<int:closure_id>/supprimer")
@merchant_required
def remove_closure_view(closure_id: int) -> Response:
    form = FlaskForm()
    if not form.validate_on_submit():
        flash(_("Le formulaire a expiré, renvoyez-le."), "error")
        return redirect(url_for("merchant.closures"))
    remove_closure(uow=db.uow(), merchant_id=shop().id, closure_id=closure_id, actor=actor())
    flash(
        _("Fermeture supprimée : la boutique rouvre ces jours-là, selon ses horaires."), "success"
    )
    return redirect(url_for("merchant.closures"))
