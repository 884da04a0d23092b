"""The checkout flow's three mutations, in-process: the whole Django stack, no network.

    .venv/bin/python bench/checkout_cold.py                        # ocop_checkoutbench, built when missing
    .venv/bin/python bench/checkout_cold.py --flows 300 --json out.json
    .venv/bin/python bench/checkout_cold.py --profile complete     # cProfile's top frames of one mutation

The flow of `make bench`'s "checkout" mode (bench/wrk/shop.lua, the same GraphQL text): checkoutCreate
(one line, a new e-mail and phone each flow) -> checkoutDeliveryMethodUpdate (pickup at a sales point) ->
checkoutComplete(paymentMethod: PAY_AT_PICKUP). Per mutation and per flow: p50 and p95 (ms), the p50 of this
process's CPU time (the web worker's share, steadier than wall time on a shared machine), then, for
one more flow, the SQL queries each mutation sends and the row locks it asks for (`FOR UPDATE` in the
captured SQL). The variant and the point are the ones bench/run.py's targets() picks, its stock topped up
through inventory.ledger.

The database is --database (default BENCH_CHECKOUT_DATABASE_URL, else
postgres://postgres@127.0.0.1:5432/ocop_checkoutbench): created when missing, migrated, with the demo
shop and `generate_catalog --products` synthetic products (bench/run.py build_catalogue; a database
that already holds them is only migrated). DEBUG off and the GraphQL answer cache off, as in production.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from graphql_cold import percentile  # noqa: E402 - the shared timing helper

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ocop_checkoutbench"

# bench/wrk/shop.lua's CREATE, DELIVERY and COMPLETE, as Python format strings.
CREATE = ('{"query": "mutation($input: CheckoutCreateInput!) { checkoutCreate(input: $input) '
          '{ checkout { token } errors { field code message } } }", "variables": {"input": {"lines": '
          '[{"variantId": "%s", "quantity": 1}], "email": "bench%d.%d@example.com", "phone": "09%08d"}}}')
DELIVERY = ('{"query": "mutation($token: UUID!, $point: ID) { checkoutDeliveryMethodUpdate(token: $token, '
            'pickupPointId: $point) { checkout { deliveryMethod } errors { field code message } } }", '
            '"variables": {"token": "%s", "point": "%s"}}')
COMPLETE = ('{"query": "mutation($token: UUID!) { checkoutComplete(token: $token, paymentMethod: PAY_AT_PICKUP) '
            '{ order { number } errors { field code message } } }", "variables": {"token": "%s"}}')
STEPS = ("create", "delivery", "complete")


def setup(database_url: str) -> None:
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "shop.settings", "DATABASE_URL": database_url, "DEBUG": "0",
        "GRAPHQL_PUBLIC_CACHE_SECONDS": "0", "SECRET_KEY": "bench-checkout-cold-" + "x" * 40,
        "ALLOWED_HOSTS": "localhost", "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend", "TRUST_X_FORWARDED_FOR": "1",
        # No broker: the e-mail and SMS tasks run inline after the commit (shop.tasks), into nowhere.
        "SMS_BACKEND": "orders.sms.MemoryBackend",
    })
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("ELASTICSEARCH_URL", None)
    import django

    django.setup()


def ensure_database(url: str, products: int) -> None:
    import psycopg
    from dj_database_url import parse

    cfg = parse(url)
    name = cfg["NAME"]
    if not url.startswith("postgres") or name == "ocop_bench":
        raise SystemExit(f"the checkout bench needs a PostgreSQL database of its own, not {url!r}")
    with psycopg.connect(host=cfg["HOST"] or "127.0.0.1", port=cfg["PORT"] or 5432, user=cfg["USER"] or "postgres",
                         password=cfg["PASSWORD"] or None, dbname="postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    setup(url)
    import run

    run.build_catalogue(products)


class Flow:
    """One client that runs the three mutations, a new customer each flow (as shop.lua does)."""

    def __init__(self, variant: str, point: str):
        from django.test import Client

        self.client = Client(HTTP_HOST="localhost", headers={"X-Forwarded-Proto": "https"}, secure=True)
        self.variant, self.point, self.n, self.token = variant, point, 0, None
        self.client_no = random.randrange(1 << 24)
        self.run = int(time.time() * 1000) % 10**9

    def post(self, body: str) -> dict:
        # A new client address each request, as wrk's X-Forwarded-For (orders/unpaid.py counts per address).
        self.client_no += 1
        ip = f"10.{self.client_no >> 16 & 255}.{self.client_no >> 8 & 255}.{self.client_no & 255 or 1}"
        response = self.client.post("/graphql/", body, content_type="application/json", headers={"X-Forwarded-For": ip})
        data = json.loads(response.content)
        if response.status_code != 200 or data.get("errors") or any(
            (v or {}).get("errors") for v in (data.get("data") or {}).values()
        ):
            raise SystemExit(f"GraphQL failed: {response.status_code} {response.content[:600]!r}")
        return data["data"]

    def create(self):
        self.n += 1
        # A new customer each flow and each run (one contact's open unpaid orders are limited).
        data = self.post(CREATE % (self.variant, self.run, self.n, random.randrange(10**8)))
        self.token = data["checkoutCreate"]["checkout"]["token"]

    def delivery(self):
        self.post(DELIVERY % (self.token, self.point))

    def complete(self):
        data = self.post(COMPLETE % self.token)
        assert data["checkoutComplete"]["order"]["number"]


def timed(flow: Flow, flows: int) -> dict:
    """Wall time, and this process's CPU time (what a shared machine's other load disturbs least;
    PostgreSQL's own work is not in it)."""
    times = {name: [] for name in (*STEPS, "flow")}
    cpu = {name: [] for name in (*STEPS, "flow")}
    for _ in range(flows):
        total = total_cpu = 0.0
        for name in STEPS:
            started, started_cpu = time.perf_counter(), time.process_time()
            getattr(flow, name)()
            spent, spent_cpu = (time.perf_counter() - started) * 1000, (time.process_time() - started_cpu) * 1000
            times[name].append(spent)
            cpu[name].append(spent_cpu)
            total += spent
            total_cpu += spent_cpu
        times["flow"].append(total)
        cpu["flow"].append(total_cpu)
    return {name: {"p50_ms": round(statistics.median(v), 3), "p95_ms": round(percentile(v, 95), 3),
                   "cpu_p50_ms": round(statistics.median(cpu[name]), 3)}
            for name, v in times.items()}


def counted(flow: Flow) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    result = {}
    for name in STEPS:
        with CaptureQueriesContext(connection) as captured:
            getattr(flow, name)()
        sql = [q["sql"] for q in captured.captured_queries]
        result[name] = {"queries": len(sql), "for_update": sum(s.upper().count("FOR UPDATE") for s in sql),
                        "sql": sql}
    return result


def profile(flow: Flow, step: str, flows: int, top: int) -> str:
    profiler = cProfile.Profile()
    for _ in range(flows):
        for name in STEPS:
            if name == step:
                profiler.enable()
            getattr(flow, name)()
            if name == step:
                profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get("BENCH_CHECKOUT_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--products", type=int, default=10_000, help="synthetic products (generate_catalog)")
    parser.add_argument("--flows", type=int, default=200, help="timed flows")
    parser.add_argument("--warmup", type=int, default=20, help="flows before timing")
    parser.add_argument("--profile", metavar="STEP", choices=STEPS + ("flow",),
                        help="print cProfile's top frames of this mutation (or the whole flow) instead")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sql", action="store_true", help="also print each mutation's captured SQL")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args()
    ensure_database(args.database, args.products)
    import run
    from django.db import connection

    t = run.targets()
    flow = Flow(t["variant"], t["point"])
    for _ in range(args.warmup):
        flow.create(), flow.delivery(), flow.complete()
    if args.profile:
        if args.profile == "flow":
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.flows):
                flow.create(), flow.delivery(), flow.complete()
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(args.top)
            print(out.getvalue())
        else:
            print(profile(flow, args.profile, args.flows, args.top))
        return
    times = timed(flow, args.flows)
    counts = counted(flow)
    print(f"{connection.vendor}, DEBUG off, GraphQL answer cache off, in-process; {args.flows} flows (ms)")
    print(f"{'':10s}{'p50':>9s}{'p95':>9s}{'cpu p50':>9s}{'queries':>9s}{'FOR UPDATE':>12s}")
    for name in (*STEPS, "flow"):
        row = times[name]
        c = counts.get(name) or {"queries": sum(counts[s]["queries"] for s in STEPS),
                                 "for_update": sum(counts[s]["for_update"] for s in STEPS)}
        print(f"{name:10s}{row['p50_ms']:9.2f}{row['p95_ms']:9.2f}{row['cpu_p50_ms']:9.2f}{c['queries']:9d}"
              f"{c['for_update']:12d}")
    if args.sql:
        for name in STEPS:
            print(f"\n-- {name}")
            for s in counts[name]["sql"]:
                print("  ", s[:400])
    if args.json:
        Path(args.json).write_text(json.dumps({
            "database": connection.vendor, "flows": args.flows, "times": times,
            "counts": {n: {k: v for k, v in c.items() if k != "sql"} for n, c in counts.items()},
        }, indent=1) + "\n")


if __name__ == "__main__":
    main()
