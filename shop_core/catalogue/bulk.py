"""Importing and exporting a merchant's whole catalogue at once.

An import of 10,000 lines must take seconds, so it works in bulk: one query reads the
merchant's existing products (names and slugs only), one the territory's categories; new
products go in with one bulk ``INSERT`` (their ids read back by slug), changes with one bulk
``UPDATE`` by primary key, and the search index is written with ``executemany``. Bulk statements do
not go through the session's flush, so the per-product index hook of
:mod:`shop_core.catalogue.search` does not run; :func:`_index` writes the same documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, selectinload

from shop_core.audit.services import Actor, record
from shop_core.catalogue.csv_import import CatalogueRow, LineError, format_catalogue, name_key
from shop_core.catalogue.model import Category, Product
from shop_core.catalogue.search import write_documents
from shop_core.errors import NotFound, ValidationError
from shop_core.merchants.model import Merchant
from shop_core.persistence.base import utcnow
from shop_core.persistence.uow import UnitOfWork
from shop_core.slugs import slugify


@dataclass(slots=True)
class ImportPlan:
    """What importing would do: rows creating a product, rows updating one, bad rows."""

    create: list[CatalogueRow] = field(default_factory=list)
    update: list[CatalogueRow] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)

    @property
    def rows(self) -> list[CatalogueRow]:
        """The rows that can be imported, in file order."""
        return sorted(self.create + self.update, key=lambda r: r.line)


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did (product names, in file order)."""

    created: list[str]
    updated: list[str]


@dataclass(frozen=True, slots=True)
class _Existing:
    id: int
    name: str


def _merchant(uow: UnitOfWork, merchant_id: int) -> Merchant:
    merchant = uow.session.get(Merchant, merchant_id)
    if merchant is None:
        raise NotFound(what="Boutique")
    return merchant


def _categories(session: Session, territory_id: int) -> dict[str, tuple[int, str]]:
    """The territory's categories (id, name) by slug of their name and by their slug."""
    found: dict[str, tuple[int, str]] = {}
    for cid, name, slug in session.execute(
        select(Category.id, Category.name, Category.slug).where(
            Category.territory_id == territory_id
        )
    ):
        found[slugify(name)] = (cid, name)
        found[slug] = (cid, name)
    return found


def _existing(session: Session, merchant_id: int) -> tuple[dict[str, _Existing], set[str]]:
    """The merchant's live products by matching name, and every slug already taken."""
    by_name: dict[str, _Existing] = {}
    slugs: set[str] = set()
    for pid, name, slug, archived in session.execute(
        select(Product.id, Product.name, Product.slug, Product.archived)
        .where(Product.merchant_id == merchant_id)
        .order_by(Product.id)
    ):
        slugs.add(slug)
        if not archived:
            by_name.setdefault(name_key(name), _Existing(pid, name))
    return by_name, slugs


def plan_import(uow: UnitOfWork, *, merchant_id: int, rows: list[CatalogueRow]) -> ImportPlan:
    """Sort rows into creations and updates (by name), and check that categories exist."""
    merchant = _merchant(uow, merchant_id)
    categories = _categories(uow.session, merchant.territory_id)
    existing, _ = _existing(uow.session, merchant_id)
    plan = ImportPlan()
    for row in rows:
        if row.category and slugify(row.category) not in categories:
            plan.errors.append(
                LineError(
                    row.line,
                    f"Catégorie « {row.category} » inconnue sur ce territoire.",
                    code="import_category_unknown",
                    params={"category": row.category},
                )
            )
            continue
        (plan.update if name_key(row.product.name) in existing else plan.create).append(row)
    return plan


def _unique_slug(name: str, taken: set[str]) -> str:
    base = slugify(name, max_length=120)
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug


def _values(row: CatalogueRow, category_id: int | None) -> dict[str, Any]:
    data = row.product
    return {
        "description": data.description.strip(),
        "price_cents": data.price_cents,
        "vat_rate": data.vat_rate,
        "unit": data.unit,
        "sold_by_weight": data.sold_by_weight,
        "estimated_weight_g": data.estimated_weight_g if data.sold_by_weight else None,
        "track_stock": data.track_stock,
        "stock_quantity": data.stock_quantity if data.track_stock else 0,
        "no_withdrawal": data.no_withdrawal,
        "category_id": category_id,
        "updated_at": utcnow(),
    }


def _index(session: Session, territory_id: int, docs: list[tuple[int, str, str]]) -> None:
    """Write the search rows of ``(product id, name, body)`` documents, replacing old ones."""
    write_documents(session, territory_id, docs)


def import_catalogue(
    *, uow: UnitOfWork, merchant_id: int, rows: list[CatalogueRow], actor: Actor
) -> ImportReport:
    """Create or update the products of ``rows`` in one transaction (all or nothing).

    Existing products are matched by name (case and accents ignored) and keep their name,
    photos, slug and on/off switch. A row with an unknown category fails the whole import
    with ``ValidationError``: call :func:`plan_import` first and pass its ``rows``.
    """
    uow.begin_write()
    session = uow.session
    merchant = _merchant(uow, merchant_id)
    categories = _categories(session, merchant.territory_id)
    existing, slugs = _existing(session, merchant_id)
    creations: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    created: list[str] = []
    updated: list[str] = []
    docs: list[tuple[int | None, str, str]] = []
    for row in rows:
        row.product.validate()
        category: tuple[int, str] | None = None
        if row.category:
            category = categories.get(slugify(row.category))
            if category is None:
                raise ValidationError(
                    f"Ligne {row.line} : catégorie « {row.category} » inconnue.", field="category"
                )
        values = _values(row, category[0] if category else None)
        body = " ".join(
            [values["description"], category[1] if category else "", merchant.trade_name]
        )
        found = existing.get(name_key(row.product.name))
        if found is None:
            name = row.product.name.strip()
            creations.append(
                {
                    **values,
                    "merchant_id": merchant_id,
                    "name": name,
                    "slug": _unique_slug(name, slugs),
                    "active": True,
                    "archived": False,
                    "weight_tolerance_pct": row.product.weight_tolerance_pct,
                    "created_at": values["updated_at"],
                }
            )
            created.append(name)
            docs.append((None, name, body))
        else:
            updates.append({**values, "id": found.id})
            updated.append(found.name)
            docs.append((found.id, found.name, body))
    if creations:
        # Without RETURNING: SQLite would then insert row by row to keep the order of ids.
        session.execute(insert(Product), creations)
    if updates:
        session.execute(update(Product), updates)
    ids_by_slug = {
        slug: pid
        for slug, pid in session.execute(
            select(Product.slug, Product.id).where(Product.merchant_id == merchant_id)
        )
    }
    fresh = iter(ids_by_slug[c["slug"]] for c in creations)
    _index(
        session,
        merchant.territory_id,
        [(pid if pid is not None else next(fresh), n, b) for pid, n, b in docs],
    )
    record(
        session,
        territory_id=merchant.territory_id,
        actor=actor,
        action="product.import",
        subject=merchant.trade_name,
        details={"created": len(created), "updated": len(updated)},
        merchant_id=merchant_id,
    )
    uow.commit()
    return ImportReport(created=created, updated=updated)


def export_catalogue(uow: UnitOfWork, *, merchant_id: int) -> str:
    """A merchant's catalogue (archived products left out) as CSV text."""
    products = uow.session.scalars(
        select(Product)
        .where(Product.merchant_id == merchant_id, Product.archived.is_(False))
        .options(selectinload(Product.category))
        .order_by(Product.name, Product.id)
    )
    return format_catalogue(products)
