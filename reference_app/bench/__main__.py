"""``python -m reference_app.bench``: generate (or reuse) the large territory, load it, print.

Prints one table: p50/p95 client latency, server time and throughput of each page at
``--clients`` concurrent users, each as a ratio to a bare Flask endpoint served by the same
workers; then search time at full catalogue size, a 10,000-product CSV import and the
workers' memory, each against its target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import secrets
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from reference_app.bench import territory as gen
from reference_app.bench.load import Result, Server, Step, percentile, run
from shop_core.merchants.model import Merchant

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/cabas_bench"
SEARCHES = [
    "pain",
    "fromage affiné",
    "miel",
    "confitures",
    "tarte maison",
    "pommes bio",
    "saucisson fumé",
    "bière artisanale",
    "oeufs fermiers",
    "galette",
    "poulet fermier",
    "endives",
    "cidre de pays",
    "brioche au levain",
    "terrine",
    "lentilles",
]
TARGET_SEARCH_MS = 50
TARGET_IMPORT_S = 10
TARGET_RSS_MB = 150


def _tokens(url: str, secret_key: str, user_ids: list[int]) -> list[str]:
    from reference_app import create_app
    from reference_app import db as app_db
    from reference_app.api.auth import issue_token
    from shop_core.accounts.model import User

    app = create_app({"TESTING": True, "SECRET_KEY": secret_key, "DATABASE_URL": url})
    with app.app_context():
        session = app_db.uow().session
        users = session.scalars(select(User).where(User.id.in_(user_ids))).all()
        tokens = [issue_token(u) for u in users]
    app.extensions["cabas_db"].dispose()
    return tokens


def _empty_baskets(server: Server, tokens: list[str]) -> None:
    from reference_app.bench.load import request

    for token in tokens:
        request(server.port, "POST", "/api/v1/basket", {"items": []}, token)


def scenarios(bench: gen.Bench, clients: int) -> list[tuple[str, Any, tuple[str, str], bool]]:
    """(name, steps, logged request, needs a token) of each measured page."""
    products = bench.product_ids
    paths = bench.product_paths
    day = bench.collect_date.isoformat()

    def bare(_: int, rng: random.Random) -> list[Step]:
        return [("GET", "/_bare/", None, True)]

    def home(_: int, rng: random.Random) -> list[Step]:
        return [("GET", "/", None, True)]

    def search(_: int, rng: random.Random) -> list[Step]:
        words = urllib.parse.quote_plus(rng.choice(SEARCHES))
        return [("GET", f"/recherche?q={words}", None, True)]

    def product(_: int, rng: random.Random) -> list[Step]:
        return [("GET", rng.choice(paths), None, True)]

    def basket_add(n: int, rng: random.Random) -> list[Step]:
        # A handful of products per user, and an emptied basket now and then, so that the
        # basket stays the size of a real one.
        pool = products[n * 5 % len(products) :][:5] or products[:5]
        steps: list[Step] = [
            ("POST", "/api/v1/basket/items", {"product_id": rng.choice(pool)}, True)
            for _ in range(8)
        ]
        return [*steps, ("POST", "/api/v1/basket", {"items": []}, False)]

    def checkout(n: int, rng: random.Random) -> list[Step]:
        body = {"delivery": {"method": "click_collect", "date": day}}
        return [
            ("POST", "/api/v1/basket/items", {"product_id": rng.choice(products)}, False),
            ("POST", "/api/v1/checkout", body, True),
        ]

    return [
        # The dispatcher strips "/_bare" before gunicorn logs the path.
        ("bare Flask", bare, ("GET", "/"), False),
        ("accueil /", home, ("GET", "/"), False),
        ("recherche", search, ("GET", "/recherche*"), False),
        ("page produit", product, ("GET", "/produits/*"), False),
        ("ajout au panier", basket_add, ("POST", "/api/v1/basket/items"), True),
        ("commande", checkout, ("POST", "/api/v1/checkout"), True),
    ]


def search_times(url: str, territory_id: int, rounds: int = 10) -> list[float]:
    """Milliseconds per ``search_products`` call (count and first page), one client."""
    from shop_core.catalogue.search import search_products
    from shop_core.database import connect

    db = connect(url)
    times = []
    try:
        with db.uow() as uow:
            for query in SEARCHES:  # warm the caches
                search_products(uow.session, territory_id=territory_id, query=query)
            for _ in range(rounds):
                for query in SEARCHES:
                    began = time.perf_counter()
                    found = search_products(uow.session, territory_id=territory_id, query=query)
                    _ = [p.name for p in found.products]
                    times.append((time.perf_counter() - began) * 1000)
    finally:
        db.dispose()
    return times


def csv_import(url: str, territory_id: int, rows: int = 10_000) -> tuple[float, int]:
    """Seconds to parse, plan and import a ``rows``-line catalogue file for a new shop."""
    from shop_core.audit.services import Actor
    from shop_core.catalogue.bulk import import_catalogue, plan_import
    from shop_core.catalogue.csv_import import parse_catalogue
    from shop_core.database import connect
    from shop_core.testing.factories import make_merchant

    lines = ["nom;prix;tva;unite;stock;description;categorie;poids_estime_g;perissable"]
    for n in range(rows):
        noun = gen.NOUNS[n % len(gen.NOUNS)]
        qualifier = gen.QUALIFIERS[n % len(gen.QUALIFIERS)]
        category = gen.CATEGORIES[n % len(gen.CATEGORIES)]
        lines.append(
            f"{noun} {qualifier} {n};{1 + n % 30},{n % 100:02d};5,5;pièce;{n % 50};"
            f"Fait maison, lot {n};{category};;non"
        )
    data = "\n".join(lines) + "\n"
    db = connect(url)
    try:
        with db.uow() as uow:
            merchant = make_merchant(
                uow, territory_id=territory_id, name=f"Import {dt.datetime.now():%H%M%S}"
            )
        began = time.perf_counter()
        parsed = parse_catalogue(data)
        with db.uow() as uow:
            plan = plan_import(uow, merchant_id=merchant, rows=parsed.rows)
            report = import_catalogue(
                uow=uow, merchant_id=merchant, rows=plan.rows, actor=Actor.system()
            )
        seconds = time.perf_counter() - began
        with db.uow() as uow:  # keep the territory at its size for the next run
            uow.session.execute(delete(Merchant).where(Merchant.id == merchant))
            uow.commit()
    finally:
        db.dispose()
    assert not parsed.errors and not plan.errors, (parsed.errors[:3], plan.errors[:3])
    return seconds, len(report.created)


def _ratio(value: float, ceiling: float) -> str:
    return f"×{value / ceiling:.1f}" if ceiling and value == value else "-"


def print_table(results: list[Result], say: Any = print) -> None:
    bare = results[0]
    say(
        f"{'page':<17}{'p50 ms':>8}{'p95 ms':>8}{'serveur p50':>12}{'p95':>7}{'req/s':>8}"
        f"{'erreurs':>8}   {'p50/bare':>9}{'p95/bare':>9}{'débit/bare':>11}"
    )
    for r in results:
        say(
            f"{r.name:<17}{r.p(50):>8.1f}{r.p(95):>8.1f}{r.server_p(50):>12.1f}"
            f"{r.server_p(95):>7.1f}{r.throughput:>8.1f}{r.errors:>8}   "
            f"{_ratio(r.p(50), bare.p(50)):>9}{_ratio(r.p(95), bare.p(95)):>9}"
            f"{r.throughput / bare.throughput if bare.throughput else 0:>11.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m reference_app.bench", description=__doc__)
    parser.add_argument("--database-url", default=os.environ.get("CABAS_BENCH_DATABASE_URL"))
    parser.add_argument("--merchants", type=int, default=1_000)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per page")
    parser.add_argument("--fresh", action="store_true", help="regenerate the territory")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    url = args.database_url or DEFAULT_URL
    scale = gen.Scale(args.merchants, args.products, args.orders, shoppers=args.clients)

    bench = gen.prepare(url, scale, fresh=args.fresh)
    print(
        f"Territoire : {bench.counts['merchant']} boutiques, {bench.counts['product']} produits, "
        f"{bench.counts['shop_order']} commandes, {bench.counts['order_line']} lignes "
        f"(prêt en {bench.seconds:.0f} s)"
    )
    secret = secrets.token_urlsafe(32)
    tokens = _tokens(url, secret, bench.shopper_ids)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="cabas-bench-") as folder:
        server = Server(url, secret, args.workers, Path(folder))
        try:
            _empty_baskets(server, tokens)
            results = []
            for name, steps, logged, needs_token in scenarios(bench, args.clients):
                print(f"… {name} ({args.clients} clients, {args.duration:.0f} s)", flush=True)
                results.append(
                    run(
                        server,
                        name,
                        steps,
                        clients=args.clients,
                        duration=args.duration,
                        logged=logged,
                        tokens=tokens if needs_token else None,
                    )
                )
            memory = server.workers_memory()
            deaths = server.worker_deaths()
        finally:
            server.stop()
    load_after = os.getloadavg()
    searches = search_times(url, bench.territory_id)
    import_seconds, imported = csv_import(url, bench.territory_id)

    print()
    print(
        f"{args.workers} workers gunicorn (sync), {args.clients} clients, {args.duration:.0f} s "
        f"par page, {os.cpu_count()} cœurs ; charge moyenne (1/5/15 min) avant "
        f"{'/'.join(f'{x:.1f}' for x in load_before)}, après "
        f"{'/'.join(f'{x:.1f}' for x in load_after)}"
    )
    print_table(results)
    statuses = {r.name: r.statuses for r in results if r.errors}
    if statuses:
        print(f"réponses hors 2xx : {statuses}")
    if deaths:
        print(f"workers tués par un signal pendant la mesure : {len(deaths)} ({deaths[0]})")
    search = next(r for r in results if r.name == "recherche")
    rss = max((m[1] for m in memory), default=0) / 1024
    peak = max((m[2] for m in memory), default=0) / 1024
    checks = [
        (
            "recherche, temps serveur p95 (32 clients)",
            f"{search.server_p(95):.1f} ms",
            search.server_p(95) <= TARGET_SEARCH_MS,
            f"≤ {TARGET_SEARCH_MS} ms",
        ),
        (
            "recherche seule, search_products p95",
            f"{percentile(searches, 95):.1f} ms (p50 {percentile(searches, 50):.1f})",
            percentile(searches, 95) <= TARGET_SEARCH_MS,
            f"≤ {TARGET_SEARCH_MS} ms",
        ),
        (
            f"import CSV de {imported} produits",
            f"{import_seconds:.1f} s",
            import_seconds <= TARGET_IMPORT_S,
            f"≤ {TARGET_IMPORT_S} s",
        ),
        (
            "mémoire d'un worker (RSS max, pic)",
            f"{rss:.0f} Mo (pic {peak:.0f} Mo)",
            peak <= TARGET_RSS_MB,
            f"≤ {TARGET_RSS_MB} Mo",
        ),
    ]
    print()
    for label, value, ok, target in checks:
        print(f"{label:<44}{value:>28}  objectif {target:<9} {'OK' if ok else 'MANQUÉ'}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "counts": bench.counts,
                    "workers": args.workers,
                    "clients": args.clients,
                    "duration": args.duration,
                    "loadavg_before": load_before,
                    "loadavg_after": load_after,
                    "pages": [
                        {
                            "name": r.name,
                            "p50_ms": r.p(50),
                            "p95_ms": r.p(95),
                            "server_p50_ms": r.server_p(50),
                            "server_p95_ms": r.server_p(95),
                            "throughput": r.throughput,
                            "errors": r.errors,
                            "statuses": r.statuses,
                        }
                        for r in results
                    ],
                    "search_p50_ms": percentile(searches, 50),
                    "search_p95_ms": percentile(searches, 95),
                    "csv_import_s": import_seconds,
                    "worker_rss_mb": [m[1] / 1024 for m in memory],
                    "worker_deaths": deaths,
                    "worker_peak_mb": [m[2] / 1024 for m in memory],
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
