"""A merchant's own catalogue as its back-office lists it (archived products apart)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shop_core.catalogue.model import Category, Product


def merchant_products(session: Session, *, merchant_id: int) -> list[Product]:
    """The merchant's products on sale or switched off, by name, with photos and category."""
    return list(
        session.scalars(
            select(Product)
            .where(Product.merchant_id == merchant_id, Product.archived.is_(False))
            .options(selectinload(Product.photos), selectinload(Product.category))
            .order_by(Product.name, Product.id)
        )
    )


def archived_products(session: Session, *, merchant_id: int) -> list[Product]:
    """The merchant's archived products, by name (to bring one back)."""
    return list(
        session.scalars(
            select(Product)
            .where(Product.merchant_id == merchant_id, Product.archived.is_(True))
            .order_by(Product.name, Product.id)
        )
    )


def territory_categories(session: Session, *, territory_id: int) -> list[Category]:
    """Every category of the territory, in display order."""
    return list(
        session.scalars(
            select(Category)
            .where(Category.territory_id == territory_id)
            .order_by(Category.position, Category.name)
        )
    )
