"""Operator admin routes.

The blueprint lives in :mod:`reference_app.operator.blueprint`; each module below adds the
routes of what it serves (indicators, merchants, territory settings, couriers).
"""

from __future__ import annotations

from reference_app.operator import couriers, dashboard, merchants, territory  # noqa: F401
from reference_app.operator.blueprint import bp

__all__ = ["bp"]
