"""Delivery tables: depots, rounds, each day's plan with its stops, and the geocoding cache.

A *round* (tournée) is a standing description: which courier leaves which depot on which
weekdays, between which hours, to which communes, with how many parcels at most. A *day
plan* is what the optimiser made of one date: one *run* per round that goes out that day,
each with its ordered *stops* (collect at a merchant, deliver to a shopper or a pickup
point), and the merchant orders that could not be planned, with the reason.

Importing this module also registers the delivery migrations with the core's Alembic
environment, so the tables in ``Base.metadata`` and the revisions applied by
``shop_core.connect(..., migrate=True)`` always agree.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Date, Enum, ForeignKey, Select, String, Time, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, validates

from shop_core.accounts.model import User
from shop_core.accounts.services import on_account_erased
from shop_core.names import KEY_LENGTH, name_key
from shop_core.orders.model import MerchantOrder
from shop_core.persistence.base import Base, utcnow
from shop_core.persistence.migrate import register_migrations

MIGRATIONS = Path(__file__).parent / "migrations"
register_migrations(MIGRATIONS)


def _enum(e: type[enum.Enum], length: int = 20) -> Enum:
    return Enum(e, native_enum=False, length=length, values_callable=lambda x: [m.value for m in x])


WEEKDAY_LABELS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
    "octobre", "novembre", "décembre",
)  # fmt: skip


def date_fr(day: dt.date) -> str:
    """``mardi 24 novembre 2026``; ``mardi 1er décembre 2026`` on the first of the month."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{WEEKDAY_LABELS_FR[day.weekday()]} {number} {MONTHS_FR[day.month - 1]} {day.year}"


class Depot(Base):
    """Where rounds start and end: a post office, a hub, the operator's premises."""

    __tablename__ = "delivery_depot"
    __table_args__ = (UniqueConstraint("territory_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(
        ForeignKey("territory.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    #: The name as it is compared (shop_core.names), kept with it: unique per territory.
    name_key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    address: Mapped[str] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(5))
    city: Mapped[str] = mapped_column(String(120))
    lat: Mapped[float]
    lon: Mapped[float]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @validates("name")
    def _keep_name_key(self, _attribute: str, name: str) -> str:
        self.name_key = name_key(name)
        return name


class Round(Base):
    """A standing round: courier, depot, weekdays, hours, communes served, capacity.

    ``weekdays`` holds the days as digits, 0 for Monday (``"01234"`` = Monday to Friday).
    No communes listed means every commune of the territory.
    """

    __tablename__ = "delivery_round"
    __table_args__ = (UniqueConstraint("territory_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(
        ForeignKey("territory.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    #: The name as it is compared (shop_core.names), kept with it: unique per territory.
    name_key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    courier_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    depot_id: Mapped[int] = mapped_column(ForeignKey("delivery_depot.id", ondelete="RESTRICT"))
    weekdays: Mapped[str] = mapped_column(String(7), default="01234")
    starts: Mapped[dt.time] = mapped_column(Time)
    ends: Mapped[dt.time] = mapped_column(Time)
    capacity: Mapped[int] = mapped_column(default=30)
    max_duration_min: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    courier: Mapped[User | None] = relationship()
    depot: Mapped[Depot] = relationship()
    communes: Mapped[list[RoundCommune]] = relationship(
        cascade="all, delete-orphan", order_by="RoundCommune.insee_code"
    )

    @validates("name")
    def _keep_name_key(self, _attribute: str, name: str) -> str:
        self.name_key = name_key(name)
        return name

    @property
    def weekday_numbers(self) -> list[int]:
        """The weekdays the round runs, 0 = Monday."""
        return sorted({int(c) for c in self.weekdays if c.isdigit() and int(c) < 7})

    def runs_on(self, day: dt.date) -> bool:
        """Whether the round goes out on ``day``."""
        return self.active and day.weekday() in self.weekday_numbers

    @property
    def insee_codes(self) -> set[str]:
        return {c.insee_code for c in self.communes}

    def serves(self, insee_code: str | None) -> bool:
        """Whether the round delivers in this commune (every commune when none is listed)."""
        codes = self.insee_codes
        return not codes or insee_code is None or insee_code in codes


class RoundCommune(Base):
    __tablename__ = "delivery_round_commune"
    __table_args__ = (UniqueConstraint("round_id", "insee_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("delivery_round.id", ondelete="CASCADE"))
    insee_code: Mapped[str] = mapped_column(String(5))


class DayPlan(Base):
    """The plan of one territory for one date (at most one; re-planning replaces its runs)."""

    __tablename__ = "delivery_plan"
    __table_args__ = (UniqueConstraint("territory_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territory.id", ondelete="CASCADE"))
    date: Mapped[dt.date] = mapped_column(Date)
    planned_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    planned_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    distance_m: Mapped[int] = mapped_column(default=0)

    runs: Mapped[list[RoundRun]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="RoundRun.id"
    )
    unplanned: Mapped[list[Unplanned]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="Unplanned.id"
    )


class RoundRun(Base):
    """One round going out on the plan's date, with the courier who drives it that day and
    the depot it leaves from and comes back to.

    The depot is the round's when the run is planned, and stays the run's once it is under
    way: parcels it left there wait there (``plan_state.holding_depots``) even if the
    operator moves the round to another depot afterwards.
    """

    __tablename__ = "delivery_round_run"
    __table_args__ = (UniqueConstraint("plan_id", "round_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("delivery_plan.id", ondelete="CASCADE"))
    round_id: Mapped[int] = mapped_column(ForeignKey("delivery_round.id", ondelete="RESTRICT"))
    courier_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    depot_id: Mapped[int] = mapped_column(ForeignKey("delivery_depot.id", ondelete="RESTRICT"))
    departure: Mapped[dt.datetime | None]
    return_time: Mapped[dt.datetime | None]
    distance_m: Mapped[int] = mapped_column(default=0)

    plan: Mapped[DayPlan] = relationship(back_populates="runs")
    round: Mapped[Round] = relationship()
    courier: Mapped[User | None] = relationship()
    depot: Mapped[Depot] = relationship()
    stops: Mapped[list[Stop]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="Stop.sequence"
    )


class StopKind(enum.StrEnum):
    COLLECT = "collect"
    """At the merchant's: take the parcels of a merchant order."""
    DELIVER = "deliver"
    """At the shopper's door or at a pickup point: hand them over."""
    TAKE_BACK = "take_back"
    """At a pickup point: take back the parcels of a returned merchant order."""
    BRING_BACK = "bring_back"
    """At the merchant's: give the returned parcels back to the shop."""

    @property
    def returning(self) -> bool:
        """Whether the stop is part of a returned order's way back to its shop."""
        return self in RETURN_KINDS

    @property
    def at_shop(self) -> bool:
        """Whether the stop is at the merchant's (a collection, or a return)."""
        return self in (StopKind.COLLECT, StopKind.BRING_BACK)


#: The stops of a returned order's way back (for queries; ``StopKind.returning`` in code).
RETURN_KINDS = (StopKind.TAKE_BACK, StopKind.BRING_BACK)


class StopStatus(enum.StrEnum):
    TODO = "todo"
    DONE = "done"
    FAILED = "failed"


STOP_STATUS_LABELS_FR = {
    StopStatus.TODO: "À faire",
    StopStatus.DONE: "Fait",
    StopStatus.FAILED: "Échec",
}


class Stop(Base):
    """One stop of a run, for one merchant order; place and times are snapshots of the plan."""

    __tablename__ = "delivery_stop"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("delivery_round_run.id", ondelete="CASCADE"), index=True
    )
    sequence: Mapped[int]
    kind: Mapped[StopKind] = mapped_column(_enum(StopKind, 10))
    merchant_order_id: Mapped[int] = mapped_column(
        ForeignKey("merchant_order.id", ondelete="CASCADE"), index=True
    )
    place_name: Mapped[str] = mapped_column(String(160))
    address: Mapped[str] = mapped_column(String(300))
    lat: Mapped[float]
    lon: Mapped[float]
    approximate: Mapped[bool] = mapped_column(default=False)
    expected_arrival: Mapped[dt.datetime]
    expected_start: Mapped[dt.datetime]
    window_start: Mapped[dt.datetime | None]
    window_end: Mapped[dt.datetime | None]
    parcels: Mapped[int] = mapped_column(default=1)
    # The pickup point the stop is at (a drop or a take-back there), None at a door or a
    # shop: the order may be sent elsewhere since (a failed delivery left at a point), the
    # stop still reads as where it went.
    pickup_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("pickup_point.id", ondelete="SET NULL")
    )
    status: Mapped[StopStatus] = mapped_column(_enum(StopStatus, 10), default=StopStatus.TODO)
    reason: Mapped[str] = mapped_column(String(300), default="")
    done_at: Mapped[dt.datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # A collection still to do here that another courier says they made (a tap kept
    # offline while the operator moved the order): who has the parcels, and since when.
    claimed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    claimed_at: Mapped[dt.datetime | None]

    run: Mapped[RoundRun] = relationship(back_populates="stops")
    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id])
    merchant_order: Mapped[MerchantOrder] = relationship()

    @property
    def is_open(self) -> bool:
        return self.status is StopStatus.TODO


def territory_stops(territory_id: int) -> Select[Stop]:
    """The stops of a territory's planned days, joined to their run (``RoundRun``) and its
    day's plan (``DayPlan``), for the caller to narrow: the day, the kind, the courier…"""
    return (
        select(Stop)
        .join(RoundRun, Stop.run_id == RoundRun.id)
        .join(DayPlan, RoundRun.plan_id == DayPlan.id)
        .where(DayPlan.territory_id == territory_id)
    )


class Unplanned(Base):
    """A merchant order due on the plan's date that no round could take, and why."""

    __tablename__ = "delivery_unplanned"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("delivery_plan.id", ondelete="CASCADE"))
    merchant_order_id: Mapped[int] = mapped_column(
        ForeignKey("merchant_order.id", ondelete="CASCADE"), index=True
    )
    reason_code: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(String(300))
    next_date: Mapped[dt.date | None] = mapped_column(Date)

    plan: Mapped[DayPlan] = relationship(back_populates="unplanned")
    merchant_order: Mapped[MerchantOrder] = relationship()


class ParcelTransfer(Base):
    """Parcels of a merchant order carried from one depot to another by hand (the operator
    says so): from then on they wait at ``to_depot``, until a courier records a stop."""

    __tablename__ = "delivery_parcel_transfer"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_order_id: Mapped[int] = mapped_column(
        ForeignKey("merchant_order.id", ondelete="CASCADE"), index=True
    )
    from_depot_id: Mapped[int | None] = mapped_column(
        ForeignKey("delivery_depot.id", ondelete="SET NULL")
    )
    # Deleting the depot is refused while this says the parcels were carried there: erasing
    # the record would put them back where the last stop left them.
    to_depot_id: Mapped[int] = mapped_column(ForeignKey("delivery_depot.id", ondelete="RESTRICT"))
    at: Mapped[dt.datetime]
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class GeocodeEntry(Base):
    """A geocoder's answer for one normalised address (misses too, so they are not retried
    at every order); ``precise`` is false for a street or commune-level match."""

    __tablename__ = "delivery_geocode"

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(300), unique=True)
    provider: Mapped[str] = mapped_column(String(20))
    found: Mapped[bool] = mapped_column(default=False)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    precise: Mapped[bool] = mapped_column(default=False)
    label: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PlanningStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class PlanningJob(Base):
    """A request to plan one date, run in the background (see ``delivery.planning_jobs``).

    Every web worker and job worker reads the same row: who asked, when it started, and
    what came of it (counts, or the message of a failure).
    """

    __tablename__ = "delivery_planning_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(
        ForeignKey("territory.id", ondelete="CASCADE"), index=True
    )
    date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[PlanningStatus] = mapped_column(
        _enum(PlanningStatus, 10), default=PlanningStatus.QUEUED
    )
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    planned: Mapped[int] = mapped_column(default=0)
    unplanned: Mapped[int] = mapped_column(default=0)
    runs: Mapped[int] = mapped_column(default=0)
    kept_stops: Mapped[int] = mapped_column(default=0)
    returns: Mapped[int] = mapped_column(default=0, server_default="0")
    """Returned orders whose parcels the planned rounds bring back to their shops."""
    returns_left_out: Mapped[int] = mapped_column(default=0, server_default="0")
    """Returned orders whose way back no round could take that day: they wait."""
    returns_without_round: Mapped[int] = mapped_column(default=0, server_default="0")
    """Returned orders whose way back no round can ever take: they wait for none."""
    message: Mapped[str] = mapped_column(String(500), default="")


def _forget_orders(session: Session, order_ids: Sequence[int]) -> None:
    # Imported here: delivery.geocoding imports this module.
    from delivery.geocoding import forget_orders

    forget_orders(session, order_ids)


# Wherever delivery's tables are in use, deleting an account erases the copies they hold.
on_account_erased(_forget_orders)
