"""Shoppers the operator orders for (« commande assistée »): finding them, registering one
over the phone, and recording when the operator starts or stops acting for them.

Many shoppers of a rural territory phone the operator, or come to the town hall, to have
their shopping ordered for them. The operator then uses the ordinary shopfront in the
shopper's name; every act is recorded as "operator X for shopper Y".

A shopper registered this way may have no e-mail: the account then cannot log in (logging
in and choosing a password both go through the e-mail) and receives no e-mail, until the
operator adds the address the shopper gives (:func:`set_shopper_email_for`) and the shopper
chooses a password from the welcome e-mail, or through "mot de passe oublié".
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from shop_core import phones
from shop_core.accounts.model import Address, Role, User
from shop_core.accounts.profile import AddressInput
from shop_core.accounts.services import (
    find_by_email,
    flush_new_email,
    is_valid_email,
    normalise_email,
)
from shop_core.audit.services import Actor, record
from shop_core.errors import NotFound, ValidationError
from shop_core.persistence.uow import UnitOfWork

#: How many shoppers a search shows at most: the operator narrows it rather than pages.
SEARCH_LIMIT = 20


@dataclass(frozen=True, slots=True)
class ShopperMatches:
    """The shoppers a search shows, at most ``limit``; ``more`` when others match too."""

    shoppers: list[User]
    limit: int
    more: bool


def find_shoppers(
    session: Session, *, territory_id: int, query: str, limit: int = SEARCH_LIMIT
) -> ShopperMatches:
    """The territory's shoppers whose name, e-mail or phone contains ``query``."""
    words = query.strip().lower()
    if len(words) < 2:
        return ShopperMatches(shoppers=[], limit=limit, more=False)
    conditions = [
        func.lower(User.full_name).contains(words, autoescape=True),
        func.lower(User.email).contains(words, autoescape=True),
    ]
    if len(phones.digits(words)) >= 4:
        # However typed, "+33 6 …" or "06 …" (``phones.search_forms``).
        phone = phones.bare(User.phone)
        conditions += [phone.contains(form, autoescape=True) for form in phones.search_forms(words)]
    # One more than shown tells whether the operator should narrow the search.
    found = list(
        session.scalars(
            select(User)
            .where(
                User.territory_id == territory_id,
                User.role == Role.SHOPPER,
                User.deleted_at.is_(None),
                or_(*conditions),
            )
            .order_by(User.full_name, User.id)
            .limit(limit + 1)
        )
    )
    return ShopperMatches(shoppers=found[:limit], limit=limit, more=len(found) > limit)


@dataclass(frozen=True, slots=True)
class PhoneHolder:
    """A shopper who already has the phone of one being registered, as the operator sees
    them to tell whether it is the same person."""

    id: int
    full_name: str
    email: str | None
    city: str


class PhoneAlreadyRegistered(ValidationError):
    """The phone of a shopper being registered is already another account's: perhaps the
    same person, who should be ordered for on that account; perhaps a shared landline."""

    def __init__(self, holders: list[PhoneHolder]) -> None:
        super().__init__(
            "Ce numéro de téléphone est déjà celui d'un compte client : vérifiez qu'il ne "
            "s'agit pas de la même personne.",
            field="phone",
            code="phone_already_registered",
        )
        self.holders = holders


def shoppers_with_phone(session: Session, *, territory_id: int, phone: str) -> list[User]:
    """The territory's shoppers (that the operator may act for) whose phone is ``phone``,
    however either was typed ("03 21 00 00 01", "0321000001", "+33 3 21 00 00 01")."""
    if len(phones.digits(phone)) < 10:
        return []
    return list(
        session.scalars(
            select(User)
            .where(
                User.territory_id == territory_id,
                User.role == Role.SHOPPER,
                User.deleted_at.is_(None),
                User.active.is_(True),
                phones.bare(User.phone).in_(phones.search_forms(phone)),
            )
            .order_by(User.full_name, User.id)
        )
    )


def shopper_for_operator(session: Session, *, territory_id: int, shopper_id: int) -> User:
    """A shopper of the territory the operator may act for; ``NotFound`` for anyone else
    (another territory, a merchant, a courier, an operator, a deleted or disabled account)."""
    user = session.get(User, shopper_id)
    if (
        user is None
        or user.territory_id != territory_id
        or user.role is not Role.SHOPPER
        or user.deleted_at is not None
        or not user.active
    ):
        raise NotFound(what="Client")
    return user


def register_shopper_for(
    *,
    uow: UnitOfWork,
    territory_id: int,
    operator_id: int,
    full_name: str,
    phone: str,
    address: AddressInput,
    email: str | None = None,
    shared_phone: bool = False,
) -> int:
    """Register a shopper on their behalf with their delivery address; returns the id.

    A phone number is required (it is how the operator and the courier reach them); the
    e-mail is optional. A phone already another shopper's is refused with
    ``PhoneAlreadyRegistered`` (naming them) unless ``shared_phone`` says the operator
    checked that two people share it: a shopper phoning again is not a new account.
    The account has no password: the shopper chooses one once they have an e-mail.
    """
    name = full_name.strip()
    if not name:
        raise ValidationError("Indiquez le nom du client.", field="full_name")
    if len(name) > 120:
        raise ValidationError("Le nom est trop long (120 caractères au plus).", field="full_name")
    phone = phone.strip()
    if len(phones.digits(phone)) < 10:
        raise ValidationError("Indiquez un numéro de téléphone à 10 chiffres.", field="phone")
    if len(phone) > 30:
        raise ValidationError("Numéro de téléphone trop long.", field="phone")
    wanted = normalise_email(email) if email and email.strip() else None
    if wanted is not None:
        if not is_valid_email(wanted):
            raise ValidationError("Adresse e-mail invalide.", field="email")
        if find_by_email(uow, territory_id=territory_id, email=wanted) is not None:
            raise ValidationError("Un compte existe déjà avec cette adresse e-mail.", field="email")
    address.validate()
    holders = shoppers_with_phone(uow.session, territory_id=territory_id, phone=phone)
    if holders and not shared_phone:
        raise PhoneAlreadyRegistered(
            [
                PhoneHolder(
                    id=u.id,
                    full_name=u.full_name,
                    email=u.email,
                    city=u.addresses[0].city if u.addresses else "",
                )
                for u in holders
            ]
        )
    user = User(
        territory_id=territory_id,
        email=wanted,
        full_name=name,
        phone=phone,
        password_hash="",
        role=Role.SHOPPER,
    )
    user.addresses.append(
        Address(
            label=address.label.strip() or "Domicile",
            recipient=address.recipient.strip(),
            line1=address.line1.strip(),
            line2=address.line2.strip(),
            postal_code=address.postal_code.strip(),
            city=address.city.strip(),
            phone=address.phone.strip() or phone,
            instructions=address.instructions.strip(),
            insee_code=address.insee_code,
            lat=address.lat,
            lon=address.lon,
            approximate=address.approximate,
        )
    )
    uow.session.add(user)
    flush_new_email(uow)
    record(
        uow.session,
        territory_id=territory_id,
        actor=Actor(user_id=operator_id, on_behalf=True),
        action="shopper.registered_for",
        subject=name,
        details={
            "shopper_id": user.id,
            "with_email": wanted is not None,
            "shared_phone": bool(holders),
        },
    )
    uow.commit()
    return user.id


def note_shopper_assistance(
    *, uow: UnitOfWork, territory_id: int, shopper_id: int, operator_id: int, started: bool
) -> None:
    """Record that an operator starts or stops acting for a shopper."""
    shopper = shopper_for_operator(uow.session, territory_id=territory_id, shopper_id=shopper_id)
    record(
        uow.session,
        territory_id=territory_id,
        actor=Actor(user_id=operator_id, on_behalf=True),
        action="shopper.assist_start" if started else "shopper.assist_stop",
        subject=shopper.full_name,
        details={"shopper_id": shopper.id},
    )
    uow.commit()


def set_shopper_email_for(
    *, uow: UnitOfWork, territory_id: int, operator_id: int, shopper_id: int, email: str
) -> str:
    """Give an e-mail address to a shopper of the territory who has no password yet;
    returns the address as stored.

    Only an account that cannot log in may be given one: it has no e-mail, or one the
    operator typed wrong and no password was ever chosen with it. Changing the address of
    an account that has a password would hand it to whoever reads the new address (the
    reset link goes there), so that is refused. Reset links already sent to a previous
    address stop working.
    """
    shopper = shopper_for_operator(uow.session, territory_id=territory_id, shopper_id=shopper_id)
    if shopper.password_hash:
        raise ValidationError(
            "Ce client a déjà un mot de passe : l'animation ne peut pas changer son adresse "
            "e-mail.",
            field="email",
        )
    wanted = normalise_email(email) if email.strip() else ""
    if not wanted:
        raise ValidationError("Indiquez l'adresse e-mail du client.", field="email")
    if not is_valid_email(wanted):
        raise ValidationError("Adresse e-mail invalide.", field="email")
    if wanted == shopper.email:
        return wanted
    holder = find_by_email(uow, territory_id=territory_id, email=wanted)
    if holder is not None:
        raise ValidationError("Un compte existe déjà avec cette adresse e-mail.", field="email")
    previous = shopper.email
    shopper.email = wanted
    shopper.session_version += 1  # a reset link sent to a mistyped address stops working
    flush_new_email(uow)
    record(
        uow.session,
        territory_id=territory_id,
        actor=Actor(user_id=operator_id, on_behalf=True),
        action="shopper.email_set_for",
        subject=shopper.full_name,
        details={"shopper_id": shopper.id, "corrected": previous is not None},
    )
    uow.commit()
    return wanted
