"""Routes of the ``payments`` blueprint (registered by ``create_app``)."""

from __future__ import annotations

from reference_app.payments import backoffice, shopper
from reference_app.payments.blueprint import bp

__all__ = ["backoffice", "bp", "shopper"]
