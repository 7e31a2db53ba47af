"""« Commandes »: the territory's orders for the operator who answers the phone ("where is
my order TER-…?", "what did Mme Martin order?"), filtered, paged, and exported as CSV.

The filters are GET parameters, so a filtered list can be bookmarked, paged and exported
as it is. A filter the operator cannot mean (a date that does not exist, an unknown state)
is said in French next to its field, and no list is shown until it is corrected.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from flask import make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField, ValidationError
from wtforms.validators import Length

from reference_app import db
from reference_app.choices import options
from reference_app.formatting import status_label
from reference_app.input_guard import DATES, form_id
from reference_app.operator.blueprint import bp, operator_required
from reference_app.operator.dashboard import csv_euros
from reference_app.shopfront.blueprint import page_number
from reference_app.shopfront.display import helpers, slot_label
from shop_core.merchants.onboarding import list_merchants
from shop_core.orders.history import served_parts
from shop_core.orders.model import DeliveryMethod, MerchantOrder, MerchantOrderStatus, Order
from shop_core.orders.queries import (
    PER_PAGE,
    OrderFilters,
    OrderRow,
    StatusGroup,
    all_territory_orders,
    part_group,
    territory_orders,
)
from shop_core.spreadsheets import cell

#: The states offered in the filter, in the order an order goes through them.
GROUP_LABELS = {
    StatusGroup.AWAITING_PAYMENT: _l("En attente du paiement en ligne"),
    StatusGroup.TO_ACCEPT: _l("À accepter"),
    StatusGroup.PREPARING: _l("Acceptée ou en préparation"),
    StatusGroup.READY: _l("Prête"),
    StatusGroup.ON_THE_WAY: _l("En livraison"),
    StatusGroup.DELIVERED: _l("Livrée ou retirée"),
    StatusGroup.DELIVERY_FAILED: _l("Échec de livraison"),
    StatusGroup.CANCELLED: _l("Annulée ou refusée"),
    StatusGroup.RETURNED: _l("Retournée à la boutique"),
}

METHOD_LABELS = {
    DeliveryMethod.HOME: _l("À domicile"),
    DeliveryMethod.PICKUP_POINT: _l("Point de retrait"),
    DeliveryMethod.CLICK_COLLECT: _l("Retrait en boutique"),
}


def part_state(part: MerchantOrder) -> str:
    """A shop's part as the list and its export word it: a part just placed says what it
    waits for (« À accepter », « En attente du paiement en ligne »), not « Passée »."""
    if part.status is MerchantOrderStatus.PLACED:
        return str(GROUP_LABELS[part_group(part)])
    return status_label(part.status)


class DayField(StringField):
    """A day typed as the date picker sends it (2026-11-24) or by hand (24/11/2026)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = str(valuelist[0]).strip() if valuelist else ""
        self.raw_data = [raw]
        self.data = None
        if not raw:
            return
        day = _day(raw)
        if day is None:
            raise ValueError(
                str(_l("Date non reconnue : indiquez un jour qui existe, par exemple 24/11/2026."))
            )
        self.data = day

    def _value(self) -> str:
        return (
            self.data.isoformat() if isinstance(self.data, dt.date) else (self.raw_data or [""])[0]
        )


def _day(raw: str) -> dt.date | None:
    try:
        if "/" in raw:
            day, month, year = (int(part) for part in raw.split("/"))
            value = dt.date(year, month, day)
        else:
            value = dt.date.fromisoformat(raw)
    except ValueError:
        return None
    return value if DATES[0] <= value <= DATES[1] else None


class OrderFilterForm(FlaskForm):
    """The list's filters, read from the query string."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Rechercher"),
        validators=[Length(max=80, message=_l("80 caractères au plus."))],
        description=_l("Référence, nom, e-mail, téléphone ou commune du client."),
    )
    statut = SelectField(
        _l("État d'une boutique"),
        choices=options([("", _l("Tous les états")), *GROUP_LABELS.items()]),
        default="",
    )
    mode = SelectField(
        _l("Réception"),
        choices=options([("", _l("Tous les modes")), *METHOD_LABELS.items()]),
        default="",
    )
    boutique = SelectField(_l("Boutique"), choices=[], default="")
    du = DayField(_l("Jour de livraison"), render_kw={"type": "date"})
    au = DayField(_l("Jusqu'au (pour une période)"), render_kw={"type": "date"})

    def validate_au(self, field: DayField) -> None:
        if field.data and self.du.data and field.data < self.du.data:
            raise ValidationError(str(_l("Ce jour est avant le jour de livraison choisi.")))

    def filters(self) -> OrderFilters:
        start, end = self.du.data, self.au.data
        return OrderFilters(
            text=(self.q.data or "").strip(),
            status=StatusGroup(self.statut.data) if self.statut.data else None,
            method=DeliveryMethod(self.mode.data) if self.mode.data else None,
            merchant_id=form_id(self.boutique.data),
            delivery_from=start,
            # A day alone is that day; "jusqu'au" alone, every day until then.
            delivery_to=end or start,
        )

    def active(self) -> dict[str, str]:
        """The filters set, as query-string arguments (to page and export the same list)."""
        return {
            name: str(value).strip()
            for name, value in request.args.items()
            if name in self._fields and str(value).strip()
        }


def _filter_form() -> tuple[OrderFilterForm, bool]:
    form = OrderFilterForm(request.args)
    merchants = sorted(
        list_merchants(db.uow().session, territory_id=db.territory().id),
        key=lambda m: m.trade_name.lower(),
    )
    form.boutique.choices = options(
        [("", _l("Toutes les boutiques")), *((str(m.id), m.trade_name) for m in merchants)]
    )
    return form, form.validate()


@bp.get("/admin/commandes")
@operator_required
def orders() -> str:
    form, valid = _filter_form()
    listing = None
    if valid:
        listing = territory_orders(
            db.uow().session,
            territory_id=db.territory().id,
            filters=form.filters(),
            page=page_number(),
            per_page=PER_PAGE,
        )
    return render_template(
        "operator/orders.html",
        form=form,
        listing=listing,
        args=form.active(),
        served_parts=served_parts,
        part_state=part_state,
        method_labels=METHOD_LABELS,
        **helpers(),
    )


CSV_HEADER = [
    "commande",
    "passee_le",
    "client",
    "telephone",
    "email",
    "commune",
    "mode",
    "date_livraison",
    "creneau",
    "point_retrait",
    "boutique",
    "etat",
    "montant_ttc",
    "total_commande_ttc",
]


def _csv_lines(row: OrderRow, slots: list[Any]) -> list[list[str]]:
    order: Order = row.order
    placed = to_user_timezone(order.placed_at).strftime("%Y-%m-%d %H:%M")
    served = sum(part.total_incl_cents for part in served_parts(order))
    common = [
        order.reference,
        placed,
        cell(order.customer_name),
        cell(order.customer_phone),
        cell(order.customer_email),
        cell(order.city),
        str(METHOD_LABELS[order.delivery_method]),
        order.delivery_date.isoformat(),
        slot_label(order.delivery_slot, slots),
        cell(order.pickup_point.name) if order.pickup_point else "",
    ]
    return [
        [
            *common,
            cell(part.merchant.trade_name),
            part_state(part),
            csv_euros(part.total_incl_cents),
            csv_euros(served),
        ]
        for part in order.merchant_orders
    ]


@bp.get("/admin/commandes.csv")
@operator_required
def orders_csv() -> Response | str:
    """The filtered list, one line per shop of each order (UTF-8 with BOM, « ; »), as the
    dashboard's export."""
    form, valid = _filter_form()
    if not valid:
        return orders()
    territory = db.territory()
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    slots = list(territory.delivery_slots)
    for row in all_territory_orders(
        db.uow().session, territory_id=territory.id, filters=form.filters()
    ):
        writer.writerows(_csv_lines(row, slots))
    response = make_response(out.getvalue().encode("utf-8-sig"))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="commandes-{territory.slug}.csv"'
    )
    return response
