"""Checkout throughput and oversell check on PostgreSQL.

    .venv/bin/python bench/checkout.py [--buyers 20] [--orders-per-buyer 40] [--units 100]

Makes a fresh database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/ocop_bench_orders — dropped and created
again, never the shop's own), migrates it, stocks a few products at three
sales points, then lets N buyer threads (each with its own connection) run
the whole checkout — create, delivery address, complete — as fast as they
can, with more demand than stock so the end of the run fights over the last
units. Prints completed orders per second and the oversell count, which must
be 0: units allocated beyond a stock row's on-hand, or allocated units that
no order line accounts for.
"""
import argparse
import os
import random
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ocop_bench_orders"


def fresh_database(url: str) -> None:
    import psycopg
    from dj_database_url import parse

    cfg = parse(url)
    name = cfg["NAME"]
    if not name.startswith("ocop_bench"):
        raise SystemExit(f"refusing to drop {name!r}: the bench database's name must start with ocop_bench")
    with psycopg.connect(host=cfg["HOST"] or "127.0.0.1", port=cfg["PORT"] or 5432, user=cfg["USER"] or "postgres",
                         password=cfg["PASSWORD"] or None, dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=20)
    parser.add_argument("--orders-per-buyer", type=int, default=40)
    parser.add_argument("--units", type=int, default=100, help="units per variant and point")
    parser.add_argument("--variants", type=int, default=4)
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        raise SystemExit("the checkout bench needs PostgreSQL (BENCH_DATABASE_URL=postgres://…)")
    fresh_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("migrate", verbosity=0)

    from catalog import certification
    from catalog.models import Producer, Product, ProductGroup, ProductVariant
    from inventory import ledger
    from inventory.models import Stock
    from orders import checkout as checkout_service
    from orders.models import FulfillmentLine, Order
    from shop.errors import ShopError
    from shop.models import Commune, District, SalesPoint

    district = District.objects.create(code="099", name="Huyện Tuần Giáo", latitude=21.588, longitude=103.417)
    commune = Commune.objects.create(slug="xa-bench", name="Bench", era=2022, district=district)
    points = []
    for i, (code, kind) in enumerate([("tinh", "PROVINCIAL"), ("tuan-giao", "DISTRICT"), ("muong-ang", "DISTRICT")]):
        p = SalesPoint.objects.create(code=code, name=code, kind=kind, district=district, address="-",
                                      latitude=21.5 + i / 10, longitude=103.2, priority=10 + i)
        p.delivers_to.add(district)
        points.append(p)
    group = ProductGroup.objects.create(code="g", name="Thực phẩm", level=1)
    producer = Producer.objects.create(name="HTX", slug="htx", kind="COOPERATIVE", district=district)
    variants = []
    for i in range(args.variants):
        product = Product.objects.create(slug=f"p{i}", name=f"Sản phẩm {i}", group=group, producer=producer)
        certification.certify(product=product, stars=4, decision_number=f"{i}/QĐ", issuing_body="UBND tỉnh",
                              decision_date=certification.today().replace(day=1))
        variant = ProductVariant.objects.create(product=product, sku=f"SKU{i}", name="Hũ", price_vnd=100_000 + i * 5_000)
        variants.append(variant)
        for p in points:
            ledger.stock_up(variant, p, args.units)
    initial = {(s.variant_id, s.sales_point_id): s.quantity_on_hand for s in Stock.objects.all()}
    supply = sum(initial.values())

    results = {"ok": 0, "out_of_stock": 0, "other": 0}
    lock = threading.Lock()
    barrier = threading.Barrier(args.buyers)

    def buyer(n: int) -> None:
        rng = random.Random(n)
        try:
            barrier.wait()
            for k in range(args.orders_per_buyer):
                picked = rng.sample(variants, k=rng.randint(1, 2))
                lines = [(v.pk, rng.randint(1, 3)) for v in picked]
                try:
                    # A new customer each order: one customer's open unpaid orders are limited.
                    c = checkout_service.create_checkout(lines=lines, phone=f"09{n:02d}{k:06d}")
                    checkout_service.set_delivery(token=c.token, address={
                        "full_name": f"Khách {n}", "street_address": "Bản Bench", "commune_id": commune.pk})
                    checkout_service.complete_checkout(token=c.token, payment_method="CASH_ON_DELIVERY")
                    outcome = "ok"
                except ShopError as exc:
                    outcome = "out_of_stock" if "stock" in exc.code else "other"
                with lock:
                    results[outcome] += 1
        finally:
            connections.close_all()

    threads = [threading.Thread(target=buyer, args=(n,)) for n in range(args.buyers)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started

    oversold = 0
    from django.db.models import Sum

    held = {(r["order_line__variant_id"], r["stock__sales_point_id"]): r["q"] for r in
            FulfillmentLine.objects.values("order_line__variant_id", "stock__sales_point_id").annotate(q=Sum("quantity"))}
    for stock in Stock.objects.all():
        key = (stock.variant_id, stock.sales_point_id)
        oversold += max(0, stock.quantity_allocated - stock.quantity_on_hand)
        oversold += max(0, held.get(key, 0) - initial[key])
        oversold += abs(held.get(key, 0) - stock.quantity_allocated)
    demanded = args.buyers * args.orders_per_buyer
    print(f"buyers: {args.buyers}, checkouts attempted: {demanded}, units in stock: {supply}")
    print(f"completed orders: {results['ok']} ({Order.objects.count()} in the database), "
          f"refused out of stock: {results['out_of_stock']}, other errors: {results['other']}")
    print(f"elapsed: {elapsed:.2f} s; completed orders per second: {results['ok'] / elapsed:.1f} "
          f"(whole checkout: create + address + complete)")
    print(f"oversell count: {oversold}")
    connections.close_all()
    sys.exit(1 if oversold else 0)


if __name__ == "__main__":
    main()
