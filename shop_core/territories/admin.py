"""What a territory's operator changes: pickup points, and branding readable by everyone."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy.orm import Session

from shop_core.errors import NotFound, ValidationError
from shop_core.names import taken_name_refused
from shop_core.persistence.uow import UnitOfWork
from shop_core.territories.model import PickupPoint, PickupPointHours
from shop_core.territories.services import (
    check_pickup_point,
    check_pickup_point_name,
    check_point_commune,
    set_branding,
)
from shop_core.weekly_hours import Window, checked_windows

#: WCAG 2 level AA for normal text.
MIN_CONTRAST = 4.5
WHITE = "#ffffff"
#: The dark text colour the reference stylesheet puts on the accent colour.
INK = "#1d232a"

PICKUP_KINDS = ("tiers_lieu", "mairie", "commerce", "autre")


def _luminance(colour: str) -> float:
    channels = []
    for i in (1, 3, 5):
        c = int(colour[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG contrast ratio of two ``#rrggbb`` colours, from 1 to 21."""
    a, b = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def _check(colour: str, against: str, field: str, what: str) -> None:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
        raise ValidationError("Couleur attendue au format #RRVVBB.", field=field)
    ratio = contrast_ratio(colour, against)
    if ratio < MIN_CONTRAST:
        shown = f"{ratio:.1f}".replace(".", ",")
        raise ValidationError(
            f"Contraste insuffisant avec {what} ({shown}:1, il faut au moins 4,5:1) : "
            "choisissez une couleur plus foncée."
            if against == WHITE
            else f"Contraste insuffisant avec {what} ({shown}:1, il faut au moins 4,5:1) : "
            "choisissez une couleur plus claire.",
            field=field,
        )


def update_branding(
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
    """Change name, tagline, colours and logo, refusing colours that make text unreadable.

    The primary colour carries white text (header, buttons); the accent colour carries dark
    text (badges, search button): each must reach a 4.5:1 contrast with its text.
    """
    _check(primary_color, WHITE, "primary_color", "le texte blanc")
    _check(accent_color, INK, "accent_color", "le texte foncé")
    set_branding(
        uow=uow,
        territory_id=territory_id,
        name=name,
        tagline=tagline,
        primary_color=primary_color.lower(),
        accent_color=accent_color.lower(),
        logo_key=logo_key,
        remove_logo=remove_logo,
    )


def pickup_point(session: Session, *, territory_id: int, point_id: int) -> PickupPoint:
    """A pickup point of this territory; ``NotFound`` for any other id."""
    point = session.get(PickupPoint, point_id)
    if point is None or point.territory_id != territory_id:
        raise NotFound(what="Point de retrait")
    return point


def update_pickup_point(
    *,
    uow: UnitOfWork,
    territory_id: int,
    point_id: int,
    name: str,
    address: str,
    postal_code: str,
    city: str,
    kind: str = "tiers_lieu",
    insee_code: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    opening_notes: str = "",
    hours: Iterable[Window] | None = None,
) -> None:
    """Change a pickup point's name, address (in a commune the territory serves, unless it
    keeps its own), position, opening notes or, unless ``None``, its weekly hours."""
    check_pickup_point(
        name=name, address=address, postal_code=postal_code, city=city, kind=kind,
        insee_code=insee_code, opening_notes=opening_notes,
    )  # fmt: skip
    windows = None if hours is None else checked_windows(hours)
    uow.begin_write()  # SQLite: one writer from the name's check on, not "database is locked"
    point = pickup_point(uow.session, territory_id=territory_id, point_id=point_id)
    check_point_commune(
        uow, territory_id=territory_id, postal_code=postal_code, city=city,
        insee_code=insee_code, point=point,
    )  # fmt: skip
    name = name.strip()

    def check() -> None:
        check_pickup_point_name(uow, territory_id=territory_id, name=name, point_id=point_id)

    check()
    with taken_name_refused(uow, check):
        point.name = name
        point.address = address.strip()
        point.postal_code = postal_code
        point.city = city.strip()
        point.kind = kind.strip()
        point.insee_code = insee_code or None
        point.lat, point.lon = lat, lon
        point.opening_notes = opening_notes.strip()
        if windows is not None and windows != [
            (h.weekday, h.opens, h.closes) for h in point.opening_hours
        ]:
            point.opening_hours.clear()
            uow.session.flush()  # the old windows go before the new ones come
            point.opening_hours.extend(
                PickupPointHours(weekday=d, opens=o, closes=c) for d, o, c in windows
            )
        uow.commit()


def set_pickup_point_active(
    *, uow: UnitOfWork, territory_id: int, point_id: int, active: bool
) -> None:
    """Open or close a pickup point to new orders (past orders keep it)."""
    pickup_point(uow.session, territory_id=territory_id, point_id=point_id).active = active
    uow.commit()
