"""Territory settings: communes served, pickup points, commission rate, branding."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from delivery import gazetteer, geocoding
from delivery.services import rounds_serving
from reference_app import db, images
from reference_app.domain_messages import shown
from reference_app.extensions import limit_uploads
from reference_app.merchant.blueprint import attach_error
from reference_app.operator.blueprint import bp, operator_required
from reference_app.operator.forms import (
    PICKUP_KIND_LABELS,
    BrandingForm,
    CommissionForm,
    CommuneSearchForm,
    PickupPointForm,
)
from reference_app.operator.point_hours import hours_text, label_days, typed_hours
from reference_app.request_caps import takes_a_photo
from reference_app.rounds import settings
from shop_core.errors import ValidationError
from shop_core.orders.pickup_points import orders_for_point
from shop_core.territories.admin import (
    pickup_point,
    set_pickup_point_active,
    update_branding,
    update_pickup_point,
)
from shop_core.territories.commune_use import commune_use
from shop_core.territories.model import PickupPoint
from shop_core.territories.services import (
    add_commune,
    add_pickup_point,
    remove_commune,
    set_commission,
)


@bp.route("/admin/territoire")
@operator_required
def territory() -> str:
    territory = db.territory()
    return render_template(
        "operator/territory.html",
        territory=territory,
        commission=_percent_text(territory.commission_rate_bp),
    )


# --- communes ------------------------------------------------------------------------------


def _matches(query: str) -> list[gazetteer.GazetteerCommune]:
    query = query.strip()
    found: list[gazetteer.GazetteerCommune] = []
    if query.isdigit() and len(query) == 5:
        found = [c for c in gazetteer.communes() if c.insee_code == query]
    for commune in gazetteer.search(query, limit=15):
        if commune not in found:
            found.append(commune)
    return found


@bp.route("/admin/communes")
@operator_required
def communes() -> str:
    form = CommuneSearchForm(request.args)
    results = _matches(form.q.data or "") if request.args.get("q") and form.validate() else []
    served = {(c.insee_code, c.postal_code) for c in db.territory().communes}
    return render_template(
        "operator/communes.html",
        territory=db.territory(),
        form=form,
        results=results,
        served=served,
        searched=bool(request.args.get("q")),
    )


@bp.route("/admin/communes/ajouter", methods=["POST"])
@operator_required
def add_served_commune() -> Response:
    insee = request.form.get("insee_code", "").strip()
    postal = request.form.get("postal_code", "").strip()
    name = request.form.get("name", "").strip()
    commune = next(
        (c for c in gazetteer.communes() if c.insee_code == insee and c.postal_code == postal),
        None,
    )
    if commune is None and postal:
        commune = gazetteer.find(postal, name)
    if commune is None:
        flash(_("Commune introuvable dans la base des communes des Hauts-de-France."), "error")
        return redirect(url_for("operator.communes", q=name or insee or postal))
    add_commune(
        uow=db.uow(),
        territory_id=db.territory().id,
        insee_code=commune.insee_code,
        postal_code=commune.postal_code,
        name=commune.name,
        lat=commune.lat,
        lon=commune.lon,
        population=commune.population,
    )
    flash(_("%(name)s est desservie.", name=commune.name), "success")
    return redirect(url_for("operator.communes"))


@bp.route("/admin/communes/<insee_code>/retirer", methods=["POST"])
@operator_required
def remove_served_commune(insee_code: str) -> Response | str:
    territory = db.territory()
    commune = next((c for c in territory.communes if c.insee_code == insee_code), None)
    if commune is None:
        flash(_("Cette commune n'est déjà plus desservie."), "info")
        return redirect(url_for("operator.communes"))
    if request.form.get("confirm") != "1":
        # Shops there, deliveries to come, rounds through it: the operator sees what
        # changes before one tap stops serving it.
        session = db.uow().session
        use = commune_use(
            session,
            territory_id=territory.id,
            insee_code=insee_code,
            today=settings.today(territory),
        )
        rounds = rounds_serving(session, territory_id=territory.id, insee_code=insee_code)
        if use or rounds:
            return render_template(
                "operator/commune_remove.html", commune=commune, use=use, rounds=rounds
            )
    name = commune.name
    remove_commune(uow=db.uow(), territory_id=territory.id, insee_code=insee_code)
    flash(_("%(name)s n'est plus desservie.", name=name), "success")
    return redirect(url_for("operator.communes"))


# --- pickup points -------------------------------------------------------------------------


@bp.route("/admin/points-retrait")
@operator_required
def pickup_points() -> str:
    return render_template(
        "operator/pickup_points.html", points=db.territory().pickup_points, kinds=PICKUP_KIND_LABELS
    )


def _coordinate(field: object, low: float, high: float) -> float | None | bool:
    raw = (getattr(field, "data", "") or "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = float(Decimal(raw))
    except InvalidOperation:
        value = float("nan")
    if value != value:  # not a number at all
        field.errors = [*field.errors, _("Nombre décimal attendu, par exemple 50,3814.")]  # type: ignore[attr-defined]
        return False
    if not low <= value <= high:
        said = (
            _("La latitude va de -90 à 90.") if high == 90 else _("La longitude va de -180 à 180.")
        )
        field.errors = [*field.errors, said]  # type: ignore[attr-defined]
        return False
    return value


def _both_or_neither(form: PickupPointForm, lat: float | None, lon: float | None) -> bool:
    """A latitude without its longitude (or the reverse) is said, not dropped for the
    commune's centre."""
    if (lat is None) == (lon is None):
        return True
    missing = form.lon if lon is None else form.lat
    missing.errors = [
        *missing.errors,
        _("Indiquez la latitude et la longitude, ou aucune des deux."),
    ]
    return False


def _save_point(form: PickupPointForm, point: PickupPoint | None) -> bool:
    """Create or change a pickup point from the form; ``False`` with errors shown."""
    lat = _coordinate(form.lat, -90, 90)
    lon = _coordinate(form.lon, -180, 180)
    hours = typed_hours(form)
    if lat is False or lon is False or hours is None or not _both_or_neither(form, lat, lon):
        return False
    postal, city = (form.postal_code.data or "").strip(), (form.city.data or "").strip()
    address = (form.address.data or "").strip()
    place = gazetteer.find(postal, city)
    centre = False
    if (
        lat is None
        or lon is None
        or _moved_with_old_position(point, address, postal, city, lat, lon)
    ):
        if place is None:
            form.city.errors = [
                *form.city.errors,
                _("Commune inconnue pour ce code postal : indiquez les coordonnées."),
            ]
            return False
        query = geocoding.AddressQuery(address, postal, city, place.insee_code)
        found = geocoding.locate(db.uow().session, query, settings.geocoder(), now=settings.now())
        db.uow().commit()  # the geocoder's answer is cached, whatever becomes of the form
        lat, lon = (found.lat, found.lon) if found else (place.lat, place.lon)
        centre = found is None or found.source == "commune"  # a street is good enough
    else:
        try:
            geocoding.check_in_commune(lat, lon, postal, city)
        except ValidationError as error:
            form.lat.errors = [*form.lat.errors, shown(error)]
            return False
    values = {
        "name": form.name.data or "",
        "kind": form.kind.data or "tiers_lieu",
        "address": address,
        "postal_code": postal,
        "city": city,
        "insee_code": place.insee_code if place else None,
        "lat": lat,
        "lon": lon,
        "opening_notes": form.opening_notes.data or "",
        "hours": hours,
    }
    try:
        if point is None:
            add_pickup_point(uow=db.uow(), territory_id=db.territory().id, **values)
        else:
            update_pickup_point(
                uow=db.uow(), territory_id=db.territory().id, point_id=point.id, **values
            )
    except ValidationError as error:
        db.uow().rollback()
        if error.code == "commune_not_served":  # the commune as the gazetteer names it
            form.city.errors = [
                *form.city.errors,
                _(
                    "%(city)s n'est pas une commune desservie par le territoire : ajoutez-la "
                    "d'abord aux communes desservies, ou choisissez un point dans l'une "
                    "d'elles.",
                    city=place.name if place else city,
                ),
            ]
        else:
            attach_error(form, error)
        return False
    if centre:
        flash(
            _(
                "Adresse introuvable : le point est placé au centre de %(city)s. Indiquez sa "
                "latitude et sa longitude pour que le livreur aille à sa porte.",
                city=place.name if place else city,
            ),
            "warning",
        )
    return True


def _moved_with_old_position(
    point: PickupPoint | None, address: str, postal: str, city: str, lat: float, lon: float
) -> bool:
    """Whether an edit changes the point's address but keeps the coordinates shown with the
    old one: the position then follows the new address instead of staying at the old."""
    if point is None or (lat, lon) != (point.lat, point.lon):
        return False
    return (address, postal, city.casefold()) != (
        point.address, point.postal_code, point.city.casefold()
    )  # fmt: skip


@bp.route("/admin/points-retrait/nouveau", methods=["GET", "POST"])
@operator_required
def new_pickup_point() -> str | tuple[str, int] | Response:
    form = PickupPointForm()
    label_days(form)
    if form.validate_on_submit() and _save_point(form, None):
        flash(_("Point de retrait « %(name)s » créé.", name=form.name.data), "success")
        return redirect(url_for("operator.pickup_points"))
    status = 422 if form.is_submitted() else 200
    return render_template("operator/pickup_point_form.html", form=form, point=None), status


def _point_data(point: PickupPoint) -> dict[str, object]:
    return {
        "name": point.name,
        "kind": point.kind,
        "address": point.address,
        "postal_code": point.postal_code,
        "city": point.city,
        "lat": "" if point.lat is None else str(point.lat).replace(".", ","),
        "lon": "" if point.lon is None else str(point.lon).replace(".", ","),
        "opening_notes": point.opening_notes,
        **{f"hours_{weekday}": hours_text(point, weekday) for weekday in range(7)},
    }


@bp.route("/admin/points-retrait/<int:point_id>", methods=["GET", "POST"])
@operator_required
def edit_pickup_point(point_id: int) -> str | tuple[str, int] | Response:
    point = pickup_point(db.uow().session, territory_id=db.territory().id, point_id=point_id)
    form = PickupPointForm(data=None if request.method == "POST" else _point_data(point))
    label_days(form)
    if form.validate_on_submit() and _save_point(form, point):
        flash(_("Point de retrait « %(name)s » enregistré.", name=form.name.data), "success")
        return redirect(url_for("operator.pickup_points"))
    status = 422 if form.is_submitted() else 200
    return render_template("operator/pickup_point_form.html", form=form, point=point), status


@bp.route("/admin/points-retrait/<int:point_id>/etat", methods=["POST"])
@operator_required
def toggle_pickup_point(point_id: int) -> Response:
    point = pickup_point(db.uow().session, territory_id=db.territory().id, point_id=point_id)
    active = request.form.get("active") == "1"
    set_pickup_point_active(
        uow=db.uow(), territory_id=db.territory().id, point_id=point.id, active=active
    )
    if active:
        flash(_("« %(name)s » est de nouveau proposé.", name=point.name), "success")
        return redirect(url_for("operator.pickup_points"))
    flash(_("« %(name)s » n'est plus proposé aux clients.", name=point.name), "success")
    still = orders_for_point(db.uow().session, territory_id=db.territory().id, point_id=point.id)
    if still:
        flash(
            ngettext(
                "%(num)s commande déjà passée pour ce point y reste : elle y est livrée et "
                "remise au client comme prévu.",
                "%(num)s commandes déjà passées pour ce point y restent : elles y sont livrées "
                "et remises aux clients comme prévu.",
                still,
            ),
            "info",
        )
    return redirect(url_for("operator.pickup_points"))


# --- commission and branding ---------------------------------------------------------------


def _percent_text(bp_value: int) -> str:
    """Basis points as the percentage the operator reads and types back: « 10 », « 4,5 »,
    « 0 » (in the page's language; the form takes either decimal mark)."""
    return format_decimal(Decimal(bp_value) / 100, format="0.##")


@bp.route("/admin/commission", methods=["GET", "POST"])
@operator_required
def commission() -> str | tuple[str, int] | Response:
    territory = db.territory()
    form = CommissionForm(
        data=None
        if request.method == "POST"
        else {"percent": _percent_text(territory.commission_rate_bp)}
    )
    if form.validate_on_submit():
        raw = (form.percent.data or "").replace(",", ".").replace("%", "").strip()
        try:
            basis_points = Decimal(raw) * 100
        except InvalidOperation:
            basis_points = Decimal("NaN")
        if not basis_points.is_finite() or basis_points != basis_points.to_integral_value():
            form.percent.errors = [_("Écrivez un pourcentage, par exemple 5 ou 4,5.")]
        else:
            try:
                set_commission(
                    uow=db.uow(), territory_id=territory.id, commission_rate_bp=int(basis_points)
                )
            except ValidationError as error:
                db.uow().rollback()
                form.percent.errors = [str(error)]
            else:
                flash(
                    _("Commission enregistrée : %(p)s %%.", p=_percent_text(int(basis_points))),
                    "success",
                )
                return redirect(url_for("operator.territory"))
    status = 422 if form.is_submitted() else 200
    return render_template("operator/commission.html", form=form), status


@bp.route("/admin/apparence", methods=["GET", "POST"])
@takes_a_photo
@limit_uploads
@operator_required
def branding() -> str | tuple[str, int] | Response:
    territory = db.territory()
    form = BrandingForm(
        data=None
        if request.method == "POST"
        else {
            "name": territory.name,
            "tagline": territory.tagline,
            "primary_color": territory.primary_color,
            "accent_color": territory.accent_color,
        }
    )
    if form.validate_on_submit():
        logo_key: str | None = None
        upload = request.files.get("logo")
        ok = True
        if upload is not None and upload.filename:
            try:
                logo_key = images.store(upload.read(images.MAX_BYTES + 1), "branding").thumb_key
            except images.ImageRejected as error:
                form.logo.errors = [error.shown()]
                ok = False
        if ok:
            try:
                update_branding(
                    uow=db.uow(),
                    territory_id=territory.id,
                    name=form.name.data or "",
                    tagline=form.tagline.data or "",
                    primary_color=form.primary_color.data or "",
                    accent_color=form.accent_color.data or "",
                    logo_key=logo_key,
                    remove_logo=bool(form.remove_logo.data),
                )
            except ValidationError as error:
                db.uow().rollback()
                attach_error(form, error)
            else:
                flash(_("Apparence enregistrée."), "success")
                return redirect(url_for("operator.territory"))
    status = 422 if form.is_submitted() else 200
    return render_template("operator/branding.html", form=form, territory=territory), status
