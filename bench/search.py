"""Search benchmark: index throughput and query latency on a synthetic catalogue.

    DATABASE_URL=sqlite:////tmp/bench_search.sqlite3 .venv/bin/python bench/search.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_search .venv/bin/python bench/search.py

Use a database of its own: it migrates it, adds synthetic products up to
--products (generate_catalog), rebuilds the search index (the configured
backends: embedded, plus Elasticsearch when ELASTICSEARCH_URL is set), then
times --queries mixed searches in-process (words with and without accents,
typos, English, prefixes, filters and facets, empty browsing) and
suggestions. Targets (issue 3): p95 ≤ 25 ms on 10,000 products; a rebuild
of 10,000 products ≤ 30 s.
"""
import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

QUERIES = [
    "mat ong", "mật ong", "mat onng", "honey", "tra shan tuyet", "shan tuyêt", "tea", "rice", "gao", "coffee",
    "ca phe", "cà phê", "dried buffalo meat", "thit trau", "pineapple", "dua na sang", "pomelo", "buoi", "liquor",
    "ruou", "muong phang", "thanh yen", "sinh phinh", "na sang", "nua ngam", "htx tong hop", "glass noodles",
    "mien dong", "brocade scarf", "cham cheo", "muong ang", "tua chua", "coffe", "hoeny", "tra sh", "mat o", "ga",
    "'; DROP TABLE x; --", '" * NEAR -', "",
]
FILTERS = [
    {}, {}, {}, {"stars": [4]}, {"stars": [4, 5]}, {"price_lte": 200_000}, {"districts": ["102"]},
    {"price_gte": 100_000, "price_lte": 500_000, "stars": [3]},
]


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    import search
    from catalog.models import Product
    from catalog.synthetic import generate_catalog

    call_command("migrate", verbosity=0)
    have = Product.objects.count()
    if have < args.products:
        started = time.perf_counter()
        generate_catalog(args.products - have)
        print(f"generated {args.products - have} products in {time.perf_counter() - started:.1f}s")
    total = Product.objects.published().count()
    print(f"database: {connection.vendor}; published products: {total}")

    for backend in search.active_backends():
        Product.objects.update(search_dirty=False)
        report = backend.rebuild()
        print(f"rebuild [{backend.name}]: {report.indexed} products in {report.seconds:.1f}s "
              f"({report.indexed / report.seconds:.0f} products/s), {len(report.failures)} failures")

    if connection.vendor == "postgresql":
        # Fresh statistics after the bulk load, as autovacuum would have them: with stale ones the
        # planner reads every product to find a dirty one (the check before each search).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    started = time.perf_counter()
    search.search("warm up")  # loads the in-memory copy of the embedded index once per process
    print(f"first search (loads the index into memory): {(time.perf_counter() - started) * 1000:.0f} ms")

    embedded = search.embedded()
    for label, cold in (("cold: result cache emptied before each query", True), ("as served: repeats and next pages hit the result cache", False)):
        rng = random.Random(args.seed)
        timings, backend_names, totals = [], set(), []
        for _ in range(args.queries):
            query, filters = rng.choice(QUERIES), rng.choice(FILTERS)
            if cold:
                embedded.memory().cache.clear()
            started = time.perf_counter()
            result = search.search(query, filters=search.SearchFilters(**filters), limit=20)
            timings.append((time.perf_counter() - started) * 1000)
            backend_names.add(result.backend)
            totals.append(result.total)
        print(f"search [{', '.join(sorted(backend_names))}], {args.queries} mixed queries with facets ({label}): "
              f"p50 {percentile(timings, 50):.1f} ms, p95 {percentile(timings, 95):.1f} ms, "
              f"max {max(timings):.1f} ms (median hits {statistics.median(totals):.0f})")

    prefixes = ["m", "ma", "mat", "mat o", "tr", "tra s", "ca p", "hon", "te", "ru"]
    rng = random.Random(args.seed)
    timings = []
    for _ in range(args.queries):
        prefix = rng.choice(prefixes)
        started = time.perf_counter()
        search.suggest(prefix, 8)
        timings.append((time.perf_counter() - started) * 1000)
    print(f"suggest, {args.queries} prefixes: p50 {percentile(timings, 50):.1f} ms, p95 {percentile(timings, 95):.1f} ms")


if __name__ == "__main__":
    main()
