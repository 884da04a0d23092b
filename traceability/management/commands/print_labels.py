"""print_labels: A4 label sheets for a lot, as a PDF."""
from django.core.management.base import BaseCommand, CommandError

from shop.errors import ShopError
from shop.tasks import enqueue
from traceability import labels, services
from traceability.errors import TraceabilityErrorCode
from traceability.tasks import render_labels


def _text(exc: ShopError) -> str:
    """A refused demo GTIN is said in both languages (whoever runs the command reads it)."""
    if exc.code == TraceabilityErrorCode.DEMO_GTIN:
        return f"{exc.message_vi}\n{exc.message_en}"
    return exc.message


class Command(BaseCommand):
    help = (
        "Print A4 label sheets (3 × 8 labels of 70 × 37 mm) for a lot. With --count N, mint N new signed "
        "serials and print one label per serial (each QR is a Digital Link with /21/{serial}, or a /q/ code "
        "without a GTIN). Without --count, print lot-level labels (one sheet, or --copies). Each label carries "
        "the product name, lot, expiry, the OCOP stars while the certificate is valid, the QR and its text code."
    )

    def add_arguments(self, parser):
        parser.add_argument("--list", dest="list_lots", action="store_true",
                            help="List the lots (product, GTIN, lot code, quantity, serials minted) and stop; "
                                 "--gtin/--sku narrow the list")
        parser.add_argument("--batch", help="The lot code printed on packages (see --list)")
        parser.add_argument("--gtin", help="The variant's GTIN, when several products share the lot code")
        parser.add_argument("--sku", help="The variant's SKU, when several products share the lot code")
        parser.add_argument("--count", type=int, help="Mint this many new serials and print one label each")
        parser.add_argument("--copies", type=int, default=labels.COLUMNS * labels.ROWS,
                            help="Lot-level labels to print when --count is not given (default: one sheet)")
        parser.add_argument("--out", help="The PDF file to write")
        parser.add_argument("--background", action="store_true",
                            help="Let a background worker lay the sheets out (large runs); --out is then a path in "
                                 "the media storage (MEDIA_ROOT or the S3 bucket), e.g. labels/CF2605-01.pdf")
        parser.add_argument("--demo", action="store_true",
                            help="A demonstration run: allow GTINs with GS1's demo prefix 952, which are refused "
                                 "when DEBUG=0 (real GTINs come from a company prefix licensed by GS1 Vietnam, 893)")

    def handle(self, *args, batch, gtin, sku, count, copies, out, background, demo=False, **options):
        if options.get("list_lots"):
            self.list_lots(gtin=gtin, sku=sku)
            return
        if not batch or not out:
            raise CommandError("Give --batch LOT and --out FILE.pdf (print_labels --list shows the lot codes).")
        try:
            lot = services.find_batch(batch, gtin=gtin, sku=sku)
            labels.check_printable(lot, demo=demo)  # before any serial is minted
            serials = services.mint_serials(batch=lot, count=count) if count is not None else None
            if serials is None and not 1 <= copies <= 10_000:
                raise CommandError("--copies must be between 1 and 10000")
        except ShopError as exc:
            raise CommandError(_text(exc)) from exc
        if background:
            minted_at = lot.serials.filter(serial=serials[0]).values_list("created_at", flat=True).get() if serials else None
            enqueue(render_labels, lot.pk, out, minted_at.isoformat() if minted_at else None, copies)
            self.stdout.write(self.style.SUCCESS(
                f"{len(serials) if serials else copies} labels for lot {lot.lot_code} queued: {out} in the media storage"))
            return
        try:
            label_list, pages = labels.print_labels(lot, serials, out, copies=copies, demo=demo)
        except ShopError as exc:
            raise CommandError(_text(exc)) from exc
        kind = f"{len(label_list)} serial labels" if count is not None else f"{len(label_list)} lot labels"
        self.stdout.write(self.style.SUCCESS(f"{kind} for lot {lot.lot_code} on {pages} A4 page(s): {out}"))

    def list_lots(self, *, gtin=None, sku=None):
        """One line per lot, newest first: what --batch (and --gtin when a lot code is shared) takes."""
        from django.db.models import Count

        from traceability.models import Batch

        lots = Batch.objects.select_related("variant__product").annotate(serial_count=Count("serials"))
        if gtin:
            lots = lots.filter(variant__gtin=gtin.strip())
        if sku:
            lots = lots.filter(variant__sku__iexact=sku.strip())
        rows = [(b.lot_code, b.variant.gtin or "—", str(b.quantity), str(b.serial_count),
                 "recalled" if b.is_recalled else "", f"{b.variant.product.name} — {b.variant.name}")
                for b in lots.order_by("-production_date", "-id")]
        if not rows:
            self.stdout.write("No lots yet: create one in the admin (Truy xuất nguồn gốc → Lô hàng) or run load_demo.")
            return
        header = ("LOT", "GTIN", "QTY", "SERIALS", "STATUS", "PRODUCT")
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
        for row in [header, *rows]:
            self.stdout.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[5])
        self.stdout.write(f"{len(rows)} lot(s). Print: manage.py print_labels --batch LOT [--gtin GTIN] --out labels.pdf")
