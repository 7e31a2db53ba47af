"""What shoppers change on their own account: name and phone, language, password, addresses."""

from __future__ import annotations

import re
from dataclasses import dataclass

from shop_core.accounts.model import Address, User
from shop_core.accounts.services import add_address
from shop_core.errors import NotFound, ValidationError
from shop_core.persistence.uow import UnitOfWork


def _user(uow: UnitOfWork, user_id: int) -> User:
    user = uow.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound(what="Compte")
    return user


def update_profile(*, uow: UnitOfWork, user_id: int, full_name: str, phone: str = "") -> None:
    """Change the name and phone number shown on orders."""
    if not full_name.strip():
        raise ValidationError("Indiquez votre nom.", field="full_name")
    if len(full_name.strip()) > 120:
        raise ValidationError("Le nom est trop long (120 caractères au plus).", field="full_name")
    if len(phone.strip()) > 30:
        raise ValidationError("Numéro de téléphone trop long.", field="phone")
    user = _user(uow, user_id)
    user.full_name = full_name.strip()
    user.phone = phone.strip()
    uow.commit()


_LOCALE = re.compile(r"^[a-z]{2}(_[A-Z]{2})?$")


def set_locale(*, uow: UnitOfWork, user_id: int, locale: str) -> None:
    """Remember the language the person reads (e-mails are written in it): "fr", "en"..."""
    if not _LOCALE.match(locale):
        raise ValidationError("Langue inconnue.", field="locale")
    user = _user(uow, user_id)
    if user.locale != locale:
        user.locale = locale
        uow.commit()


def change_password(*, uow: UnitOfWork, user_id: int, password_hash: str) -> int:
    """Store a new password hash and end every session; returns the new session version.

    The application hashes the password and logs the current session in again with the
    returned version: every other session of the account stops working.
    """
    if not password_hash:
        raise ValidationError("Mot de passe manquant.", field="password")
    user = _user(uow, user_id)
    user.password_hash = password_hash
    user.session_version += 1
    uow.commit()
    return user.session_version


@dataclass(frozen=True, slots=True)
class AddressInput:
    """An address as a shopper types it; the commune is checked by the application."""

    recipient: str
    line1: str
    postal_code: str
    city: str
    line2: str = ""
    label: str = "Domicile"
    phone: str = ""
    instructions: str = ""
    insee_code: str | None = None
    lat: float | None = None
    lon: float | None = None
    approximate: bool = True

    def validate(self) -> None:
        """Raise ``ValidationError`` naming the first wrong field."""
        if not self.recipient.strip():
            raise ValidationError("Indiquez le nom du destinataire.", field="recipient")
        if not self.line1.strip():
            raise ValidationError("Indiquez l'adresse.", field="line1")
        if not re.fullmatch(r"\d{5}", self.postal_code.strip()):
            raise ValidationError("Le code postal doit comporter 5 chiffres.", field="postal_code")
        if not self.city.strip():
            raise ValidationError("Indiquez la commune.", field="city")
        limits = {"recipient": 120, "line1": 200, "line2": 200, "city": 120, "label": 60}
        for name, limit in limits.items():
            if len(str(getattr(self, name)).strip()) > limit:
                raise ValidationError(
                    f"{limit} caractères au plus.", field=name, code="too_long", max=limit
                )
        if len(self.instructions.strip()) > 300:
            raise ValidationError("300 caractères au plus.", field="instructions")


def get_address(uow: UnitOfWork, *, user_id: int, address_id: int) -> Address:
    """One of the user's addresses (``NotFound`` for anybody else's)."""
    address = uow.session.get(Address, address_id)
    if address is None or address.user_id != user_id:
        raise NotFound(what="Adresse")
    return address


def update_address(*, uow: UnitOfWork, user_id: int, address_id: int, data: AddressInput) -> None:
    """Replace the fields of one of the user's addresses."""
    data.validate()
    address = get_address(uow, user_id=user_id, address_id=address_id)
    address.label = data.label.strip() or "Domicile"
    address.recipient = data.recipient.strip()
    address.line1 = data.line1.strip()
    address.line2 = data.line2.strip()
    address.postal_code = data.postal_code.strip()
    address.city = data.city.strip()
    address.phone = data.phone.strip()
    address.instructions = data.instructions.strip()
    address.insee_code = data.insee_code
    address.lat, address.lon = data.lat, data.lon
    address.approximate = data.approximate
    uow.commit()


def delete_address(*, uow: UnitOfWork, user_id: int, address_id: int) -> None:
    """Remove one of the user's addresses (past orders keep their own copy)."""
    address = get_address(uow, user_id=user_id, address_id=address_id)
    uow.session.delete(address)
    uow.commit()


def create_address(*, uow: UnitOfWork, user_id: int, data: AddressInput) -> int:
    """Add an address to the user's account; returns its id."""
    data.validate()
    _user(uow, user_id)
    return add_address(
        uow=uow,
        user_id=user_id,
        recipient=data.recipient,
        line1=data.line1,
        line2=data.line2,
        postal_code=data.postal_code,
        city=data.city,
        label=data.label,
        phone=data.phone,
        instructions=data.instructions,
        insee_code=data.insee_code,
        lat=data.lat,
        lon=data.lon,
        approximate=data.approximate,
    )
