"""Stock reservation: atomic, never negative, released on cancel or expiry.

Concurrency rule. Checkouts reserve in **ascending product id** order. On PostgreSQL the
product rows are locked with ``SELECT … FOR UPDATE`` in that order (so two baskets that share
products cannot deadlock) before a conditional decrement. On SQLite the transaction is taken
as a writer up front (``BEGIN IMMEDIATE``) and each decrement is a conditional
``UPDATE … WHERE stock_quantity >= :q`` whose row count is checked. In both cases a shortfall
raises ``OutOfStock`` and the caller's transaction rolls back: nothing is half-reserved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shop_core.catalogue.model import Product
from shop_core.errors import OutOfStock
from shop_core.persistence.base import utcnow
from shop_core.stock.model import ReservationStatus, StockReservation


def lock_products(session: Session, product_ids: Iterable[int]) -> dict[int, Product]:
    """Load products by id, locking their rows (PostgreSQL) in ascending id order."""
    ids = sorted(set(product_ids))
    query = select(Product).where(Product.id.in_(ids)).order_by(Product.id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Product)
    products = session.scalars(query.execution_options(populate_existing=True)).all()
    return {p.id: p for p in products}


def take(session: Session, product: Product, quantity: int) -> None:
    """Decrement a tracked product's stock by ``quantity`` or raise ``OutOfStock``."""
    result = session.execute(
        update(Product)
        .where(Product.id == product.id, Product.stock_quantity >= quantity)
        .values(stock_quantity=Product.stock_quantity - quantity)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(product, ["stock_quantity"])
        raise OutOfStock(product=product.name, available=product.stock_quantity)
    session.expire(product, ["stock_quantity"])


def give_back(session: Session, product_id: int, quantity: int) -> None:
    """Return ``quantity`` units to a product's stock."""
    session.execute(
        update(Product)
        .where(Product.id == product_id, Product.track_stock.is_(True))
        .values(stock_quantity=Product.stock_quantity + quantity)
        .execution_options(synchronize_session=False)
    )
    product = session.get(Product, product_id)
    if product is not None:
        session.expire(product, ["stock_quantity"])


def release_for(session: Session, merchant_order_id: int, *, now: dt.datetime | None = None) -> int:
    """Give back every held unit of a merchant order; returns the units released."""
    released = 0
    reservations = session.scalars(
        select(StockReservation)
        .where(
            StockReservation.merchant_order_id == merchant_order_id,
            StockReservation.status != ReservationStatus.RELEASED,
        )
        .order_by(StockReservation.product_id)
    ).all()
    for reservation in reservations:
        give_back(session, reservation.product_id, reservation.quantity)
        reservation.status = ReservationStatus.RELEASED
        reservation.released_at = now or utcnow()
        released += reservation.quantity
    return released


def commit_for(session: Session, merchant_order_id: int) -> bool:
    """Make a merchant order's held units final; False if they were already released."""
    reservations = session.scalars(
        select(StockReservation).where(StockReservation.merchant_order_id == merchant_order_id)
    ).all()
    if any(r.status is ReservationStatus.RELEASED for r in reservations):
        return False
    for reservation in reservations:
        reservation.status = ReservationStatus.COMMITTED
        reservation.expires_at = None
    return True
