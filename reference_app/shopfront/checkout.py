"""Checkout on one page: where and when, payment, summary; then the confirmation page.

The page carries an idempotency key (a double click creates one order) and the total the
shopper was shown (a price change sends them back to the basket instead of a surprise).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from delivery.calendar import DayNotOffered, NoRoundThen, SlotNotCovered
from reference_app import db, payments
from reference_app.auth.users import acting_shopper, shopper
from reference_app.domain_messages import shown
from reference_app.extensions import checkout_limit, limiter, login_manager, user_or_address
from reference_app.rounds.locating import locate_soon
from reference_app.rounds.settings import now
from reference_app.shopfront.basket import current_cart_id, forget_count
from reference_app.shopfront.basket_views import current_view
from reference_app.shopfront.blueprint import bp
from reference_app.shopfront.delivery_choice import (
    Place,
    check_round_day,
    delivery_dates,
    first_day_hint,
    home_slots,
    no_home_hint,
    not_offered,
    resolve_commune,
    rounds_of,
    slot_hint,
)
from reference_app.shopfront.display import day_choice, day_label, slot_text, slot_unbroken
from reference_app.shopfront.forms import CheckoutForm
from reference_app.shopfront.orders import own_order
from shop_core.accounts.model import Address, User
from shop_core.accounts.profile import AddressInput, create_address
from shop_core.carts.services import CartView
from shop_core.catalogue.browse import load_opening_hours
from shop_core.errors import DomainError, InvalidDeliveryChoice, OpensAfterSlot, ValidationError
from shop_core.merchants.model import Merchant
from shop_core.orders.history import order_for_request, served_parts
from shop_core.orders.model import DeliveryMethod, Order, PaymentMethod
from shop_core.orders.services import (
    Customer,
    DeliveryAddress,
    DeliveryChoice,
    PricesChanged,
    opens_after_slot,
)
from shop_core.orders.services import (
    checkout as place_order,
)
from shop_core.territories.model import DeliverySlot, PickupPoint, Territory

HOME = "home"
COLLECT = "collect"
NEW_ADDRESS = "new"
ONLINE = "online"


def _login_first() -> Response:
    flash(
        _(
            "Connectez-vous, ou créez votre compte en une minute, pour passer commande. "
            "Votre panier est conservé."
        ),
        "info",
    )
    return redirect(url_for("auth.login", next=url_for("shop.checkout")))


@dataclass
class Options:
    """What this shopper may choose today."""

    territory: Territory
    points: list[PickupPoint]
    addresses: list[Address]
    # Saved addresses home delivery no longer goes to (their commune stopped being served).
    not_served: list[Address]
    dates: list[dt.date]
    today: dt.date
    missed: list[DayNotOffered]  # the days before the first one offered, and why
    # Home delivery: the slots a round covers each day offered, for the address in view
    # (the saved one chosen, the first by default; any commune while it is not known).
    home: dict[dt.date, list[DeliverySlot]]
    commune: str | None  # that address's commune, when known
    shops: Sequence[Merchant] = ()  # the basket's

    def fitting_slot(self, day: dt.date) -> DeliverySlot | None:
        """The slot chosen first for ``day``: the first a round covers that every shop of
        the basket opens in time for (a farm opening at 16 h cannot be delivered in the
        morning), else the first a round covers; None when none is."""
        covered = self.home.get(day, [])
        for slot in covered:
            if opens_after_slot(self.shops, day, slot.ends) is None:
                return slot
        return covered[0] if covered else None

    @property
    def slots(self) -> list[DeliverySlot]:
        """The slots offered: those a round covers on at least one day offered."""
        return [s for s in self.territory.delivery_slots if any(s in c for c in self.home.values())]

    @property
    def home_dates(self) -> list[dt.date]:
        """The days offered that take a home delivery (pickups may take the others)."""
        if not self.territory.delivery_slots:
            return self.dates
        return [day for day in self.dates if self.home[day]]

    @property
    def points_by_choice(self) -> dict[str, PickupPoint]:
        return {f"point-{p.id}": p for p in self.points}

    @property
    def addresses_by_choice(self) -> dict[str, Address]:
        # An address no longer served is not offered, but one sent anyway (a page left
        # open) is refused by the checkout, which names its commune.
        return {str(a.id): a for a in [*self.addresses, *self.not_served]}


def _active_points(territory: Territory) -> list[PickupPoint]:
    """The territory's open pickup points by name, with their weekly hours (the page says
    on which days each opens) read in one query rather than one per point."""
    return list(
        db.uow().session.scalars(
            select(PickupPoint)
            .where(PickupPoint.territory_id == territory.id, PickupPoint.active.is_(True))
            .options(selectinload(PickupPoint.opening_hours))
            .order_by(PickupPoint.name)
        )
    )


def _options(
    territory: Territory, at: dt.datetime, shops: Sequence[Merchant], form: CheckoutForm
) -> Options:
    saved = list(shopper().addresses)
    addresses = [
        a
        for a in saved
        if territory.delivers_home_to(insee_code=a.insee_code, postal_code=a.postal_code)
    ]
    dates = delivery_dates(territory, at)
    # Every shop of the basket prepares and hands over its parcels on the day itself: a day
    # one of them is closed would only be moved to the next one by the night's routine.
    open_days = [day for day in dates if all(not shop.is_closed_on(day) for shop in shops)]
    offered = open_days or dates
    rounds = rounds_of(territory)
    insee, commune = _commune_in_view(form, territory, addresses)
    return Options(
        territory=territory,
        points=_active_points(territory),
        addresses=addresses,
        not_served=[a for a in saved if a not in addresses],
        dates=offered,
        today=at.astimezone(ZoneInfo(territory.timezone)).date(),
        missed=not_offered(territory, at, shops, offered[0], rounds),
        home=home_slots(territory, rounds, insee, offered),
        commune=commune,
        shops=shops,
    )


def _commune_in_view(
    form: CheckoutForm, territory: Territory, addresses: Sequence[Address]
) -> tuple[str | None, str | None]:
    """The commune (INSEE code, name) home delivery is offered for: the saved address
    chosen, the first one before anything is chosen, or the address typed once the form is
    sent; ``(None, None)`` while it is not known (a new address not typed yet)."""
    chosen = form.address.data
    if chosen is None and addresses:
        chosen = str(addresses[0].id)
    for address in addresses:
        if chosen == str(address.id):
            return address.insee_code, address.city
    if chosen == NEW_ADDRESS and form.postal_code.data and form.city.data:
        try:
            place = resolve_commune(territory, form.postal_code.data, form.city.data)
        except ValidationError:
            return None, None  # the form says what is wrong with it when it is sent
        if place.served:
            return place.insee_code, place.name
    return None, None


def _setup(form: CheckoutForm, options: Options) -> None:
    """Fill the choices that depend on the territory, the account and the day."""
    where = [SelectChoice(HOME, _("Livraison à domicile"))]
    where += [
        SelectChoice(f"point-{p.id}", _("Point de retrait : %(name)s", name=p.name))
        for p in options.points
    ]
    where.append(SelectChoice(COLLECT, _("Retrait dans les boutiques")))
    form.where.choices = where
    form.address.choices = [SelectChoice(str(a.id), a.label) for a in options.addresses] + [
        SelectChoice(NEW_ADDRESS, _("Une autre adresse"))
    ]
    form.slot.choices = [SelectChoice(s.code, slot_unbroken(slot_text(s))) for s in options.slots]
    form.slot.description = slot_hint(
        options.home, options.territory.delivery_slots, [s.code for s in options.slots]
    )
    if payments.online_enabled() and acting_shopper() is None:
        # Taken over the phone, an order is paid at the door or the point.
        form.payment.choices = [
            *form.payment.choices,
            SelectChoice(ONLINE, _("Paiement par carte bancaire, en ligne maintenant")),
        ]
    form.date.choices = [
        SelectChoice(d.isoformat(), day_choice(d, options.today)) for d in options.dates
    ]
    form.date.description = first_day_hint(
        first=options.dates[0],
        today=options.today,
        cutoff=options.territory.order_cutoff,
        missed=options.missed,
    )
    no_home = [day for day in options.dates if day not in options.home_dates]
    if no_home:
        form.date.description += " " + no_home_hint(no_home, options.commune)


def _fill_defaults(form: CheckoutForm, options: Options, view: CartView) -> None:
    user = shopper()
    form.where.data = HOME
    form.address.data = str(options.addresses[0].id) if options.addresses else NEW_ADDRESS
    form.recipient.data = user.full_name
    form.phone.data = user.phone
    # Home delivery is chosen first: its first day, and the first slot a round covers then
    # that the basket's shops open in time for.
    day = options.home_dates[0] if options.home_dates else options.dates[0]
    slot = options.fitting_slot(day)
    if slot is not None:
        form.slot.data = slot.code
    form.date.data = day.isoformat()
    form.idempotency_key.data = secrets.token_urlsafe(24)
    form.expected_total.data = str(view.total_cents)


@bp.route("/commande", methods=["GET", "POST"])
@limiter.limit(checkout_limit, key_func=user_or_address, methods=["POST"])
def checkout() -> str | Response:
    if not current_user.is_authenticated:
        return _login_first()
    form = CheckoutForm()
    key = (form.idempotency_key.data or "").strip()
    if request.method == "POST" and key:
        done = order_for_request(db.uow().session, user_id=shopper().id, idempotency_key=key)
        if done is not None:  # a second click, or the back button after ordering
            return redirect(url_for("shop.confirmation", reference=done.reference))
    view = current_view()
    if view is None or view.is_empty:
        flash(_("Votre panier est vide : ajoutez des produits avant de commander."), "info")
        return redirect(url_for("shop.basket"))
    if request.method == "POST" and _shown_total(form) != view.total_cents:
        flash(str(PricesChanged()), "warning")
        return redirect(url_for("shop.basket"))
    if view.has_problems or view.prices_changed:
        flash(_("Vérifiez votre panier avant de commander : il a changé."), "warning")
        return redirect(url_for("shop.basket"))
    territory = db.territory()
    load_opening_hours(db.uow().session, [g.merchant.id for g in view.groups])
    at = now()
    options = _options(territory, at, [g.merchant for g in view.groups], form)
    _setup(form, options)
    if request.method == "GET":
        _fill_defaults(form, options, view)
    elif len(key) < 16:
        form.idempotency_key.data = secrets.token_urlsafe(24)
        flash(_("La page a expiré : vérifiez vos choix puis validez à nouveau."), "warning")
    elif form.validate_on_submit():
        choice = _delivery_choice(form, options)
        if choice is not None:
            placed = _place(form, choice, view)
            if placed is not None:
                return placed
    return render_template("shop/checkout.html", form=form, view=view, options=options)


def _shown_total(form: CheckoutForm) -> int | None:
    try:
        return int(form.expected_total.data or "")
    except ValueError:
        return None


def _delivery_choice(form: CheckoutForm, options: Options) -> DeliveryChoice | None:
    """The delivery choice the form describes, or ``None`` after adding field errors."""
    date = dt.date.fromisoformat(form.date.data)
    where = form.where.data or ""
    if where == COLLECT:
        return DeliveryChoice(method=DeliveryMethod.CLICK_COLLECT, date=date)
    if where.startswith("point-"):
        point = options.points_by_choice.get(where)
        if point is not None and point.opening_hours and not point.opening_windows(date.weekday()):
            form.where.errors = [*form.where.errors, _point_closed(point, date, options.dates)]
            return None
        return DeliveryChoice(
            method=DeliveryMethod.PICKUP_POINT, date=date, pickup_point_id=int(where[6:])
        )
    slots = [s.code for s in options.territory.delivery_slots]
    if slots and form.slot.data not in slots:
        form.slot.errors = [*form.slot.errors, _("Choisissez un créneau de livraison.")]
        return None
    address = _address(form, options)
    if address is None:
        return None
    return DeliveryChoice(
        method=DeliveryMethod.HOME, date=date, slot=form.slot.data or None, address=address
    )


def _point_closed(point: PickupPoint, day: dt.date, offered: list[dt.date]) -> str:
    """Why a pickup point cannot take the parcels on ``day`` (its weekly hours say closed),
    with the first day the page offers on which it opens, the soonest the shopper can have
    the parcels there (the point's own next opening may be a day a shop of the basket is
    closed, which the page does not offer)."""
    following = next((d for d in offered if point.opening_windows(d.weekday())), None)
    if following is None:
        return _(
            "Le point de retrait « %(point)s » n'ouvre aucun des jours proposés : choisissez "
            "un autre point de retrait ou un autre mode de réception.",
            point=point.name,
        )
    return _(
        "Le point de retrait « %(point)s » est fermé le %(day)s : choisissez le %(following)s, "
        "ou un autre point de retrait.",
        point=point.name,
        day=day_label(day),
        following=day_label(following),
    )


def _address(form: CheckoutForm, options: Options) -> DeliveryAddress | None:
    chosen = form.address.data or NEW_ADDRESS
    saved = options.addresses_by_choice
    if chosen in saved:
        a = saved[chosen]
        return DeliveryAddress(
            recipient=a.recipient,
            line1=a.line1,
            line2=a.line2,
            postal_code=a.postal_code,
            city=a.city,
            insee_code=a.insee_code,
            lat=a.lat,
            lon=a.lon,
            approximate=a.approximate,
            instructions=" ".join(x for x in (a.instructions, a.phone and f"Tél. {a.phone}") if x),
        )
    if chosen != NEW_ADDRESS:
        form.address.errors = [*form.address.errors, _("Choisissez une adresse de livraison.")]
        return None
    filled = form.check_address_filled()
    # Check the commune even when another field is missing: every problem shows at once.
    place = None
    if not form.postal_code.errors and not form.city.errors:
        place = _place_of(form, options.territory)
    if not filled or place is None:
        return None
    phone = (form.phone.data or "").strip()
    instructions = (form.instructions.data or "").strip()
    return DeliveryAddress(
        recipient=(form.recipient.data or "").strip(),
        line1=(form.line1.data or "").strip(),
        line2=(form.line2.data or "").strip(),
        postal_code=place.postal_code,
        city=place.name,
        insee_code=place.insee_code,
        lat=place.lat,
        lon=place.lon,
        approximate=True,
        instructions=" ".join(x for x in (instructions, phone and f"Tél. {phone}") if x),
    )


def _place_of(form: CheckoutForm, territory: Territory) -> Place | None:
    try:
        place = resolve_commune(territory, form.postal_code.data or "", form.city.data or "")
    except ValidationError as error:
        field = form.city if error.field == "city" else form.postal_code
        field.errors = [*field.errors, shown(error)]
        return None
    if not place.served:
        form.city.errors = [
            *form.city.errors,
            _(
                "La livraison à domicile ne va pas encore jusqu'à %(city)s. Choisissez un point "
                "de retrait ou le retrait dans les boutiques.",
                city=place.name,
            ),
        ]
        return None
    return place


def _place(form: CheckoutForm, choice: DeliveryChoice, view: CartView) -> Response | None:
    """Place the order; on a refusal, say why where it belongs and return ``None``."""
    uow = db.uow()
    user = shopper()
    operator = current_user.id if acting_shopper() is not None else None
    cart_id = current_cart_id(create=False)
    online = form.payment.data == ONLINE and payments.online_enabled() and operator is None
    method = PaymentMethod.ONLINE if online else PaymentMethod.OFFLINE
    try:
        check_round_day(choice, db.territory(), now())
        order_id = place_order(
            uow=uow,
            cart_id=cart_id or 0,
            customer=Customer(
                name=user.full_name,
                email=user.email or "",
                phone=user.phone,
                user_id=user.id,
                placed_by_id=operator,
            ),
            delivery=choice,
            payment_method=method,
            idempotency_key=form.idempotency_key.data,
            expected_total_cents=view.total_cents,
            now=now(),
        )
    except InvalidDeliveryChoice as error:
        uow.rollback()
        _refused(form, choice, error)
        return None
    except DomainError as error:  # prices, stock, a product or shop gone: back to the basket
        uow.rollback()
        flash(shown(error), "warning" if isinstance(error, PricesChanged) else "error")
        return redirect(url_for("shop.basket"))
    forget_count()
    if choice.method is DeliveryMethod.HOME:
        if form.address.data == NEW_ADDRESS:
            _remember_address(form, choice)
        locate_soon(order_id)  # the door, looked up in the background
    reference = uow.session.get_one(Order, order_id).reference
    if online:
        # The order waits for the webhook; the shopper goes to the hosted payment page.
        from reference_app.payments.shopper import pay

        return pay(reference)
    return redirect(url_for("shop.confirmation", reference=reference))


def _refused(form: CheckoutForm, choice: DeliveryChoice, error: InvalidDeliveryChoice) -> None:
    """Say why the delivery choice is refused under what must change.

    Dates, slots and points were checked against the page's own choices, so what is left
    is a shop closed that day, a shop opening after the slot, a slot no round covers there
    that day (the slot: the only one left that day is then chosen), no round to the
    address's commune that day (the day), or a saved address outside the delivery area.
    """
    target = {DeliveryMethod.CLICK_COLLECT: form.date}.get(choice.method, form.where)
    if choice.method is DeliveryMethod.HOME:
        if isinstance(error, OpensAfterSlot | SlotNotCovered):
            target = form.slot
        elif isinstance(error, NoRoundThen):
            target = form.date
        else:
            target = form.address
    slots = db.territory().delivery_slots
    names = {s.code: slot_text(s) for s in slots}
    target.errors = [*target.errors, shown(error, slot_names=names)]
    left = error.params.get("other_codes", ()) if isinstance(error, SlotNotCovered) else ()
    if len(left) == 1:
        form.slot.data = left[0]


def _remember_address(form: CheckoutForm, choice: DeliveryChoice) -> None:
    if not form.save_address.data or choice.address is None:
        return
    a = choice.address
    customer = shopper()
    try:
        create_address(
            uow=db.uow(),
            user_id=customer.id,
            data=AddressInput(
                label=_new_address_label(customer, a.recipient, a.city),
                recipient=a.recipient,
                line1=a.line1,
                line2=a.line2,
                postal_code=a.postal_code,
                city=a.city,
                phone=(form.phone.data or "").strip(),
                instructions=(form.instructions.data or "").strip(),
                insee_code=a.insee_code,
                lat=a.lat,
                lon=a.lon,
            ),
        )
    except DomainError:
        # The order is placed; an address that cannot be kept is not worth an error page.
        db.uow().rollback()


def _new_address_label(customer: User, recipient: str, city: str) -> str:
    """« Domicile » for a first address; a second one is named after whom it is for (an
    order for a parent) or its commune, not « Domicile » again beside the first."""
    if not customer.addresses:
        return _("Domicile")
    if recipient.strip().casefold() != customer.full_name.strip().casefold():
        return recipient.strip()[:60]
    return city.strip()[:60]


@bp.route("/commande/<reference>/confirmation")
def confirmation(reference: str) -> str | Response:
    if not current_user.is_authenticated:
        return login_manager.unauthorized()  # back here after logging in, not to the checkout
    order = own_order(reference)
    if order.payment_method is PaymentMethod.ONLINE:
        return redirect(url_for("payments.waiting", reference=reference))
    return render_template(
        "shop/confirmation.html", order=order, acting=acting_shopper(), served=served_parts(order)
    )


@bp.route("/commande/<reference>/fiche")
def order_sheet(reference: str) -> str | Response:
    """What the operator reads out over the phone, on a page made to be printed."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    order = own_order(reference)
    return render_template("shop/order_sheet.html", order=order, served=served_parts(order))
