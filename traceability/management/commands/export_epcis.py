"""export_epcis: a lot's trace events as an EPCIS 2.0 JSON-LD document."""
import json

from django.core.management.base import BaseCommand, CommandError

from shop.errors import ShopError
from traceability import epcis, services


class Command(BaseCommand):
    help = (
        "Write the EPCIS 2.0 document (JSON-LD) of a lot's trace events to standard output or --out: the harvest "
        "as the raw material's own lot, a TransformationEvent into the finished lot (with its ILMD), the "
        "commissioning of each run of minted serials, and the other steps with CBV 2.0 dispositions. Lots and "
        "packages are GS1 Digital Link URIs on id.gs1.org (the shop's own vocabulary without a GTIN). The lot is "
        "named by its printed lot code (--gtin or --sku when several products share it)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", required=True, help="The lot code printed on packages")
        parser.add_argument("--gtin", help="The variant's GTIN, when several products share the lot code")
        parser.add_argument("--sku", help="The variant's SKU, when several products share the lot code")
        parser.add_argument("--out", help="Write to this file instead of standard output")

    def handle(self, *args, batch, gtin, sku, out, **options):
        try:
            lot = services.find_batch(batch, gtin=gtin, sku=sku)
        except ShopError as exc:
            raise CommandError(exc.message) from exc
        document = epcis.document(lot)
        text = json.dumps(document, ensure_ascii=False, indent=2)
        if out:
            with open(out, "w", encoding="utf-8") as f:
                f.write(text + "\n")
            count = len(document["epcisBody"]["eventList"])
            self.stderr.write(f"{count} EPCIS events of lot {lot.lot_code} written to {out}")
        else:
            self.stdout.write(text)
