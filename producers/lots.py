"""My lots: a producer's lots and their events, recorded from a phone on a weak connection.

Lots and events are traceability's (services.check_batch / create_batch / add_event check the
rules and who may); a dispatch is inventory's (transfers.dispatch: a SENT transfer from the
producer that the point's staff receive). This module checks that the person acts for the
lot's producer, words the event kinds the portal offers, and makes every submit idempotent:
a retried post with the same form key returns what the first one made (producers.Submission).
"""
from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.text import get_valid_filename

from catalog.models import ProductVariant
from inventory import transfers
from producers.access import Acting
from producers.errors import ProducerErrorCode
from producers.models import Submission
from shop.errors import ShopError
from shop.models import Commune, SalesPoint
from traceability import services as trace
from traceability.models import Batch, TraceEvent

MAX_REPORT_BYTES = 10 * 1024 * 1024
PDF_MAGIC = b"%PDF-"


@dataclass(frozen=True)
class EventKind:
    slug: str
    biz_step: str
    label: tuple[str, str]
    uom: str = ""  # the default unit of the quantity, "" for none asked


# The portal's event kinds, in the order they happen; CBV pairs are checked by add_event.
KINDS = {k.slug: k for k in (
    EventKind("harvest", "harvesting", ("Thu hoạch", "Harvest"), "KGM"),
    EventKind("processing", "commissioning", ("Chế biến", "Processing"), "H87"),
    EventKind("quality", "inspecting", ("Kiểm nghiệm", "Quality test")),
    EventKind("packing", "packing", ("Đóng gói", "Packing"), "H87"),
    EventKind("dispatch", "shipping", ("Xuất đến điểm bán", "Dispatch to a sales point"), "H87"),
)}


def _input(vi: str, en: str, field: str) -> ShopError:
    return ShopError(ProducerErrorCode.LOT_INPUT, vi, en, field=field)


# -- reading ---------------------------------------------------------------------------------

def _lots(acting: Acting) -> QuerySet:
    return Batch.objects.filter(variant__product__producer=acting.producer)


def lots(acting: Acting) -> QuerySet:
    """The producer's lots, newest first, with their product and number of events."""
    return (_lots(acting).select_related("variant__product", "origin_commune")
            .annotate(event_count=Count("events")).order_by("-created_at", "-id"))


def with_dispatches(acting: Acting, page) -> list:
    """The lots of a page, each with `.dispatch` {sent, received, open} (one query for the page)."""
    page = list(page)
    found = transfers.dispatched(acting.producer.pk, [f"batch:{b.pk}" for b in page])
    for b in page:
        b.dispatch = found.get(f"batch:{b.pk}", {"sent": 0, "received": 0, "open": 0})
    return page


def get_lot(acting: Acting, pk) -> Batch:
    """One of the producer's lots; another producer's is 'not found', like one that does not exist."""
    batch = (_lots(acting).select_related("variant__product__producer", "origin_commune").filter(pk=pk).first()
             if isinstance(pk, int) else None)
    if batch is None:
        raise ShopError(ProducerErrorCode.LOT_NOT_FOUND, "Không tìm thấy lô này trong các lô của cơ sở.",
                        "This lot is not one of your producer's lots.", field="lot")
    return batch


def events(batch: Batch) -> list[TraceEvent]:
    return list(batch.events.select_related("sales_point", "commune").order_by("event_time", "id"))


def variants(acting: Acting) -> list[ProductVariant]:
    return list(ProductVariant.objects.filter(product__producer=acting.producer).select_related("product")
                .order_by("product__name", "position", "pk"))


def communes() -> QuerySet:
    """Where raw materials come from: the province's communes of today."""
    home = settings.SHIPPING_HOME_PROVINCE
    return (Commune.objects.filter(era=Commune.Era.Y2025)
            .filter(Q(province__code=home) | Q(province__isnull=True, district__isnull=False)).order_by("name"))


def points() -> QuerySet:
    return SalesPoint.objects.filter(is_active=True).order_by("priority", "code")


# -- idempotent submits ------------------------------------------------------------------------

def parse_key(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value or ""))
    except ValueError:
        return None


def once(acting: Acting, key: uuid.UUID | None, kind: str, make: Callable[[], str]) -> tuple[str, bool]:
    """Run `make` (which returns a reference such as 'batch:12') once per form key: a retried post
    with the same key gets the first run's reference back. Returns (reference, repeated)."""
    if key is None:  # a form without a key (a very old page): no protection, still recorded once
        return make(), False

    def earlier() -> str | None:
        done = Submission.objects.filter(key=key).first()
        if done is None:
            return None
        if done.producer_id != acting.producer.pk or done.kind != kind:
            raise ShopError(ProducerErrorCode.SUBMISSION_MISMATCH,
                            "Biểu mẫu này đã được dùng cho việc khác; hãy tải lại trang và nhập lại.",
                            "This form was already used for something else; reload the page and enter it again.")
        return done.reference

    found = earlier()
    if found is not None:
        return found, True
    try:
        with transaction.atomic():
            reference = make()
            Submission.objects.create(key=key, producer=acting.producer, user=acting.user, kind=kind,
                                      reference=reference)
        return reference, False
    except IntegrityError:  # the same key posted twice at once: the other one recorded it
        found = earlier()
        if found is None:
            raise
        return found, True


# -- writing ---------------------------------------------------------------------------------

def _new_lot_code(variant: ProductVariant, day: datetime.date) -> str:
    """L<yymmdd>-<n>: the first free number of the day for this variant."""
    base = f"L{day:%y%m%d}"
    taken = set(Batch.objects.filter(variant=variant, lot_code__startswith=base).values_list("lot_code", flat=True))
    n = 1
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def create_lot(acting: Acting, *, key: uuid.UUID | None, variant_id: int, production_date: datetime.date,
               quantity: int, expiry_date: datetime.date | None = None, origin_commune_id: int | None = None,
               lot_code: str = "", raw_materials: str = "", raw_materials_en: str = "") -> Batch:
    variant = (ProductVariant.objects.select_related("product").filter(pk=variant_id, product__producer=acting.producer)
               .first() if isinstance(variant_id, int) else None)
    if variant is None:
        raise _input("Hãy chọn một sản phẩm của cơ sở.", "Choose one of your products.", "variant")
    commune = None
    if origin_commune_id is not None:
        commune = communes().filter(pk=origin_commune_id).first()
        if commune is None:
            raise _input("Hãy chọn xã có nguyên liệu trong danh sách.", "Choose the raw material's commune from the list.",
                         "origin_commune")

    def make() -> str:
        code = (lot_code or "").strip() or _new_lot_code(variant, production_date)
        batch = trace.create_batch(variant=variant, lot_code=code, production_date=production_date,
                                   expiry_date=expiry_date, quantity=quantity, origin_commune=commune,
                                   raw_materials=raw_materials, raw_materials_en=raw_materials_en, by=acting.user)
        return f"batch:{batch.pk}"

    reference, _ = once(acting, key, "lot", make)
    return get_lot(acting, int(reference.split(":", 1)[1]))


def check_report(upload) -> None:
    """A quality test report: a PDF (by its first bytes, not its name) of at most 10 MB."""
    if upload is None:
        raise ShopError(ProducerErrorCode.REPORT_INVALID, "Hãy chọn tệp PDF phiếu kết quả kiểm nghiệm.",
                        "Choose the test report's PDF file.", field="report")
    if upload.size > MAX_REPORT_BYTES:
        raise ShopError(ProducerErrorCode.REPORT_INVALID, "Tệp lớn quá 10 MB; hãy chụp/quét nhỏ hơn.",
                        "The file is larger than 10 MB; scan it smaller.", field="report")
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    if head != PDF_MAGIC:
        raise ShopError(ProducerErrorCode.REPORT_INVALID, "Tệp này không phải PDF; hãy chọn phiếu kết quả dạng PDF.",
                        "This file is not a PDF; choose the report as a PDF.", field="report")


@dataclass
class EventInput:
    event_time: datetime.datetime
    note: str = ""
    note_en: str = ""  # the note in English, if the producer wrote one (else the English page shows the note)
    quantity: int | Decimal | None = None  # harvest: kilograms (decimals); otherwise units
    passed: bool = True  # quality test: conformant or not
    report: object = None  # quality test: the uploaded PDF
    report_title: str = ""
    point_id: int | None = None  # dispatch


def record_event(acting: Acting, batch: Batch, kind: str, data: EventInput, *, key: uuid.UUID | None,
                 site_url: str = "") -> TraceEvent:
    """One event of a lot in the portal's words: harvest, processing, quality test (with its report
    PDF, added to the lot's quality documents), packing, or dispatch to a sales point (an incoming
    transfer for the point's staff, and a shipping event on the lot). `site_url` makes the report's
    link absolute (https://…), as the lot's documents need."""
    spec = KINDS.get(kind)
    if spec is None:
        raise _input("Không có loại sự kiện này.", "There is no such kind of event.", "kind")
    batch = get_lot(acting, batch.pk)
    if batch.is_recalled:
        raise ShopError(ProducerErrorCode.LOT_RECALLED, "Lô đã bị thu hồi: không ghi thêm sự kiện hay xuất hàng.",
                        "The lot is recalled: no more events or dispatches.")
    if kind == "quality":
        check_report(data.report)
    point = None
    if kind == "dispatch":
        point = points().filter(pk=data.point_id).first() if isinstance(data.point_id, int) else None
        if point is None:
            raise _input("Hãy chọn điểm bán nhận hàng.", "Choose the sales point to send to.", "point")
        if not data.quantity:
            raise _input("Hãy nhập số đơn vị xuất đi.", "Enter how many units you send.", "quantity")
    note = " ".join((data.note or "").split())[:300]
    note_en = " ".join((data.note_en or "").split())[:300] or note

    def make() -> str:
        extra = {}
        description, description_en = note, note_en
        if kind == "harvest":
            extra = {"commune": batch.origin_commune}
        elif kind == "quality":
            title = " ".join((data.report_title or "").split())[:150] or f"Phiếu kiểm nghiệm lô {batch.lot_code}"
            name = default_storage.save(
                f"lot-reports/{timezone.localdate():%Y/%m}/{get_valid_filename(batch.lot_code)}-{uuid.uuid4().hex[:8]}.pdf",
                data.report)
            url = site_url.rstrip("/") + default_storage.url(name)
            batch.quality_documents = [*batch.quality_documents, {"title": title, "url": url}]
            trace.save_batch(batch=batch, by=acting.user)
            extra = {"disposition": "conformant" if data.passed else "non_conformant"}
            verdict = ("đạt", "passed") if data.passed else ("không đạt", "failed")
            description = f"{title}: {verdict[0]}. {note}".strip()
            description_en = f"{title}: {verdict[1]}. {note_en}".strip()
        elif kind == "dispatch":
            transfer = transfers.dispatch(
                user=acting.user, producer_id=acting.producer.pk, to_point_id=point.pk,
                lines=[(batch.variant_id, data.quantity)], reference=f"batch:{batch.pk}",
                note=f"Lô {batch.lot_code} {note}".strip())
            extra = {"disposition": "in_transit"}
            description = f"Xuất {data.quantity} đơn vị đến {point.name} (phiếu {transfer.number}). {note}".strip()
            description_en = (f"{data.quantity} units sent to {point.name_en or point.name} "
                              f"(transfer {transfer.number}). {note_en}").strip()
        event = trace.add_event(
            batch=batch, biz_step=spec.biz_step, event_time=data.event_time, description=description,
            description_en=description_en, quantity=data.quantity if spec.uom and data.quantity else None,
            uom=spec.uom if data.quantity else "", by=acting.user, **extra)
        return f"event:{event.pk}"

    reference, _ = once(acting, key, f"event:{kind}", make)
    return TraceEvent.objects.get(pk=int(reference.split(":", 1)[1]))


def record_receipt(sender=None, *, transfer, lines, **kwargs) -> TraceEvent | None:
    """A sales point received a producer's dispatch of a lot (inventory.signals.transfer_received):
    the lot's trace shows it arrived there (CBV receiving, sellable_accessible), with what was counted."""
    if not transfer.from_producer_id or not (transfer.reference or "").startswith("batch:"):
        return None
    try:
        batch_id = int(transfer.reference.split(":", 1)[1])
    except ValueError:
        return None
    batch = (Batch.objects.select_related("variant__product").filter(
        pk=batch_id, variant__product__producer_id=transfer.from_producer_id).first())
    if batch is None:
        return None
    counted = sum(line.quantity_received or 0 for line in lines if line.variant_id == batch.variant_id)
    point = SalesPoint.objects.get(pk=transfer.to_point_id)
    return trace.add_event(
        batch=batch, biz_step="receiving", disposition="sellable_accessible" if counted else "",
        event_time=transfer.received_at, sales_point=point, quantity=counted, uom="H87",
        description=f"{point.name} nhận {counted} đơn vị (phiếu {transfer.number}).",
        description_en=f"{point.name_en or point.name} received {counted} units (transfer {transfer.number}).",
    )
