"""Full-text search across a territory's catalogue, with French accents and plurals.

Both databases index the same text (product name weighted above description, category and
merchant name) and rank results:

- **SQLite**: an FTS5 table ``product_search`` with the ``unicode61 remove_diacritics 2``
  tokenizer. FTS5 has no French stemmer, so the indexed text and the query are stemmed here
  with the Snowball French stemmer (the same algorithm PostgreSQL uses). Ranked by ``bm25``.
- **PostgreSQL**: a table ``product_search`` with a ``tsvector`` column built with the text
  search configuration ``cabas_french`` (French Snowball stemming after ``unaccent``), a GIN
  index, ranked by ``ts_rank_cd``.

The index is kept up to date by :func:`install_index_maintenance`, a session hook that
re-indexes products added, changed or deleted in a flush (and every product of a merchant
whose name changed), inside the same transaction.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import snowballstemmer
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session, sessionmaker

from shop_core.catalogue.model import Category, Product
from shop_core.merchants.model import Merchant, MerchantStatus

_WORD = re.compile(r"\w+", re.UNICODE)
_STOPWORDS = frozenset(
    "a au aux avec ce ces d de des du en et l la le les leur mais ou par pour sa se ses "
    "sur un une vos votre".split()
)


def unaccent(value: str) -> str:
    """Lower-case ``value`` and strip its diacritics: "Crème brûlée" → "creme brulee"."""
    decomposed = unicodedata.normalize("NFKD", value.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_local = threading.local()


def _stemmer() -> Any:
    # Snowball stemmers keep state between calls: one per thread.
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("french")
    return stemmer


@lru_cache(maxsize=100_000)
def _stem(word: str) -> str:
    # Catalogues repeat the same words on every line: stem each distinct word once.
    return str(_stemmer().stemWord(word))


def terms(value: str) -> list[str]:
    """Search terms of ``value``: unaccented, stop words dropped, stemmed."""
    return [_stem(w) for w in _WORD.findall(unaccent(value)) if w not in _STOPWORDS]


def _query_words(value: str) -> list[str]:
    return [w for w in _WORD.findall(unaccent(value)) if w not in _STOPWORDS and w != "_"]


@dataclass(frozen=True, slots=True)
class SearchResults:
    """One page of ranked products and the total number of matches."""

    products: list[Product]
    total: int


def _document(product: Product) -> tuple[str, str]:
    extra = [product.description]
    if product.category is not None:
        extra.append(product.category.name)
    extra.append(product.merchant.trade_name)
    return product.name, " ".join(extra)


def reindex(session: Session, products: Iterable[Product]) -> None:
    """Write the search rows of ``products`` (in the session's transaction)."""
    by_territory: dict[int, list[tuple[int, str, str]]] = {}
    for product in products:
        name, body = _document(product)
        by_territory.setdefault(product.merchant.territory_id, []).append((product.id, name, body))
    for territory_id, docs in by_territory.items():
        write_documents(session, territory_id, docs)


def write_documents(session: Session, territory_id: int, docs: list[tuple[int, str, str]]) -> None:
    """Index ``(product id, name, body)`` documents of one territory, replacing old rows.

    ``body`` is the description, category name and merchant name (see ``_document``); bulk
    importers build it the same way and call this directly.
    """
    if not docs:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text(
                "INSERT INTO product_search (product_id, territory_id, document) VALUES "
                "(:pid, :tid, setweight(to_tsvector('cabas_french', :name), 'A') || "
                "setweight(to_tsvector('cabas_french', :body), 'B')) "
                "ON CONFLICT (product_id) DO UPDATE SET territory_id = EXCLUDED.territory_id,"
                " document = EXCLUDED.document"
            ),
            [{"pid": pid, "tid": territory_id, "name": n, "body": b} for pid, n, b in docs],
        )
        return
    # SQLite: the FTS5 rowid is the product id, so replacing a row is a keyed lookup.
    session.execute(
        text(
            "INSERT OR REPLACE INTO product_search (rowid, territory_id, name, body) "
            "VALUES (:pid, :tid, :name, :body)"
        ),
        [
            {
                "pid": pid,
                "tid": territory_id,
                "name": " ".join(terms(n)),
                "body": " ".join(terms(b)),
            }
            for pid, n, b in docs
        ],
    )


def unindex(session: Session, product_ids: Iterable[int]) -> None:
    """Remove products from the search index."""
    key = "product_id" if session.get_bind().dialect.name == "postgresql" else "rowid"
    for pid in product_ids:
        session.execute(text(f"DELETE FROM product_search WHERE {key} = :pid"), {"pid": pid})


def _after_flush(session: Session, _context: Any) -> None:
    changed: dict[int, Product] = {}
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Product):
            changed[obj.id] = obj
        elif isinstance(obj, Merchant) and obj in session.dirty:
            for product in session.scalars(select(Product).where(Product.merchant_id == obj.id)):
                changed[product.id] = product
        elif isinstance(obj, Category) and obj in session.dirty:
            for product in session.scalars(select(Product).where(Product.category_id == obj.id)):
                changed[product.id] = product
    deleted = [obj.id for obj in session.deleted if isinstance(obj, Product)]
    if changed:
        reindex(session, changed.values())
    if deleted:
        unindex(session, deleted)


def install_index_maintenance(sessions: sessionmaker[Session]) -> None:
    """Keep the search index in step with products for sessions made by ``sessions``."""
    # A marker on the factory rather than event.contains(): SQLAlchemy's event registry is
    # keyed by id(), and a new factory can reuse the id of a collected one.
    if getattr(sessions, "_cabas_search_index", False):
        return
    event.listen(sessions, "after_flush", _after_flush)
    sessions._cabas_search_index = True  # type: ignore[attr-defined]


def search_products(
    session: Session,
    *,
    territory_id: int,
    query: str,
    limit: int = 20,
    offset: int = 0,
    merchant_id: int | None = None,
    category_id: int | None = None,
) -> SearchResults:
    """Products on sale in a territory matching every word of ``query``, best first."""
    words = _query_words(query)[:12]
    if not words:
        return SearchResults(products=[], total=0)
    dialect = session.get_bind().dialect.name
    params: dict[str, Any] = {"tid": territory_id, "active": MerchantStatus.ACTIVE.value}
    key = "product_id" if dialect == "postgresql" else "rowid"
    if dialect == "postgresql":
        params["q"] = " & ".join(f"{w}:*" for w in words)
        match = "product_search.document @@ to_tsquery('cabas_french', :q)"
        rank = "ts_rank_cd(product_search.document, to_tsquery('cabas_french', :q)) DESC"
    else:
        stems = [_stem(w) for w in words]
        params["q"] = " AND ".join(f'"{s}"*' for s in stems)
        match = "product_search MATCH :q"
        rank = "bm25(product_search, 0, 10.0, 1.0)"
    ids_sql = (
        f"SELECT product_search.{key} AS pid FROM product_search "
        f"JOIN product AS p ON p.id = product_search.{key} "
        "JOIN merchant AS m ON m.id = p.merchant_id "
        f"WHERE product_search.territory_id = :tid AND {match} "
        "AND p.active AND NOT p.archived AND m.status = :active"
    )
    if merchant_id is not None:
        ids_sql += " AND p.merchant_id = :mid"
        params["mid"] = merchant_id
    if category_id is not None:
        ids_sql += " AND p.category_id = :cid"
        params["cid"] = category_id
    count_sql = f"SELECT count(*) FROM ({ids_sql}) AS hits"
    page_sql = f"{ids_sql} ORDER BY {rank}, p.name LIMIT :limit OFFSET :offset"
    paging = {**params, "limit": limit, "offset": offset}
    if dialect == "postgresql":
        # One pass over the matches gives the page and the total (the window count is taken
        # before LIMIT); the count runs on its own only for a page past the end. FTS5's
        # bm25() cannot be used next to a window function, so SQLite counts separately.
        windowed = page_sql.replace(" AS pid FROM ", " AS pid, count(*) OVER () AS n FROM ", 1)
        rows = session.execute(text(windowed), paging).all()
        ids: Sequence[int] = [row.pid for row in rows]
        total = rows[0].n if rows else 0
        if not rows and offset:
            total = session.execute(text(count_sql), params).scalar_one()
    else:
        total = session.execute(text(count_sql), params).scalar_one()
        ids = session.execute(text(page_sql), paging).scalars().all()
    if not ids:
        return SearchResults(products=[], total=int(total))
    by_id = {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(ids)))}
    return SearchResults(products=[by_id[i] for i in ids if i in by_id], total=int(total))
