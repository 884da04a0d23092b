"""The GraphQL API's cold path, in-process: the answer cache off, the whole Django stack, no network.

    .venv/bin/python bench/graphql_cold.py                       # the bench database (make bench builds it)
    .venv/bin/python bench/graphql_cold.py --repeat 300 --json out.json
    .venv/bin/python bench/graphql_cold.py --profile list        # cProfile's top frames of one row

Every request a logged-in buyer, a staff client, a new search term or page cursor, or the first
request after a catalogue save sends takes this path; the per-process answer cache
(shop/graphql/public_cache.py) only helps anonymous repeats. Rows (issue 18's targets, p50):

- product list: 20 products with name, slug, a 256 px thumbnail, price range, group, and variants
  with id, name, sku and the quantity available per point (≤ 10 ms);
- search: a search of 10 results with facets, the 14 words of `make bench` in turn, the embedded
  search's result cache emptied before each (≤ 7 ms);
- product: a demo product by slug with its certificate, producer, variants, images (≤ 4 ms).

The process first warms up as a gunicorn worker does (storefront/warmup.py: the search index loaded,
then gc.freeze()). Each row: its first call, then --repeat calls with p50, p95 and p99 (and
p99/p50, the tail issue 18 asks ≤ 2), and the p50 of the process's own CPU time (the database's
time excluded; steadier on a busy machine). The database is BENCH_DATABASE_URL (default the
`make bench` one, ocop_bench on the local PostgreSQL), or --database; DEBUG off, as in production.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ocop_bench"

PRODUCT_LIST = (
    "query { products(first: 20) { edges { node { id name slug thumbnail(size: 256) { url width height } "
    "priceRange { min max } group variants { id name sku stock { salesPoint { id } quantityAvailable } } } } "
    "pageInfo { hasNextPage endCursor } } }"
)
SEARCH = (
    "query($q: String!) { search(query: $q, first: 10) { totalCount backend edges { node { id slug name "
    "ocop { stars } priceRange { min max } } } facets { field values { value label count } } } }"
)
SEARCH_WORDS = ["mat ong", "trà shan tuyết", "honey", "gao", "ca phe", "thit trau", "ruou", "brocade", "mien dong",
                "tea", "coffee", "dua", "htx tong hop", "pineapple"]
PRODUCT = (
    "query($slug: String!) { product(slug: $slug) { id name nameEn slug description group district "
    "producer { name district commune } ocop { stars certificateNumber validUntil status } "
    "priceRange { min max } images { url width height alt } "
    "variants { id name sku priceVnd stock { salesPoint { id name } quantityAvailable } } } }"
)


def setup(database_url: str) -> None:
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "shop.settings", "DATABASE_URL": database_url, "DEBUG": "0",
        "GRAPHQL_PUBLIC_CACHE_SECONDS": "0", "SECRET_KEY": "bench-graphql-cold-" + "x" * 40,
        "ALLOWED_HOSTS": "localhost", "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    })
    os.environ.pop("ELASTICSEARCH_URL", None)
    import django

    django.setup()


def requests() -> dict:
    """name -> a list of JSON bodies, sent in turn."""
    from catalog.models import Product

    slugs = list(Product.objects.published().exclude(slug__startswith="syn-").order_by("id")
                 .values_list("slug", flat=True)[:8])
    return {
        "product list": [json.dumps({"query": PRODUCT_LIST})],
        "search": [json.dumps({"query": SEARCH, "variables": {"q": q}}) for q in SEARCH_WORDS],
        "product": [json.dumps({"query": PRODUCT, "variables": {"slug": s}}) for s in slugs],
    }


def forget_search_results() -> None:
    """Empty the embedded search's per-process result cache (a repeat of one of the 14 words is not cold)."""
    from search.backends import embedded

    for memory in embedded._memory.values():
        memory.cache.clear()


def caller(bodies: list[str], before=None):
    from django.test import Client

    client = Client(HTTP_HOST="localhost", headers={"X-Forwarded-Proto": "https"}, secure=True)
    turn = iter(range(10**12))

    def call():
        if before is not None:
            before()
        body = bodies[next(turn) % len(bodies)]
        response = client.post("/graphql/", body, content_type="application/json")
        if response.status_code != 200 or b'"errors"' in response.content:
            raise SystemExit(f"GraphQL failed: {response.status_code} {response.content[:400]!r}")
        return len(response.content)
    return call


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile (also used by the other in-process benches)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def time_row(call, repeat: int) -> dict:
    started = time.perf_counter()
    size = call()
    first = (time.perf_counter() - started) * 1000
    for _ in range(min(20, repeat)):  # every body once more: each search word's first time is not the path
        call()
    times, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    p50 = statistics.median(times)
    return {"first_ms": round(first, 2), "p50_ms": round(p50, 3), "cpu_p50_ms": round(statistics.median(cpu), 3),
            "p95_ms": round(percentile(times, 95), 3),
            "p99_ms": round(percentile(times, 99), 3), "max_ms": round(max(times), 3),
            "p99_over_p50": round(percentile(times, 99) / p50, 2), "runs": repeat, "bytes": size}


def count_queries(call) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def profile(call, repeat: int, top: int, orders=("tottime",)) -> str:
    """cProfile's top frames of `repeat` calls (after 20 unprofiled), sorted each way in `orders`.
    Also used by bench/product_page.py."""
    for _ in range(20):
        call()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        call()
    profiler.disable()
    out = io.StringIO()
    for key in orders:
        if len(orders) > 1:
            out.write(f"--- sorted by {key} ---\n")
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(key).print_stats(top)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--repeat", type=int, default=200, help="timed calls per row")
    parser.add_argument("--only", default="", help="rows by the start of their names, comma-separated")
    parser.add_argument("--profile", metavar="ROW", help="print cProfile's top frames of this row instead")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    parser.add_argument("--cold-start", action="store_true", help="skip the worker's warm-up (storefront/warmup.py)")
    args = parser.parse_args()
    setup(args.database)
    from django.db import connection

    rows = requests()
    hooks = {"search": forget_search_results}
    if not args.cold_start:
        from storefront.warmup import warm_worker

        warm_worker()  # as each gunicorn worker does (deploy/gunicorn.conf.py)
    if args.profile:
        name = next(n for n in rows if n.startswith(args.profile))
        print(profile(caller(rows[name], hooks.get(name)), args.repeat, args.top))
        return
    only = [o.strip() for o in args.only.split(",") if o.strip()]
    results = {}
    print(f"{connection.vendor}, GraphQL answer cache off, in-process (ms); gc.freeze: "
          f"{'on' if gc.get_freeze_count() else 'off'}")
    print(f"{'':14s}{'first':>9s}{'p50':>8s}{'cpu p50':>9s}{'p95':>8s}{'p99':>8s}{'p99/p50':>9s}{'queries':>9s}"
          f"{'bytes':>8s}")
    for name, bodies in rows.items():
        if only and not name.startswith(tuple(only)):
            continue
        call = caller(bodies, hooks.get(name))
        row = time_row(call, args.repeat)
        row["queries"] = count_queries(call)
        results[name] = row
        print(f"{name:14s}{row['first_ms']:9.1f}{row['p50_ms']:8.2f}{row['cpu_p50_ms']:9.2f}{row['p95_ms']:8.2f}"
              f"{row['p99_ms']:8.2f}"
              f"{row['p99_over_p50']:9.2f}{row['queries']:9d}{row['bytes']:8d}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"database": connection.vendor, "rows": results}, indent=1) + "\n")


if __name__ == "__main__":
    main()
