"""Routes of the delivery rounds for the operator (board, set-up) and merchants (packing).

The blueprint lives in :mod:`reference_app.rounds.blueprint`; each module below adds the
routes of what it serves.
"""

from __future__ import annotations

from reference_app.rounds import board, packing, setup  # noqa: F401
from reference_app.rounds.blueprint import bp

__all__ = ["bp"]
