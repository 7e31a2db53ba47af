"""E-mails about orders, sent only once the change they announce is committed.

How it works:

1. While a transaction runs, two sources note *events* in ``session.info``: the core's
   ``on_transition`` hook (a merchant order changed status) and an ``after_flush`` listener
   (a new ``Order`` row was written, i.e. a checkout).
2. When that session commits, its events move to the request's outbox on ``flask.g``; when
   the transaction ends any other way (rollback, error, close) they are dropped. A change
   that rolled back never sends a mail.
3. After the request (``after_request``) the outbox goes to a background job
   (``reference_app.jobs``: a thread of the web process, a Celery worker, or at once in
   tests), so that no page waits for the mail server; if the job cannot be handed over,
   the request sends it itself. A command line sends its outbox when its app context ends.
   Each event is rendered from a fresh read of the database, links built on the address
   the request came to. A failure is logged and never reaches the shopper.

Who gets what: the shopper gets the order confirmation and news of each merchant order
(refused, ready at the shop, on its way, delivered, waiting at the pickup point, delivery
failed, cancelled by someone else); each merchant gets every new order, every
cancellation by the shopper, and word when a courier left without an order that was not
ready (``announce(LeftAtShop(...))``), at the shop's e-mail and its staff's. A shop without any
address is reported to the territory's operators so that someone phones it. The shopper
reads them in the language of their account (French or English); shops read French.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, has_app_context, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction, object_session, selectinload

from delivery import queries
from reference_app import jobs, mail
from reference_app.rounds import settings
from shop_core.accounts.model import Role, User
from shop_core.merchants.model import Merchant, MerchantMember
from shop_core.orders.model import (
    DeliveryMethod,
    MerchantOrder,
    MerchantOrderStatus,
    Order,
    PaymentMethod,
)
from shop_core.orders.pickup_points import to_pay_at_point
from shop_core.orders.returns import failure_before_return, parcel_return
from shop_core.orders.services import on_transition
from shop_core.territories.model import Territory

log = logging.getLogger("cabas.notifications")

_PENDING = "cabas_notifications"
_OUTBOX = "cabas_notification_outbox"
S = MerchantOrderStatus


@dataclass(frozen=True, slots=True)
class OrderPlaced:
    order_id: int


@dataclass(frozen=True, slots=True)
class StatusChanged:
    merchant_order_id: int
    status: MerchantOrderStatus
    reason: str
    actor_id: int | None


@dataclass(frozen=True, slots=True)
class LeftAtShop:
    """A courier came for a merchant order that was not ready and left without it."""

    merchant_order_id: int


@dataclass(frozen=True, slots=True)
class Postponed:
    """The operator moved an order the day's rounds could not deliver to a later date
    (``previous``, ISO); the new one is the order's."""

    order_id: int
    previous: str


@dataclass(frozen=True, slots=True)
class PickupReminder:
    """The order's parcels have waited ``days`` days at its pickup point."""

    order_id: int
    days: int


Event = OrderPlaced | StatusChanged | LeftAtShop | Postponed | PickupReminder


# --- collecting -------------------------------------------------------------------------


def _ours(session: Session | None) -> bool:
    """Whether ``session`` belongs to the current app's database (not a test's or a tool's)."""
    if session is None or not has_app_context():
        return False
    database = current_app.extensions.get("cabas_db")
    return (
        "cabas_notifications" in current_app.extensions
        and database is not None
        and session.get_bind() is database.engine
    )


def _note(session: Session, item: Event) -> None:
    session.info.setdefault(_PENDING, []).append(item)


def _on_transition(mo: MerchantOrder, current: MerchantOrderStatus, target: S) -> None:
    session = object_session(mo)
    if not _ours(session):
        return
    assert session is not None
    last = mo.history[-1] if mo.history else None
    _note(
        session,
        StatusChanged(
            merchant_order_id=mo.id,
            status=target,
            reason=last.reason if last is not None else "",
            actor_id=last.actor_id if last is not None else None,
        ),
    )


def _after_flush(session: Session, _context: Any) -> None:
    for obj in session.new:
        if isinstance(obj, Order) and _ours(session):
            _note(session, OrderPlaced(order_id=obj.id))


def _after_commit(session: Session) -> None:
    events = session.info.pop(_PENDING, [])
    if events and has_app_context():
        g.setdefault(_OUTBOX, []).extend(events)


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended without a commit
        session.info.pop(_PENDING, None)


_hook_registered = False


def init_app(app: Flask) -> None:
    """Collect order events of this app's database and mail them after each request."""
    global _hook_registered
    if not _hook_registered:  # the core's hook list is global; create_app runs many times
        on_transition(_on_transition)
        _hook_registered = True
    sessions = app.extensions["cabas_db"].sessions
    event.listen(sessions, "after_flush", _after_flush)
    event.listen(sessions, "after_commit", _after_commit)
    event.listen(sessions, "after_transaction_end", _after_transaction_end)
    app.extensions["cabas_notifications"] = True

    @app.after_request
    def _send_after_request(response: Any) -> Any:
        events: list[Event] = g.pop(_OUTBOX, [])
        if events:
            hand_over(events, base_url=request.url_root)
        return response

    @app.teardown_appcontext
    def _send_at_teardown(_exc: BaseException | None) -> None:
        send_outbox()  # command-line work (expiry, imports) has no request


# --- sending ----------------------------------------------------------------------------


MAIL_JOB = "notifications.send"


def hand_over(events: list[Event], *, base_url: str) -> None:
    """Send ``events`` from a background job; here and now if the job service is down."""
    try:
        jobs.submit(MAIL_JOB, events=[_encode(item) for item in events], base_url=base_url)
    except jobs.JobsUnavailable:
        _send_all(events)
    except Exception:  # noqa: BLE001 - run inline, a failing job never breaks the request
        log.exception("could not send %d notification(s)", len(events))


@jobs.job(MAIL_JOB)
def _mail_job(events: list[dict[str, Any]], base_url: str) -> None:
    # A request context on the address the shopper used, so that links are absolute.
    with current_app.test_request_context(base_url=base_url):
        _send_all([_decode(item) for item in events])


def announce(*events: Event) -> None:
    """Mail ``events`` after this request, like the ones the order changes note (for news
    that is no status change, e.g. a parcel left at the shop)."""
    g.setdefault(_OUTBOX, []).extend(events)


def _encode(item: Event) -> dict[str, Any]:
    if isinstance(item, OrderPlaced):
        return {"order_id": item.order_id}
    if isinstance(item, LeftAtShop):
        return {"left_at_shop": item.merchant_order_id}
    if isinstance(item, Postponed):
        return {"postponed": item.order_id, "previous": item.previous}
    if isinstance(item, PickupReminder):
        return {"pickup_reminder": item.order_id, "days": item.days}
    return {
        "merchant_order_id": item.merchant_order_id,
        "status": item.status.value,
        "reason": item.reason,
        "actor_id": item.actor_id,
    }


def _decode(data: dict[str, Any]) -> Event:
    if "order_id" in data:
        return OrderPlaced(order_id=int(data["order_id"]))
    if "left_at_shop" in data:
        return LeftAtShop(merchant_order_id=int(data["left_at_shop"]))
    if "postponed" in data:
        return Postponed(order_id=int(data["postponed"]), previous=str(data["previous"]))
    if "pickup_reminder" in data:
        return PickupReminder(order_id=int(data["pickup_reminder"]), days=int(data["days"]))
    actor = data.get("actor_id")
    return StatusChanged(
        merchant_order_id=int(data["merchant_order_id"]),
        status=MerchantOrderStatus(data["status"]),
        reason=str(data.get("reason") or ""),
        actor_id=int(actor) if actor is not None else None,
    )


def send_outbox() -> None:
    """Send what the committed transactions of this context announced; never raises."""
    _send_all(g.pop(_OUTBOX, []))


def _send_all(events: list[Event]) -> None:
    if not events:
        return
    try:
        database = current_app.extensions["cabas_db"]
        with database.uow() as uow, force_locale("fr"):
            for item in events:
                try:
                    _send(uow.session, item)
                except Exception:  # noqa: BLE001 - a mail never breaks the request
                    log.exception("could not send the notification %r", item)
    except Exception:  # noqa: BLE001
        log.exception("could not send %d notification(s)", len(events))


def _send(session: Session, item: Event) -> None:
    if isinstance(item, OrderPlaced | Postponed | PickupReminder):
        order = _load_order(session, item.order_id)
        if order is None:
            return
        if isinstance(item, Postponed):
            _postponed(session, order, dt.date.fromisoformat(item.previous))
        elif isinstance(item, PickupReminder):
            _pickup_reminder(session, order, item.days)
        else:
            _order_placed(session, order)
        return
    mo = session.get(MerchantOrder, item.merchant_order_id)
    if mo is None:
        return
    if isinstance(item, LeftAtShop):
        _left_at_shop(session, mo)
    else:
        _status_changed(session, mo, item)


def _load_order(session: Session, order_id: int) -> Order | None:
    return session.scalar(
        select(Order)
        .where(Order.id == order_id)
        .options(
            selectinload(Order.pickup_point),
            selectinload(Order.merchant_orders).options(
                selectinload(MerchantOrder.lines),
                selectinload(MerchantOrder.merchant)
                .selectinload(Merchant.members)
                .selectinload(MerchantMember.user),
                selectinload(MerchantOrder.merchant).selectinload(Merchant.opening_hours),
            ),
        )
    )


def _link(endpoint: str, **values: Any) -> str:
    """An absolute link when the app can build one (in a request, or with SERVER_NAME)."""
    if endpoint not in current_app.view_functions:
        return ""
    try:
        return url_for(endpoint, _external=True, **values)
    except RuntimeError:
        return ""


def _context(session: Session, order: Order) -> dict[str, Any]:
    from reference_app.shopfront import display

    territory = session.get_one(Territory, order.territory_id)
    return {
        "order": order,
        "territory": territory,
        "method_label": display.method_label,
        "day_label": display.day_label,
        "unit_suffix": display.unit_suffix,
        "weight_text": display.weight_text,
        "open_days": display.open_days,
        # Worded when the mail is rendered, in its reader's language (see display.slot_text).
        "slot": LazyString(display.slot_label, order.delivery_slot, list(territory.delivery_slots)),
        "order_link": _link("shop.my_order", reference=order.reference),
    }


def merchant_recipients(merchant: Merchant) -> list[str]:
    """The shop's e-mail and its staff's, each once."""
    found: list[str] = []
    candidates = [merchant.email] + [
        m.user.email for m in merchant.members if m.user.active and m.user.deleted_at is None
    ]
    for address in candidates:
        address = (address or "").strip().lower()
        if address and address not in found:
            found.append(address)
    return found


def _operators(session: Session, territory_id: int) -> list[str]:
    return list(
        session.scalars(
            select(User.email).where(
                User.territory_id == territory_id,
                User.role == Role.OPERATOR,
                User.active.is_(True),
                User.deleted_at.is_(None),
            )
        )
    )


@dataclass(frozen=True, slots=True)
class Reader:
    """Where and in which language to write to the shopper."""

    address: str
    locale: str


def _shopper(session: Session, order: Order) -> Reader | None:
    """Where to write to the shopper: nowhere once the account is deleted."""
    locale = "fr"
    if order.user_id is not None:
        user = session.get(User, order.user_id)
        if user is None or user.deleted_at is not None:
            return None
        locale = mail.language_of(user.locale)
    if not order.customer_email:
        return None
    return Reader(order.customer_email, locale)


def _order_placed(session: Session, order: Order) -> None:
    context = _context(session, order)
    shopper = _shopper(session, order)
    if shopper:
        with force_locale(shopper.locale):
            subject = _("Votre commande %(reference)s est enregistrée", reference=order.reference)
        mail.send(shopper.address, subject, "order_confirmation", locale=shopper.locale, **context)
    back_office = _link("merchant.dashboard")
    for mo in order.merchant_orders:
        _tell_shop(
            session,
            mo,
            _(
                "Nouvelle commande %(reference)s à préparer pour le %(date)s",
                reference=mo.reference,
                date=context["day_label"](order.delivery_date),
            ),
            _(
                "À transmettre à %(merchant)s : nouvelle commande %(reference)s",
                merchant=mo.merchant.trade_name,
                reference=mo.reference,
            ),
            "order_new_merchant",
            part=mo,
            back_office=back_office,
            **context,
        )


def _tell_shop(
    session: Session,
    mo: MerchantOrder,
    subject: str,
    relayed: str,
    template: str,
    **context: Any,
) -> None:
    """Mail the shop of ``mo`` (its address and its staff's); a shop without any address is
    reported to the territory's operators, under the subject ``relayed``, so that someone
    phones it."""
    recipients = merchant_recipients(mo.merchant)
    if not recipients:
        log.warning("merchant %s has no e-mail: telling the operators", mo.merchant_id)
        recipients, subject = _operators(session, mo.order.territory_id), relayed
    for address in recipients:
        mail.send(address, subject, template, **context)


def _left_at_shop(session: Session, mo: MerchantOrder) -> None:
    """Tell the shop that the courier came and went without the order it had not ready."""
    context = {
        **_context(session, mo.order),
        "part": mo,
        "back_office": _link("merchant.dashboard"),
    }
    _tell_shop(
        session,
        mo,
        _(
            "Commande %(reference)s : le livreur est passé, elle n'était pas prête",
            reference=mo.reference,
        ),
        _(
            "À transmettre à %(merchant)s : commande %(reference)s pas prête au passage du livreur",
            merchant=mo.merchant.trade_name,
            reference=mo.reference,
        ),
        "left_at_shop_merchant",
        **context,
    )


def _postponed(session: Session, order: Order, previous: dt.date) -> None:
    """Tell the shopper and the shops the order's new delivery date."""
    context = {**_context(session, order), "previous": previous}
    shopper = _shopper(session, order)
    if shopper:
        with force_locale(shopper.locale):
            subject = _(
                "Votre commande %(reference)s : nouvelle date de livraison",
                reference=order.reference,
            )
        mail.send(shopper.address, subject, "order_postponed", locale=shopper.locale, **context)
    back_office = _link("merchant.dashboard")
    for mo in order.merchant_orders:
        if mo.status in _SETTLED:
            continue
        _tell_shop(
            session,
            mo,
            _(
                "Commande %(reference)s : livraison reportée au %(date)s",
                reference=mo.reference,
                date=context["day_label"](order.delivery_date).lower(),  # shops read French
            ),
            _(
                "À transmettre à %(merchant)s : commande %(reference)s reportée",
                merchant=mo.merchant.trade_name,
                reference=mo.reference,
            ),
            "order_postponed_merchant",
            part=mo,
            back_office=back_office,
            **context,
        )


def _pickup_reminder(session: Session, order: Order, days: int) -> None:
    """Remind the shopper that the parcels wait at the pickup point (code, what to pay)."""
    to_pay = to_pay_at_point(session, order)
    shopper = _shopper(session, order)
    if shopper is None or not any(mo.status is S.DELIVERED for mo in order.merchant_orders):
        return  # collected meanwhile, or nobody to tell
    with force_locale(shopper.locale):
        subject = _(
            "Votre commande %(reference)s vous attend au point de retrait",
            reference=order.reference,
        )
    keep = settings.pickup_keep_days()
    base = _context(session, order)
    today = settings.today(base["territory"])
    context = {
        **base,
        "days": days,
        "to_pay": to_pay,
        # The day after which they go back to the shop by themselves (routines.return_unclaimed).
        "keep_until": today + dt.timedelta(days=keep - days - 1) if keep > days else None,
        "paid_online": order.payment_method is PaymentMethod.ONLINE,
    }
    mail.send(shopper.address, subject, "pickup_reminder", locale=shopper.locale, **context)


# A merchant order in these has nothing left to deliver: its shop hears nothing of a new date.
_SETTLED = (S.DELIVERED, S.PICKED_UP, S.REFUSED, S.CANCELLED, S.RETURNED)


# What the shopper hears about, per status (and delivery method where it matters).
def _shopper_template(mo: MerchantOrder, status: S) -> tuple[str, str] | None:
    method = mo.order.delivery_method
    ref = mo.order.reference
    shop = mo.merchant.trade_name
    if status is S.REFUSED:
        return "status_refused", _(
            "%(merchant)s ne peut pas honorer votre commande %(reference)s",
            merchant=shop,
            reference=ref,
        )
    if status is S.READY and method is DeliveryMethod.CLICK_COLLECT:
        return "status_ready", _(
            "Votre commande chez %(merchant)s est prête à retirer", merchant=shop
        )
    if status is S.HANDED_TO_COURIER:
        return "status_on_the_way", _(
            "Votre commande %(reference)s est en cours de livraison", reference=ref
        )
    if status is S.DELIVERED and method is DeliveryMethod.PICKUP_POINT:
        return "status_at_pickup_point", _(
            "Votre commande %(reference)s vous attend au point de retrait", reference=ref
        )
    if status is S.DELIVERED:
        return "status_delivered", _("Votre commande %(reference)s est livrée", reference=ref)
    if status is S.RETURNED:
        return "status_returned", _(
            "Votre commande chez %(merchant)s retourne à la boutique", merchant=shop
        )
    if status is S.DELIVERY_FAILED:
        return "status_delivery_failed", _(
            "Livraison de votre commande %(reference)s impossible", reference=ref
        )
    return None


def _status_changed(session: Session, mo: MerchantOrder, item: StatusChanged) -> None:
    order = mo.order
    context = {
        **_context(session, order),
        "part": mo,
        "status": item.status,
        "reason": item.reason,
        "arrival": None,
    }
    if item.status is S.HANDED_TO_COURIER:  # on its way: when the courier should come
        territory = context["territory"]
        context["arrival"] = queries.expected_arrivals(
            session, order=order, territory=territory
        ).get(mo.id)
    shopper = _shopper(session, order)
    if item.status is S.RETURNED:
        context["paid_online"] = order.payment_method is PaymentMethod.ONLINE
        context["way_back"] = parcel_return(session, mo.id)
        # The shopper's mail tells the failed delivery before the return: its own mail is
        # not sent once the parcels are on their way back (see below), whichever came first.
        failure = failure_before_return(mo)
        context["failure"] = failure
        context["failure_day"] = (
            failure.at.astimezone(ZoneInfo(context["territory"].timezone)).date()
            if failure is not None
            else None
        )
        for address in merchant_recipients(mo.merchant):
            mail.send(
                address,
                _(
                    "Commande %(reference)s : les colis reviennent à la boutique",
                    reference=mo.reference,
                ),
                "returned_merchant",
                **context,
            )
    if item.status is S.CANCELLED:
        by_shopper = item.actor_id is not None and item.actor_id == order.user_id
        if by_shopper:
            for address in merchant_recipients(mo.merchant) or _operators(
                session, order.territory_id
            ):
                mail.send(
                    address,
                    _("Commande %(reference)s annulée par le client", reference=mo.reference),
                    "order_cancelled_merchant",
                    **context,
                )
        elif shopper:
            with force_locale(shopper.locale):
                subject = _(
                    "Votre commande chez %(merchant)s est annulée",
                    merchant=mo.merchant.trade_name,
                )
            mail.send(
                shopper.address, subject, "status_cancelled", locale=shopper.locale, **context
            )
        return
    if shopper is None:
        return
    if item.status is S.DELIVERY_FAILED and mo.status is S.RETURNED:
        # Sent back meanwhile (a parcel refused at the door goes back at once, the operator
        # may send one back before this mail leaves): the mail of its return tells the
        # shopper of both, not this one promising another delivery.
        return
    with force_locale(shopper.locale):
        chosen = _shopper_template(mo, item.status)
    if chosen is not None:
        template, subject = chosen
        mail.send(shopper.address, subject, template, locale=shopper.locale, **context)
