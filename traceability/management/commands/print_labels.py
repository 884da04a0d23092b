"""print_labels: A4 label sheets for a lot, as a PDF."""
from django.core.management.base import BaseCommand, CommandError

from shop.errors import ShopError
from shop.tasks import enqueue
from traceability import labels, services
from traceability.tasks import render_labels


class Command(BaseCommand):
    help = (
        "Print A4 label sheets (3 × 8 labels of 70 × 37 mm) for a lot. With --count N, mint N new signed "
        "serials and print one label per serial (each QR is a Digital Link with /21/{serial}, or a /q/ code "
        "without a GTIN). Without --count, print lot-level labels (one sheet, or --copies). Each label carries "
        "the product name, lot, expiry, the OCOP stars while the certificate is valid, the QR and its text code."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", required=True, help="The lot code printed on packages")
        parser.add_argument("--gtin", help="The variant's GTIN, when several products share the lot code")
        parser.add_argument("--sku", help="The variant's SKU, when several products share the lot code")
        parser.add_argument("--count", type=int, help="Mint this many new serials and print one label each")
        parser.add_argument("--copies", type=int, default=labels.COLUMNS * labels.ROWS,
                            help="Lot-level labels to print when --count is not given (default: one sheet)")
        parser.add_argument("--out", required=True, help="The PDF file to write")
        parser.add_argument("--background", action="store_true",
                            help="Let a background worker lay the sheets out (large runs); --out is then a path in "
                                 "the media storage (MEDIA_ROOT or the S3 bucket), e.g. labels/CF2605-01.pdf")

    def handle(self, *args, batch, gtin, sku, count, copies, out, background, **options):
        try:
            lot = services.find_batch(batch, gtin=gtin, sku=sku)
            serials = services.mint_serials(batch=lot, count=count) if count is not None else None
            if serials is None and not 1 <= copies <= 10_000:
                raise CommandError("--copies must be between 1 and 10000")
        except ShopError as exc:
            raise CommandError(exc.message) from exc
        if background:
            minted_at = lot.serials.filter(serial=serials[0]).values_list("created_at", flat=True).get() if serials else None
            enqueue(render_labels, lot.pk, out, minted_at.isoformat() if minted_at else None, copies)
            self.stdout.write(self.style.SUCCESS(
                f"{len(serials) if serials else copies} labels for lot {lot.lot_code} queued: {out} in the media storage"))
            return
        label_list = labels.labels_for_batch(lot, serials) if serials is not None else labels.labels_for_batch(
            lot, copies=copies)
        pages = labels.render(label_list, out)
        kind = f"{len(label_list)} serial labels" if count is not None else f"{len(label_list)} lot labels"
        self.stdout.write(self.style.SUCCESS(f"{kind} for lot {lot.lot_code} on {pages} A4 page(s): {out}"))
