"""What a shopper may choose at checkout: the days offered, and where an address lies.

``delivery_dates`` is the one place that decides which days are offered; when the delivery
module knows on which days rounds run, replace it (same arguments, same result type).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask import current_app

from delivery import calendar, gazetteer
from reference_app import db
from shop_core.errors import ValidationError
from shop_core.persistence.base import utcnow
from shop_core.territories.model import Territory
from shop_core.territories.services import find_commune

DAYS_OFFERED = 7


def now() -> dt.datetime:
    """The current time; ``FIXED_NOW`` in the config pins it (tests, demonstrations)."""
    fixed: dt.datetime | None = current_app.config.get("FIXED_NOW")
    return fixed or utcnow()


def delivery_dates(territory: Territory, at: dt.datetime) -> list[dt.date]:
    """The days offered: the next days a round of the territory runs (the cut-off applies).

    The address is not known yet when the page shows the dates; the commune's own round days
    are checked when the order is placed (``delivery.calendar.check_delivery_day``).
    """
    return calendar.delivery_dates(db.uow().session, territory, None, at, DAYS_OFFERED)


class PlaceNotFound(ValidationError):
    """No commune at ``postal_code``, or none named ``city`` there (``names`` then lists the
    communes of that postal code). The message is French; ``code`` and ``params`` let a page
    in another language word it again (``domain_messages.shown``)."""

    def __init__(self, *, postal_code: str, city: str, names: list[str]) -> None:
        if names:
            super().__init__(
                f"Nous ne trouvons pas « {city} » avec le code postal {postal_code}. "
                f"Communes de ce code postal : {', '.join(names)}.",
                field="city",
            )
            self.code = "commune_not_at_postal_code"
        else:
            super().__init__(
                f"Le code postal {postal_code} ne correspond à aucune commune que nous "
                "livrons : vérifiez-le.",
                field="postal_code",
            )
            self.code = "unknown_postal_code"
        self.params.update(postal_code=postal_code, city=city, names=", ".join(names))


@dataclass(frozen=True, slots=True)
class Place:
    """A commune found for a postal code and a name, with its centre."""

    insee_code: str
    name: str
    postal_code: str
    lat: float
    lon: float
    served: bool


def resolve_commune(territory: Territory, postal_code: str, city: str) -> Place:
    """The commune at ``postal_code`` named ``city`` (accents and case ignored).

    Raises ``ValidationError`` naming the field to correct, with the communes of that postal
    code as a hint when the name does not match.
    """
    postal_code, city = postal_code.strip(), city.strip()
    if not re.fullmatch(r"\d{5}", postal_code):
        raise ValidationError("Le code postal doit comporter 5 chiffres.", field="postal_code")
    found = gazetteer.find(postal_code, city)
    if found is not None:
        return Place(
            insee_code=found.insee_code,
            name=found.name,
            postal_code=found.postal_code,
            lat=found.lat,
            lon=found.lon,
            served=territory.serves(found.insee_code),
        )
    # Communes outside the bundled gazetteer: the territory's own list knows its communes.
    commune = find_commune(db.uow(), territory_id=territory.id, postal_code=postal_code, city=city)
    if commune is not None:
        return Place(
            insee_code=commune.insee_code,
            name=commune.name,
            postal_code=commune.postal_code,
            lat=commune.lat,
            lon=commune.lon,
            served=True,
        )
    raise PlaceNotFound(
        postal_code=postal_code, city=city, names=_names_for(territory, postal_code)
    )


def _names_for(territory: Territory, postal_code: str) -> list[str]:
    """Names of the communes with this postal code, served ones first, a dozen at most."""
    served = [c.name for c in territory.communes if c.postal_code == postal_code]
    others = sorted(
        c.name
        for c in gazetteer.search(postal_code, limit=100)
        if c.postal_code == postal_code and c.name not in served
    )
    return (served + others)[:12]
