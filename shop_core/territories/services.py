"""Territory services: creation, communes, pickup points, slots and cut-off, branding,
commission."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from shop_core.audit.services import Actor, record
from shop_core.errors import NotFound, ValidationError
from shop_core.names import name_key, taken_name_refused
from shop_core.orders.model import DeliveryMethod, MerchantOrder, MerchantOrderStatus, Order
from shop_core.persistence.uow import UnitOfWork
from shop_core.slugs import slugify
from shop_core.territories.model import (
    Commune,
    DeliverySlot,
    PickupPoint,
    PickupPointHours,
    Territory,
)
from shop_core.weekly_hours import Window, checked_windows

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def get(uow: UnitOfWork, territory_id: int) -> Territory:
    """The territory, or ``NotFound``."""
    territory = uow.session.get(Territory, territory_id)
    if territory is None:
        raise NotFound(what="Territoire")
    return territory


def create_territory(
    *,
    uow: UnitOfWork,
    name: str,
    slug: str | None = None,
    tagline: str = "",
    commission_rate_bp: int = 500,
    order_cutoff: dt.time = dt.time(18, 0),
    primary_color: str = "#1d4e89",
    accent_color: str = "#f2a541",
) -> int:
    """Create a territory and return its id."""
    _check_identity(name, tagline)
    name = name.strip()
    _check_commission(commission_rate_bp)
    _check_colour(primary_color, "primary_color")
    _check_colour(accent_color, "accent_color")
    slug = slugify(slug or name, max_length=60)
    if uow.session.scalar(select(Territory.id).where(Territory.slug == slug)) is not None:
        raise ValidationError(
            f"L'adresse « {slug} » est déjà prise.", field="slug", code="slug_taken", slug=slug
        )
    territory = Territory(
        name=name,
        slug=slug,
        tagline=tagline.strip(),
        commission_rate_bp=commission_rate_bp,
        order_cutoff=order_cutoff,
        primary_color=primary_color,
        accent_color=accent_color,
    )
    uow.session.add(territory)
    uow.commit()
    return territory.id


def _check_identity(name: str, tagline: str) -> None:
    """A territory's name and tagline, as its columns hold them."""
    if not name.strip():
        raise ValidationError("Le nom du territoire est obligatoire.", field="name")
    if len(name.strip()) > 120:
        raise ValidationError(
            "Le nom du territoire est trop long (120 caractères au plus).", field="name"
        )
    if len(tagline.strip()) > 200:
        raise ValidationError("Le slogan est trop long (200 caractères au plus).", field="tagline")


def _check_commission(bp: int) -> None:
    if not 0 <= bp <= 5000:
        raise ValidationError(
            "La commission doit être comprise entre 0 et 50 %.", field="commission"
        )


def _check_colour(value: str, field: str) -> None:
    if not _COLOUR.match(value):
        raise ValidationError("Couleur attendue au format #RRVVBB.", field=field)


def set_branding(
    *,
    uow: UnitOfWork,
    territory_id: int,
    name: str,
    tagline: str,
    primary_color: str,
    accent_color: str,
    logo_key: str | None = None,
    remove_logo: bool = False,
) -> None:
    """Change a territory's name, tagline, colours and (optionally) logo: a new
    ``logo_key`` replaces it, ``remove_logo`` without one takes it away."""
    territory = get(uow, territory_id)
    _check_identity(name, tagline)
    _check_colour(primary_color, "primary_color")
    _check_colour(accent_color, "accent_color")
    territory.name = name.strip()
    territory.tagline = tagline.strip()
    territory.primary_color = primary_color
    territory.accent_color = accent_color
    if logo_key is not None:
        territory.logo_key = logo_key
    elif remove_logo:
        territory.logo_key = None
    uow.commit()


def set_commission(*, uow: UnitOfWork, territory_id: int, commission_rate_bp: int) -> None:
    """Set the commission rate (basis points) applied to new merchant orders."""
    _check_commission(commission_rate_bp)
    get(uow, territory_id).commission_rate_bp = commission_rate_bp
    uow.commit()


def add_commune(
    *,
    uow: UnitOfWork,
    territory_id: int,
    insee_code: str,
    postal_code: str,
    name: str,
    lat: float,
    lon: float,
    population: int = 0,
) -> int:
    """Serve a commune (idempotent on INSEE code and postal code)."""
    if not re.fullmatch(r"\d[\dAB]\d{3}", insee_code):
        raise ValidationError("Code INSEE invalide.", field="insee_code")
    if not re.fullmatch(r"\d{5}", postal_code):
        raise ValidationError("Code postal invalide.", field="postal_code")
    if len(name) > 120:
        raise ValidationError(
            "Le nom de la commune est trop long (120 caractères au plus).", field="name"
        )
    existing = uow.session.scalar(
        select(Commune).where(
            Commune.territory_id == territory_id,
            Commune.insee_code == insee_code,
            Commune.postal_code == postal_code,
        )
    )
    if existing is not None:
        return existing.id
    commune = Commune(
        territory_id=territory_id,
        insee_code=insee_code,
        postal_code=postal_code,
        name=name,
        lat=lat,
        lon=lon,
        population=population,
    )
    uow.session.add(commune)
    uow.commit()
    return commune.id


def remove_commune(*, uow: UnitOfWork, territory_id: int, insee_code: str) -> None:
    """Stop serving a commune."""
    for commune in uow.session.scalars(
        select(Commune).where(
            Commune.territory_id == territory_id, Commune.insee_code == insee_code
        )
    ):
        uow.session.delete(commune)
    uow.commit()


def find_commune(
    uow: UnitOfWork, *, territory_id: int, postal_code: str, city: str
) -> Commune | None:
    """The served commune matching a postal code and a city name (accents ignored)."""
    from shop_core.catalogue.search import unaccent

    candidates = uow.session.scalars(
        select(Commune).where(
            Commune.territory_id == territory_id, Commune.postal_code == postal_code
        )
    ).all()
    wanted = slugify(unaccent(city))
    for commune in candidates:
        if slugify(unaccent(commune.name)) == wanted:
            return commune
    return candidates[0] if len(candidates) == 1 and not city.strip() else None


def check_pickup_point_name(
    uow: UnitOfWork, *, territory_id: int, name: str, point_id: int | None = None
) -> None:
    """Refuse a name another pickup point of the territory already has (case, accents and
    punctuation ignored, ``shop_core.names``): shoppers and staff choose a point by its name
    alone. The database refuses one anyway (a key unique per territory); asking first gives
    a message next to the field."""
    query = select(PickupPoint.id).where(
        PickupPoint.territory_id == territory_id, PickupPoint.name_key == name_key(name)
    )
    if point_id is not None:
        query = query.where(PickupPoint.id != point_id)
    if uow.session.scalar(query.limit(1)) is not None:
        raise ValidationError(
            "Un autre point de retrait porte déjà ce nom : choisissez-en un autre.",
            field="name",
        )


#: The longest text each field of a pickup point holds (the columns' lengths), and the
#: refusal of a longer one: a caller other than the web form (the API, a script) is told,
#: not cut short or stopped by the database.
POINT_TEXT_LIMITS = {
    "name": (120, "Le nom est trop long (120 caractères au plus)."),
    "address": (200, "L'adresse est trop longue (200 caractères au plus)."),
    "city": (120, "Le nom de la commune est trop long (120 caractères au plus)."),
    "kind": (30, "Le type de lieu est trop long (30 caractères au plus)."),
    "opening_notes": (300, "Les horaires et consignes sont trop longs (300 caractères au plus)."),
}


def check_pickup_point(
    *,
    name: str,
    address: str,
    postal_code: str,
    city: str,
    kind: str,
    insee_code: str | None,
    opening_notes: str,
) -> None:
    """Refuse what a pickup point cannot hold, naming the first wrong field: no name or
    address, a postal code that is not five digits, a text too long, an INSEE code that
    is not one."""
    if not name.strip() or not address.strip():
        raise ValidationError("Le nom et l'adresse du point de retrait sont obligatoires.")
    if not re.fullmatch(r"\d{5}", postal_code):
        raise ValidationError("Code postal invalide.", field="postal_code")
    given = {
        "name": name, "address": address, "city": city, "kind": kind,
        "opening_notes": opening_notes,
    }  # fmt: skip
    for field, value in given.items():
        limit, message = POINT_TEXT_LIMITS[field]
        if len(value.strip()) > limit:
            raise ValidationError(message, field=field)
    # Five characters, digits but for Corsica's 2A and 2B.
    if insee_code and not re.fullmatch(r"\d[\dAB]\d{3}", insee_code):
        raise ValidationError("Code INSEE invalide.", field="insee_code")


def check_point_commune(
    uow: UnitOfWork,
    *,
    territory_id: int,
    postal_code: str,
    city: str,
    insee_code: str | None,
    point: PickupPoint | None = None,
) -> None:
    """Refuse a pickup point in a commune the territory does not serve (by INSEE code, else
    by postal code and name): every shopper is offered the point, and no round goes outside
    the territory. A point that keeps its commune is let be (a commune no longer served
    does not stop its hours or name from changing)."""
    if point is not None and (point.postal_code, point.city) == (postal_code, city.strip()):
        return
    if insee_code and uow.session.scalar(
        select(Commune.id)
        .where(Commune.territory_id == territory_id, Commune.insee_code == insee_code)
        .limit(1)
    ):
        return
    if find_commune(uow, territory_id=territory_id, postal_code=postal_code, city=city):
        return
    raise ValidationError(
        f"{city.strip()} n'est pas une commune desservie par le territoire : ajoutez-la "
        "d'abord aux communes desservies, ou choisissez un point dans l'une d'elles.",
        field="city",
        code="commune_not_served",
        city=city.strip(),
    )


def add_pickup_point(
    *,
    uow: UnitOfWork,
    territory_id: int,
    name: str,
    address: str,
    postal_code: str,
    city: str,
    kind: str = "tiers_lieu",
    insee_code: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    opening_notes: str = "",
    hours: Iterable[Window] = (),
) -> int:
    """Create a pickup point (tiers-lieu, town hall, shop) in a commune the territory
    serves, with its weekly ``hours`` when they are given (see ``shop_core.weekly_hours``)."""
    check_pickup_point(
        name=name, address=address, postal_code=postal_code, city=city, kind=kind,
        insee_code=insee_code, opening_notes=opening_notes,
    )  # fmt: skip
    windows = checked_windows(hours)
    uow.begin_write()  # SQLite: one writer from the name's check on, not "database is locked"
    check_point_commune(
        uow, territory_id=territory_id, postal_code=postal_code, city=city,
        insee_code=insee_code,
    )  # fmt: skip
    name = name.strip()
    check_pickup_point_name(uow, territory_id=territory_id, name=name)
    point = PickupPoint(
        territory_id=territory_id,
        name=name,
        kind=kind.strip(),
        address=address.strip(),
        postal_code=postal_code,
        city=city.strip(),
        insee_code=insee_code or None,
        lat=lat,
        lon=lon,
        opening_notes=opening_notes.strip(),
        opening_hours=[PickupPointHours(weekday=d, opens=o, closes=c) for d, o, c in windows],
    )
    with taken_name_refused(
        uow, lambda: check_pickup_point_name(uow, territory_id=territory_id, name=name)
    ):
        uow.session.add(point)
        uow.commit()
    return point.id


def add_delivery_slot(
    *, uow: UnitOfWork, territory_id: int, code: str, label: str, starts: dt.time, ends: dt.time
) -> int:
    """Add a home-delivery slot (e.g. "matin", 09:00–12:00)."""
    if starts >= ends:
        raise ValidationError("Le créneau doit finir après son début.", field="ends")
    slot = DeliverySlot(territory_id=territory_id, code=code, label=label, starts=starts, ends=ends)
    uow.session.add(slot)
    uow.commit()
    return slot.id


# --- delivery slots and cut-off, as the operator changes them ---------------------------------

#: The shortest slot: a round calls at many doors, and needs some room to keep the hours.
MIN_SLOT_LENGTH = dt.timedelta(hours=1)

#: Merchant order states in which a home delivery is still to come: the shopper was promised
#: the slot's hours. A failed delivery counts: it goes on a later round, in the same slot.
SLOT_STILL_PROMISED = (
    MerchantOrderStatus.PLACED,
    MerchantOrderStatus.PAID,
    MerchantOrderStatus.ACCEPTED,
    MerchantOrderStatus.PREPARING,
    MerchantOrderStatus.READY,
    MerchantOrderStatus.HANDED_TO_COURIER,
    MerchantOrderStatus.DELIVERY_FAILED,
)


def _hour(value: dt.time) -> str:
    # "9 h", "9 h 30": as the pages write hours, with no-break spaces.
    if value.minute == 0:
        return f"{value.hour}\u00a0h"
    return f"{value.hour}\u00a0h\u00a0{value.minute:02d}"


def _minutes(value: dt.time) -> dt.time:
    return value.replace(second=0, microsecond=0)


def slot_orders(session: Session, *, territory_id: int) -> dict[str, int]:
    """How many home-delivery orders still to deliver chose each slot, by slot code (codes
    no such order uses are absent)."""
    rows = session.execute(
        select(Order.delivery_slot, func.count(distinct(Order.id)))
        .join(MerchantOrder, MerchantOrder.order_id == Order.id)
        .where(
            Order.territory_id == territory_id,
            Order.delivery_method == DeliveryMethod.HOME,
            Order.delivery_slot.is_not(None),
            MerchantOrder.status.in_(SLOT_STILL_PROMISED),
        )
        .group_by(Order.delivery_slot)
    )
    return {code: count for code, count in rows if code}


def delivery_slot(session: Session, *, territory_id: int, code: str) -> DeliverySlot:
    """The slot of this territory with this code; ``NotFound`` for any other."""
    slot = session.scalar(
        select(DeliverySlot).where(
            DeliverySlot.territory_id == territory_id, DeliverySlot.code == code
        )
    )
    if slot is None:
        raise NotFound(what="Créneau")
    return slot


def _check_slot(
    uow: UnitOfWork,
    *,
    territory_id: int,
    label: str,
    starts: dt.time,
    ends: dt.time,
    slot_id: int | None = None,
) -> None:
    """Refuse an empty or taken label (case, accents and punctuation ignored), hours that
    do not make a slot of an hour at least, and hours that overlap another slot's: a
    shopper must be able to tell the slots apart, by name and by hours."""
    if not label:
        raise ValidationError("Indiquez le nom du créneau, par exemple « Matin ».", field="label")
    if len(label) > 60:
        raise ValidationError("Le nom du créneau fait 60 caractères au plus.", field="label")
    if starts >= ends:
        raise ValidationError("Le créneau doit finir après son début.", field="ends")
    day = dt.date(2000, 1, 1)
    if dt.datetime.combine(day, ends) - dt.datetime.combine(day, starts) < MIN_SLOT_LENGTH:
        raise ValidationError(
            "Un créneau dure au moins une heure : une tournée passe à bien des portes, "
            "le livreur a besoin de cette marge pour arriver à l'heure promise.",
            field="ends",
        )
    wanted = slugify(label)
    others = [
        s
        for s in uow.session.scalars(
            select(DeliverySlot)
            .where(DeliverySlot.territory_id == territory_id)
            .order_by(DeliverySlot.starts)
        )
        if s.id != slot_id
    ]
    for other in others:
        if slugify(other.label) == wanted:
            raise ValidationError(
                f"Le créneau « {other.label} » porte déjà ce nom : choisissez-en un autre.",
                field="label",
                code="slot_name_taken",
                slot=other.label,
            )
    for other in others:
        if starts < other.ends and other.starts < ends:
            raise ValidationError(
                f"Ces heures chevauchent le créneau « {other.label} » "
                f"({_hour(other.starts)} – {_hour(other.ends)}) : un créneau commence "
                "quand le précédent finit, ou après.",
                field="starts",
                code="slot_overlaps",
                slot=other.label,
                starts=other.starts.isoformat(),
                ends=other.ends.isoformat(),
            )


def _new_slot_code(uow: UnitOfWork, *, territory_id: int, label: str) -> str:
    """A code from the label, used by no slot of the territory and by no past order: an
    order keeps its slot's code, and must not come to read as another slot."""
    taken = set(
        uow.session.scalars(
            select(DeliverySlot.code).where(DeliverySlot.territory_id == territory_id)
        )
    ) | set(
        uow.session.scalars(
            select(Order.delivery_slot)
            .where(Order.territory_id == territory_id, Order.delivery_slot.is_not(None))
            .distinct()
        )
    )
    base = slugify(label, max_length=26)
    code, n = base, 2
    while code in taken:
        code, n = f"{base}-{n}", n + 1
    return code


def _reload_slots(uow: UnitOfWork, territory: Territory) -> None:
    # The session keeps its objects after a commit: a territory already loaded (the page's)
    # is to read its slots, in order, afresh.
    uow.session.expire(territory, ["delivery_slots"])


def create_delivery_slot(
    *,
    uow: UnitOfWork,
    territory_id: int,
    label: str,
    starts: dt.time,
    ends: dt.time,
    actor: Actor,
) -> str:
    """Offer shoppers a new home-delivery slot; its code (derived from the label) is
    returned. Unlike ``add_delivery_slot`` (the demo's and tests' plain insert), checks
    the label and hours against the other slots and records who did it."""
    label = " ".join(label.split())
    starts, ends = _minutes(starts), _minutes(ends)
    uow.lock_row(Territory, territory_id)  # checked against the slots as they are: one at a time
    territory = get(uow, territory_id)
    _check_slot(uow, territory_id=territory_id, label=label, starts=starts, ends=ends)
    code = _new_slot_code(uow, territory_id=territory_id, label=label)
    uow.session.add(
        DeliverySlot(territory_id=territory_id, code=code, label=label, starts=starts, ends=ends)
    )
    _reload_slots(uow, territory)
    record(
        uow.session,
        territory_id=territory_id,
        actor=actor,
        action="territory.slot_add",
        subject=label,
        details={"code": code, "starts": f"{starts:%H:%M}", "ends": f"{ends:%H:%M}"},
    )
    uow.commit()
    return code


def _in_use(count: int, slot: DeliverySlot, *, then: str) -> str:
    """The refusal to change what ``count`` orders still to deliver were promised."""
    if count == 1:
        return (
            f"1 commande pas encore livrée a choisi le créneau « {slot.label} » : son client "
            f"attend le livreur entre {_hour(slot.starts)} et {_hour(slot.ends)}, comme promis "
            f"à la commande. Vous pourrez {then} une fois cette commande livrée ou annulée."
        )
    return (
        f"{count} commandes pas encore livrées ont choisi le créneau « {slot.label} » : leurs "
        f"clients attendent le livreur entre {_hour(slot.starts)} et {_hour(slot.ends)}, comme "
        f"promis à la commande. Vous pourrez {then} une fois ces commandes livrées ou annulées."
    )


def update_delivery_slot(
    *,
    uow: UnitOfWork,
    territory_id: int,
    code: str,
    label: str,
    starts: dt.time,
    ends: dt.time,
    actor: Actor,
) -> bool:
    """Rename a slot, or change its hours while no order still to deliver has chosen it
    (its shoppers were promised those hours). ``False`` when nothing changed."""
    uow.lock_row(Territory, territory_id)
    slot = delivery_slot(uow.session, territory_id=territory_id, code=code)
    label = " ".join(label.split())
    starts, ends = _minutes(starts), _minutes(ends)
    _check_slot(
        uow, territory_id=territory_id, label=label, starts=starts, ends=ends, slot_id=slot.id
    )
    details: dict[str, object] = {}
    if (starts, ends) != (slot.starts, slot.ends):
        count = slot_orders(uow.session, territory_id=territory_id).get(slot.code, 0)
        if count:
            raise ValidationError(
                _in_use(count, slot, then="changer ses heures")
                + " En attendant, vous pouvez changer son nom, ou ajouter un autre créneau.",
                field="starts",
            )
        details["hours"] = [
            f"{slot.starts:%H:%M}–{slot.ends:%H:%M}",
            f"{starts:%H:%M}–{ends:%H:%M}",
        ]
    if label != slot.label:
        details["label"] = [slot.label, label]
    if not details:
        return False
    slot.label, slot.starts, slot.ends = label, starts, ends
    _reload_slots(uow, get(uow, territory_id))
    record(
        uow.session,
        territory_id=territory_id,
        actor=actor,
        action="territory.slot_update",
        subject=label,
        details={"code": slot.code, **details},
    )
    uow.commit()
    return True


def slot_deletion_refused(uow: UnitOfWork, *, territory_id: int, code: str) -> str | None:
    """Why the slot cannot be deleted now, in French, or ``None`` when it can."""
    slot = delivery_slot(uow.session, territory_id=territory_id, code=code)
    count = slot_orders(uow.session, territory_id=territory_id).get(slot.code, 0)
    if count:
        return _in_use(count, slot, then="le supprimer")
    slots = uow.session.scalar(
        select(func.count(DeliverySlot.id)).where(DeliverySlot.territory_id == territory_id)
    )
    served = uow.session.scalar(
        select(Commune.id).where(Commune.territory_id == territory_id).limit(1)
    )
    if slots == 1 and served is not None:
        # Without any slot the checkout asks for no hour and the planning gives the courier
        # the whole day: home delivery would go on, with no time promised to anyone.
        return (
            f"« {slot.label} » est le seul créneau de livraison à domicile : sans créneau, "
            "les clients ne choisiraient plus d'heure et le livreur passerait à n'importe "
            "quelle heure de la journée. Ajoutez d'abord le créneau qui le remplace."
        )
    return None


def delete_delivery_slot(*, uow: UnitOfWork, territory_id: int, code: str, actor: Actor) -> None:
    """Stop offering a slot, refused while an order still to deliver has chosen it or while
    it is the last one (see ``slot_deletion_refused``)."""
    uow.lock_row(Territory, territory_id)  # two slots deleted at once would leave none
    refused = slot_deletion_refused(uow, territory_id=territory_id, code=code)
    if refused:
        raise ValidationError(refused)
    slot = delivery_slot(uow.session, territory_id=territory_id, code=code)
    record(
        uow.session,
        territory_id=territory_id,
        actor=actor,
        action="territory.slot_delete",
        subject=slot.label,
        details={"code": slot.code, "starts": f"{slot.starts:%H:%M}", "ends": f"{slot.ends:%H:%M}"},
    )
    uow.session.delete(slot)
    _reload_slots(uow, get(uow, territory_id))
    uow.commit()


def set_order_cutoff(
    *, uow: UnitOfWork, territory_id: int, order_cutoff: dt.time, actor: Actor
) -> bool:
    """Set the time of day before which an order is due the next day (after it, the day
    after; see ``shop_core.orders.services.earliest_date``). ``False`` when unchanged.

    Midnight is refused: no order would ever be placed before it, and every one would wait
    a day more, the opposite of what "until midnight" means (that is 23:59)."""
    order_cutoff = _minutes(order_cutoff)
    if order_cutoff == dt.time(0, 0):
        raise ValidationError(
            "À 0 h, aucune commande ne serait jamais passée à temps pour le lendemain : "
            "pour accepter les commandes jusqu'à minuit, indiquez 23:59.",
            field="order_cutoff",
        )
    territory = get(uow, territory_id)
    if territory.order_cutoff == order_cutoff:
        return False
    record(
        uow.session,
        territory_id=territory_id,
        actor=actor,
        action="territory.order_cutoff",
        subject="Heure limite de commande",
        details={"from": f"{territory.order_cutoff:%H:%M}", "to": f"{order_cutoff:%H:%M}"},
    )
    territory.order_cutoff = order_cutoff
    uow.commit()
    return True
