"""A large territory for the benchmark, generated on PostgreSQL in minutes.

A few rows are made through the real services (territory, categories, one merchant with its
opening hours, two products, shoppers, one order); everything else is cloned from those
template rows by ``INSERT … SELECT`` over ``generate_series`` on the server, so every column,
default and constraint of the real schema is respected without being spelled out here. The
search index is then filled with one ``INSERT … SELECT`` building the same document as
:func:`shop_core.catalogue.search.reindex`.

The territory is kept between runs: when the database already holds one of the requested
size, it is reused.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, func, select, text
from sqlalchemy.engine import make_url

from shop_core.accounts.model import Role
from shop_core.carts.services import add_item, get_or_create_cart
from shop_core.catalogue.model import Product
from shop_core.catalogue.services import create_category
from shop_core.database import Database, connect
from shop_core.merchants.model import Merchant
from shop_core.orders.model import DeliveryMethod, Order
from shop_core.orders.services import Customer, DeliveryChoice, checkout, earliest_date
from shop_core.persistence.base import Base, utcnow
from shop_core.territories.model import Territory
from shop_core.testing.factories import make_merchant, make_product, make_territory, make_user

NAME = "Banc d'essai"
CATEGORIES = [
    "Boulangerie",
    "Pâtisserie",
    "Crèmerie",
    "Boucherie",
    "Charcuterie",
    "Fruits et légumes",
    "Épicerie",
    "Boissons",
    "Fleurs",
    "Artisanat",
    "Miel et confitures",
    "Œufs et volailles",
]
NOUNS = [
    "Pain",
    "Baguette",
    "Tarte",
    "Brioche",
    "Fromage",
    "Yaourt",
    "Beurre",
    "Miel",
    "Confiture",
    "Jus",
    "Cidre",
    "Bière",
    "Saucisson",
    "Jambon",
    "Pâté",
    "Rôti",
    "Côte",
    "Poulet",
    "Oeufs",
    "Pommes",
    "Poires",
    "Carottes",
    "Poireaux",
    "Endives",
    "Salade",
    "Tomates",
    "Chou",
    "Lait",
    "Crème",
    "Savon",
    "Bougie",
    "Bouquet",
    "Farine",
    "Lentilles",
    "Terrine",
    "Gâteau",
    "Galette",
    "Tisane",
    "Vinaigre",
    "Chicons",
]
QUALIFIERS = [
    "de campagne",
    "bio",
    "fermier",
    "du Ternois",
    "au levain",
    "à l'ancienne",
    "maison",
    "de saison",
    "aux noix",
    "au miel",
    "fumé",
    "affiné",
    "frais",
    "de pays",
    "artisanal",
    "au lait cru",
    "complet",
    "aux céréales",
    "des Flandres",
    "d'Artois",
]


@dataclass(frozen=True)
class Scale:
    merchants: int = 1_000
    products: int = 100_000
    orders: int = 200_000
    shoppers: int = 32


@dataclass(frozen=True)
class Bench:
    """What the load generator needs from the generated territory."""

    territory_id: int
    shopper_ids: list[int]
    product_paths: list[str]
    product_ids: list[int]
    collect_date: dt.date
    counts: dict[str, int]
    seconds: float


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database of ``url`` if it does not exist."""
    from sqlalchemy import create_engine

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
        )
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def _columns(conn: Connection, table: str) -> list[str]:
    return list(
        conn.scalars(
            text(
                "SELECT column_name FROM information_schema.columns WHERE table_name = :t "
                "AND column_name <> 'id' ORDER BY ordinal_position"
            ),
            {"t": table},
        )
    )


def _clone(
    conn: Connection,
    table: str,
    overrides: dict[str, str],
    source: str,
    params: dict[str, object],
    prefix: str = "",
) -> int:
    """``INSERT INTO table SELECT`` the template row ``t`` from ``source`` with overrides."""
    columns = _columns(conn, table)
    chosen = ", ".join(overrides.get(c, f't."{c}"') for c in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    sql = f'{prefix} INSERT INTO "{table}" ({names}) SELECT {chosen} FROM {source}'
    result = conn.execute(text(sql), params)
    return int(result.rowcount or 0)


def _sql_array(values: list[str]) -> str:
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"ARRAY[{quoted}]"


def _existing(db: Database, scale: Scale) -> Territory | None:
    with db.uow() as uow:
        territory = uow.session.scalar(select(Territory).where(Territory.name == NAME))
        if territory is None:
            return None
        merchants = uow.session.scalar(
            select(func.count(Merchant.id)).where(Merchant.territory_id == territory.id)
        )
        orders = uow.session.scalar(
            select(func.count(Order.id)).where(Order.territory_id == territory.id)
        )
        # Each run adds an import shop and some orders: reuse a territory of about that size.
        if (
            scale.merchants <= (merchants or 0) < 2 * scale.merchants + 10
            and (orders or 0) >= scale.orders
        ):
            return territory
    return None


def _empty(db: Database) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables}, product_search RESTART IDENTITY CASCADE"))


def open_day(territory: Territory) -> dt.date:
    """A day clear of the cut-off on which the generated merchants are open (Tue–Sat)."""
    day = earliest_date(territory, utcnow()) + dt.timedelta(days=1)
    while day.weekday() not in range(1, 6):
        day += dt.timedelta(days=1)
    return day


def _seed(db: Database, scale: Scale) -> tuple[int, int, int, list[int], int, int]:
    with db.uow() as uow:
        tid = make_territory(uow, name=NAME)
        categories = [
            create_category(uow=uow, territory_id=tid, name=name, position=n)
            for n, name in enumerate(CATEGORIES)
        ]
        merchant = make_merchant(uow, territory_id=tid, name="Boutique 1")
        first = make_product(
            uow, merchant_id=merchant, name="Pain de campagne", stock=10**6, category_id=None
        )
        second = make_product(
            uow, merchant_id=merchant, name="Tarte au sucre", price_cents=1200, stock=10**6
        )
        shoppers = [make_user(uow, territory_id=tid, role=Role.SHOPPER) for _ in range(50)]
        territory = uow.session.get_one(Territory, tid)
        day = open_day(territory)
        cart = get_or_create_cart(uow=uow, territory_id=tid, user_id=shoppers[0])
        add_item(uow=uow, cart_id=cart, product_id=first, quantity=2)
        add_item(uow=uow, cart_id=cart, product_id=second, quantity=1)
        order = checkout(
            uow=uow,
            cart_id=cart,
            customer=Customer("Jeanne Martin", "jeanne@example.fr", user_id=shoppers[0]),
            delivery=DeliveryChoice(DeliveryMethod.CLICK_COLLECT, day),
        )
    return tid, merchant, first, shoppers, order, len(categories)


def generate(db: Database, scale: Scale, say: Callable[[str], None] = print) -> None:
    """Empty the database and generate a territory of ``scale``."""
    _empty(db)
    started = time.perf_counter()
    tid, template_merchant, template_product, shoppers, template_order, _ = _seed(db, scale)
    per_merchant = max(1, scale.products // scale.merchants)
    with db.engine.begin() as conn:
        made = _clone(
            conn,
            "merchant",
            {
                "slug": "'boutique-' || g",
                "trade_name": "'Boutique ' || g",
                "legal_name": "'SARL Boutique ' || g",
                "address": "g || ' rue d''Hesdin'",
            },
            "merchant t, generate_series(2, :n) g WHERE t.id = :tmpl",
            {"n": scale.merchants, "tmpl": template_merchant},
        )
        _clone(
            conn,
            "opening_hours",
            {"merchant_id": "m.id"},
            "opening_hours t JOIN merchant m ON m.territory_id = :tid AND m.id <> :tmpl "
            "WHERE t.merchant_id = :tmpl",
            {"tid": tid, "tmpl": template_merchant},
        )
        say(f"  {made + 1} boutiques ({time.perf_counter() - started:.0f} s)")
        cats = list(
            conn.scalars(
                text("SELECT id FROM category WHERE territory_id = :tid ORDER BY id"), {"tid": tid}
            )
        )
        noun = f"(1 + (m.id * 7 + g) % {len(NOUNS)})"
        made = _clone(
            conn,
            "product",
            {
                "merchant_id": "m.id",
                "slug": "'p-' || g",
                "name": f"({_sql_array(NOUNS)})[{noun}] || ' ' || "
                f"({_sql_array(QUALIFIERS)})[1 + (m.id + g * 3) % {len(QUALIFIERS)}] "
                "|| ' n°' || g",
                "description": f"'Produit de la boutique ' || m.trade_name || ', "
                f"' || ({_sql_array(QUALIFIERS)})[1 + (m.id * 3 + g) % {len(QUALIFIERS)}]",
                "category_id": f"(ARRAY{cats}::int[])[1 + {noun} % {len(cats)}]",
                "price_cents": "100 + (m.id * 31 + g * 17) % 3000",
                "stock_quantity": "1000000",
            },
            "product t JOIN merchant m ON m.territory_id = :tid "
            "CROSS JOIN generate_series(1, :per) g WHERE t.id = :tmpl",
            {"tid": tid, "per": per_merchant, "tmpl": template_product},
        )
        conn.execute(
            text(
                "INSERT INTO product_search (product_id, territory_id, document, "
                "merchant_id, category_id, name, on_sale) "
                "SELECT p.id, m.territory_id, "
                "setweight(to_tsvector('cabas_french', p.name), 'A') || "
                "setweight(to_tsvector('cabas_french', "
                "concat_ws(' ', p.description, c.name, m.trade_name)), 'B'), "
                "p.merchant_id, p.category_id, p.name, "
                "p.active AND NOT p.archived AND m.status = 'active' "
                "FROM product p JOIN merchant m ON m.id = p.merchant_id "
                "LEFT JOIN category c ON c.id = p.category_id "
                "WHERE m.territory_id = :tid ON CONFLICT (product_id) DO NOTHING"
            ),
            {"tid": tid},
        )
        say(f"  {made + 2} produits indexés ({time.perf_counter() - started:.0f} s)")
        template_mo = conn.scalar(
            text("SELECT id FROM merchant_order WHERE order_id = :o"), {"o": template_order}
        )
        _clone(
            conn,
            "shop_order",
            {
                "reference": "'BEN-' || g",
                "idempotency_key": "NULL",
                "user_id": f"(ARRAY{shoppers}::int[])[1 + g % {len(shoppers)}]",
                "placed_at": "t.placed_at - make_interval(mins => g)",
                "delivery_date": "t.delivery_date - (g / 300 + 7)",
            },
            "shop_order t, generate_series(1, :n) g WHERE t.id = :tmpl",
            {"n": scale.orders, "tmpl": template_order},
        )
        conn.execute(
            text(_insert_merchant_orders(conn)),
            {"tid": tid, "m": scale.merchants, "tmpl": template_mo},
        )
        say(f"  {scale.orders} commandes ({time.perf_counter() - started:.0f} s)")
        for table in ("order_line", "merchant_order_vat"):
            _clone(
                conn,
                table,
                {
                    "merchant_order_id": "mo.id",
                    **(
                        {
                            "product_id": "(SELECT p.id FROM product p WHERE p.merchant_id = "
                            "mo.merchant_id AND p.slug = 'p-' || (1 + (mo.id + t.id) % :per))"
                        }
                        if table == "order_line"
                        else {}
                    ),
                },
                f"{table} t JOIN merchant_order mo ON mo.reference LIKE 'BEN-%' "
                "WHERE t.merchant_order_id = :tmpl",
                {"tmpl": template_mo, "per": per_merchant},
            )
        say(f"  lignes de commande ({time.perf_counter() - started:.0f} s)")
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    say(f"  terminé en {time.perf_counter() - started:.0f} s")


def _insert_merchant_orders(conn: Connection) -> str:
    columns = _columns(conn, "merchant_order")
    overrides = {
        "order_id": "os.id",
        "merchant_id": "ms.id",
        "reference": "os.reference || '-1'",
        "status": "'delivered'",
        "created_at": "os.placed_at",
        "updated_at": "os.placed_at",
    }
    chosen = ", ".join(overrides.get(c, f't."{c}"') for c in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    return (
        "WITH ms AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS rn FROM merchant "
        "WHERE territory_id = :tid), os AS (SELECT id, reference, placed_at FROM shop_order "
        "WHERE reference LIKE 'BEN-%') "
        f'INSERT INTO "merchant_order" ({names}) SELECT {chosen} '
        "FROM merchant_order t, os JOIN ms ON ms.rn = os.id % :m WHERE t.id = :tmpl"
    )


def prepare(
    url: str, scale: Scale, *, fresh: bool = False, say: Callable[[str], None] = print
) -> Bench:
    """The benchmark territory at ``url``: reused when it has the requested size."""
    ensure_database(url)
    db = connect(url, migrate=True)
    started = time.perf_counter()
    try:
        if fresh or _existing(db, scale) is None:
            say(f"Génération du territoire ({scale}) dans {make_url(url).database}…")
            generate(db, scale, say)
        return _describe(db, scale, time.perf_counter() - started)
    finally:
        db.dispose()


def _describe(db: Database, scale: Scale, seconds: float) -> Bench:
    with db.uow() as uow:
        session = uow.session
        territory = session.scalars(select(Territory).where(Territory.name == NAME)).one()
        shoppers = list(
            session.scalars(
                text(
                    "SELECT id FROM user_account WHERE territory_id = :tid AND role = 'shopper' "
                    "ORDER BY id"
                ),
                {"tid": territory.id},
            )
        )
        # Products spread over the whole catalogue, for product pages and basket adds.
        rows = session.execute(
            select(Product.id, Product.slug)
            .join(Merchant)
            .where(Merchant.territory_id == territory.id)
            .where(Product.id % 97 == 0)
            .limit(1000)
        ).all()
        counts = {
            name: int(session.scalar(text(f'SELECT count(*) FROM "{name}"')) or 0)
            for name in ("merchant", "product", "shop_order", "merchant_order", "order_line")
        }
        return Bench(
            territory_id=territory.id,
            shopper_ids=shoppers[: scale.shoppers],
            product_paths=[f"/produits/{pid}-{slug}" for pid, slug in rows],
            product_ids=[pid for pid, _ in rows],
            collect_date=open_day(territory),
            counts=counts,
            seconds=seconds,
        )
