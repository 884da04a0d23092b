"""What the producers' GraphQL reads and writes, over an Acting (producers.access): every
function starts from the producer the caller acts for, so a token of producer B never reaches
producer A's rows. The rules are the pages' own services (products, certificates, lots, scans,
sales); this module only shapes their answers for an API client and maps API arguments (slugs,
base64 files) onto them."""
from __future__ import annotations

import base64
import binascii
import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from catalog import certification
from catalog.models import Certification, Product, ProductVariant
from producers import certificates, lots, products, sales, scans
from producers.access import Acting
from producers.errors import ProducerErrorCode
from producers.models import ProductChange, RenewalFile
from shop import periods
from shop.errors import ShopError, pick
from shop.models import SalesPoint
from traceability.models import Batch, TraceEvent

# -- reading ------------------------------------------------------------------------------------


@dataclass
class PointStock:
    sales_point: SalesPoint
    variant: ProductVariant
    quantity_on_hand: int
    quantity_available: int


@dataclass
class MyProduct:
    product: Product
    stars: int | None
    stock: list[PointStock]
    open_change: ProductChange | None
    last_change: ProductChange | None


def my_products(acting: Acting) -> list[MyProduct]:
    """products.my_products (a fixed number of queries), stock read-only with sellable units."""
    out = []
    for row in products.my_products(acting):
        change = row.change
        out.append(MyProduct(
            product=row.product, stars=row.stars,
            stock=[PointStock(s.sales_point, s.variant, s.quantity_on_hand, s.quantity_sellable) for s in row.stock],
            open_change=change if change is not None and change.status in products.OPEN else None,
            last_change=change,
        ))
    return out


@dataclass
class MyCertificate:
    cert: Certification
    product: Product
    status: str
    today: datetime.date
    renewal: RenewalFile | None

    @property
    def expires_on(self) -> datetime.date | None:
        return self.cert.valid_until


def my_certificates(acting: Acting) -> list[MyCertificate]:
    """certificates.certificate_history, one row per certificate (newest decision first within a
    product), each with the product's open renewal file, else its newest."""
    today = certification.today()
    out = []
    for item in certificates.certificate_history(acting, today):
        renewal = item.open_renewal or (item.renewals[0] if item.renewals else None)
        out += [MyCertificate(cert=row.cert, product=item.product, status=str(row.status), today=today,
                              renewal=renewal) for row in item.rows]
    return out


def my_lots(acting: Acting, *, status: str | None = None):
    """lots.lots (newest first), filtered by status; a queryset the caller pages."""
    found = lots.lots(acting).select_related("origin_commune__district", "origin_commune__successor")
    return found.filter(status=status) if status else found


@dataclass
class ScansSummary:
    start: datetime.date
    end: datetime.date
    scans: int
    hits: int
    suspicious: int
    reports: int
    by_verdict: list[tuple[str, int]]
    by_month: list[tuple[str, int]]
    by_place: list[tuple[str, int]]


def my_scans(acting: Acting, *, start=None, end=None) -> ScansSummary:
    """Scans of the producer's codes in the range (at most 366 days; the last 30 by default) and
    buyers' reports, by verdict, month and district (scans.places)."""
    rng = periods.date_range(start, end)
    own = scans.own_scans(acting, rng)
    totals = own.aggregate(n=Count("pk"), hits=Sum("hits"))
    by_verdict = sorted(own.values_list("verdict").annotate(n=Count("pk")).order_by(), key=lambda r: (-r[1], r[0]))
    by_month = own.annotate(month=TruncMonth("scanned_at")).values_list("month").annotate(n=Count("pk")).order_by("month")
    return ScansSummary(
        start=rng.start, end=rng.end, scans=totals["n"] or 0, hits=totals["hits"] or 0,
        suspicious=sum(n for verdict, n in by_verdict if verdict in scans.SUSPICIOUS),
        reports=scans.own_reports(acting, rng).count(), by_verdict=list(by_verdict),
        by_month=[(f"{month:%Y-%m}", n) for month, n in by_month],
        by_place=[(pick(p.name, p.name_en), p.scans) for p in scans.places(acting, rng)],
    )


@dataclass
class SalesRow:
    sales_point: SalesPoint
    month: str
    units: int


def my_sales(acting: Acting, *, start=None, end=None) -> list[SalesRow]:
    """sales.units_by_point: units served per sales point and month (the last 12 months by default),
    months without sales left out."""
    rng = sales.last_months() if start is None and end is None else periods.date_range(start, end)
    table = sales.units_by_point(acting, rng)
    points = SalesPoint.objects.in_bulk([row.point_id for row in table.rows])
    return [SalesRow(sales_point=points[row.point_id], month=f"{month:%Y-%m}", units=units)
            for row in table.rows for month, units in zip(table.months, row.units, strict=True) if units]


# -- writing ------------------------------------------------------------------------------------


def _commune_id(slug: str) -> int | None:
    if not slug:
        return None
    commune = lots.communes().filter(slug=slug).only("pk").first()
    if commune is None:
        raise ShopError(ProducerErrorCode.LOT_INPUT, f"Không có xã có mã {slug} trong tỉnh.",
                        f"There is no commune {slug} in the province.", field="originCommune")
    return commune.pk


def lot_create(acting: Acting, *, key: uuid.UUID | None, variant_id: int, lot_code: str, production_date,
               expiry_date, quantity: int, origin_commune: str = "", raw_materials: str = "") -> Batch:
    """lots.create_lot: a retried call with the same key returns the first lot."""
    return lots.create_lot(acting, key=key, variant_id=variant_id, production_date=production_date,
                           quantity=quantity, expiry_date=expiry_date, origin_commune_id=_commune_id(origin_commune),
                           lot_code=lot_code, raw_materials=raw_materials)


def _report_file(data: str, lot_code: str):
    if not data:
        return None
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ShopError(ProducerErrorCode.REPORT_INVALID, "Tệp phiếu kiểm nghiệm phải được mã hoá base64.",
                        "The test report must be base64-encoded.", field="reportPdfBase64") from None
    return ContentFile(raw, name=f"{lot_code}.pdf")


def lot_event_add(acting: Acting, *, key: uuid.UUID | None, batch_id: int, kind: str, event_time, note: str = "",
                  quantity=None, passed: bool = True, report_pdf_base64: str = "", report_title: str = "",
                  sales_point_id: int | None = None, site_url: str = "") -> TraceEvent:
    """lots.record_event on one of the producer's lots: a retried call with the same key returns the
    first event; a dispatch is an incoming transfer for the point's staff."""
    batch = lots.get_lot(acting, batch_id)
    if quantity is not None:  # a harvest is weighed (kilograms, decimals); other events count units
        if kind == "harvest":
            quantity = Decimal(str(quantity)).quantize(Decimal("0.001"))
        elif float(quantity).is_integer():
            quantity = int(quantity)
        else:
            raise ShopError(ProducerErrorCode.LOT_INPUT, "Số lượng phải là số đơn vị nguyên.",
                            "The quantity must be a whole number of units.", field="quantity")
    data = lots.EventInput(event_time=event_time or timezone.now(), note=note, quantity=quantity, passed=passed,
                           report=_report_file(report_pdf_base64, batch.lot_code), report_title=report_title,
                           point_id=sales_point_id)
    return lots.record_event(acting, batch, kind, data, key=key, site_url=site_url)


def change_save(acting: Acting, *, product_id: int, fields: dict, variants: list[dict] | None = None) -> ProductChange:
    """products.save_draft: the draft of what buyers should see (a sent-back change becomes a draft)."""
    data = {name: value for name, value in fields.items() if name in products.TEXT_FIELDS}
    if variants:
        data["variants"] = {str(v["variant_id"]): {k: v[k] for k in products.VARIANT_FIELDS if v.get(k) is not None}
                            for v in variants}
    product = products.product_for(acting, product_id)
    change = products.working_change(product)
    if change is not None and change.status != ProductChange.Status.PENDING:
        # A save overwrites the proposal with what is given: keep what this call does not mention.
        kept = {k: v for k, v in (change.fields or {}).items()
                if (k in products.TEXT_FIELDS or k == "variants") and k not in data}
        data = {**kept, **data}
    return products.save_draft(acting, product, data)


def change_submit(acting: Acting, *, product_id: int, key: uuid.UUID | None) -> ProductChange:
    """products.submit, once per key (lots.once): a retry returns the change sent the first time."""
    product = products.product_for(acting, product_id)
    reference, _ = lots.once(acting, key, "change-submit", lambda: f"change:{products.submit(acting, product).pk}")
    return ProductChange.objects.get(pk=int(reference.split(":", 1)[1]), producer=acting.producer)
