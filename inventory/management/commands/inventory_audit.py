from django.core.management.base import BaseCommand, CommandError

from inventory.audit import audit


class Command(BaseCommand):
    help = ("Check that every stock row equals the sum of its ledger movements and its latest movement's "
            "running totals; exit 1 on any drift.")

    def handle(self, *args, **options):
        report = audit()
        for d in report.drifts:
            self.stdout.write(
                f"DRIFT stock {d.stock_id} ({d.label}): row {d.on_hand} on hand / {d.allocated} allocated, "
                f"ledger {d.ledger_on_hand} / {d.ledger_allocated}"
                + (f", running totals {d.running_on_hand} / {d.running_allocated}" if d.running_totals_drift else "")
            )
        summary = f"{report.rows} stock rows, {report.movements} movements, {len(report.drifts)} drifting"
        if not report.clean:
            raise CommandError(summary)
        self.stdout.write(f"{summary}: the ledger adds up.")
