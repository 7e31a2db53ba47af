"""Territory services: creation, communes, pickup points, slots, branding, commission."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from shop_core.errors import NotFound, ValidationError
from shop_core.persistence.uow import UnitOfWork
from shop_core.slugs import slugify
from shop_core.territories.model import Commune, DeliverySlot, PickupPoint, Territory

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
    name = name.strip()
    if not name:
        raise ValidationError("Le nom du territoire est obligatoire.", field="name")
    _check_commission(commission_rate_bp)
    _check_colour(primary_color, "primary_color")
    _check_colour(accent_color, "accent_color")
    slug = slugify(slug or name, max_length=60)
    if uow.session.scalar(select(Territory.id).where(Territory.slug == slug)) is not None:
        raise ValidationError(f"L'adresse « {slug} » est déjà prise.", field="slug")
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
    if not name.strip():
        raise ValidationError("Le nom du territoire est obligatoire.", field="name")
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
    """Refuse a name another pickup point of the territory already has (accents and case
    ignored): shoppers and staff choose a point by its name alone."""
    from shop_core.catalogue.search import unaccent

    wanted = slugify(unaccent(name))
    for other in uow.session.scalars(
        select(PickupPoint).where(PickupPoint.territory_id == territory_id)
    ):
        if other.id != point_id and slugify(unaccent(other.name)) == wanted:
            raise ValidationError(
                "Un autre point de retrait porte déjà ce nom : choisissez-en un autre.",
                field="name",
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
) -> int:
    """Create a pickup point (tiers-lieu, town hall, shop)."""
    if not name.strip() or not address.strip():
        raise ValidationError("Le nom et l'adresse du point de retrait sont obligatoires.")
    if not re.fullmatch(r"\d{5}", postal_code):
        raise ValidationError("Code postal invalide.", field="postal_code")
    check_pickup_point_name(uow, territory_id=territory_id, name=name)
    point = PickupPoint(
        territory_id=territory_id,
        name=name.strip(),
        kind=kind,
        address=address.strip(),
        postal_code=postal_code,
        city=city.strip(),
        insee_code=insee_code,
        lat=lat,
        lon=lon,
        opening_notes=opening_notes.strip(),
    )
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
