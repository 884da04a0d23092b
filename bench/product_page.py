"""The storefront's product page, in-process: the whole Django stack, no network, no server.

    .venv/bin/python bench/product_page.py                           # PostgreSQL ocop_pagebench (built when empty)
    .venv/bin/python bench/product_page.py --database sqlite         # a SQLite file under var/bench/
    .venv/bin/python bench/product_page.py --repeat 400 --json out.json
    .venv/bin/python bench/product_page.py --profile                 # cProfile's top frames of the page

Rows: /healthz (a view that does nothing, through every middleware: the floor `make bench`
divides by) and the product page (/san-pham/<slug>/) of the 8 demo products in turn, as an
anonymous shopper on HTTPS with DEBUG off. Each row: the first call of the process, then
--repeat calls with p50, p95 and p99, the queries of one call and its bytes; the page's p50
also as a ratio of the floor's (the floor's p50 over the page's: the share of the floor's
throughput the page would reach on one core), the figure issue 18 asks ≥ 0.4.

The database: --database, default postgres://postgres@127.0.0.1:5432/ocop_pagebench, created
and filled (migrate, load_demo, generate_catalog --products, search index: bench/run.py's
build_catalogue) when it holds no catalogue; `sqlite` means var/bench/product_page.sqlite3,
built the same way.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from graphql_cold import percentile, profile  # noqa: E402 - the shared timing helpers

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ocop_pagebench"
WORK = ROOT / "var" / "bench"
SQLITE_FILE = WORK / "product_page.sqlite3"


def setup(database_url: str) -> None:
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "shop.settings", "DATABASE_URL": database_url, "DEBUG": "0",
        "GRAPHQL_PUBLIC_CACHE_SECONDS": "0", "SECRET_KEY": "bench-product-page-" + "x" * 40,
        "TRACE_SIGNING_KEYS": "bench-product-page-trace-key-" + "y" * 16,
        "ALLOWED_HOSTS": "localhost", "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "STATIC_ROOT": str(WORK / "pagebench-static"), "MEDIA_ROOT": str(WORK / "pagebench-media"),
    })
    os.environ.pop("ELASTICSEARCH_URL", None)
    import django

    django.setup()


def ensure_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg
    from dj_database_url import parse

    cfg = parse(url)
    name = cfg["NAME"]
    with psycopg.connect(host=cfg["HOST"] or "127.0.0.1", port=cfg["PORT"] or 5432, user=cfg["USER"] or "postgres",
                         password=cfg["PASSWORD"] or None, dbname="postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def build(products: int) -> None:
    from bench.run import build_catalogue

    print(f"database: migrated, with the demo shop and {products} synthetic products", flush=True)
    build_catalogue(products)
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)  # the manifest {% static %} reads, as in production


def paths() -> dict[str, list[str]]:
    from django.urls import reverse

    from catalog.models import Product

    slugs = list(Product.objects.published().exclude(slug__startswith="syn-").order_by("id")
                 .values_list("slug", flat=True)[:8])
    if not slugs:
        raise SystemExit("no demo product: the database holds no demo shop")
    return {
        "/healthz": ["/healthz"],
        "product page": [reverse("storefront:product", kwargs={"slug": s}) for s in slugs],
    }


def caller(urls: list[str]):
    from django.test import Client

    client = Client(HTTP_HOST="localhost", headers={"X-Forwarded-Proto": "https"}, secure=True)
    turn = iter(range(10**12))

    def call():
        url = urls[next(turn) % len(urls)]
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} failed: {response.status_code} {response.content[:400]!r}")
        return len(response.content)
    return call


def time_row(call, repeat: int, warm: int) -> dict:
    started = time.perf_counter()
    size = call()
    first = (time.perf_counter() - started) * 1000
    for _ in range(warm):
        call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    p50 = statistics.median(times)
    return {"first_ms": round(first, 2), "p50_ms": round(p50, 3), "p95_ms": round(percentile(times, 95), 3),
            "p99_ms": round(percentile(times, 99), 3), "max_ms": round(max(times), 3), "runs": repeat, "bytes": size}


def count_queries(call, n: int) -> list[int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for _ in range(n):
        with CaptureQueriesContext(connection) as captured:
            call()
        counts.append(len(captured.captured_queries))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get("PAGEBENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
                        help="a database URL, or `sqlite` for var/bench/product_page.sqlite3")
    parser.add_argument("--products", type=int, default=10000, help="synthetic products when building the database")
    parser.add_argument("--repeat", type=int, default=400, help="timed calls per row")
    parser.add_argument("--warm", type=int, default=40, help="untimed calls before timing")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top frames of the page instead")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = parser.parse_args()
    database = args.database
    if database == "sqlite":
        SQLITE_FILE.parent.mkdir(parents=True, exist_ok=True)
        database = f"sqlite:///{SQLITE_FILE}"
    ensure_database(database)
    setup(database)
    build(args.products)
    from django.db import connection

    rows = paths()
    if args.profile:
        print(profile(caller(rows["product page"]), args.repeat, args.top, orders=("tottime", "cumulative")))
        return
    results = {}
    print(f"{connection.vendor}, in-process (ms); gc.freeze: {'on' if gc.get_freeze_count() else 'off'}")
    print(f"{'':14s}{'first':>9s}{'p50':>8s}{'p95':>8s}{'p99':>8s}{'queries':>9s}{'bytes':>8s}")
    for name, urls in rows.items():
        call = caller(urls)
        row = time_row(call, args.repeat, args.warm)
        counts = count_queries(call, len(urls))
        row["queries"] = max(counts)
        results[name] = row
        print(f"{name:14s}{row['first_ms']:9.1f}{row['p50_ms']:8.2f}{row['p95_ms']:8.2f}{row['p99_ms']:8.2f}"
              f"{row['queries']:9d}{row['bytes']:8d}", flush=True)
    ratio = results["/healthz"]["p50_ms"] / results["product page"]["p50_ms"]
    results["ratio_to_floor"] = round(ratio, 3)
    print(f"product page / floor (floor p50 over page p50): {ratio:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"database": connection.vendor, "rows": results}, indent=1) + "\n")


if __name__ == "__main__":
    main()
