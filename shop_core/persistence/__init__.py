"""Persistence: the declarative base, engines, units of work and migrations."""

from shop_core.persistence.base import Base, utcnow
from shop_core.persistence.engine import create_engine_from_url
from shop_core.persistence.uow import UnitOfWork, session_factory

__all__ = ["Base", "UnitOfWork", "create_engine_from_url", "session_factory", "utcnow"]
