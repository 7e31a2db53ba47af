"""``/admin``: what is waiting for the operator, the territory's indicators per week, and
their CSV export."""

from __future__ import annotations

import csv
import io

from flask import make_response, render_template
from werkzeug.wrappers import Response

from reference_app import db
from reference_app.operator.blueprint import bp, operator_required
from reference_app.rounds import settings
from shop_core.orders.pickup_points import waiting_at_points
from shop_core.orders.returns import failed_deliveries, on_the_way_back
from shop_core.payments.offline import held_at_points
from shop_core.reports import TerritoryWeek, merchant_counts, territory_weekly_kpis


def _weeks(count: int = 8) -> list[TerritoryWeek]:
    territory = db.territory()
    return territory_weekly_kpis(
        db.uow().session,
        territory_id=territory.id,
        today=settings.today(territory),  # the app's clock: FIXED_NOW pins it
        timezone=territory.timezone,
        weeks=count,
    )


@bp.route("/admin")
@operator_required
def dashboard() -> str:
    weeks = _weeks()
    session, territory_id = db.uow().session, db.territory().id
    todo = {
        "waiting": len(waiting_at_points(session, territory_id=territory_id)),
        "failed": len(failed_deliveries(session, territory_id=territory_id)),
        "way_back": len(on_the_way_back(session, territory_id=territory_id)),
        "held_cents": sum(
            h.total_cents for h in held_at_points(session, territory_id=territory_id)
        ),
    }
    return render_template(
        "operator/dashboard.html",
        weeks=list(reversed(weeks)),
        this_week=weeks[-1],
        counts=merchant_counts(session, territory_id=territory_id),
        todo=todo,
    )


def csv_euros(cents: int) -> str:
    """Cents as the CSV exports write euros: 1250 → "12,50", -150 → "-1,50"."""
    sign, cents = ("-" if cents < 0 else ""), abs(cents)
    return f"{sign}{cents // 100},{cents % 100:02d}"


@bp.route("/admin/indicateurs.csv")
@operator_required
def dashboard_csv() -> Response:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        ["annee", "semaine", "debut", "commandes", "ventes_ttc", "commission", "livraisons"]
    )
    for w in _weeks(26):
        writer.writerow(
            [
                w.week.iso_year,
                w.week.number,
                w.week.start.isoformat(),
                w.orders,
                csv_euros(w.sales_cents),
                csv_euros(w.commission_cents),
                w.deliveries,
            ]
        )
    response = make_response(out.getvalue().encode("utf-8-sig"))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="indicateurs-{db.territory().slug}.csv"'
    )
    return response
