"""Account services: registration, addresses, deletion."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from shop_core.accounts.model import Address, Role, User
from shop_core.audit.model import AuditEntry
from shop_core.errors import DomainError, NotFound, ValidationError
from shop_core.orders.model import DeliveryMethod, Order
from shop_core.orders.model import MerchantOrderStatus as S
from shop_core.payments.erasure import forget_payers
from shop_core.persistence.base import utcnow
from shop_core.persistence.uow import UnitOfWork

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class OrdersStillRunning(DomainError):
    """An account cannot be deleted while one of its orders is still to be received."""

    code = "orders_still_running"
    template = (
        "Une commande est encore en cours ({references}) : attendez de l'avoir reçue, "
        "ou annulez-la, avant de supprimer votre compte."
    )
    several = (
        "Des commandes sont encore en cours ({references}) : attendez de les avoir reçues, "
        "ou annulez-les, avant de supprimer votre compte."
    )

    def __init__(self, *, references: str, count: int = 1) -> None:
        message = self.several.format(references=references) if count > 1 else None
        super().__init__(message, references=references, count=count)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def is_valid_email(email: str) -> bool:
    """Whether a normalised e-mail looks deliverable (one @, a dot in the domain)."""
    return bool(_EMAIL.match(email)) and len(email) <= 254


def find_by_email(uow: UnitOfWork, *, territory_id: int, email: str) -> User | None:
    """The active account with this e-mail in the territory."""
    return uow.session.scalar(
        select(User).where(
            User.territory_id == territory_id,
            func.lower(User.email) == normalise_email(email),
            User.deleted_at.is_(None),
        )
    )


def register_user(
    *,
    uow: UnitOfWork,
    territory_id: int,
    email: str,
    full_name: str,
    password_hash: str,
    role: Role = Role.SHOPPER,
    phone: str = "",
    locale: str = "fr",
    commit: bool = True,
) -> int:
    """Create an account; the e-mail must be unused in the territory.

    `locale` is the language the person reads, for the e-mails sent to them.
    """
    email = normalise_email(email)
    if not _EMAIL.match(email) or len(email) > 254:
        raise ValidationError("Adresse e-mail invalide.", field="email")
    if not full_name.strip():
        raise ValidationError("Indiquez votre nom.", field="full_name")
    if find_by_email(uow, territory_id=territory_id, email=email) is not None:
        raise ValidationError("Un compte existe déjà avec cette adresse e-mail.", field="email")
    user = User(
        territory_id=territory_id,
        email=email,
        full_name=full_name.strip(),
        password_hash=password_hash,
        role=role,
        phone=phone.strip(),
        locale=locale,
    )
    uow.session.add(user)
    flush_new_email(uow)
    if commit:
        uow.commit()
    return user.id


def flush_new_email(uow: UnitOfWork) -> None:
    """Write an account whose e-mail is new or changed, checked unused just before.

    Another request may have taken the same address between that check and this write (two
    sign-ups, or two operators, at the same instant): the database's uniqueness rule then
    refuses it, and the caller gets the same answer as from the check instead of a server
    error. The transaction is rolled back: nothing of it is kept.
    """
    try:
        uow.session.flush()
    except IntegrityError as error:
        uow.rollback()
        raise ValidationError(
            "Un compte existe déjà avec cette adresse e-mail.", field="email"
        ) from error


def add_address(
    *,
    uow: UnitOfWork,
    user_id: int,
    recipient: str,
    line1: str,
    postal_code: str,
    city: str,
    line2: str = "",
    label: str = "Domicile",
    phone: str = "",
    instructions: str = "",
    insee_code: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    approximate: bool = True,
) -> int:
    """Add a delivery address to an account."""
    if uow.session.get(User, user_id) is None:
        raise NotFound(what="Compte")
    if not recipient.strip():
        raise ValidationError("Indiquez le nom du destinataire.", field="recipient")
    if not line1.strip():
        raise ValidationError("Indiquez l'adresse.", field="line1")
    if not re.fullmatch(r"\d{5}", postal_code.strip()):
        raise ValidationError("Le code postal doit comporter 5 chiffres.", field="postal_code")
    if not city.strip():
        raise ValidationError("Indiquez la commune.", field="city")
    address = Address(
        user_id=user_id,
        label=label.strip() or "Domicile",
        recipient=recipient.strip(),
        line1=line1.strip(),
        line2=line2.strip(),
        postal_code=postal_code.strip(),
        city=city.strip(),
        phone=phone.strip(),
        instructions=instructions.strip(),
        insee_code=insee_code,
        lat=lat,
        lon=lon,
        approximate=approximate,
    )
    uow.session.add(address)
    uow.commit()
    return address.id


#: Called inside an account deletion's transaction with the ids of its orders, before they
#: are anonymised, so that a package that copied the shopper's details from them (delivery
#: stops, the geocoding cache) erases its copies.
ErasureHook = Callable[[Session, Sequence[int]], None]
_erasure_hooks: list[ErasureHook] = []


def on_account_erased(hook: ErasureHook) -> ErasureHook:
    """Register a function called by `delete_account` (once per function)."""
    if hook not in _erasure_hooks:
        _erasure_hooks.append(hook)
    return hook


#: What the operator does for a shopper, as recorded in the audit log (see
#: ``shop_core.accounts.assisted`` and the checkout of an order taken for a shopper).
ASSISTED_ACTIONS = (
    "shopper.registered_for",
    "shopper.assist_start",
    "shopper.assist_stop",
    "shopper.email_set_for",
    "order.placed_for_shopper",
    "order.cancelled_for_shopper",
)

# Merchant order states in which the shopper has nothing more to receive.
_DONE = frozenset({S.PICKED_UP, S.REFUSED, S.CANCELLED, S.RETURNED})


def _still_running(order: Order) -> bool:
    # Delivered to a pickup point, the parcel still waits there for its owner.
    waiting = order.delivery_method is DeliveryMethod.PICKUP_POINT
    return any(
        mo.status not in _DONE and (mo.status is not S.DELIVERED or waiting)
        for mo in order.merchant_orders
    )


def about_shopper(user: User) -> Select[AuditEntry]:
    """The audit entries of what the operator did for this shopper (« commande assistée »:
    registered, acted for, gave an e-mail, took an order), oldest first. Their subject is the
    shopper's name, or an order's reference."""
    return (
        select(AuditEntry)
        .where(
            AuditEntry.territory_id == user.territory_id,
            AuditEntry.action.in_(ASSISTED_ACTIONS),
            AuditEntry.details["shopper_id"].as_integer() == user.id,
        )
        .order_by(AuditEntry.at, AuditEntry.id)
    )


def delete_account(*, uow: UnitOfWork, user_id: int) -> None:
    """Erase personal data (GDPR) while keeping orders for accounting, anonymised.

    The orders keep their lines, amounts, dates and commune (merchants' accounts and the
    territory's figures); the shopper's name, e-mail, phone, street address, position
    and instructions are erased from them, and from the copies other packages made of them
    (see `on_account_erased`) and from the stored payment events
    (`shop_core.payments.erasure`). Invoices already issued keep their buyer, as the law
    requires. Refused (OrdersStillRunning) while an order is still to be delivered
    or collected: the courier and the shop need those details until then.
    """
    user = uow.session.get(User, user_id)
    if user is None:
        raise NotFound(what="Compte")
    orders = list(
        uow.session.scalars(
            select(Order)
            .where(Order.user_id == user.id)
            .options(selectinload(Order.merchant_orders))
        )
    )
    running = [order.reference for order in orders if _still_running(order)]
    if running:
        raise OrdersStillRunning(references=", ".join(running), count=len(running))
    order_ids = [order.id for order in orders]
    forget_payers(uow.session, order_ids)
    for hook in _erasure_hooks:  # while the orders still hold the details to find copies by
        hook(uow.session, order_ids)
    for order in orders:
        order.customer_name = "Compte supprimé"
        order.customer_email = f"supprime-{user.id}@invalid"
        order.customer_phone = ""
        order.delivery_instructions = ""
        order.recipient = ""  # also the shopper's name on a parcel sent on to a pickup point
        if order.delivery_method is DeliveryMethod.HOME:
            order.address_line1 = order.address_line2 = ""
            order.lat = order.lon = None
            order.address_approximate = True
    for entry in uow.session.scalars(about_shopper(user)):
        entry.subject = "Compte supprimé"  # the acts stay in the log, without the name
    user.email = f"supprime-{user.id}@invalid"
    user.full_name = "Compte supprimé"
    user.phone = ""
    user.password_hash = ""
    user.active = False
    user.deleted_at = utcnow()
    user.session_version += 1
    for address in list(user.addresses):
        uow.session.delete(address)
    uow.commit()
