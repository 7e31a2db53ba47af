"""``/boutique/statistiques``: orders, sales and best sellers over the last eight weeks."""

from __future__ import annotations

from flask import render_template

from reference_app import db
from reference_app.auth.users import merchant_required
from reference_app.merchant.blueprint import bp, shop
from reference_app.rounds import settings
from shop_core.reports import merchant_weekly_stats


@bp.route("/boutique/statistiques")
@merchant_required
def stats() -> str:
    merchant = shop()
    territory = db.territory()
    weeks = merchant_weekly_stats(
        db.uow().session,
        merchant_id=merchant.id,
        today=settings.today(territory),  # the app's clock: FIXED_NOW pins it
        timezone=territory.timezone,
    )
    return render_template(
        "merchant/stats.html",
        merchant=merchant,
        weeks=list(reversed(weeks)),
        max_revenue=max((w.revenue_cents for w in weeks), default=0) or 1,
        total_orders=sum(w.orders for w in weeks),
        total_revenue=sum(w.revenue_cents for w in weeks),
    )
