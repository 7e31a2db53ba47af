"""Territory: the tenant — one marketplace of one intercommunality."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from shop_core.names import KEY_LENGTH, name_key
from shop_core.persistence.base import Base, utcnow


class Territory(Base):
    __tablename__ = "territory"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    tagline: Mapped[str] = mapped_column(String(200), default="")
    primary_color: Mapped[str] = mapped_column(String(7), default="#1d4e89")
    accent_color: Mapped[str] = mapped_column(String(7), default="#f2a541")
    logo_key: Mapped[str | None] = mapped_column(String(255))
    commission_rate_bp: Mapped[int] = mapped_column(Integer, default=500)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    order_cutoff: Mapped[dt.time] = mapped_column(Time, default=dt.time(18, 0))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    communes: Mapped[list[Commune]] = relationship(
        back_populates="territory", cascade="all, delete-orphan", order_by="Commune.name"
    )
    pickup_points: Mapped[list[PickupPoint]] = relationship(
        back_populates="territory", cascade="all, delete-orphan", order_by="PickupPoint.name"
    )
    delivery_slots: Mapped[list[DeliverySlot]] = relationship(
        back_populates="territory", cascade="all, delete-orphan", order_by="DeliverySlot.starts"
    )

    def serves(self, insee_code: str) -> bool:
        """Whether the commune with this INSEE code is served by the territory."""
        return any(c.insee_code == insee_code for c in self.communes)

    def delivers_home_to(self, *, insee_code: str | None, postal_code: str) -> bool:
        """Whether home delivery goes to an address: its commune is served (by INSEE code,
        or by postal code for an address saved without one)."""
        if insee_code:
            return self.serves(insee_code)
        return any(c.postal_code == postal_code for c in self.communes)


class Commune(Base):
    """A commune served by a territory (INSEE code, with its centre for geocoding)."""

    __tablename__ = "commune"
    __table_args__ = (UniqueConstraint("territory_id", "insee_code", "postal_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territory.id", ondelete="CASCADE"))
    insee_code: Mapped[str] = mapped_column(String(5), index=True)
    postal_code: Mapped[str] = mapped_column(String(5))
    name: Mapped[str] = mapped_column(String(120))
    lat: Mapped[float]
    lon: Mapped[float]
    population: Mapped[int] = mapped_column(default=0)

    territory: Mapped[Territory] = relationship(back_populates="communes")


class PickupPoint(Base):
    """A place where shoppers collect parcels: a tiers-lieu, a town hall, a shop."""

    __tablename__ = "pickup_point"
    __table_args__ = (UniqueConstraint("territory_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territory.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    #: The name as it is compared (shop_core.names), kept with it: unique per territory.
    name_key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    kind: Mapped[str] = mapped_column(String(30), default="tiers_lieu")
    address: Mapped[str] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(5))
    city: Mapped[str] = mapped_column(String(120))
    insee_code: Mapped[str | None] = mapped_column(String(5))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    opening_notes: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(default=True)

    territory: Mapped[Territory] = relationship(back_populates="pickup_points")
    #: When shoppers may come, weekday by weekday; none when the point has not given them
    #: (its ``opening_notes`` then say it in words).
    opening_hours: Mapped[list[PickupPointHours]] = relationship(
        back_populates="point",
        cascade="all, delete-orphan",
        order_by="(PickupPointHours.weekday, PickupPointHours.opens)",
    )

    def opening_windows(self, weekday: int) -> list[tuple[dt.time, dt.time]]:
        """Opening windows on a weekday (0 = Monday), in order."""
        return [(h.opens, h.closes) for h in self.opening_hours if h.weekday == weekday]

    def first_open_day(self, day: dt.date) -> dt.date | None:
        """The first day from ``day`` on (``day`` included) that the point opens; ``None``
        when its hours are not given."""
        weekdays = {h.weekday for h in self.opening_hours}
        if not weekdays:
            return None
        while day.weekday() not in weekdays:
            day += dt.timedelta(days=1)
        return day

    @validates("name")
    def _keep_name_key(self, _attribute: str, name: str) -> str:
        self.name_key = name_key(name)
        return name


class PickupPointHours(Base):
    """One window a pickup point is open on one weekday (0 = Monday); several per day for a
    lunch break."""

    __tablename__ = "pickup_point_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    pickup_point_id: Mapped[int] = mapped_column(
        ForeignKey("pickup_point.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int]
    opens: Mapped[dt.time] = mapped_column(Time)
    closes: Mapped[dt.time] = mapped_column(Time)

    point: Mapped[PickupPoint] = relationship(back_populates="opening_hours")


class DeliverySlot(Base):
    """A home-delivery slot of a territory, e.g. morning 09:00–12:00."""

    __tablename__ = "delivery_slot"
    __table_args__ = (UniqueConstraint("territory_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territory.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(30))
    label: Mapped[str] = mapped_column(String(60))
    starts: Mapped[dt.time] = mapped_column(Time)
    ends: Mapped[dt.time] = mapped_column(Time)

    territory: Mapped[Territory] = relationship(back_populates="delivery_slots")
