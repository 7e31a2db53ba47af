"""A merchant's own catalogue as its back-office lists it (archived products apart)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shop_core.catalogue.model import Category, Product
from shop_core.names import name_key


def _by_name(products: Iterable[Product]) -> list[Product]:
    """``products`` in alphabetical order as people read it: by the database's byte order,
    « Éclair au café » came after « Tarte aux pommes »."""
    return sorted(products, key=lambda p: (name_key(p.name), p.name, p.id))


def merchant_products(session: Session, *, merchant_id: int) -> list[Product]:
    """The merchant's products on sale or switched off, by name, with photos and category."""
    return _by_name(
        session.scalars(
            select(Product)
            .where(Product.merchant_id == merchant_id, Product.archived.is_(False))
            .options(selectinload(Product.photos), selectinload(Product.category))
        )
    )


def archived_products(session: Session, *, merchant_id: int) -> list[Product]:
    """The merchant's archived products, by name (to bring one back)."""
    return _by_name(
        session.scalars(
            select(Product).where(Product.merchant_id == merchant_id, Product.archived.is_(True))
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
