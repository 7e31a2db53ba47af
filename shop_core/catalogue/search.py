"""Full-text search across a territory's catalogue, with French accents and plurals.

Both databases index the same text (product name weighted above description, category and
merchant name) and rank results:

- **SQLite**: an FTS5 table ``product_search`` with the ``unicode61 remove_diacritics 2``
  tokenizer. FTS5 has no French stemmer, so the indexed text and the query are stemmed here
  with the Snowball French stemmer (the same algorithm PostgreSQL uses). Ranked by ``bm25``.
- **PostgreSQL**: a table ``product_search`` with a ``tsvector`` column built with the text
  search configuration ``cabas_french`` (French Snowball stemming after ``unaccent``), ranked
  by ``ts_rank_cd``. Each row also carries what a search filters and sorts on (on sale, shop,
  category, name) and the GIN index holds only the rows on sale, so a search reads one table
  and one index, with no join.

A common word can match a large share of the catalogue ("produit": every product). Ranking
every match would cost time in proportion to the catalogue, so at most :data:`RANKED` matches
are ranked: the first ``RANKED + 1`` found, plus up to ``RANKED`` whose *name* holds
every word, so that the best matches are among those ranked. The total is then exact
up to ``RANKED`` and :attr:`SearchResults.more` says there are more ("plus de 1 000").

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
    #: True when more than ``total`` products match (only the first ``RANKED`` are counted).
    more: bool = False


#: At most this many matches are counted and ranked (see the module's documentation).
RANKED = 1000


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
    importers build it the same way and call this directly. The products must already be
    in the database (flushed): on PostgreSQL the row copies from them whether the product is
    on sale, its shop, category and name.
    """
    if not docs:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text(
                "INSERT INTO product_search "
                "(product_id, territory_id, document, merchant_id, category_id, name, on_sale) "
                "SELECT p.id, :tid, setweight(to_tsvector('cabas_french', :name), 'A') || "
                "setweight(to_tsvector('cabas_french', :body), 'B'), p.merchant_id, "
                "p.category_id, p.name, "
                f"p.active AND NOT p.archived AND m.status = '{MerchantStatus.ACTIVE.value}' "
                "FROM product AS p JOIN merchant AS m ON m.id = p.merchant_id WHERE p.id = :pid "
                "ON CONFLICT (product_id) DO UPDATE SET territory_id = EXCLUDED.territory_id,"
                " document = EXCLUDED.document, merchant_id = EXCLUDED.merchant_id,"
                " category_id = EXCLUDED.category_id, name = EXCLUDED.name,"
                " on_sale = EXCLUDED.on_sale"
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
    """Products on sale in a territory matching every word of ``query``, best first.

    Only the best :data:`RANKED` matches can be paged through; past them ``more`` is set.
    """
    words = _query_words(query)[:12]
    if not words:
        return SearchResults(products=[], total=0)
    params: dict[str, Any] = {"tid": territory_id, "cap": RANKED}
    if session.get_bind().dialect.name == "postgresql":
        ids, total = _search_postgresql(
            session, words, params, limit, offset, merchant_id, category_id
        )
    else:
        ids, total = _search_sqlite(session, words, params, limit, offset, merchant_id, category_id)
    more = total > RANKED
    total = min(total, RANKED)
    if not ids:
        return SearchResults(products=[], total=total, more=more)
    by_id = {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(ids)))}
    return SearchResults(products=[by_id[i] for i in ids if i in by_id], total=total, more=more)


def _search_postgresql(
    session: Session,
    words: list[str],
    params: dict[str, Any],
    limit: int,
    offset: int,
    merchant_id: int | None,
    category_id: int | None,
) -> tuple[Sequence[int], int]:
    # Every word as a prefix.
    params["q"] = " & ".join(f"{w}:*" for w in words)
    where = "territory_id = :tid AND on_sale"
    if merchant_id is not None:
        where += " AND merchant_id = :mid"
        params["mid"] = merchant_id
    if category_id is not None:
        where += " AND category_id = :cid"
        params["cid"] = category_id
    # ``hits``: the first RANKED + 1 matches (their number is the total, or says "more");
    # ``named``: when there are more, matches by name are ranked first among the rest.
    # Each reads a partial GIN index (document, name) and product_search: no join, and
    # at most 2 × RANKED + 1 rows ranked.
    hits = (
        "hits AS MATERIALIZED (SELECT product_id, document, name FROM product_search "
        f"WHERE {where} AND document @@ to_tsquery('cabas_french', :q) LIMIT :cap + 1)"
    )
    named = (
        "named AS MATERIALIZED (SELECT product_id, document, name FROM product_search "
        f"WHERE {where} AND to_tsvector('cabas_french', name) @@ to_tsquery('cabas_french', :q) "
        "AND (SELECT count(*) FROM hits) > :cap LIMIT :cap)"
    )
    sql = (
        f"WITH {hits}, {named}, "
        "candidates AS (SELECT * FROM hits UNION ALL "
        "SELECT * FROM named WHERE product_id NOT IN (SELECT product_id FROM hits)) "
        "SELECT product_id AS pid, (SELECT count(*) FROM hits) AS n FROM candidates "
        "ORDER BY ts_rank_cd(document, to_tsquery('cabas_french', :q)) DESC, name, product_id "
        "LIMIT :limit OFFSET :offset"
    )
    count = (
        "SELECT count(*) FROM (SELECT 1 FROM product_search "
        f"WHERE {where} AND document @@ to_tsquery('cabas_french', :q) "
        "LIMIT :cap + 1) AS hits"
    )
    return _ranked_page(session, sql, count, params, limit, offset)


def _search_sqlite(
    session: Session,
    words: list[str],
    params: dict[str, Any],
    limit: int,
    offset: int,
    merchant_id: int | None,
    category_id: int | None,
) -> tuple[Sequence[int], int]:
    params["active"] = MerchantStatus.ACTIVE.value
    stems = " AND ".join(f'"{_stem(w)}"*' for w in words)
    params["q"] = stems
    params["qn"] = f"name : ({stems})"
    where = (
        "JOIN product AS p ON p.id = product_search.rowid "
        "JOIN merchant AS m ON m.id = p.merchant_id "
        "WHERE product_search.territory_id = :tid AND product_search MATCH {match} "
        "AND p.active AND NOT p.archived AND m.status = :active"
    )
    if merchant_id is not None:
        where += " AND p.merchant_id = :mid"
        params["mid"] = merchant_id
    if category_id is not None:
        where += " AND p.category_id = :cid"
        params["cid"] = category_id
    # As on PostgreSQL: the first RANKED + 1 matches, and when there are more, up to RANKED
    # whose name matches. bm25() is computed in the scan that finds a row (FTS5 cannot rank
    # a row looked up by rowid); a row found by its name is ranked on its name.
    columns = "SELECT product_search.rowid AS pid, bm25(product_search, 0, 10.0, 1.0) AS r, "
    columns += "p.name AS name FROM product_search "
    sql = (
        f"WITH hits AS MATERIALIZED ({columns}{where.format(match=':q')} LIMIT :cap + 1), "
        f"named AS MATERIALIZED ({columns}{where.format(match=':qn')} "
        "AND (SELECT count(*) FROM hits) > :cap LIMIT :cap) "
        "SELECT pid, (SELECT count(*) FROM hits) AS n FROM "
        "(SELECT * FROM hits UNION ALL "
        "SELECT * FROM named WHERE pid NOT IN (SELECT pid FROM hits)) "
        "ORDER BY r, name, pid LIMIT :limit OFFSET :offset"
    )
    count = (
        "SELECT count(*) FROM (SELECT 1 FROM product_search "
        f"{where.format(match=':q')} LIMIT :cap + 1) AS hits"
    )
    return _ranked_page(session, sql, count, params, limit, offset)


def _ranked_page(
    session: Session,
    sql: str,
    count_sql: str,
    params: dict[str, Any],
    limit: int,
    offset: int,
) -> tuple[Sequence[int], int]:
    """Run a search statement returning (pid, n) rows; `count_sql` counts a page past the end.

    Only the best RANKED can be paged through (2 × RANKED + 1 candidates are ranked).
    """
    limit = max(0, min(limit, RANKED - offset))
    rows = session.execute(text(sql), {**params, "limit": limit, "offset": offset}).all()
    if rows:
        return [row.pid for row in rows], int(rows[0].n)
    if not offset:
        return [], 0
    return [], int(session.execute(text(count_sql), params).scalar_one())
