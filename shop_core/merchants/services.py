"""Merchant services: sign-up, approval, suspension, profile, hours, staff."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from shop_core import phones
from shop_core.accounts.model import User
from shop_core.accounts.services import is_valid_email
from shop_core.audit.services import Actor, record
from shop_core.errors import InvalidTransition, NotFound, ValidationError
from shop_core.invoices.model import InvoiceSequence
from shop_core.merchants.identity import clean, valid_siren, valid_siret, valid_vat_number
from shop_core.merchants.model import (
    MemberRole,
    Merchant,
    MerchantMember,
    MerchantStatus,
    OpeningHours,
    Trade,
)
from shop_core.persistence.uow import UnitOfWork
from shop_core.slugs import slugify
from shop_core.weekly_hours import checked_windows


@dataclass(slots=True)
class MerchantProfile:
    """What a merchant declares about itself."""

    trade_name: str
    legal_name: str
    siren: str
    trade: Trade
    address: str
    postal_code: str
    city: str
    siret: str = ""
    vat_number: str = ""
    vat_franchise: bool = False
    description: str = ""
    phone: str = ""
    email: str = ""
    insee_code: str | None = None
    lat: float | None = None
    lon: float | None = None
    click_and_collect: bool = True

    def validate(self) -> None:
        """Raise ``ValidationError`` on the first invalid field (messages in French)."""
        found = self.problems()
        if found:
            raise found[0]

    def problems(self) -> list[ValidationError]:
        """Every invalid field's error, in the form's order: a form shows them all at once
        (the SIREN, SIRET and VAT number were told one after the other)."""
        found = []
        if not self.trade_name.strip():
            found.append(
                ValidationError("Le nom de la boutique est obligatoire.", field="trade_name")
            )
        if not self.legal_name.strip():
            found.append(ValidationError("La raison sociale est obligatoire.", field="legal_name"))
        siren_ok = valid_siren(self.siren)
        if not siren_ok:
            found.append(ValidationError("Numéro SIREN invalide (9 chiffres).", field="siren"))
        # Against a wrong SIREN, a SIRET or VAT number is only checked on its own: saying it
        # does not match would send the shop to fix the right one.
        if self.siret and not (
            valid_siret(self.siret) and (not siren_ok or clean(self.siret)[:9] == clean(self.siren))
        ):
            found.append(
                ValidationError(
                    "Numéro SIRET invalide ou ne correspondant pas au SIREN.", field="siret"
                )
            )
        if not self.vat_franchise and not self.vat_number:
            found.append(
                ValidationError(
                    "Indiquez votre numéro de TVA, ou cochez la franchise en base de TVA.",
                    field="vat_number",
                )
            )
        elif self.vat_number and not valid_vat_number(
            self.vat_number, self.siren if siren_ok else clean(self.vat_number)[4:]
        ):
            found.append(
                ValidationError(
                    "Numéro de TVA intracommunautaire invalide pour ce SIREN.",
                    field="vat_number",
                )
            )
        if not self.address.strip() or not self.city.strip():
            found.append(
                ValidationError("L'adresse de la boutique est obligatoire.", field="address")
            )
        if not (len(self.postal_code) == 5 and self.postal_code.isdigit()):
            found.append(ValidationError("Code postal invalide.", field="postal_code"))
        if self.phone.strip() and not phones.is_valid(self.phone):
            # The shop's own settings refuse such a number: it could not be kept there.
            found.append(ValidationError(phones.INVALID_PHONE, field="phone"))
        return found


def get_merchant(uow: UnitOfWork, merchant_id: int) -> Merchant:
    merchant = uow.session.get(Merchant, merchant_id)
    if merchant is None:
        raise NotFound(what="Boutique")
    return merchant


def _unique_slug(uow: UnitOfWork, territory_id: int, name: str) -> str:
    base = slugify(name)
    slug, n = base, 1
    while uow.session.scalar(
        select(Merchant.id).where(Merchant.territory_id == territory_id, Merchant.slug == slug)
    ):
        n += 1
        slug = f"{base}-{n}"
    return slug


def _apply(merchant: Merchant, profile: MerchantProfile) -> None:
    merchant.trade_name = profile.trade_name.strip()
    merchant.legal_name = profile.legal_name.strip()
    merchant.siren = clean(profile.siren)
    merchant.siret = clean(profile.siret)
    merchant.vat_number = clean(profile.vat_number)
    merchant.vat_franchise = profile.vat_franchise
    merchant.trade = profile.trade
    merchant.description = profile.description.strip()
    merchant.address = profile.address.strip()
    merchant.postal_code = profile.postal_code
    merchant.city = profile.city.strip()
    merchant.phone = profile.phone.strip()
    merchant.email = profile.email.strip().lower()
    merchant.insee_code = profile.insee_code
    merchant.lat = profile.lat
    merchant.lon = profile.lon
    merchant.click_and_collect = profile.click_and_collect


def register_merchant(
    *,
    uow: UnitOfWork,
    territory_id: int,
    profile: MerchantProfile,
    owner_user_id: int | None,
    actor: Actor,
    assisted: bool = False,
) -> int:
    """Create a pending shop, owned by ``owner_user_id`` (or none yet, in assisted mode)."""
    profile.validate()
    merchant = Merchant(
        territory_id=territory_id,
        slug=_unique_slug(uow, territory_id, profile.trade_name),
        status=MerchantStatus.PENDING,
        assisted=assisted,
    )
    _apply(merchant, profile)
    uow.session.add(merchant)
    uow.session.flush()
    uow.session.add(InvoiceSequence(merchant_id=merchant.id, last_number=0))
    if owner_user_id is not None:
        uow.session.add(
            MerchantMember(merchant_id=merchant.id, user_id=owner_user_id, role=MemberRole.OWNER)
        )
    record(
        uow.session,
        territory_id=territory_id,
        actor=actor,
        action="merchant.register",
        subject=merchant.trade_name,
        merchant_id=merchant.id,
    )
    uow.commit()
    return merchant.id


def update_profile(
    *, uow: UnitOfWork, merchant_id: int, profile: MerchantProfile, actor: Actor
) -> None:
    """Change a merchant's identity, address or description."""
    profile.validate()
    merchant = get_merchant(uow, merchant_id)
    _apply(merchant, profile)
    record(
        uow.session,
        territory_id=merchant.territory_id,
        actor=actor,
        action="merchant.update_profile",
        subject=merchant.trade_name,
        merchant_id=merchant.id,
    )
    uow.commit()


_STATUS_MOVES = {
    MerchantStatus.PENDING: {MerchantStatus.ACTIVE, MerchantStatus.SUSPENDED},
    MerchantStatus.ACTIVE: {MerchantStatus.SUSPENDED},
    MerchantStatus.SUSPENDED: {MerchantStatus.ACTIVE},
}


def set_status(
    *, uow: UnitOfWork, merchant_id: int, status: MerchantStatus, actor: Actor, reason: str = ""
) -> None:
    """Approve (pending → active), suspend, or reinstate a merchant."""
    merchant = get_merchant(uow, merchant_id)
    if status not in _STATUS_MOVES[merchant.status]:
        raise InvalidTransition(current=merchant.status.value, target=status.value)
    previous = merchant.status
    merchant.status = status
    record(
        uow.session,
        territory_id=merchant.territory_id,
        actor=actor,
        action=f"merchant.{status.value}",
        subject=merchant.trade_name,
        details={"from": previous.value, "reason": reason},
        merchant_id=merchant.id,
    )
    uow.commit()


#: The refusal of a week with no opening at all.
NO_OPENING = "Indiquez au moins un jour d'ouverture dans la semaine."


def set_opening_hours(
    *,
    uow: UnitOfWork,
    merchant_id: int,
    windows: list[tuple[int, dt.time, dt.time]],
    actor: Actor,
) -> None:
    """Replace the weekly opening windows ``(weekday, opens, closes)``, 0 = Monday; at least
    one (a shop closed every day could prepare no order)."""
    if not windows:
        # No hours at all would read as open every day (Merchant.is_closed_on): the very
        # opposite of a week closed every day.
        raise ValidationError(NO_OPENING)
    ordered = checked_windows(windows)
    merchant = get_merchant(uow, merchant_id)
    merchant.opening_hours.clear()
    uow.session.flush()
    for weekday, opens, closes in ordered:
        merchant.opening_hours.append(OpeningHours(weekday=weekday, opens=opens, closes=closes))
    record(
        uow.session,
        territory_id=merchant.territory_id,
        actor=actor,
        action="merchant.opening_hours",
        subject=merchant.trade_name,
        merchant_id=merchant.id,
    )
    uow.commit()


def add_member(
    *,
    uow: UnitOfWork,
    merchant_id: int,
    user_id: int,
    role: MemberRole,
    actor: Actor,
) -> None:
    """Give a user access to a merchant's back-office."""
    merchant = get_merchant(uow, merchant_id)
    user = uow.session.get(User, user_id)
    if user is None or user.territory_id != merchant.territory_id:
        raise NotFound(what="Compte")
    if any(m.user_id == user_id for m in merchant.members):
        return
    merchant.members.append(MerchantMember(user_id=user_id, role=role))
    record(
        uow.session,
        territory_id=merchant.territory_id,
        actor=actor,
        action="merchant.add_member",
        subject=user.email or user.full_name,
        merchant_id=merchant.id,
    )
    uow.commit()


def merchants_of_user(uow: UnitOfWork, user_id: int) -> list[Merchant]:
    """The merchants a user works for."""
    return list(
        uow.session.scalars(
            select(Merchant)
            .join(MerchantMember, MerchantMember.merchant_id == Merchant.id)
            .where(MerchantMember.user_id == user_id)
            .order_by(Merchant.trade_name)
        )
    )


#: Longest shop presentation kept (the column is unbounded text; a page, not a book).
DESCRIPTION_MAX = 2000


@dataclass(frozen=True, slots=True)
class PresentationInput:
    """What a merchant changes on their own: the presentation and how to reach the shop."""

    description: str = ""
    phone: str = ""
    email: str = ""
    click_and_collect: bool = True

    def cleaned(self) -> PresentationInput:
        """The same input trimmed, the e-mail in lower case."""
        return PresentationInput(
            description=self.description.strip(),
            phone=" ".join(self.phone.split()),
            email=self.email.strip().lower(),
            click_and_collect=self.click_and_collect,
        )

    def validate(self) -> None:
        """Raise ``ValidationError`` on the first invalid field (messages in French)."""
        data = self.cleaned()
        if len(data.description) > DESCRIPTION_MAX:
            raise ValidationError(
                f"La présentation est trop longue : {DESCRIPTION_MAX} caractères au plus "
                f"(elle en a {len(data.description)}).",
                field="description",
                code="description_too_long",
                max=DESCRIPTION_MAX,
                length=len(data.description),
            )
        if data.phone and not phones.is_valid(data.phone):
            raise ValidationError(phones.INVALID_PHONE, field="phone")
        if data.email and not is_valid_email(data.email):
            raise ValidationError(
                "Adresse e-mail invalide : écrivez par exemple contact@maboutique.fr.",
                field="email",
            )


def update_presentation(
    *, uow: UnitOfWork, merchant_id: int, data: PresentationInput, actor: Actor
) -> list[str]:
    """Change a shop's presentation, phone, contact e-mail and click & collect; the names
    of the fields that changed (nothing is written or audited when none did)."""
    data.validate()
    data = data.cleaned()
    merchant = get_merchant(uow, merchant_id)
    changed = [
        name
        for name in ("description", "phone", "email", "click_and_collect")
        if getattr(merchant, name) != getattr(data, name)
    ]
    if not changed:
        return []
    for name in changed:
        setattr(merchant, name, getattr(data, name))
    record(
        uow.session,
        territory_id=merchant.territory_id,
        actor=actor,
        action="merchant.profile",
        subject=merchant.trade_name,
        details={"changed": changed},
        merchant_id=merchant.id,
    )
    uow.commit()
    return changed
