"""Domain errors. Each carries a stable ``code`` (for APIs), ``params`` and a French message.

Applications map ``code`` to their own wording or translation; ``str(error)`` is the
French message, ready to show to a person.
"""

from __future__ import annotations

import datetime as dt
from typing import Any


class DomainError(Exception):
    """Base class of every error the core raises on purpose."""

    code = "domain_error"
    template = "Opération impossible."

    def __init__(self, message: str | None = None, **params: Any) -> None:
        self.params = params
        self.message = message or self.template.format(**params)
        super().__init__(self.message)


class NotFound(DomainError):
    code = "not_found"
    template = "{what} introuvable."


class ValidationError(DomainError):
    """Bad input: ``field`` names the offending field when there is one.

    A refusal whose French ``detail`` is built from values also gives its own ``code`` and
    those values as ``params``, for an application to word it again in another language.
    """

    code = "invalid"
    template = "{detail}"

    def __init__(
        self, detail: str, *, field: str | None = None, code: str | None = None, **params: Any
    ) -> None:
        super().__init__(detail=detail, field=field, **params)
        self.field = field
        if code is not None:
            self.code = code


class OutOfStock(DomainError):
    code = "out_of_stock"
    template = "Stock insuffisant pour « {product} » : {available} disponibles."

    def __init__(self, message: str | None = None, **params: Any) -> None:
        available = params.get("available")
        if message is None and available == 0:
            message = "Stock insuffisant pour « {product} » : il n'en reste plus.".format(**params)
        elif message is None and available == 1:
            message = "Stock insuffisant pour « {product} » : 1 seul disponible.".format(**params)
        super().__init__(message, **params)


class ProductUnavailable(DomainError):
    code = "product_unavailable"
    template = "« {product} » n'est plus proposé à la vente."


class MerchantUnavailable(DomainError):
    code = "merchant_unavailable"
    template = "La boutique « {merchant} » n'accepte pas de commandes en ce moment."


class EmptyBasket(DomainError):
    code = "empty_basket"
    template = "Votre panier est vide."


class InvalidTransition(DomainError):
    code = "invalid_transition"
    template = "Impossible de passer la commande de « {current} » à « {target} »."


class WeightOutOfTolerance(DomainError):
    code = "weight_out_of_tolerance"
    template = (
        "Poids de {weight_g} g hors tolérance pour « {product} » "
        "(attendu entre {min_g} g et {max_g} g)."
    )


class InvalidDeliveryChoice(DomainError):
    """A delivery choice the checkout refuses. One whose French ``detail`` is built from
    values gives a ``reason`` and those values as ``params`` (subclasses have their own
    ``code``)."""

    code = "invalid_delivery"
    template = "{detail}"


class OpensAfterSlot(InvalidDeliveryChoice):
    """A shop whose first opening of the day comes after the end of the chosen delivery
    slot: its parcels cannot be collected in time. ``opens`` is "HH:MM"."""

    code = "opens_after_slot"

    def __init__(self, *, merchant: str, opens: str) -> None:
        hours, minutes = opens.split(":")
        said = f"{int(hours)} h" + (f" {minutes}" if minutes != "00" else "")
        super().__init__(
            f"« {merchant} » n'ouvre qu'à {said} ce jour-là : ses produits ne peuvent pas être "
            "livrés sur le créneau choisi. Choisissez un créneau plus tard ou un autre jour.",
            merchant=merchant,
            opens=opens,
        )


class PointClosedThen(InvalidDeliveryChoice):
    """The chosen pickup point does not open on the chosen day (its weekly hours): no
    courier can leave the parcels there. ``day`` and ``opens`` (its next opening day, if
    any) are ISO dates."""

    code = "point_closed_then"

    def __init__(self, *, point: str, day: dt.date, opens: dt.date | None) -> None:
        then = f" : il ouvre le {opens:%d/%m/%Y}" if opens is not None else ""
        super().__init__(
            f"Le point de retrait « {point} » est fermé le {day:%d/%m/%Y}{then}. Choisissez "
            "un autre jour ou un autre point de retrait.",
            point=point,
            day=day.isoformat(),
            opens=opens.isoformat() if opens is not None else "",
        )


class ClosedThen(InvalidDeliveryChoice):
    """A shop of the basket is closed on the chosen day by an exceptional closure (its
    holidays): ``starts`` and ``ends`` are ISO dates, the closure's first and last day."""

    code = "closed_then"

    def __init__(self, *, merchant: str, starts: dt.date, ends: dt.date) -> None:
        days = (
            f"le {starts:%d/%m/%Y}"
            if starts == ends
            else f"du {starts:%d/%m/%Y} au {ends:%d/%m/%Y}"
        )
        super().__init__(
            f"« {merchant} » est fermé {days} : choisissez un autre jour.",
            merchant=merchant,
            starts=starts.isoformat(),
            ends=ends.isoformat(),
        )


class PermissionDenied(DomainError):
    code = "forbidden"
    template = "Action non autorisée."


class DuplicateRequest(DomainError):
    code = "duplicate"
    template = "Cette demande a déjà été traitée."
