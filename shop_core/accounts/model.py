"""People: shoppers, merchant staff, couriers, pickup points' staff and operators of one
territory."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop_core.persistence.base import Base, utcnow


class Role(enum.StrEnum):
    """A person's role on the platform; merchant staff is a membership of a merchant."""

    SHOPPER = "shopper"
    MERCHANT = "merchant"
    COURIER = "courier"
    OPERATOR = "operator"
    POINT_STAFF = "point_staff"
    """Hands over the parcels waiting at one pickup point (town hall, tiers-lieu)."""


class User(Base):
    """A person with an account, scoped to one territory.

    ``password_hash`` is produced by the application (argon2 or scrypt): the core never
    sees a clear password.

    ``email`` is ``None`` for a shopper the operator registered over the phone without one
    (see :mod:`shop_core.accounts.assisted`): such an account cannot log in, since logging
    in and resetting a password both go through the e-mail, until one is set.
    """

    __tablename__ = "user_account"
    __table_args__ = (UniqueConstraint("territory_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territory.id", ondelete="CASCADE"))
    email: Mapped[str | None] = mapped_column(String(254))
    full_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(30), default="")
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=Role.SHOPPER,
    )
    active: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[int] = mapped_column(default=1)
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[dt.datetime | None]

    addresses: Mapped[list[Address]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Address.id"
    )


class PickupPointStaff(Base):
    """The pickup point whose parcels a ``POINT_STAFF`` account hands over."""

    __tablename__ = "pickup_point_staff"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    pickup_point_id: Mapped[int] = mapped_column(
        ForeignKey("pickup_point.id", ondelete="CASCADE"), index=True
    )


class Address(Base):
    """A shopper's delivery address; coordinates may be approximate (commune centre)."""

    __tablename__ = "address"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(60), default="Domicile")
    recipient: Mapped[str] = mapped_column(String(120))
    line1: Mapped[str] = mapped_column(String(200))
    line2: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(5))
    city: Mapped[str] = mapped_column(String(120))
    insee_code: Mapped[str | None] = mapped_column(String(5))
    phone: Mapped[str] = mapped_column(String(30), default="")
    instructions: Mapped[str] = mapped_column(String(300), default="")
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    approximate: Mapped[bool] = mapped_column(default=True)

    user: Mapped[User] = relationship(back_populates="addresses")
