"""``/boutique/ma-boutique``: what a merchant changes about their own shop, in two forms
saved apart (a mistake in one never loses the other): the presentation and how to reach
the shop, and the weekly opening hours.

The address, SIRET and legal name are not here: the territory's facilitator changes them
(the address also moves where the courier collects).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, EmailField, TelField, TextAreaField

from reference_app import db
from reference_app.auth.users import actor, merchant_required
from reference_app.domain_messages import shown
from reference_app.formatting import hour_text, typed_time
from reference_app.merchant.blueprint import attach_error, bp, shop
from reference_app.shopfront.display import closures_ahead, weekday_names
from shop_core.errors import ValidationError
from shop_core.merchants.model import Merchant
from shop_core.merchants.services import (
    DESCRIPTION_MAX,
    PresentationInput,
    set_opening_hours,
    update_presentation,
)

#: Time ranges shown per day (morning, afternoon); a day saved with more shows them all.
RANGES = 2
#: Ranges read per day at most (a form cannot make the view loop on and on).
MAX_RANGES = 6


class PresentationForm(FlaskForm):
    description = TextAreaField(
        _l("Présentation de la boutique"),
        description=_l(
            "Affichée sur votre page boutique : ce que vous faites, d'où viennent vos "
            "produits. %(n)s caractères au plus.",
            n=DESCRIPTION_MAX,
        ),
        render_kw={"rows": 6, "maxlength": DESCRIPTION_MAX},
    )
    phone = TelField(
        _l("Téléphone"),
        description=_l("Affiché sur votre page boutique. Par exemple 03 21 12 34 56."),
        render_kw={"maxlength": 30},
    )
    email = EmailField(
        _l("E-mail de contact"),
        description=_l(
            "Pour que l'animation du territoire puisse vous écrire ; vos clients ne le voient pas."
        ),
        render_kw={"maxlength": 254},
    )
    click_and_collect = BooleanField(
        _l("Je propose le retrait en boutique (click & collect)"),
    )


class HoursForm(FlaskForm):
    """Only the CSRF token: the days are read from the request (see ``_typed_days``)."""


# --- opening hours ---------------------------------------------------------------------------


@dataclass
class DayHours:
    """One weekday of the hours form: « Fermé », and the ranges as typed (``HH:MM``)."""

    weekday: int
    name: str
    closed: bool
    ranges: list[tuple[str, str]]
    error: str = ""
    bad: set[str] = field(default_factory=set)  # input names to mark invalid

    def input_name(self, index: int, end: str) -> str:
        return f"j{self.weekday}-{end}{index + 1}"

    @property
    def closed_name(self) -> str:
        return f"j{self.weekday}-ferme"


def _saved_days(merchant: Merchant) -> list[DayHours]:
    """The form filled from the shop's hours; a shop with none yet has no day ticked closed."""
    days = []
    for weekday, name in enumerate(weekday_names()):
        windows = merchant.opening_windows(weekday)
        ranges = [(a.strftime("%H:%M"), b.strftime("%H:%M")) for a, b in windows]
        ranges += [("", "")] * (RANGES - len(ranges))
        closed = bool(merchant.opening_hours) and not windows
        days.append(DayHours(weekday, name, closed, ranges))
    return days


def _typed_days() -> list[DayHours]:
    days = []
    for weekday, name in enumerate(weekday_names()):
        day = DayHours(weekday, name, request.form.get(f"j{weekday}-ferme") == "1", [])
        # As many ranges as the page showed (two; more for a day saved with more).
        for index in range(MAX_RANGES):
            opens, closes = day.input_name(index, "de"), day.input_name(index, "a")
            if index >= RANGES and opens not in request.form:
                break
            day.ranges.append(
                (
                    request.form.get(opens, "").strip()[:10],
                    request.form.get(closes, "").strip()[:10],
                )
            )
        days.append(day)
    return days


def _windows(day: DayHours) -> list[tuple[dt.time, dt.time]] | None:
    """The day's ranges as times; ``None`` with ``day.error`` set when the form cannot
    read them (an unreadable time, a range with one end, a second range before the first)."""
    windows: list[tuple[dt.time, dt.time]] = []
    for index, (opens_text, closes_text) in enumerate(day.ranges):
        if not opens_text and not closes_text:
            continue
        names = (day.input_name(index, "de"), day.input_name(index, "a"))
        for text, name in zip((opens_text, closes_text), names, strict=True):
            if text and typed_time(text) is None:
                day.error = _(
                    "«\u00a0%(typed)s\u00a0» n'est pas une heure : écrivez par exemple 08:30.",
                    typed=text,
                )
                day.bad.add(name)
                return None
        if not closes_text:
            day.error = _(
                "Il manque l'heure de fermeture de la plage qui ouvre à %(time)s.", time=opens_text
            )
            day.bad.add(names[1])
            return None
        if not opens_text:
            day.error = _(
                "Il manque l'heure d'ouverture de la plage qui ferme à %(time)s.", time=closes_text
            )
            day.bad.add(names[0])
            return None
        opens, closes = typed_time(opens_text), typed_time(closes_text)
        assert opens is not None and closes is not None
        if windows and opens < windows[-1][0]:
            day.error = _(
                "La seconde plage vient avant la première : mettez le matin sur la première "
                "ligne et l'après-midi sur la seconde."
            )
            day.bad.update(names)
            return None
        # The core's own refusals, checked here too so that every day at fault is told in
        # one go (the core stops at its first).
        if closes <= opens:
            day.error = _("L'heure de fermeture doit suivre l'ouverture.")
            day.bad.update(names)
            return None
        if windows and opens < windows[-1][1]:
            day.error = _("Deux plages horaires se chevauchent.")
            day.bad.update(names)
            return None
        windows.append((opens, closes))
    return windows


def _checked(days: list[DayHours], merchant: Merchant) -> list[tuple[int, dt.time, dt.time]]:
    """The weekly windows typed; the days the form refuses get their ``error``."""
    weekly: list[tuple[int, dt.time, dt.time]] = []
    for day in days:
        windows = _windows(day)
        if windows is None:
            continue
        if day.closed:
            # Ticking « Fermé » on a day shown open closes it with its hours still filled
            # in; hours typed anew on a day ticked closed are a doubt, not a choice.
            if windows and windows != merchant.opening_windows(day.weekday):
                day.error = _(
                    "Vous avez coché «\u00a0Fermé\u00a0» et indiqué des heures : "
                    "décochez «\u00a0Fermé\u00a0» pour ouvrir ce jour-là, ou effacez les heures."
                )
            continue
        if not windows:
            day.error = _("Indiquez les heures d'ouverture, ou cochez «\u00a0Fermé\u00a0».")
            continue
        weekly += [(day.weekday, opens, closes) for opens, closes in windows]
    return weekly


def _place_core_error(error: ValidationError, days: list[DayHours]) -> bool:
    """Put ``set_opening_hours``'s refusal next to the days it is about (it names the kind
    of fault, not the day); ``False`` when no day matches."""
    placed = False
    for day in days:
        windows = [] if day.closed else sorted(_windows(day) or [])
        if error.field == "closes":
            wrong = any(opens >= closes for opens, closes in windows)
        else:
            wrong = any(b[0] < a[1] for a, b in zip(windows, windows[1:], strict=False))
        if wrong:
            day.error = shown(error)
            placed = True
    return placed


def _day_text(windows: list[tuple[dt.time, dt.time]]) -> str:
    if not windows:
        return _("fermé")
    return ", ".join(f"{hour_text(a)} – {hour_text(b)}" for a, b in windows)


def _hours_changes(merchant: Merchant, weekly: list[tuple[int, dt.time, dt.time]]) -> list[str]:
    """ "mardi : 9 h – 12 h" for each day whose hours the save changes."""
    changes = []
    for weekday, name in enumerate(weekday_names()):
        new = sorted((o, c) for d, o, c in weekly if d == weekday)
        if new != merchant.opening_windows(weekday) or not merchant.opening_hours:
            changes.append(f"{name} : {_day_text(new)}")
    return changes


# --- the page --------------------------------------------------------------------------------


def _presentation_form(merchant: Merchant) -> PresentationForm:
    # The page is one form: the presentation comes back as typed whichever button was
    # pressed (a post with the hours alone leaves it as saved).
    if request.method == "POST" and "description" in request.form:
        return PresentationForm()
    return PresentationForm(
        formdata=None,
        data={
            "description": merchant.description,
            "phone": merchant.phone,
            "email": merchant.email,
            "click_and_collect": merchant.click_and_collect,
        },
    )


def _page(
    merchant: Merchant,
    *,
    presentation: PresentationForm | None = None,
    hours: HoursForm | None = None,
    days: list[DayHours] | None = None,
    hours_error: str = "",
    pending: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    return render_template(
        "merchant/shop_settings.html",
        merchant=merchant,
        presentation=presentation or _presentation_form(merchant),
        hours=hours or HoursForm(formdata=None),
        days=days or _saved_days(merchant),
        hours_error=hours_error,
        pending=pending,
        hours_unset=not merchant.opening_hours,
        closures_ahead=closures_ahead(merchant),
    ), status


def _presentation_typed(merchant: Merchant) -> bool:
    """Whether the post holds a presentation other than the saved one."""
    if "description" not in request.form:
        return False
    typed = (
        request.form.get("description", "").replace("\r\n", "\n"),
        request.form.get("phone", "").strip(),
        request.form.get("email", "").strip().lower(),
        bool(request.form.get("click_and_collect")),
    )
    saved = (
        merchant.description,
        merchant.phone or "",
        (merchant.email or "").lower(),
        merchant.click_and_collect,
    )
    return typed != saved


def _hours_typed(merchant: Merchant) -> list[DayHours] | None:
    """The hours as typed when the post holds hours other than the saved ones."""
    if "j0-de1" not in request.form and "j0-ferme" not in request.form:
        return None
    typed, saved = _typed_days(), _saved_days(merchant)

    def blank(day: DayHours) -> tuple[bool, list[tuple[str, str]]]:
        return day.closed, [r for r in day.ranges if r != ("", "")]

    return typed if [blank(d) for d in typed] != [blank(d) for d in saved] else None


def _saved_keeping(
    merchant: Merchant,
    message: str,
    *,
    pending: str | None,
    days: list[DayHours] | None = None,
) -> Response | tuple[str, int]:
    """After one part of the page was saved: back to the page; or, when the other part was
    changed and not saved (``pending``: which, « presentation » or « hours »), the page as
    typed (``days``: the hours typed), saying there that those changes are not saved yet:
    the browser shows the part whose button was pressed, far from the messages on a phone."""
    flash(message, "success")
    if pending is None:
        return _saved()
    return _page(merchant, days=days, pending=pending)


def _saved() -> Response:
    """Back to the page at the top of its content, where the message is: without a
    fragment of its own the browser keeps the form's (« #horaires »), the message out of
    sight on a phone."""
    return redirect(url_for("merchant.shop_settings") + "#contenu")


@bp.route("/boutique/ma-boutique")
@merchant_required
def shop_settings() -> tuple[str, int]:
    return _page(shop())


@bp.route("/boutique/ma-boutique/presentation", methods=["POST"])
@merchant_required
def save_presentation() -> tuple[str, int] | Response:
    merchant = shop()
    form = PresentationForm()
    if form.validate_on_submit():
        data = PresentationInput(
            description=(form.description.data or "").replace("\r\n", "\n"),
            phone=form.phone.data or "",
            email=form.email.data or "",
            click_and_collect=bool(form.click_and_collect.data),
        )
        try:
            changed = update_presentation(
                uow=db.uow(), merchant_id=merchant.id, data=data, actor=actor()
            )
        except ValidationError as error:
            db.uow().rollback()
            attach_error(form, error)
        else:
            hours = _hours_typed(merchant)
            return _saved_keeping(
                merchant,
                _presentation_message(changed, data.click_and_collect),
                pending=None if hours is None else "hours",
                days=hours,
            )
    return _page(merchant, presentation=form, days=_typed_days_if_sent(), status=422)


def _typed_days_if_sent() -> list[DayHours] | None:
    """The hours as typed, if the post holds them (``None``: show the saved ones)."""
    if "j0-de1" not in request.form and "j0-ferme" not in request.form:
        return None
    return _typed_days()


def _presentation_message(changed: list[str], click_and_collect: bool) -> str:
    if not changed:
        return _("Présentation et contact : rien n'a changé.")
    labels = {
        "description": _("la présentation"),
        "phone": _("le téléphone"),
        "email": _("l'e-mail de contact"),
        "click_and_collect": _("retrait en boutique proposé")
        if click_and_collect
        else _("retrait en boutique plus proposé"),
    }
    return _(
        "Enregistré : %(changes)s. Votre page boutique est à jour.",
        changes=", ".join(labels[name] for name in changed),
    )


@bp.route("/boutique/ma-boutique/horaires", methods=["POST"])
@merchant_required
def save_hours() -> tuple[str, int] | Response:
    merchant = shop()
    form = HoursForm()
    days = _typed_days()
    if not form.validate_on_submit():
        return _page(
            merchant,
            hours=form,
            days=days,
            hours_error=_("Le formulaire a expiré, renvoyez-le."),
            status=422,
        )
    weekly = _checked(days, merchant)
    if any(day.error for day in days):
        return _page(merchant, hours=form, days=days, status=422)
    if not weekly:
        error = _(
            "Indiquez au moins un jour d'ouverture : sans horaires, les clients ne savent pas "
            "quand vous êtes ouvert."
        )
        return _page(merchant, hours=form, days=days, hours_error=error, status=422)
    changes = _hours_changes(merchant, weekly)
    if not changes:
        return _saved_keeping(
            merchant,
            _("Horaires d'ouverture : rien n'a changé."),
            pending="presentation" if _presentation_typed(merchant) else None,
        )
    try:
        set_opening_hours(uow=db.uow(), merchant_id=merchant.id, windows=weekly, actor=actor())
    except ValidationError as error:
        db.uow().rollback()
        placed = _place_core_error(error, days)
        return _page(
            merchant,
            hours=form,
            days=days,
            hours_error="" if placed else shown(error),
            status=422,
        )
    return _saved_keeping(
        merchant,
        _("Horaires enregistrés — %(changes)s.", changes=" ; ".join(changes)),
        pending="presentation" if _presentation_typed(merchant) else None,
    )
