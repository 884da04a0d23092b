import time

from django.core.management.base import BaseCommand

from catalog.synthetic import generate_catalog


class Command(BaseCommand):
    help = (
        "Add N synthetic products (with variants, certificates and stock at every sales point) for "
        "benchmarks, with bulk inserts. Needs the demo shop's groups and sales points (run load_demo first; "
        "this command runs it without pictures when they are missing)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, default=1000, help="how many products to add (default 1000)")
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, **options):
        started = time.perf_counter()
        made = generate_catalog(options["products"], seed=options["seed"])
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"Generated {made} in {elapsed:.1f}s."))
