"""manage.py search_index — build and maintain the product search index."""
import sys
import time

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Maintain the product search index. --rebuild indexes every published product from scratch "
        "(the embedded index in place, Elasticsearch, when configured, into a new index whose alias is "
        "swapped atomically), with a progress bar unless --quiet. --sweep re-indexes only what drifted: "
        "products flagged dirty, certificates lapsed since they were indexed, stock per sales point that "
        "no longer matches; run it periodically (cron, every few minutes). Without an option: show the "
        "backend in use."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="index every published product again")
        parser.add_argument("--sweep", action="store_true", help="re-index products that drifted since last indexed")
        parser.add_argument("--no-stock-check", action="store_true", help="with --sweep: skip comparing stock")
        parser.add_argument("--quiet", action="store_true", help="no progress bar, only errors")

    def handle(self, *args, **options):
        import search
        from catalog.models import Product
        from search import sync

        quiet = options["quiet"]
        if options["rebuild"]:
            started = time.perf_counter()
            total = Product.objects.published().count()
            bars = []

            def progress(n):
                if not bars:
                    return
                bars[-1].update(n)

            reports = []
            for backend in search.active_backends():
                if not quiet:
                    from tqdm import tqdm

                    bars.append(tqdm(total=total, desc=f"{backend.name}", unit="product", file=sys.stderr))
                try:
                    Product.objects.filter(search_dirty=True).update(search_dirty=False)
                    reports.append((backend.name, backend.rebuild(progress=progress)))
                except Exception as exc:
                    raise CommandError(f"{backend.name}: rebuild failed ({exc.__class__.__name__}: {exc})") from exc
                finally:
                    if bars:
                        bars[-1].close()
            failures = sum(len(r.failures) for _, r in reports)
            if not quiet:
                for name, r in reports:
                    rate = r.indexed / r.seconds if r.seconds else 0
                    self.stdout.write(f"{name}: {r.indexed} products in {r.seconds:.1f}s ({rate:.0f}/s)")
                self.stdout.write(self.style.SUCCESS(f"Search index rebuilt in {time.perf_counter() - started:.1f}s."))
            if failures:
                raise CommandError(f"{failures} documents were refused; see the log.")
        if options["sweep"]:
            n = sync.sweep(check_stock=not options["no_stock_check"])
            if not quiet:
                self.stdout.write(self.style.SUCCESS(f"Sweep: {n} products re-indexed."))
        if not options["rebuild"] and not options["sweep"]:
            self.stdout.write(f"search backend: {search.status()}")
