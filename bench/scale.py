"""The shop at 100,000 products and 1,000,000 serials: build, index, memory, cold answers, labels.

    .venv/bin/python bench/scale.py                        # 100,000 products in ocop_bench_100k
    .venv/bin/python bench/scale.py --products 10000 --database postgres://postgres@127.0.0.1:5432/ocop_bench
    .venv/bin/python bench/scale.py --skip-serials         # only the catalogue rows

1. The database (PostgreSQL, a name starting with ocop_bench; created when missing): migrated,
   the demo shop, `generate_catalog` up to --products (timed), ANALYZE.
2. `search_index --rebuild`, timed.
3. The memory of a web worker: a fresh process loads Django and warms up as a gunicorn worker
   does (storefront/warmup.py: the embedded index in memory), then reads its own RSS; the same
   without the warm-up gives the share that is the index.
4. bench/graphql_cold.py's rows (product list, search, product; the answer cache off) on it.
5. Unless --skip-serials: minting --serials (1,000,000) signed serials for one demo lot, timed,
   then --labels (10,000) more and their label PDF rendered as the background task does
   (traceability.tasks.render_labels, run in this process as a Celery worker would), timed.
Results go to bench/results/scale-<products>.json.
"""
from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
RESULTS = ROOT / "bench" / "results"

MEMORY_PROBE = """
import gc, os, sys
import django
django.setup()
def rss():
    fields = dict(line.split(":", 1) for line in open("/proc/self/smaps_rollup").read().splitlines()[1:])
    return int(fields["Rss"].split()[0]) / 1024
from django.test import Client
Client(HTTP_HOST="localhost", headers={"X-Forwarded-Proto": "https"}, secure=True).get("/healthz")
before = rss()
if sys.argv[1] == "warm":
    from storefront.warmup import warm_worker
    warm_worker()
print(f"{before:.1f} {rss():.1f}")
"""


def worker_memory(env: dict) -> dict:
    """MB: a worker after one request, then after the warm-up (the index loaded)."""
    out = {}
    for mode in ("cold", "warm"):
        done = subprocess.run([str(VENV_PYTHON), "-c", MEMORY_PROBE, mode], env=env, cwd=ROOT,
                              capture_output=True, text=True, check=True)
        before, after = map(float, done.stdout.split()[-2:])
        out[mode] = after
    out["index_mb"] = round(out["warm"] - out["cold"], 1)
    return {"rss_after_one_request_mb": round(out["cold"], 1), "rss_warmed_up_mb": round(out["warm"], 1),
            "embedded_index_mb": out["index_mb"]}


def timed(name: str, run):
    started = time.perf_counter()
    print(f"  {name} …", end="", flush=True)
    value = run()
    seconds = time.perf_counter() - started
    print(f" {seconds:.1f} s", flush=True)
    return seconds, value


def serials_and_labels(count: int, labels_count: int) -> dict:
    from django.core.files.storage import default_storage

    from traceability import services, tasks
    from traceability.models import Batch

    batch = Batch.objects.filter(status=Batch.Status.ACTIVE, variant__gtin__isnull=False).order_by("pk").first()
    mint_s, _ = timed(f"mint {count:,} serials", lambda: services.mint_serials(batch=batch, count=count))
    _, serials = timed(f"mint {labels_count:,} more for the labels",
                       lambda: services.mint_serials(batch=batch, count=labels_count))
    minted_at = batch.serials.filter(serial=serials[0]).values_list("created_at", flat=True).get()
    path = f"labels/bench-scale-{batch.pk}-{int(time.time())}.pdf"
    pdf_s, saved = timed(f"{labels_count:,}-label PDF (render_labels task)",
                         lambda: tasks.render_labels.run(batch.pk, path, minted_at.isoformat()))
    size = default_storage.size(saved)
    default_storage.delete(saved)
    return {"serials": count, "mint_seconds": round(mint_s, 1), "serials_per_second": round(count / mint_s),
            "serials_in_database": batch.serials.count(), "labels": labels_count,
            "label_pdf_seconds": round(pdf_s, 1), "label_pdf_mb": round(size / 1e6, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/ocop_bench_100k")
    parser.add_argument("--serials", type=int, default=1_000_000)
    parser.add_argument("--labels", type=int, default=10_000)
    parser.add_argument("--skip-serials", action="store_true")
    parser.add_argument("--repeat", type=int, default=100, help="timed calls per in-process row")
    args = parser.parse_args()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shop.settings", "DATABASE_URL": args.database, "DEBUG": "0",
           "SECRET_KEY": "bench-scale-" + "x" * 40, "TRACE_SIGNING_KEYS": "bench-scale-signing-key-0123456789",
           "ALLOWED_HOSTS": "localhost", "LOG_LEVEL": "WARNING", "GRAPHQL_PUBLIC_CACHE_SECONDS": "0",
           "MEDIA_ROOT": str(ROOT / "var" / "bench" / "media"), "STATIC_ROOT": str(ROOT / "var" / "bench" / "static"),
           "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend", "REDIS_URL": ""}
    env.pop("ELASTICSEARCH_URL", None)
    os.environ.update(env)
    import run as bench_run

    bench_run.ensure_database(args.database, rebuild=False)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from catalog.models import Product

    print(f"database {args.database}")
    report: dict = {"when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                    "machine": bench_run.machine()}
    build_s, _ = timed(f"build up to {args.products:,} products", lambda: bench_run.build_catalogue(args.products))
    report["products"] = Product.objects.count()
    rebuild_s, _ = timed("search_index --rebuild", lambda: call_command(
        "search_index", rebuild=True, quiet=True, verbosity=0, stdout=io.StringIO()))
    report["search_index_rebuild_seconds"] = round(rebuild_s, 1)
    report["products_indexed_per_second"] = round(report["products"] / rebuild_s)
    connection.close()
    _, report["worker_memory"] = timed("a worker's memory", lambda: worker_memory(env))
    print(f"    {report['worker_memory']}")
    cold = RESULTS.parent.parent / "var" / "bench" / f"scale-cold-{args.products}.json"
    subprocess.run([str(VENV_PYTHON), str(ROOT / "bench" / "graphql_cold.py"), "--database", args.database,
                    "--repeat", str(args.repeat), "--json", str(cold)], env=env, cwd=ROOT, check=True)
    report["in_process"] = json.loads(cold.read_text())["rows"]
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"scale-{args.products}.json"
    if not args.skip_serials:
        report["serials"] = serials_and_labels(args.serials, args.labels)
    elif out.exists() and "serials" in (earlier := json.loads(out.read_text())):
        report["serials"], report["serials_measured"] = earlier["serials"], earlier.get("serials_measured", earlier["when"])
    out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    print(json.dumps({k: v for k, v in report.items() if k != "machine"}, indent=1, ensure_ascii=False))
    print(f"written: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
