"""Operator admin routes.

The blueprint lives in :mod:`reference_app.operator.blueprint`; each module below adds the
routes of what it serves (indicators, merchants, territory settings, delivery slots, couriers).
"""

from __future__ import annotations

from reference_app.operator import (  # noqa: F401
    couriers,
    dashboard,
    merchants,
    order_page,
    orders,
    pickups,
    shoppers,
    slots,
    territory,
)
from reference_app.operator.blueprint import bp

__all__ = ["bp"]
