"""What the API answers: plain dicts built from core objects.

Amounts are integer cents plus the French formatted string; enums are their stable values
plus a French label. ``openapi.py`` documents each shape; the tests validate every response
against it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import url_for

from shop_core.accounts.model import Address, User
from shop_core.carts.services import CartView
from shop_core.catalogue.model import UNIT_LABELS_FR, Product
from shop_core.merchants.model import TRADE_LABELS_FR, Merchant
from shop_core.money import Money
from shop_core.orders.model import STATUS_LABELS_FR, MerchantOrder, Order, OrderLine
from shop_core.territories.model import PickupPoint, Territory
from shop_core.vat import VatRate

Json = dict[str, Any]

METHOD_LABELS = {
    "home": "Livraison à domicile",
    "pickup_point": "Point de retrait",
    "click_collect": "Retrait en boutique",
}


def amount(cents: int) -> Json:
    return {"cents": cents, "formatted": Money(cents).format_fr()}


def vat_rate(rate: VatRate) -> Json:
    return {"percent": f"{rate.percent.normalize():f}", "label": rate.label}


def merchant_brief(merchant: Merchant) -> Json:
    return {
        "id": merchant.id,
        "slug": merchant.slug,
        "name": merchant.trade_name,
        "trade": merchant.trade.value,
        "trade_label": TRADE_LABELS_FR[merchant.trade],
        "city": merchant.city,
    }


def product(p: Product) -> Json:
    return {
        "id": p.id,
        "slug": p.slug,
        "name": p.name,
        "description": p.description,
        "price": amount(p.price_cents),
        "unit": p.unit.value,
        "unit_label": UNIT_LABELS_FR[p.unit],
        "vat_rate": vat_rate(p.vat_rate),
        "sold_by_weight": p.sold_by_weight,
        "estimated_weight_g": p.estimated_weight_g if p.sold_by_weight else None,
        "estimated_price": amount(p.estimated_piece_price_cents()),
        "track_stock": p.track_stock,
        "stock_quantity": p.stock_quantity if p.track_stock else None,
        "on_sale": p.on_sale,
        "available": p.on_sale and (not p.track_stock or p.stock_quantity > 0),
        "perishable": p.no_withdrawal,
        "category": (
            {"id": p.category.id, "slug": p.category.slug, "name": p.category.name}
            if p.category is not None
            else None
        ),
        "merchant": merchant_brief(p.merchant),
        "photos": [
            {
                "url": url_for("shop.media", key=photo.key),
                "thumb_url": url_for("shop.media", key=photo.thumb_key)
                if photo.thumb_key
                else None,
                "alt": photo.alt,
            }
            for photo in p.photos
        ],
    }


def page(items: list[Json], *, key: str, total: int, number: int, per_page: int) -> Json:
    return {key: items, "total": total, "page": number, "per_page": per_page}


def basket(view: CartView) -> Json:
    return {
        "item_count": view.item_count,
        "total": amount(view.total_cents),
        "has_problems": view.has_problems,
        "prices_changed": view.prices_changed,
        "groups": [
            {
                "merchant": merchant_brief(group.merchant),
                "subtotal": amount(group.subtotal_cents),
                "lines": [
                    {
                        "product": product(line.product),
                        "quantity": line.quantity,
                        "unit_price": amount(line.unit_price_cents),
                        "price_seen": amount(line.price_seen_cents),
                        "price_changed": line.price_changed,
                        "total": amount(line.total_cents),
                        "available": line.available,
                        "stock_short": line.stock_short,
                    }
                    for line in group.lines
                ],
            }
            for group in view.groups
        ],
    }


def empty_basket() -> Json:
    return {
        "item_count": 0,
        "total": amount(0),
        "has_problems": False,
        "prices_changed": False,
        "groups": [],
    }


def address(a: Address) -> Json:
    return {
        "id": a.id,
        "label": a.label,
        "recipient": a.recipient,
        "line1": a.line1,
        "line2": a.line2,
        "postal_code": a.postal_code,
        "city": a.city,
        "insee_code": a.insee_code,
        "phone": a.phone,
        "instructions": a.instructions,
        "approximate": a.approximate,
    }


def user(u: User) -> Json:
    return {
        "id": u.id,
        "email": u.email,
        "full_name": u.full_name,
        "phone": u.phone,
        "role": u.role.value,
        "addresses": [address(a) for a in u.addresses],
    }


def token(value: str, u: User, max_age: int) -> Json:
    return {"token": value, "token_type": "Bearer", "expires_in": max_age, "user": user(u)}


def _hhmm(value: dt.time) -> str:
    return value.strftime("%H:%M")


def pickup_point(point: PickupPoint) -> Json:
    return {
        "id": point.id,
        "name": point.name,
        "kind": point.kind,
        "address": point.address,
        "postal_code": point.postal_code,
        "city": point.city,
        "opening_notes": point.opening_notes,
    }


def territory(t: Territory, earliest: dt.date) -> Json:
    return {
        "name": t.name,
        "slug": t.slug,
        "tagline": t.tagline,
        "primary_color": t.primary_color,
        "accent_color": t.accent_color,
        "currency": t.currency,
        "order_cutoff": _hhmm(t.order_cutoff),
        "earliest_date": earliest.isoformat(),
        "slots": [
            {"code": s.code, "label": s.label, "starts": _hhmm(s.starts), "ends": _hhmm(s.ends)}
            for s in t.delivery_slots
        ],
        "pickup_points": [pickup_point(p) for p in t.pickup_points if p.active],
        "communes": [
            {"insee_code": c.insee_code, "postal_code": c.postal_code, "name": c.name}
            for c in t.communes
        ],
    }


def _line(line: OrderLine) -> Json:
    return {
        "product_id": line.product_id,
        "name": line.product_name,
        "unit": line.unit.value,
        "unit_label": UNIT_LABELS_FR[line.unit],
        "quantity": line.quantity,
        "unit_price": amount(line.unit_price_cents),
        "vat_rate": vat_rate(line.vat_rate),
        "sold_by_weight": line.sold_by_weight,
        "estimated_weight_g": line.estimated_weight_g,
        "final_weight_g": line.final_weight_g,
        "total": amount(line.total_incl_cents),
        "perishable": line.no_withdrawal,
    }


def _merchant_order(mo: MerchantOrder, *, full: bool) -> Json:
    data: Json = {
        "id": mo.id,
        "reference": mo.reference,
        "merchant": merchant_brief(mo.merchant),
        "status": mo.status.value,
        "status_label": STATUS_LABELS_FR[mo.status],
        "total_incl": amount(mo.total_incl_cents),
    }
    if full:
        data["total_excl"] = amount(mo.total_excl_cents)
        data["total_vat"] = amount(mo.total_vat_cents)
        data["lines"] = [_line(line) for line in mo.lines]
        data["vat"] = [
            {
                "rate": vat_rate(v.rate),
                "excl": amount(v.excl_cents),
                "vat": amount(v.vat_cents),
                "incl": amount(v.incl_cents),
            }
            for v in mo.vat_lines
        ]
    return data


def order_summary(o: Order) -> Json:
    return {
        "id": o.id,
        "reference": o.reference,
        "placed_at": o.placed_at.isoformat(),
        "delivery_method": o.delivery_method.value,
        "delivery_date": o.delivery_date.isoformat(),
        "total": amount(o.total_incl_cents),
        "merchant_orders": [_merchant_order(mo, full=False) for mo in o.merchant_orders],
    }


def order(o: Order, t: Territory) -> Json:
    slots = {s.code: s.label for s in t.delivery_slots}
    method = o.delivery_method.value
    home = o.delivery_method.value == "home"
    return {
        "id": o.id,
        "reference": o.reference,
        "placed_at": o.placed_at.isoformat(),
        "delivery": {
            "method": method,
            "method_label": METHOD_LABELS[method],
            "date": o.delivery_date.isoformat(),
            "slot": o.delivery_slot,
            "slot_label": slots.get(o.delivery_slot) if o.delivery_slot else None,
            "pickup_point": pickup_point(o.pickup_point) if o.pickup_point else None,
            "address": (
                {
                    "recipient": o.recipient,
                    "line1": o.address_line1,
                    "line2": o.address_line2,
                    "postal_code": o.postal_code,
                    "city": o.city,
                    "instructions": o.delivery_instructions,
                }
                if home
                else None
            ),
            "code": o.delivery_code,
        },
        "payment": {"method": o.payment_method.value, "status": o.payment_status.value},
        "totals": {
            "excl": amount(o.total_excl_cents),
            "vat": amount(o.total_vat_cents),
            "incl": amount(o.total_incl_cents),
        },
        "merchant_orders": [_merchant_order(mo, full=True) for mo in o.merchant_orders],
    }
