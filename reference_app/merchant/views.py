"""Merchant back-office routes.

The blueprint lives in :mod:`reference_app.merchant.blueprint`; each module below adds the
routes of what it serves (sign-up, orders, products, catalogue file, statistics).
"""

from __future__ import annotations

from reference_app.merchant import catalogue_file, orders, products, signup, stats  # noqa: F401
from reference_app.merchant.blueprint import bp

__all__ = ["bp"]
