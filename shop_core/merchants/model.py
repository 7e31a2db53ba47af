"""Merchants: legal identity, trade, address, opening hours and closures, staff."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, Enum, ForeignKey, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop_core.accounts.model import User
from shop_core.persistence.base import Base, utcnow


def _values(e: type[enum.Enum]) -> list[str]:
    return [str(m.value) for m in e]


class MerchantStatus(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"


class Trade(enum.StrEnum):
    """A merchant's trade; the list is open to extension by applications."""

    BOULANGERIE = "boulangerie"
    BOUCHERIE = "boucherie"
    CHARCUTERIE = "charcuterie"
    FROMAGERIE = "fromagerie"
    FERME = "ferme"
    MARAICHER = "maraicher"
    EPICERIE = "epicerie"
    POISSONNERIE = "poissonnerie"
    FLEURISTE = "fleuriste"
    BRASSERIE = "brasserie"
    CAVISTE = "caviste"
    ARTISAN = "artisan"
    LIBRAIRIE = "librairie"
    AUTRE = "autre"


TRADE_LABELS_FR: dict[Trade, str] = {
    Trade.BOULANGERIE: "Boulangerie-pâtisserie",
    Trade.BOUCHERIE: "Boucherie",
    Trade.CHARCUTERIE: "Charcuterie",
    Trade.FROMAGERIE: "Fromagerie",
    Trade.FERME: "Ferme",
    Trade.MARAICHER: "Ferme maraîchère",
    Trade.EPICERIE: "Épicerie",
    Trade.POISSONNERIE: "Poissonnerie",
    Trade.FLEURISTE: "Fleuriste",
    Trade.BRASSERIE: "Brasserie artisanale",
    Trade.CAVISTE: "Caviste",
    Trade.ARTISAN: "Artisan",
    Trade.LIBRAIRIE: "Librairie",
    Trade.AUTRE: "Autre commerce",
}


class MemberRole(enum.StrEnum):
    OWNER = "owner"
    STAFF = "staff"


class Merchant(Base):
    __tablename__ = "merchant"
    __table_args__ = (UniqueConstraint("territory_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territory.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(80))
    trade_name: Mapped[str] = mapped_column(String(120))
    legal_name: Mapped[str] = mapped_column(String(160))
    siren: Mapped[str] = mapped_column(String(9))
    siret: Mapped[str] = mapped_column(String(14), default="")
    vat_number: Mapped[str] = mapped_column(String(20), default="")
    vat_franchise: Mapped[bool] = mapped_column(default=False)
    trade: Mapped[Trade] = mapped_column(
        Enum(Trade, native_enum=False, length=30, values_callable=_values)
    )
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(5))
    city: Mapped[str] = mapped_column(String(120))
    insee_code: Mapped[str | None] = mapped_column(String(5))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    status: Mapped[MerchantStatus] = mapped_column(
        Enum(MerchantStatus, native_enum=False, length=20, values_callable=_values),
        default=MerchantStatus.PENDING,
    )
    assisted: Mapped[bool] = mapped_column(default=False)
    click_and_collect: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    opening_hours: Mapped[list[OpeningHours]] = relationship(
        back_populates="merchant",
        cascade="all, delete-orphan",
        order_by="(OpeningHours.weekday, OpeningHours.opens)",
    )
    members: Mapped[list[MerchantMember]] = relationship(
        back_populates="merchant", cascade="all, delete-orphan"
    )
    # Loaded with the opening hours where days are judged (checkout, planning).
    closures: Mapped[list[Closure]] = relationship(
        back_populates="merchant", cascade="all, delete-orphan", order_by="Closure.starts"
    )

    @property
    def is_open_for_orders(self) -> bool:
        return self.status is MerchantStatus.ACTIVE

    def opening_windows(self, weekday: int) -> list[tuple[dt.time, dt.time]]:
        """Opening windows on a weekday (0 = Monday), in order."""
        return [(h.opens, h.closes) for h in self.opening_hours if h.weekday == weekday]

    def closure_on(self, day: dt.date) -> Closure | None:
        """The exceptional closure (holidays, works…) covering ``day``, if any."""
        return next((c for c in self.closures if c.starts <= day <= c.ends), None)

    def is_closed_on(self, day: dt.date) -> bool:
        """Closed all day on ``day``: an exceptional closure, or no opening window that
        weekday. A shop without opening hours is taken as open every day."""
        if self.closure_on(day) is not None:
            return True
        return bool(self.opening_hours) and not self.opening_windows(day.weekday())

    def windows_on(self, day: dt.date) -> list[tuple[dt.time, dt.time]]:
        """Opening windows on ``day`` (none during an exceptional closure)."""
        return [] if self.closure_on(day) is not None else self.opening_windows(day.weekday())


class OpeningHours(Base):
    """One opening window on one weekday (0 = Monday); several per day for lunch breaks."""

    __tablename__ = "opening_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(
        ForeignKey("merchant.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int]
    opens: Mapped[dt.time] = mapped_column(Time)
    closes: Mapped[dt.time] = mapped_column(Time)

    merchant: Mapped[Merchant] = relationship(back_populates="opening_hours")


class Closure(Base):
    """Days a shop is closed although its weekly hours say open, ``starts`` to ``ends``
    included (holidays, a family event, works)."""

    __tablename__ = "merchant_closure"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(
        ForeignKey("merchant.id", ondelete="CASCADE"), index=True
    )
    starts: Mapped[dt.date] = mapped_column(Date)
    ends: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    merchant: Mapped[Merchant] = relationship(back_populates="closures")


class MerchantMember(Base):
    """A user working for a merchant, as owner or staff."""

    __tablename__ = "merchant_member"
    __table_args__ = (UniqueConstraint("merchant_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[MemberRole] = mapped_column(
        Enum(MemberRole, native_enum=False, length=10, values_callable=_values),
        default=MemberRole.OWNER,
    )

    merchant: Mapped[Merchant] = relationship(back_populates="members")
    user: Mapped[User] = relationship()
