"""The delivery part of a checkout request: home (saved or typed address), pickup point, or
click & collect, on a date and (for home) a slot.

Only the shape is checked here; whether the date, slot, commune or pickup point are possible
is the core's decision (``InvalidDeliveryChoice``, answered as 422).
"""

from __future__ import annotations

import datetime as dt

from delivery.calendar import NoRoundThen, SlotNotCovered
from reference_app.api.errors import ApiError, invalid
from reference_app.api.parsing import Fields
from reference_app.shopfront.delivery_choice import check_round_day as rounds_refuse
from reference_app.shopfront.delivery_choice import resolve_commune
from shop_core.accounts.model import User
from shop_core.errors import ValidationError
from shop_core.orders.model import DeliveryMethod
from shop_core.orders.services import DeliveryAddress, DeliveryChoice
from shop_core.territories.model import Territory

METHODS = {m.value: m for m in DeliveryMethod}


def delivery_choice(fields: Fields, *, user: User, territory: Territory) -> DeliveryChoice:
    """Read ``{"method", "date", "slot", "address_id" | "address", "pickup_point_id"}``."""
    method = fields.choice("method", METHODS)
    date = fields.date("date")
    if method is DeliveryMethod.PICKUP_POINT:
        point = fields.identifier("pickup_point_id")
        fields.done()
        return DeliveryChoice(method=method, date=date, pickup_point_id=point)
    if method is DeliveryMethod.CLICK_COLLECT:
        fields.done()
        return DeliveryChoice(method=method, date=date)
    slot = fields.text("slot", max_length=30)
    address_id = fields.identifier("address_id", required=False)
    typed = fields.object("address", required=False)
    fields.done()
    if (address_id is None) == (typed is None):
        raise invalid(
            fields.name("address"),
            "Indiquez soit une adresse enregistrée (address_id), soit une adresse (address).",
        )
    address = _saved(user, address_id) if address_id is not None else _typed(typed, territory)
    return DeliveryChoice(method=method, date=date, slot=slot, address=address)


def _saved(user: User, address_id: int | None) -> DeliveryAddress:
    for saved in user.addresses:
        if saved.id == address_id:
            return DeliveryAddress(
                recipient=saved.recipient,
                line1=saved.line1,
                line2=saved.line2,
                postal_code=saved.postal_code,
                city=saved.city,
                insee_code=saved.insee_code,
                lat=saved.lat,
                lon=saved.lon,
                approximate=saved.approximate,
                instructions=saved.instructions,
            )
    raise ApiError(404, "not_found", "Adresse introuvable.", field="delivery.address_id")


def _typed(fields: Fields | None, territory: Territory) -> DeliveryAddress:
    assert fields is not None
    recipient = fields.text("recipient", max_length=120)
    line1 = fields.text("line1", max_length=200)
    line2 = fields.text("line2", max_length=200, required=False)
    postal_code = fields.text("postal_code", max_length=5)
    city = fields.text("city", max_length=120)
    instructions = fields.text("instructions", max_length=300, required=False)
    fields.done()
    try:
        place = resolve_commune(territory, postal_code, city)
    except ValidationError as error:  # same wording as the shop's checkout form
        raise invalid(fields.name(error.field or "city"), str(error)) from None
    return DeliveryAddress(
        recipient=recipient,
        line1=line1,
        line2=line2,
        postal_code=place.postal_code,
        city=place.name,
        insee_code=place.insee_code,
        lat=place.lat,
        lon=place.lon,
        approximate=True,  # the commune's centre until the address is geocoded
        instructions=instructions,
    )


def check_round_day(choice: DeliveryChoice, territory: Territory, at: dt.datetime) -> None:
    """The shop's rule (``delivery_choice.check_round_day``), its refusals named by the
    field to change, as the shop's page puts them under that field."""
    try:
        rounds_refuse(choice, territory, at)
    except (SlotNotCovered, NoRoundThen) as refused:
        on = "delivery.slot" if isinstance(refused, SlotNotCovered) else "delivery.date"
        raise ApiError(422, refused.code, str(refused), field=on) from refused
