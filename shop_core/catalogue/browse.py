"""What a shopper browses: active merchants, categories in use, products on sale.

Every query is scoped to one territory and returns only what can be bought now (product
active and not archived, merchant active), with merchants and photos loaded up front so a
page of results costs a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from shop_core.catalogue.model import Category, Product
from shop_core.merchants.model import Merchant, MerchantStatus


@dataclass(frozen=True, slots=True)
class ProductPage:
    """One page of products and the total number of matches."""

    products: list[Product]
    total: int


@dataclass(frozen=True, slots=True)
class CategoryCount:
    """A category with products on sale, and how many (``None`` when not counted)."""

    category: Category
    products: int | None


def _on_sale(territory_id: int) -> Select[Product]:
    return (
        select(Product)
        .join(Merchant, Merchant.id == Product.merchant_id)
        .where(
            Merchant.territory_id == territory_id,
            Merchant.status == MerchantStatus.ACTIVE,
            Product.active.is_(True),
            Product.archived.is_(False),
        )
    )


def _with_display(query: Select[Product]) -> Select[Product]:
    return query.options(selectinload(Product.merchant), selectinload(Product.photos))


def active_merchants(
    session: Session,
    *,
    territory_id: int,
    with_hours: bool = True,
    limit: int | None = None,
    offset: int = 0,
) -> list[Merchant]:
    """Merchants of the territory that take orders, by name, with their opening hours
    (unless ``with_hours`` is false: then load them for the few shown with
    :func:`load_opening_hours`); a page of them with ``limit`` and ``offset``."""
    query = (
        select(Merchant)
        .where(Merchant.territory_id == territory_id, Merchant.status == MerchantStatus.ACTIVE)
        .order_by(Merchant.trade_name, Merchant.id)
        .limit(limit)
        .offset(offset)
    )
    if with_hours:
        query = query.options(selectinload(Merchant.opening_hours))
    return list(session.scalars(query))


def count_active_merchants(session: Session, *, territory_id: int) -> int:
    """How many merchants of the territory take orders."""
    return (
        session.scalar(
            select(func.count(Merchant.id)).where(
                Merchant.territory_id == territory_id, Merchant.status == MerchantStatus.ACTIVE
            )
        )
        or 0
    )


def merchant_by_slug(session: Session, *, territory_id: int, slug: str) -> Merchant | None:
    """The active merchant with this slug in the territory."""
    return session.scalar(
        select(Merchant)
        .where(
            Merchant.territory_id == territory_id,
            Merchant.slug == slug,
            Merchant.status == MerchantStatus.ACTIVE,
        )
        .options(selectinload(Merchant.opening_hours))
    )


def categories_in_use(
    session: Session, *, territory_id: int, count: bool = True
) -> list[CategoryCount]:
    """The territory's categories that have products on sale, with how many.

    Counting reads every product of the territory; with ``count=False`` each category only
    looks for one product on sale (an index probe), for pages that show no counts.
    """
    if not count:
        any_on_sale = (
            _on_sale(territory_id)
            .with_only_columns(Product.id)
            .where(Product.category_id == Category.id)
            .exists()
        )
        found = session.scalars(
            select(Category)
            .where(Category.territory_id == territory_id, any_on_sale)
            .order_by(Category.position, Category.name)
        )
        return [CategoryCount(c, None) for c in found]
    on_sale = _on_sale(territory_id).with_only_columns(
        Product.category_id, func.count(Product.id).label("n")
    )
    counts = on_sale.where(Product.category_id.is_not(None)).group_by(Product.category_id)
    rows = {cid: n for cid, n in session.execute(counts)}
    if not rows:
        return []
    categories = session.scalars(
        select(Category)
        .where(Category.territory_id == territory_id, Category.id.in_(rows))
        .order_by(Category.position, Category.name)
    )
    return [CategoryCount(c, int(rows[c.id])) for c in categories]


def category_by_slug(session: Session, *, territory_id: int, slug: str) -> Category | None:
    return session.scalar(
        select(Category).where(Category.territory_id == territory_id, Category.slug == slug)
    )


def products_on_sale(
    session: Session,
    *,
    territory_id: int,
    merchant_id: int | None = None,
    category_id: int | None = None,
    limit: int = 24,
    offset: int = 0,
) -> ProductPage:
    """Products that can be bought now, by name, optionally of one merchant or category."""
    query = _on_sale(territory_id)
    if merchant_id is not None:
        query = query.where(Product.merchant_id == merchant_id)
    if category_id is not None:
        query = query.where(Product.category_id == category_id)
    total = session.scalar(query.with_only_columns(func.count(Product.id)).order_by(None)) or 0
    page: Sequence[Product] = session.scalars(
        _with_display(query).order_by(Product.name, Product.id).limit(limit).offset(offset)
    ).all()
    return ProductPage(products=list(page), total=int(total))


def latest_products(session: Session, *, territory_id: int, limit: int = 8) -> list[Product]:
    """The newest products on sale, one merchant after another so no shop fills the page."""
    # Ids grow with creation: walking the primary key backwards finds the newest without
    # sorting the whole catalogue (ordering by created_at would, with no index on it).
    recent: Sequence[Product] = session.scalars(
        _with_display(_on_sale(territory_id)).order_by(Product.id.desc()).limit(limit * 4)
    ).all()
    picked: list[Product] = []
    seen: dict[int, int] = {}
    for round_ in range(limit):
        for product in recent:
            if len(picked) == limit:
                return picked
            if product not in picked and seen.get(product.merchant_id, 0) == round_:
                picked.append(product)
                seen[product.merchant_id] = round_ + 1
    return picked


def shop_product(session: Session, *, territory_id: int, product_id: int) -> Product | None:
    """A product shoppers may look at: in the territory, not archived, merchant active.

    It may be inactive (out of the catalogue for now): the page then says so instead of a 404,
    because a basket line may still link to it.
    """
    return session.scalar(
        select(Product)
        .join(Merchant, Merchant.id == Product.merchant_id)
        .where(
            Product.id == product_id,
            Merchant.territory_id == territory_id,
            Merchant.status == MerchantStatus.ACTIVE,
            Product.archived.is_(False),
        )
        .options(
            selectinload(Product.merchant),
            selectinload(Product.photos),
            selectinload(Product.category),
        )
    )


def load_for_display(session: Session, products: Sequence[Product]) -> None:
    """Load the merchants and photos of ``products`` in one query each (e.g. search results,
    which come back without them), so that a page of cards costs no query per card."""
    if not products:
        return
    session.scalars(
        select(Product)
        .where(Product.id.in_([p.id for p in products]))
        .options(selectinload(Product.merchant), selectinload(Product.photos))
    ).all()


def load_opening_hours(session: Session, merchant_ids: Sequence[int]) -> None:
    """Load the opening hours and closures of these merchants up front (basket and
    checkout pages)."""
    if not merchant_ids:
        return
    session.scalars(
        select(Merchant)
        .where(Merchant.id.in_(list(merchant_ids)))
        .options(selectinload(Merchant.opening_hours), selectinload(Merchant.closures))
    ).all()
