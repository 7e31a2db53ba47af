"""Setting up delivery: depots and rounds of a territory (the operator's side)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from delivery import gazetteer
from delivery.calendar import shift_covers
from delivery.geocoding import check_in_commune, check_position
from delivery.model import DayPlan, Depot, Round, RoundCommune, RoundRun, Stop, StopStatus
from shop_core.accounts.model import Role, User
from shop_core.audit.services import Actor, record
from shop_core.errors import NotFound, ValidationError
from shop_core.names import name_key, taken_name_refused
from shop_core.persistence.uow import UnitOfWork
from shop_core.territories.model import Commune, DeliverySlot


@dataclass(frozen=True)
class DepotInput:
    """A depot's name and address; without coordinates, the commune's centre is used."""

    name: str
    address: str
    postal_code: str
    city: str
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class RoundInput:
    """What the operator sets for a round. ``weekdays`` are 0 (Monday) to 6 (Sunday)."""

    name: str
    depot_id: int
    weekdays: Sequence[int]
    starts: dt.time
    ends: dt.time
    capacity: int
    courier_id: int | None = None
    max_duration_min: int | None = None
    insee_codes: Sequence[str] = field(default_factory=tuple)
    active: bool = True


def depots(session: Session, *, territory_id: int) -> list[Depot]:
    """The territory's depots, by name."""
    query = select(Depot).where(Depot.territory_id == territory_id).order_by(Depot.name)
    return list(session.scalars(query))


def get_depot(session: Session, *, territory_id: int, depot_id: int) -> Depot:
    depot = session.get(Depot, depot_id)
    if depot is None or depot.territory_id != territory_id:
        raise NotFound(what="Dépôt")
    return depot


def rounds(session: Session, *, territory_id: int) -> list[Round]:
    """Every round of the territory (active first), with courier, depot and communes."""
    query = (
        select(Round)
        .where(Round.territory_id == territory_id)
        .options(
            selectinload(Round.courier),
            selectinload(Round.depot),
            selectinload(Round.communes),
        )
        .order_by(Round.active.desc(), Round.name, Round.id)
    )
    return list(session.scalars(query))


def get_round(session: Session, *, territory_id: int, round_id: int) -> Round:
    round_ = session.get(Round, round_id)
    if round_ is None or round_.territory_id != territory_id:
        raise NotFound(what="Tournée")
    return round_


def _name_taken(
    session: Session,
    model: type[Depot] | type[Round],
    territory_id: int,
    name: str,
    own_id: int | None,
) -> bool:
    """Whether another depot (or round) of the territory has this name, case, accents and
    punctuation ignored (``shop_core.names``): the board, the forms and the couriers tell
    them apart by name alone. The database refuses one anyway (a key unique per territory);
    asking first gives the operator a message next to the field."""
    query = select(model.id).where(
        model.territory_id == territory_id, model.name_key == name_key(name)
    )
    if own_id is not None:
        query = query.where(model.id != own_id)
    return session.scalar(query.limit(1)) is not None


def _check_depot_name(
    session: Session, territory_id: int, name: str, depot_id: int | None = None
) -> None:
    if _name_taken(session, Depot, territory_id, name, depot_id):
        raise ValidationError("Un autre dépôt porte déjà ce nom.", field="name")


def _check_round_name(
    session: Session, territory_id: int, name: str, round_id: int | None = None
) -> None:
    if _name_taken(session, Round, territory_id, name, round_id):
        raise ValidationError("Une autre tournée porte déjà ce nom.", field="name")


#: Refusals of a name or an address longer than its column holds: a caller other than
#: the web forms (the API, a script) is told, not cut short or stopped by the database.
NAME_TOO_LONG = "Le nom est trop long (120 caractères au plus)."
ADDRESS_TOO_LONG = "L'adresse est trop longue (200 caractères au plus)."
CITY_TOO_LONG = "Le nom de la commune est trop long (120 caractères au plus)."


def _depot_fields(
    session: Session, territory_id: int, data: DepotInput, depot_id: int | None = None
) -> dict[str, object]:
    name, address = data.name.strip(), data.address.strip()
    postal, city = data.postal_code.strip(), data.city.strip()
    if not name:
        raise ValidationError("Donnez un nom au dépôt.", field="name")
    if len(name) > 120:
        raise ValidationError(NAME_TOO_LONG, field="name")
    _check_depot_name(session, territory_id, name, depot_id)
    if not address:
        raise ValidationError("Indiquez l'adresse du dépôt.", field="address")
    if len(address) > 200:
        raise ValidationError(ADDRESS_TOO_LONG, field="address")
    if not re.fullmatch(r"\d{5}", postal):
        raise ValidationError("Le code postal doit comporter 5 chiffres.", field="postal_code")
    if len(city) > 120:
        raise ValidationError(CITY_TOO_LONG, field="city")
    lat, lon = data.lat, data.lon
    if (lat is None) != (lon is None):
        raise ValidationError(
            "Indiquez la latitude et la longitude, ou aucune des deux.", field="lat"
        )
    if lat is None or lon is None:
        commune = gazetteer.find(postal, city)
        if commune is None:
            raise ValidationError(
                f"Commune « {city} » ({postal}) introuvable : vérifiez le code postal et le nom, "
                "ou indiquez la position.",
                field="city",
                code="commune_not_found",
                city=city,
                postal_code=postal,
            )
        lat, lon, city = commune.lat, commune.lon, commune.name
    check_position(session, territory_id, lat, lon)
    check_in_commune(lat, lon, postal, city)
    return {
        "name": name,
        "address": address,
        "postal_code": postal,
        "city": city,
        "lat": lat,
        "lon": lon,
    }


def create_depot(*, uow: UnitOfWork, territory_id: int, data: DepotInput, actor: Actor) -> int:
    """Add a depot where rounds start and end; returns its id."""
    uow.begin_write()  # SQLite: one writer from the name's check on, not "database is locked"
    fields = _depot_fields(uow.session, territory_id, data)
    name = str(fields["name"])
    depot = Depot(territory_id=territory_id, **fields)
    with taken_name_refused(uow, lambda: _check_depot_name(uow.session, territory_id, name)):
        uow.session.add(depot)
        uow.session.flush()
        record(
            uow.session, territory_id=territory_id, actor=actor, action="delivery.depot",
            subject=depot.name,
        )  # fmt: skip
        uow.commit()
    return depot.id


def update_depot(
    *, uow: UnitOfWork, territory_id: int, depot_id: int, data: DepotInput, actor: Actor
) -> None:
    """Change a depot's name, address or position."""
    uow.begin_write()
    depot = get_depot(uow.session, territory_id=territory_id, depot_id=depot_id)
    fields = _depot_fields(uow.session, territory_id, data, depot_id)
    name = str(fields["name"])
    with taken_name_refused(
        uow, lambda: _check_depot_name(uow.session, territory_id, name, depot_id)
    ):
        for attribute, value in fields.items():
            setattr(depot, attribute, value)
        record(
            uow.session, territory_id=territory_id, actor=actor, action="delivery.depot",
            subject=depot.name,
        )  # fmt: skip
        uow.commit()


def _check_round(
    session: Session, territory_id: int, data: RoundInput, round_id: int | None = None
) -> list[str]:
    if not data.name.strip():
        raise ValidationError("Donnez un nom à la tournée.", field="name")
    if len(_round_name(data)) > 120:
        raise ValidationError(NAME_TOO_LONG, field="name")
    _check_round_name(session, territory_id, _round_name(data), round_id)
    get_depot(session, territory_id=territory_id, depot_id=data.depot_id)
    days = sorted(set(data.weekdays))
    if not days or any(not 0 <= d <= 6 for d in days):
        raise ValidationError("Cochez au moins un jour de la semaine.", field="weekdays")
    if data.starts >= data.ends:
        raise ValidationError("L'heure de fin doit suivre l'heure de départ.", field="ends")
    if not 1 <= data.capacity <= 1000:
        raise ValidationError("La capacité va de 1 à 1000 colis.", field="capacity")
    if data.max_duration_min is not None and not 15 <= data.max_duration_min <= 24 * 60:
        raise ValidationError(
            "La durée maximale va de 15 minutes à 24 heures.", field="max_duration_min"
        )
    if data.courier_id is not None:
        courier = session.get(User, data.courier_id)
        if (
            courier is None
            or courier.territory_id != territory_id
            or courier.role is not Role.COURIER
            or not courier.active
        ):
            raise ValidationError("Choisissez un livreur actif du territoire.", field="courier_id")
    served = set(
        session.scalars(select(Commune.insee_code).where(Commune.territory_id == territory_id))
    )
    codes = sorted({c.strip() for c in data.insee_codes if c.strip()})
    unknown = [c for c in codes if c not in served]
    if unknown:
        raise ValidationError(
            "Communes hors du territoire : " + ", ".join(unknown) + ".", field="insee_codes"
        )
    return codes


def _round_name(data: RoundInput) -> str:
    return data.name.strip()


def _apply_round(round_: Round, data: RoundInput, codes: list[str]) -> None:
    round_.name = _round_name(data)
    round_.depot_id = data.depot_id
    round_.courier_id = data.courier_id
    round_.weekdays = "".join(str(d) for d in sorted(set(data.weekdays)))
    round_.starts, round_.ends = data.starts, data.ends
    round_.capacity = data.capacity
    round_.max_duration_min = data.max_duration_min
    round_.active = data.active
    current = {c.insee_code: c for c in round_.communes}
    for code in set(current) - set(codes):
        round_.communes.remove(current[code])
    for code in codes:
        if code not in current:
            round_.communes.append(RoundCommune(insee_code=code))


def create_round(*, uow: UnitOfWork, territory_id: int, data: RoundInput, actor: Actor) -> int:
    """Add a round; returns its id."""
    uow.begin_write()  # SQLite: one writer from the name's check on, not "database is locked"
    codes = _check_round(uow.session, territory_id, data)
    round_ = Round(territory_id=territory_id)
    round_.communes = []
    _apply_round(round_, data, codes)
    name = round_.name
    with taken_name_refused(uow, lambda: _check_round_name(uow.session, territory_id, name)):
        uow.session.add(round_)
        uow.session.flush()
        record(
            uow.session, territory_id=territory_id, actor=actor, action="delivery.round",
            subject=round_.name, details={"created": True},
        )  # fmt: skip
        uow.commit()
    return round_.id


def update_round(
    *, uow: UnitOfWork, territory_id: int, round_id: int, data: RoundInput, actor: Actor
) -> None:
    """Change a round; days already planned keep their runs until they are re-planned.
    Two changes sent at once are made one after the other (the round's row is locked):
    each replaces the round's communes, which the second would otherwise insert again
    beside the first's."""
    uow.begin_write()
    uow.lock_row(Round, round_id)
    round_ = get_round(uow.session, territory_id=territory_id, round_id=round_id)
    codes = _check_round(uow.session, territory_id, data, round_id)
    name = _round_name(data)
    with taken_name_refused(
        uow, lambda: _check_round_name(uow.session, territory_id, name, round_id)
    ):
        _apply_round(round_, data, codes)
        record(
            uow.session, territory_id=territory_id, actor=actor, action="delivery.round",
            subject=round_.name,
        )  # fmt: skip
        uow.commit()


def delete_round(*, uow: UnitOfWork, territory_id: int, round_id: int, actor: Actor) -> bool:
    """Delete a round never planned; one with history is switched off instead (False)."""
    round_ = get_round(uow.session, territory_id=territory_id, round_id=round_id)
    used = uow.session.scalar(select(RoundRun.id).where(RoundRun.round_id == round_id).limit(1))
    name = round_.name
    if used is None:
        uow.session.delete(round_)
    else:
        round_.active = False
    record(
        uow.session, territory_id=territory_id, actor=actor, action="delivery.round",
        subject=name, details={"deleted": used is None},
    )  # fmt: skip
    uow.commit()
    return used is None


@dataclass(frozen=True)
class RoundRemoval:
    """What removing a round would do, for the operator to confirm: switched off rather
    than deleted when it has ``history`` (a run planned once), the ``days`` from a date on
    whose plan holds one of its runs, and the communes (INSEE codes) no other active round
    would serve."""

    history: bool
    days: tuple[dt.date, ...]
    communes_left: tuple[str, ...]


def round_removal(
    session: Session, *, territory_id: int, round_id: int, from_day: dt.date
) -> RoundRemoval:
    """What :func:`delete_round` would do to the round, told before it is done."""
    round_ = get_round(session, territory_id=territory_id, round_id=round_id)
    history = rounds_with_history(session, territory_id=territory_id, round_ids=[round_id])
    days = session.scalars(
        select(DayPlan.date)
        .join(RoundRun, RoundRun.plan_id == DayPlan.id)
        .where(RoundRun.round_id == round_id, DayPlan.date >= from_day)
        .order_by(DayPlan.date)
    ).all()
    left: list[str] = []
    if round_.active:
        others = [
            r for r in rounds(session, territory_id=territory_id) if r.active and r.id != round_id
        ]
        if all(r.insee_codes for r in others):  # a round listing none serves every commune
            served = set().union(*(r.insee_codes for r in others))
            mine = round_.insee_codes or set(
                session.scalars(
                    select(Commune.insee_code).where(Commune.territory_id == territory_id)
                )
            )
            left = sorted(mine - served)
    return RoundRemoval(history=bool(history), days=tuple(days), communes_left=tuple(left))


def rounds_with_history(
    session: Session, *, territory_id: int, round_ids: Sequence[int] | None = None
) -> set[int]:
    """The rounds (of ``round_ids``, or all) with a run planned once: removing one switches
    it off (:func:`delete_round`)."""
    query = (
        select(RoundRun.round_id)
        .join(Round, Round.id == RoundRun.round_id)
        .where(Round.territory_id == territory_id)
        .distinct()
    )
    if round_ids is not None:
        query = query.where(RoundRun.round_id.in_(round_ids))
    return set(session.scalars(query))


@dataclass(frozen=True)
class CourierDuties:
    """What a courier is down to drive: the active rounds they are the courier of, and the
    runs planned for them from a date on (date, round name)."""

    rounds: tuple[str, ...]
    runs: tuple[tuple[dt.date, str], ...]


def courier_duties(
    session: Session, *, territory_id: int, courier_id: int, from_day: dt.date
) -> CourierDuties:
    """The rounds and planned runs left to a courier (to warn when they stop driving)."""
    rounds = session.scalars(
        select(Round.name)
        .where(
            Round.territory_id == territory_id,
            Round.courier_id == courier_id,
            Round.active.is_(True),
        )
        .order_by(Round.name)
    ).all()
    runs = session.execute(
        select(DayPlan.date, Round.name)
        .join(RoundRun, RoundRun.plan_id == DayPlan.id)
        .join(Round, Round.id == RoundRun.round_id)
        .where(
            DayPlan.territory_id == territory_id,
            DayPlan.date >= from_day,
            RoundRun.courier_id == courier_id,
            # A run with nothing left to do (today's, finished) is no longer theirs to drive.
            exists().where(Stop.run_id == RoundRun.id, Stop.status == StopStatus.TODO),
        )
        .order_by(DayPlan.date, Round.name)
    ).all()
    return CourierDuties(rounds=tuple(rounds), runs=tuple((day, name) for day, name in runs))


def rounds_serving(session: Session, *, territory_id: int, insee_code: str) -> list[str]:
    """The names of the active rounds that list this commune (to warn before it stops being
    served)."""
    return list(
        session.scalars(
            select(Round.name)
            .join(RoundCommune, RoundCommune.round_id == Round.id)
            .where(
                Round.territory_id == territory_id,
                Round.active.is_(True),
                RoundCommune.insee_code == insee_code,
            )
            .order_by(Round.name)
        )
    )


@dataclass(frozen=True, slots=True)
class SlotCover:
    """The active rounds out during all of a delivery slot (``covering``), and those out
    during only part of it (``partial``), each as (name, starts, ends)."""

    covering: tuple[tuple[str, dt.time, dt.time], ...]
    partial: tuple[tuple[str, dt.time, dt.time], ...]
    rounds: int  # active rounds in all


def slot_cover(session: Session, *, territory_id: int, starts: dt.time, ends: dt.time) -> SlotCover:
    """Which rounds can deliver in a slot from ``starts`` to ``ends`` (a delivery is
    planned within both the slot and its round's hours)."""
    return _cover(_round_hours(session, territory_id), starts, ends)


def slot_covers(
    session: Session, *, territory_id: int, slots: Sequence[DeliverySlot]
) -> dict[str, SlotCover]:
    """``slot_cover`` of each slot, by code, with the rounds loaded once (for a list)."""
    rounds = _round_hours(session, territory_id)
    return {slot.code: _cover(rounds, slot.starts, slot.ends) for slot in slots}


def _round_hours(session: Session, territory_id: int) -> list[tuple[str, dt.time, dt.time]]:
    rows = session.execute(
        select(Round.name, Round.starts, Round.ends)
        .where(Round.territory_id == territory_id, Round.active.is_(True))
        .order_by(Round.starts, Round.name)
    ).all()
    return [(name, start, end) for name, start, end in rows]


def _cover(
    rounds: Sequence[tuple[str, dt.time, dt.time]], starts: dt.time, ends: dt.time
) -> SlotCover:
    covering = tuple(
        (name, start, end) for name, start, end in rounds if shift_covers(start, end, starts, ends)
    )
    partial = tuple(
        (name, start, end)
        for name, start, end in rounds
        if start < ends and end > starts and (name, start, end) not in covering
    )
    return SlotCover(covering=covering, partial=partial, rounds=len(rounds))


def days_planned_before_change(
    session: Session, *, territory_id: int, round_id: int, from_day: dt.date
) -> tuple[dt.date, ...]:
    """The days from ``from_day`` on whose plan holds a run of the round not begun yet (no
    stop recorded): they keep the round as it was when they were planned (courier, depot,
    hours, capacity, communes) until they are planned again, which the operator is told
    after changing the round."""
    recorded = exists().where(Stop.run_id == RoundRun.id, Stop.done_at.is_not(None))
    return tuple(
        session.scalars(
            select(DayPlan.date)
            .join(RoundRun, RoundRun.plan_id == DayPlan.id)
            .where(
                DayPlan.territory_id == territory_id,
                DayPlan.date >= from_day,
                RoundRun.round_id == round_id,
                ~recorded,
            )
            .distinct()
            .order_by(DayPlan.date)
        )
    )
