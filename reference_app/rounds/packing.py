"""Packing lists: what a shop prepares for a date, for which round, when the courier comes.

The operator downloads any shop's list from the round board; a merchant downloads their
own from ``/boutique/preparation.pdf``.
"""

from __future__ import annotations

from flask import Response, abort

from delivery.queries import packing_list
from delivery.route_sheets import packing_list_pdf
from reference_app import db
from reference_app.auth.users import current_merchant, merchant_required
from reference_app.formatting import sheet_language
from reference_app.rounds.blueprint import bp, chosen_date, operator_required


def _pdf(merchant_id: int) -> Response:
    territory = db.territory()
    date = chosen_date()
    merchant, items = packing_list(
        db.uow().session, territory=territory, date=date, merchant_id=merchant_id
    )
    pdf = packing_list_pdf(
        items,
        merchant_name=merchant.trade_name,
        date=date,
        territory_name=territory.name,
        language=sheet_language(),
    )
    name = f"preparation-{merchant.slug}-{date.isoformat()}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


@bp.get("/admin/tournees/preparation/<int:merchant_id>.pdf")
@operator_required
def packing(merchant_id: int) -> Response:
    return _pdf(merchant_id)


@bp.get("/boutique/preparation.pdf")
@merchant_required
def my_packing() -> Response:
    merchant = current_merchant()
    if merchant is None:  # merchant_required already refused; keeps the type checker honest
        abort(403)
    return _pdf(merchant.id)
