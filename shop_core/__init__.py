"""Cabas core: territories, merchants, catalogue, baskets, orders, stock, money and VAT.

The rule of this package: no Flask, no request globals, no network I/O, nothing done at
import time. Applications call the services (plain functions taking keyword arguments and a
:class:`~shop_core.persistence.uow.UnitOfWork`) and map domain errors
(:mod:`shop_core.errors`) to their own responses.
"""

from shop_core.audit.services import Actor
from shop_core.database import Database, connect
from shop_core.errors import DomainError
from shop_core.money import Money
from shop_core.persistence.uow import UnitOfWork
from shop_core.vat import VatPolicy, VatRate

__all__ = [
    "Actor",
    "Database",
    "DomainError",
    "Money",
    "UnitOfWork",
    "VatPolicy",
    "VatRate",
    "connect",
]
__version__ = "0.1.0"
