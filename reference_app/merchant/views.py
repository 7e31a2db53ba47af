"""Merchant back-office routes.

The blueprint lives in :mod:`reference_app.merchant.blueprint`; each module below adds the
routes of what it serves (sign-up, orders, products, catalogue file, statistics).
"""

from __future__ import annotations

from reference_app.merchant import (  # noqa: F401
    catalogue_file,
    closures,
    orders,
    product_photos,
    products,
    shop_settings,
    signup,
    stats,
)
from reference_app.merchant.blueprint import bp

__all__ = ["bp"]
