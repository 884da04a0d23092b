"""What a stock change costs as a row's ledger grows, with migration 0005's check and without.

    .venv/bin/python bench/ledger_balance.py [--sizes 100 10000] [--repeat 300]

Makes a fresh PostgreSQL database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/ocop_bench_ledger_balance; dropped and created again),
migrates it, then for each trigger set (inventory at 0004: the stock row checked against the sum
of all its movements; at 0005: against the latest movement's running totals) gives fresh stock
rows N movements and times `ledger.adjust` (lock, one movement, one row update) and a bare update of the row (its
check alone). Prints medians and the ledger rows an adjust read (pg_stat_xact_user_tables).
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ocop_bench_ledger_balance"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 10_000])
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        raise SystemExit("this bench needs PostgreSQL (BENCH_DATABASE_URL=postgres://…)")
    from checkout import fresh_database

    fresh_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    from catalog.models import Producer, Product, ProductGroup, ProductVariant
    from inventory import ledger
    from shop.models import District, SalesPoint

    district, _ = District.objects.get_or_create(code="102", defaults={"name": "Huyện Mường Ảng"})
    group = ProductGroup.objects.create(code="bench", name="Thực phẩm", level=ProductGroup.Level.GROUP)
    producer = Producer.objects.create(name="HTX bench", slug="htx-bench", kind="COOPERATIVE", district=district)
    product = Product.objects.create(slug="bench", name="Mật ong", name_en="Honey", group=group, producer=producer,
                                     district=district)
    point = SalesPoint.objects.create(code="bench", name="Điểm bán", kind="DISTRICT", district=district,
                                      address="Chợ", latitude=21.5, longitude=103.2)
    read = ("SELECT seq_tup_read + COALESCE(idx_tup_fetch, 0) FROM pg_stat_xact_user_tables"
            " WHERE relname = 'inventory_stockmovement'")
    for state in ("0004_producer_dispatch", "0005_ledger_running_totals"):
        call_command("migrate", "inventory", state, verbosity=0)
        for size in args.sizes:
            variant = ProductVariant.objects.create(product=product, sku=f"B-{state[:4]}-{size}", name="Hũ",
                                                    price_vnd=1000)
            stock = ledger.receive(variant_id=variant.pk, sales_point_id=point.pk, quantity=1)
            with transaction.atomic():
                stock = ledger.lock_ids([stock.pk])[stock.pk]
                ledger.apply([ledger.Change(stock, ledger.Kind.ADJUSTMENT, on_hand=1)] * (size - 1), reason="history")
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE inventory_stockmovement")
            times, checks, rows = [], [], []
            for _ in range(args.repeat):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(read)  # pending counts may span transactions: take the difference
                    before = cursor.fetchone()[0] or 0
                    started = time.perf_counter()
                    ledger.adjust(stock_id=stock.pk, change=1, reason="bench change")
                    times.append(time.perf_counter() - started)
                    cursor.execute(read)
                    rows.append((cursor.fetchone()[0] or 0) - before)
                    # The row's check alone: an update that sets the numbers to themselves.
                    started = time.perf_counter()
                    cursor.execute("UPDATE catalog_stock SET quantity_on_hand = quantity_on_hand WHERE id = %s",
                                   [stock.pk])
                    checks.append(time.perf_counter() - started)
            print(f"inventory {state[:4]} {size:>7} movements: adjust median {statistics.median(times) * 1000:.3f} ms,"
                  f" row update alone {statistics.median(checks) * 1000:.3f} ms,"
                  f" ledger rows read per adjust {statistics.median(rows):.0f}")


if __name__ == "__main__":
    main()
