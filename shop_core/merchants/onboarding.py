"""Opening a shop with its owner's account in one go, and the operator's merchant lists."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop_core.accounts.model import Role, User
from shop_core.accounts.services import register_user
from shop_core.audit.services import Actor, record
from shop_core.errors import NotFound
from shop_core.merchants.model import Merchant, MerchantMember, MerchantStatus
from shop_core.merchants.services import MerchantProfile, register_merchant
from shop_core.persistence.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class OwnerAccount:
    """The account created for a shop's owner.

    ``password_hash`` is empty when an operator opens the shop: the owner then chooses a
    password through the application's reset link.
    """

    email: str
    full_name: str
    password_hash: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class OpenedShop:
    merchant_id: int
    owner_user_id: int | None


def open_shop(
    *,
    uow: UnitOfWork,
    territory_id: int,
    profile: MerchantProfile,
    owner: OwnerAccount | None,
    actor: Actor | None = None,
    assisted: bool = False,
) -> OpenedShop:
    """Create a pending shop and, when ``owner`` is given, its owner's merchant account.

    Both are written in one transaction: an invalid profile or a taken e-mail leaves
    nothing behind. ``actor`` defaults to the new owner (a merchant signing up alone).
    """
    profile.validate()
    uid: int | None = None
    if owner is not None:
        uid = register_user(
            uow=uow,
            territory_id=territory_id,
            email=owner.email,
            full_name=owner.full_name,
            password_hash=owner.password_hash,
            phone=owner.phone,
            role=Role.MERCHANT,
            commit=False,
        )
    mid = register_merchant(
        uow=uow,
        territory_id=territory_id,
        profile=profile,
        owner_user_id=uid,
        actor=actor or Actor(user_id=uid),
        assisted=assisted,
    )
    return OpenedShop(merchant_id=mid, owner_user_id=uid)


def list_merchants(
    session: Session, *, territory_id: int, status: MerchantStatus | None = None
) -> list[Merchant]:
    """The territory's merchants, optionally of one status, pending first then by name."""
    query = select(Merchant).where(Merchant.territory_id == territory_id)
    if status is not None:
        query = query.where(Merchant.status == status)
    rank = {MerchantStatus.PENDING: 0, MerchantStatus.ACTIVE: 1, MerchantStatus.SUSPENDED: 2}
    merchants = list(session.scalars(query.order_by(Merchant.trade_name)))
    return sorted(merchants, key=lambda m: rank[m.status])


def territory_merchant(session: Session, *, territory_id: int, merchant_id: int) -> Merchant:
    """A merchant of this territory; ``NotFound`` for any other id."""
    merchant = session.get(Merchant, merchant_id)
    if merchant is None or merchant.territory_id != territory_id:
        raise NotFound(what="Boutique")
    return merchant


def operators(session: Session, *, territory_id: int) -> list[User]:
    """The territory's active operators (who hear about new shops)."""
    return list(
        session.scalars(
            select(User).where(
                User.territory_id == territory_id,
                User.role == Role.OPERATOR,
                User.active.is_(True),
                User.deleted_at.is_(None),
            )
        )
    )


def owner_emails(session: Session, *, merchant_id: int) -> list[str]:
    """Where to write to a merchant: its members' e-mails, else the shop's own."""
    emails = [
        email
        for email in session.scalars(
            select(User.email)
            .join(MerchantMember, MerchantMember.user_id == User.id)
            .where(
                MerchantMember.merchant_id == merchant_id,
                User.active.is_(True),
                User.deleted_at.is_(None),
            )
        )
        if email
    ]
    if not emails:
        shop = session.scalar(select(Merchant.email).where(Merchant.id == merchant_id))
        if shop:
            emails.append(shop)
    return emails


def note_assistance(
    *, uow: UnitOfWork, territory_id: int, merchant_id: int, operator_id: int, started: bool
) -> None:
    """Record that an operator starts or stops acting for a merchant (assisted mode)."""
    merchant = territory_merchant(uow.session, territory_id=territory_id, merchant_id=merchant_id)
    record(
        uow.session,
        territory_id=territory_id,
        actor=Actor(user_id=operator_id, merchant_id=merchant.id, on_behalf=True),
        action="merchant.assist_start" if started else "merchant.assist_stop",
        subject=merchant.trade_name,
        merchant_id=merchant.id,
    )
    uow.commit()
