"""Trace page under load, serial minting and a 1,000-label PDF.

    .venv/bin/python bench/trace.py [--requests 1500] [--concurrency 8] [--workers 2]

1. Makes a fresh database (a temporary SQLite file, or BENCH_DATABASE_URL =
   postgres://…/ocop_bench_trace — dropped and created again, and its name
   must start with ocop_bench), migrates it and adds one certified product
   with a GTIN and a lot with its event story.
2. Mints 100,000 signed serials for the lot and reports the time.
3. Lays 1,000 serial labels out on A4 sheets (PDF) and reports the time.
4. Starts gunicorn on 127.0.0.1 (sync workers) with this module as the WSGI
   app: the shop's URLs plus /bench/minimal/, a Django view returning a
   constant. Client threads then fetch the minimal view and the trace page
   of random serials (each a real scan: signature check, lookups, verdict,
   scan insert; each request with its own client address, so every scan
   is a new row), and the throughput and p95 latency of both are printed,
   with the trace page as a ratio of the minimal view. The server is
   stopped at the end, whatever happens.
"""
import argparse
import http.client
import io
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# -- the WSGI app gunicorn runs (bench.trace:application) -------------------------------

def minimal(request):
    from django.http import HttpResponse

    return HttpResponse(b"ok", content_type="text/plain")


def _urlpatterns():
    from django.urls import path

    from shop.urls import urlpatterns as shop_urls

    return [path("bench/minimal/", minimal), *shop_urls]


def __getattr__(name):  # `urlpatterns` is built lazily, only when this module is the URLconf
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


def application(environ, start_response):
    global _django_app
    if _django_app is None:
        from django.conf import settings
        from django.core.wsgi import get_wsgi_application

        _django_app = get_wsgi_application()
        settings.ROOT_URLCONF = "bench.trace"
    return _django_app(environ, start_response)


_django_app = None


# -- the bench ---------------------------------------------------------------------------

def fresh_database() -> str:
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if not url:
        return f"sqlite:///{tempfile.mkdtemp(prefix='ocop-bench-trace-')}/db.sqlite3"
    import psycopg
    from dj_database_url import parse

    cfg = parse(url)
    if not cfg["NAME"].startswith("ocop_bench"):
        raise SystemExit(f"refusing to drop {cfg['NAME']!r}: the bench database's name must start with ocop_bench")
    with psycopg.connect(host=cfg["HOST"] or "127.0.0.1", port=cfg["PORT"] or 5432, user=cfg["USER"] or "postgres",
                         dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{cfg["NAME"]}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')
    return url


def make_lot():
    import datetime

    from catalog import certification
    from catalog.gtin import make_gtin
    from catalog.models import Producer, Product, ProductGroup, ProductVariant
    from inventory import ledger
    from shop.models import District, SalesPoint
    from traceability import services

    district = District.objects.create(code="102", name="Huyện Mường Ảng", name_en="Muong Ang District",
                                       latitude=21.52, longitude=103.22)
    point = SalesPoint.objects.create(code="muong-ang", name="Điểm bán OCOP Mường Ảng", kind="DISTRICT",
                                      district=district, address="Chợ trung tâm Mường Ảng", latitude=21.52,
                                      longitude=103.22, opening_hours="7:00–18:00")
    group = ProductGroup.objects.create(code="food", name="Thực phẩm", level=1)
    producer = Producer.objects.create(name="HTX Cà phê Mường Ảng", slug="htx-ca-phe", kind="COOPERATIVE",
                                       district=district)
    product = Product.objects.create(slug="ca-phe-muong-ang", name="Cà phê Arabica Mường Ảng",
                                     name_en="Mường Ảng Arabica coffee", group=group, producer=producer,
                                     district=district, shelf_life_days=365)
    variant = ProductVariant.objects.create(product=product, sku="CF-500", name="Túi 500 g", price_vnd=180_000,
                                            gtin=make_gtin("952000100001"))
    ledger.stock_up(variant, point, 50)
    certification.certify(product=product, stars=4, decision_number="1/QĐ-UBND",
                          decision_date=certification.today() - datetime.timedelta(days=200), issuing_body="UBND tỉnh")
    made = certification.today() - datetime.timedelta(days=30)
    batch = services.create_batch(variant=variant, lot_code="CF2605-01", production_date=made,
                                  expiry_date=made + datetime.timedelta(days=365), quantity=100_000)
    ict = datetime.timezone(datetime.timedelta(hours=7))
    for step, day in (("harvesting", -6), ("commissioning", 0), ("inspecting", 1), ("packing", 2), ("shipping", 4),
                      ("receiving", 5), ("stocking", 5)):
        services.add_event(batch=batch, biz_step=step, description=f"Bước {step}", description_en=step,
                           event_time=datetime.datetime.combine(made + datetime.timedelta(days=day),
                                                                datetime.time(9), tzinfo=ict),
                           sales_point=point if step in ("receiving", "stocking") else None)
    return batch


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/bench/minimal/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer in time")


def load(port: int, paths: list[str], concurrency: int, total: int, time_limit: float = 120.0) -> dict:
    """`total` GETs by `concurrency` threads (bounded in count and time)."""
    latencies, failures, lock = [], [0], threading.Lock()
    counter = iter(range(total))
    stop_at = time.monotonic() + time_limit

    def worker():
        rng = random.Random()
        while time.monotonic() < stop_at:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            start = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", rng.choice(paths), headers={"X-Forwarded-For": f"10.{n % 250}.{n // 250 % 250}.7"})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
                conn.close()
            except OSError:
                ok = False
            elapsed = time.perf_counter() - start
            with lock:
                (latencies.append(elapsed) if ok else None)
                failures[0] += 0 if ok else 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else float("nan")
    return {"rps": len(latencies) / wall, "p95_ms": p95 * 1000, "median_ms": statistics.median(latencies) * 1000
            if latencies else float("nan"), "ok": len(latencies), "failed": failures[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1500, help="requests per target")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--serials", type=int, default=100_000)
    parser.add_argument("--labels", type=int, default=1_000)
    args = parser.parse_args()

    url = fresh_database()
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "shop.settings", "LOG_LEVEL": "WARNING",
           "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50), "TRACE_SIGNING_KEYS": secrets.token_urlsafe(32),
           "SECURE_SSL_REDIRECT": "0",
           "TRUST_X_FORWARDED_FOR": "1", "SITE_URL": "http://127.0.0.1:8000",
           "STATIC_ROOT": tempfile.mkdtemp(prefix="ocop-bench-static-")}  # DEBUG=0: WhiteNoise's manifest
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    batch = make_lot()
    from traceability import codes, labels, services

    began = time.perf_counter()
    serials = services.mint_serials(batch=batch, count=args.serials)
    mint_s = time.perf_counter() - began
    print(f"mint {args.serials:,} serials: {mint_s:.2f} s ({args.serials / mint_s:,.0f}/s)")

    began = time.perf_counter()
    buffer = io.BytesIO()
    pages = labels.render(labels.labels_for_batch(batch, serials[: args.labels]), buffer)
    pdf_s = time.perf_counter() - began
    print(f"{args.labels:,}-label PDF: {pdf_s:.2f} s, {pages} A4 pages, {len(buffer.getvalue()) / 1e6:.1f} MB")

    from django.db import connections

    connections.close_all()
    port = free_port()
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "bench.trace:application", "-w", str(args.workers),
         "-b", f"127.0.0.1:{port}", "--chdir", str(ROOT), "--log-level", "warning", "--timeout", "60"],
        env=env, start_new_session=True,
    )
    try:
        wait_up(port, time.monotonic() + 30)
        sample = random.Random(1).sample(serials, 5000)
        trace_paths = [codes.link_for_serial(batch, s).replace("http://127.0.0.1:8000", "") for s in sample]
        load(port, ["/bench/minimal/"], args.concurrency, 100)  # warm up both workers
        load(port, trace_paths[:50], args.concurrency, 50)
        base = load(port, ["/bench/minimal/"], args.concurrency, args.requests)
        trace = load(port, trace_paths, args.concurrency, args.requests)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    backend = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(f"gunicorn {args.workers} sync workers, {args.concurrency} client threads, {backend}, "
          f"{args.requests} requests each")
    for name, r in (("minimal Django view", base), ("trace page (serial scan)", trace)):
        print(f"  {name:26s} {r['rps']:7.1f} req/s  p95 {r['p95_ms']:6.1f} ms  median {r['median_ms']:6.1f} ms  "
              f"ok {r['ok']} failed {r['failed']}")
    print(f"  trace page / minimal view: throughput {trace['rps'] / base['rps']:.2f}×, "
          f"p95 {trace['p95_ms'] / base['p95_ms']:.1f}×")


if __name__ == "__main__":
    main()
