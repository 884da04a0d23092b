"""The embedded default (SQLite) against PostgreSQL at 10,000 products (issue 18, item 2).

    .venv/bin/python bench/sqlite_scale.py                  # both databases, then the ratios
    .venv/bin/python bench/sqlite_scale.py --rebuild        # drop both and build them again
    .venv/bin/python bench/sqlite_scale.py --only sqlite    # one side (prints its timings)

Builds (once) a throwaway SQLite file `var/bench/sqlite_scale.sqlite3` and a PostgreSQL database
`ocop_scale` (`SCALE_DATABASE_URL` overrides it; the name must start with `ocop_scale`): migrate,
`generate_catalog` up to --products (10,000), `search_index --rebuild`. PostgreSQL is analysed
as autovacuum would; SQLite is not (Django never runs ANALYZE, and `make run` does not either),
so its plans are the ones a fresh `make run` database gets.

Each side runs in a process of its own with the GraphQL answer cache off
(`GRAPHQL_PUBLIC_CACHE_SECONDS=0`) and times, in-process (the whole Django stack, no network):

- `product list`: the issue's GraphQL query, 20 products with name, slug, thumbnail, price range,
  group, variants with id, name, sku and the available quantity per point;
- `product list + count`: the same with totalCount (every certified product is counted);
- `catalogue`: the catalogue page's listing and facets (storefront.selectors.catalogue), and
  `catalogue 4★ at a point`, the same with a stars and a sales-point filter;
- `catalogue page`: the whole `/san-pham/` page (template included);
- `search`: a GraphQL search with facets (embedded backend).

`first` is the first call in the process (cold: nothing cached), `p50` the median of the next
--repeat calls (stopped early after --budget seconds).
"""
import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SQLITE_URL = f"sqlite:///{ROOT / 'var' / 'bench' / 'sqlite_scale.sqlite3'}"
POSTGRES_URL = os.environ.get("SCALE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ocop_scale")

PRODUCT_LIST = (
    "query { products(first: 20) { edges { node { id name slug thumbnail(size: 256) { url width height } "
    "priceRange { min max } group variants { id name sku stock { salesPoint { id } quantityAvailable } } } } "
    "pageInfo { hasNextPage endCursor } } }"
)
PRODUCT_LIST_COUNT = PRODUCT_LIST.replace("products(first: 20) {", "products(first: 20) { totalCount")
SEARCH = (
    'query { search(query: "mat ong", first: 10) { totalCount backend edges { node { id slug name '
    "ocop { stars } priceRange { min max } } } facets { field values { value label count } } } }"
)


# -- the parent: one child process per database ------------------------------------------------

def run_child(name: str, url: str, args) -> dict:
    env = dict(os.environ, DATABASE_URL=url, GRAPHQL_PUBLIC_CACHE_SECONDS="0", DJANGO_SETTINGS_MODULE="shop.settings",
               EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
    command = [sys.executable, __file__, "--child", name, "--products", str(args.products), "--repeat",
               str(args.repeat), "--budget", str(args.budget)]
    if args.rebuild:
        command.append("--rebuild")
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    sys.stderr.write("".join(line for line in done.stderr.splitlines(keepends=True) if line.startswith(f"[{name}]")))
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"{name} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per row at most (SQLite before the fix)")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    if not POSTGRES_URL.rsplit("/", 1)[-1].startswith("ocop_scale"):
        raise SystemExit("SCALE_DATABASE_URL must name a database starting with ocop_scale")
    sides = {"sqlite": SQLITE_URL, "postgres": POSTGRES_URL}
    results = {name: run_child(name, url, args) for name, url in sides.items() if args.only in (None, name)}
    rows = next(iter(results.values()))["rows"]
    print(f"{args.products:,} products, in-process, GraphQL answer cache off (ms)")
    header = f"{'':28s}" + "".join(f"{n + ' first':>15s}{n + ' p50':>13s}" for n in results)
    print(header + (f"{'ratio p50':>11s}{'ratio first':>13s}" if len(results) == 2 else ""))
    for row in rows:
        line = f"{row:28s}"
        for name in results:
            r = results[name]["rows"][row]
            line += f"{_ms(r['first'], r):>15s}{_ms(r['p50'], r):>13s}"
        if len(results) == 2:
            s, p = results["sqlite"]["rows"][row], results["postgres"]["rows"][row]
            line += f"{_ratio(s['p50'], p['p50']):>11s}{_ratio(s['first'], p['first']):>13s}"
        print(line)
    Path(ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    (ROOT / "var" / "bench" / "sqlite_scale.json").write_text(json.dumps(results, indent=1))
    for name, r in results.items():
        print(f"{name}: {r['products']} products, {r['certificates']} certificates, {r['version']}")


def _ms(value, row) -> str:
    return f"{value:.1f}" if value is not None else f"> {row['over']:.0f}"


def _ratio(a, b) -> str:
    return f"{a / b:.2f}" if a is not None and b else "-"


# -- the child: build when needed, then time ----------------------------------------------------

def child(args):
    import django

    if args.child == "sqlite":
        path = Path(SQLITE_URL.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        if args.rebuild:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    elif args.rebuild:
        _drop_postgres()
    else:
        _create_postgres()
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from catalog.models import Certification, Product

    log = sys.stderr
    call_command("migrate", verbosity=0)
    have = Product.objects.count()
    if have < args.products:
        from catalog.synthetic import generate_catalog

        started = time.perf_counter()
        generate_catalog(args.products - have)
        call_command("search_index", "--rebuild", verbosity=0)
        log.write(f"[{args.child}] built {args.products - have} products in {time.perf_counter() - started:.0f}s\n")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    with connection.cursor() as cursor:
        cursor.execute("select sqlite_version()" if connection.vendor == "sqlite" else "show server_version")
        version = f"{connection.vendor} {cursor.fetchone()[0]}"
    rows = _time_rows(args, log)
    print(json.dumps({
        "rows": rows, "products": Product.objects.count(), "certificates": Certification.objects.count(),
        "version": version,
    }))


def _create_postgres():
    import psycopg

    base, name = POSTGRES_URL.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("select 1 from pg_database where datname = %s", [name]).fetchone():
            conn.execute(f'create database "{name}"')


def _drop_postgres():
    import psycopg

    base, name = POSTGRES_URL.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}"')
        conn.execute(f'create database "{name}"')


@contextlib.contextmanager
def _cut_off_after(seconds: float):
    """Interrupt the SQLite statement still running after `seconds` (it raises OperationalError)."""
    from django.db import connection

    timer = None
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        timer = threading.Timer(seconds, connection.connection.interrupt)
        timer.start()
    try:
        yield
    finally:
        if timer is not None:
            timer.cancel()


def _time_rows(args, log) -> dict:
    import logging

    from django.db import OperationalError
    from django.test import Client
    from django.test.client import RequestFactory

    from storefront import selectors

    logging.disable(logging.WARNING)
    client = Client(HTTP_HOST="localhost")

    def graphql(query):
        def call():
            response = client.post("/graphql/", json.dumps({"query": query}), content_type="application/json")
            body = response.json()
            if response.status_code == 503:  # the statement was interrupted (_cut_off_after)
                raise OperationalError("interrupted")
            if response.status_code != 200 or body.get("errors"):
                raise SystemExit(f"GraphQL failed: {response.status_code} {str(body)[:500]}")
        return call

    factory = RequestFactory()

    def listing(query_string):
        def call():
            params = factory.get(f"/san-pham/?{query_string}").GET
            ref = selectors.Reference.load()
            filters = selectors.parse_filters(params, ref)
            selectors.catalogue(filters, ref)
        return call

    def page():
        response = client.get("/san-pham/")
        if response.status_code == 503:
            raise OperationalError("interrupted")
        if response.status_code != 200:
            raise SystemExit(f"catalogue page: {response.status_code}")

    from shop.models import SalesPoint

    point = SalesPoint.objects.order_by("priority", "code").values_list("code", flat=True).first()
    targets = {
        "product list": graphql(PRODUCT_LIST),
        "product list + count": graphql(PRODUCT_LIST_COUNT),
        "catalogue (listing+facets)": listing(""),
        "catalogue 4★ at a point": listing(f"stars=4&point={point}"),
        "catalogue page": page,
        "search (GraphQL, facets)": graphql(SEARCH),
    }
    rows = {}
    for name, call in targets.items():
        started = time.perf_counter()
        try:
            with _cut_off_after(args.budget):
                call()
        except OperationalError:  # interrupted: slower than the budget
            rows[name] = {"first": None, "p50": None, "runs": 0, "over": args.budget * 1000}
            log.write(f"[{args.child}] {name}: over {args.budget:.0f} s, interrupted\n")
            continue
        first = (time.perf_counter() - started) * 1000
        times, spent = [], first / 1000
        for _ in range(args.repeat):
            if spent > args.budget:
                break
            started = time.perf_counter()
            call()
            took = time.perf_counter() - started
            times.append(took * 1000)
            spent += took
        rows[name] = {"first": first, "p50": statistics.median(times or [first]), "runs": len(times)}
        log.write(f"[{args.child}] {name}: first {first:.1f} ms, p50 {rows[name]['p50']:.1f} ms ({len(times)} runs)\n")
    return rows


if __name__ == "__main__":
    main()
