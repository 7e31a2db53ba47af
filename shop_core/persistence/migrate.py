"""Alembic migrations shipped inside the package, run from code (no alembic.ini needed).

Other packages may add their own revision folders through ``extra_locations`` (e.g.
``delivery`` adds its tables on a branch that depends on the core's head).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"

_extra_locations: list[str] = []


def register_migrations(location: str | Path) -> None:
    """Add a folder of revisions (for packages building on shop_core)."""
    loc = str(location)
    if loc not in _extra_locations:
        _extra_locations.append(loc)


def alembic_config(engine: Engine, extra_locations: Sequence[str | Path] = ()) -> Config:
    """An Alembic configuration bound to ``engine``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    locations = [str(MIGRATIONS / "versions"), *_extra_locations, *map(str, extra_locations)]
    cfg.set_main_option("version_locations", " ".join(locations))
    cfg.set_main_option("path_separator", "space")
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Migrate the database behind ``engine`` to ``revision`` (all heads by default)."""
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate the database behind ``engine`` down to ``revision``."""
    command.downgrade(alembic_config(engine), revision)
