"""Traceability writes and the resolution of a code, as plain functions.

GraphQL, views, admin actions, commands and the demo loader all call these;
validation is inside, errors are ShopError with both languages. `by` is the
acting user (checked against traceability.permissions) or None for the
system itself (commands, the demo loader).
"""
from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from catalog.errors import CatalogErrorCode
from catalog.gtin import validate_gtin
from catalog.models import Product, ProductVariant
from inventory import holds
from shop import english
from shop.errors import CommonErrorCode, ShopError
from shop.text import clean_text
from traceability import codes, lotcache, scans, tally, vocabulary
from traceability.codes import Kind
from traceability.errors import TraceabilityErrorCode
from traceability.models import Batch, ItemSerial, ProblemReport, TraceEvent
from traceability.permissions import require_manager
from traceability.verdicts import Facts, Verdict, decide, lot_ladder

logger = logging.getLogger(__name__)

MAX_MINT = 1_000_000
MINT_BATCH_SIZE = 5_000
BATCH_RELATED = (
    "variant__product__producer__district",
    "variant__product__producer__commune",
    "variant__product__producer__former_commune__successor",
    "variant__product__district",
    "variant__product__commune__successor",
    "variant__product__commune__district",
    "origin_commune__district",
    "origin_commune__successor",
)
LOOKUP_RELATED = ("batch__variant__product",)
# A lot found by its code: what the verdict and links need; the page loads (and caches) the rest.
LOT_LOOKUP_RELATED = ("variant__product",)


# -- finding things ---------------------------------------------------------------------

def find_variant(*, variant_id: int | None = None, gtin: str | None = None, sku: str | None = None) -> ProductVariant:
    variants = ProductVariant.objects.select_related("product__producer")
    if gtin:
        try:
            gtin = validate_gtin(gtin)
        except ValidationError as exc:
            raise ShopError(
                CatalogErrorCode(exc.code), exc.messages[0],
                "The GTIN is not valid (8, 12, 13 or 14 digits with a correct GS1 check digit); check the barcode.",
                field="gtin",
            ) from exc
        variant = variants.filter(gtin=gtin).first()
    elif sku:
        variant = variants.filter(sku=sku.strip().upper()).first() or variants.filter(sku=sku.strip()).first()
    elif variant_id:
        variant = variants.filter(pk=variant_id).first()
    else:
        variant = None
    if variant is None:
        raise ShopError(
            CommonErrorCode.VARIANT_NOT_FOUND, "Không tìm thấy quy cách sản phẩm này; hãy kiểm tra mã.",
            "No product variant matches; check the ID, GTIN or SKU.", field="variantId",
        )
    return variant


def find_batch(lot_code: str, *, gtin: str | None = None, sku: str | None = None) -> Batch:
    """A lot by its printed code; with several variants using the same code,
    the GTIN or SKU tells them apart."""
    batches = Batch.objects.select_related(*BATCH_RELATED).filter(lot_code=(lot_code or "").strip().upper())
    if gtin or sku:
        batches = batches.filter(variant=find_variant(gtin=gtin, sku=sku))
    found = list(batches[:2])
    if not found:
        raise ShopError(TraceabilityErrorCode.BATCH_NOT_FOUND, f"Không có lô {lot_code}.", f"There is no lot {lot_code}.", field="batch")
    if len(found) > 1:
        raise ShopError(
            TraceabilityErrorCode.BATCH_AMBIGUOUS, f"Nhiều sản phẩm có lô {lot_code}; hãy cho thêm GTIN hoặc SKU.",
            f"Several products have a lot {lot_code}; give the GTIN or SKU too.", field="batch",
        )
    return found[0]


# -- lots -------------------------------------------------------------------------------

def _clean_documents(documents) -> list[dict]:
    cleaned = []
    for doc in documents or []:
        title = str((doc.get("title") if isinstance(doc, dict) else doc) or "").strip()[:200]
        url = str((doc.get("url") if isinstance(doc, dict) else "") or "").strip()[:500]
        if url and not url.startswith(("https://", "http://")):
            raise ShopError(
                TraceabilityErrorCode.INVALID_DOCUMENT_URL, "Đường dẫn hồ sơ chất lượng phải bắt đầu bằng https://.",
                "A quality document link must start with https://.", field="qualityDocuments",
            )
        if title:
            cleaned.append({"title": title, "url": url})
    return cleaned


def check_batch(*, variant: ProductVariant, lot_code: str, production_date: datetime.date, quantity: int,
                expiry_date: datetime.date | None = None, quality_documents=None, by=None,
                batch: Batch | None = None) -> dict:
    """The rules a lot meets, wherever it is written (batchCreate, the admin's form): `by` may
    manage the variant's producer, the lot code is well formed and new for the variant, the
    quantity and dates make sense, document links are web links. Raises ShopError; returns
    the cleaned `lot_code` and `quality_documents`. `batch`: the lot being edited (its own
    code is no clash)."""
    require_manager(by, variant.product.producer_id)
    try:
        lot_code = codes.normalize_lot_code(lot_code)
    except ValidationError as exc:
        raise ShopError(
            TraceabilityErrorCode.INVALID_LOT_CODE, exc.messages[0],
            "A lot code has unaccented letters, digits and dashes only, at most 20 characters.", field="lotCode",
        ) from exc
    if variant.gtin:
        validate_gtin(variant.gtin)  # a stored GTIN is valid; anything else is a bug to surface
    if quantity is None or quantity < 1:
        raise ShopError(TraceabilityErrorCode.INVALID_QUANTITY, "Số lượng của lô phải ít nhất là 1.", "A lot's quantity must be at least 1.",
                        field="quantity")
    if production_date > timezone.localdate() + datetime.timedelta(days=1):
        raise ShopError(TraceabilityErrorCode.INVALID_PRODUCTION_DATE, "Ngày sản xuất không thể ở tương lai.",
                        "The production date cannot be in the future.", field="productionDate")
    if expiry_date and expiry_date < production_date:
        raise ShopError(TraceabilityErrorCode.INVALID_EXPIRY_DATE, "Hạn sử dụng phải sau ngày sản xuất.",
                        "The expiry date must be after the production date.", field="expiryDate")
    clashes = Batch.objects.filter(variant=variant, lot_code=lot_code)
    if batch is not None and batch.pk:
        clashes = clashes.exclude(pk=batch.pk)
    if clashes.exists():
        raise ShopError(TraceabilityErrorCode.LOT_EXISTS, f"Quy cách này đã có lô {lot_code}; hãy dùng số lô khác.",
                        f"This variant already has a lot {lot_code}; use another lot code.", field="lotCode")
    return {"lot_code": lot_code, "quality_documents": _clean_documents(quality_documents)}


@transaction.atomic
def create_batch(*, variant: ProductVariant, lot_code: str, production_date: datetime.date, quantity: int,
                 expiry_date: datetime.date | None = None, origin_commune=None, raw_materials: str = "",
                 raw_materials_en: str = "", quality_documents=None, by=None) -> Batch:
    checked = check_batch(variant=variant, lot_code=lot_code, production_date=production_date, quantity=quantity,
                          expiry_date=expiry_date, quality_documents=quality_documents, by=by)
    batch = Batch(
        variant=variant, lot_code=checked["lot_code"], production_date=production_date, expiry_date=expiry_date,
        quantity=quantity, origin_commune=origin_commune, raw_materials=raw_materials.strip(),
        raw_materials_en=raw_materials_en.strip(), quality_documents=checked["quality_documents"],
        created_by=by if getattr(by, "pk", None) else None,
    )
    for _ in range(20):  # 2^25 short codes: a clash is rare, a retry settles it
        batch.short_code = codes.new_lot_short_code()
        if not Batch.objects.filter(short_code=batch.short_code).exists():
            break
    batch.save()
    return batch


@transaction.atomic
def save_batch(*, batch: Batch, by=None) -> Batch:
    """A lot edited in place (the admin's change form), under create_batch's rules. An active
    lot keeps no recall reason: the Recall action (recall_batch) writes it."""
    checked = check_batch(variant=batch.variant, lot_code=batch.lot_code, production_date=batch.production_date,
                          quantity=batch.quantity, expiry_date=batch.expiry_date,
                          quality_documents=batch.quality_documents, by=by, batch=batch)
    batch.lot_code, batch.quality_documents = checked["lot_code"], checked["quality_documents"]
    batch.raw_materials, batch.raw_materials_en = batch.raw_materials.strip(), batch.raw_materials_en.strip()
    if batch.status == Batch.Status.ACTIVE:
        batch.recall_reason = ""
    batch.save()
    return batch


@transaction.atomic
def add_event(*, batch: Batch, biz_step: str, event_time: datetime.datetime, description: str = "",
              description_en: str = "", place: str = "", place_en: str = "", sales_point=None, commune=None,
              disposition: str = "", quantity=None, uom: str = "", action: str | None = None, by=None) -> TraceEvent:
    require_manager(by, batch.variant.product.producer_id)
    step = vocabulary.biz_step_value(biz_step)
    if step is None:
        raise ShopError(
            TraceabilityErrorCode.INVALID_BIZ_STEP, "Bước nghiệp vụ không hợp lệ; dùng một bước CBV (vd. packing, shipping) hoặc harvesting.",
            "Unknown business step; use a CBV step (e.g. packing, shipping) or harvesting.", field="bizStep",
        )
    disposition_value = vocabulary.disposition_value(disposition)
    if disposition_value is None:
        raise ShopError(TraceabilityErrorCode.INVALID_DISPOSITION, "Tình trạng không thuộc bộ từ vựng CBV.",
                        "The disposition is not a CBV disposition.", field="disposition")
    if not vocabulary.pair_allowed(step, disposition_value):
        allowed = ", ".join(vocabulary.allowed_dispositions(step)) or "—"
        raise ShopError(
            TraceabilityErrorCode.INVALID_DISPOSITION,
            f"Theo CBV 2.0, tình trạng {disposition_value} không đi với bước {vocabulary.short_name(step)}; "
            f"hãy dùng: {allowed}, hoặc để trống (hàng đang bày bán là bước stocking, sellable_accessible).",
            f"In CBV 2.0 the disposition {disposition_value} does not go with {vocabulary.short_name(step)}; "
            f"use {allowed}, or none (goods on the shelf are stocking, sellable_accessible).",
            field="disposition",
        )
    if event_time is None or timezone.is_naive(event_time):
        raise ShopError(TraceabilityErrorCode.INVALID_EVENT_TIME, "Thời điểm cần có múi giờ (vd. 2026-03-01T08:00:00+07:00).",
                        "The event time needs a time-zone offset (e.g. 2026-03-01T08:00:00+07:00).", field="eventTime")
    if event_time > timezone.now() + datetime.timedelta(minutes=10):
        raise ShopError(TraceabilityErrorCode.INVALID_EVENT_TIME, "Thời điểm của sự kiện không thể ở tương lai.",
                        "An event cannot happen in the future.", field="eventTime")
    if uom and not (2 <= len(uom) <= 3 and uom.isalnum() and uom.upper() == uom):
        raise ShopError(TraceabilityErrorCode.INVALID_UOM, "Đơn vị theo mã UN/CEFACT, vd. KGM, LTR, H87.",
                        "Units are UN/CEFACT codes such as KGM, LTR, H87.", field="uom")
    offset = event_time.utcoffset() or datetime.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    tz_offset = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    first_step = step in ("commissioning", vocabulary.harvesting_uri())
    return TraceEvent.objects.create(
        batch=batch, action=action or ("ADD" if first_step else "OBSERVE"), biz_step=step,
        disposition=disposition_value, event_time=event_time, event_timezone_offset=tz_offset,
        sales_point=sales_point, commune=commune, place=place.strip()[:200], place_en=place_en.strip()[:200],
        description=description.strip()[:500], description_en=description_en.strip()[:500],
        quantity=quantity, uom=uom, created_by=by if getattr(by, "pk", None) else None,
    )


@transaction.atomic
def recall_batch(*, batch: Batch, reason: str, by=None, now: datetime.datetime | None = None) -> Batch:
    """Recall a lot: every code of it shows a red warning with the reason."""
    require_manager(by, batch.variant.product.producer_id)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ShopError(TraceabilityErrorCode.REASON_REQUIRED, "Hãy ghi rõ lý do thu hồi (ít nhất 5 ký tự): người mua sẽ đọc nó.",
                        "State the reason for the recall (at least 5 characters): buyers will read it.", field="reason")
    batch = Batch.objects.select_for_update(of=("self",)).select_related(*BATCH_RELATED).get(pk=batch.pk)
    if batch.is_recalled:
        raise ShopError(TraceabilityErrorCode.ALREADY_RECALLED, "Lô này đã bị thu hồi.", "This lot is already recalled.", field="batchId")
    now = now or timezone.now()
    batch.status, batch.recalled_at, batch.recall_reason = Batch.Status.RECALLED, now, reason[:500]
    reason_vi, reason_en = english.halves(reason)  # "Vietnamese … / English …" written at once: each its half
    batch.save(update_fields=["status", "recalled_at", "recall_reason"])
    TraceEvent.objects.create(
        batch=batch, action="OBSERVE", biz_step="holding", disposition="recalled", event_time=now,
        event_timezone_offset="+07:00", description=f"Thu hồi lô: {reason_vi}"[:500],
        description_en=f"Lot recalled: {reason_en}"[:500], created_by=by if getattr(by, "pk", None) else None,
    )
    # Stock is not kept per lot, so the shop cannot tell this lot's units from
    # others: stop selling the variant until the province lifts the hold.
    holds.place_hold(
        variant_id=batch.variant_id, source=f"recall:{batch.pk}",
        reason=f"Lô {batch.lot_code} bị thu hồi: {reason_vi}", reason_en=f"Lot {batch.lot_code} recalled: {reason_en}",
    )
    return batch


def mint_serials(*, batch: Batch, count: int, by=None) -> list[str]:
    """`count` new signed serials for a lot, in bulk (100,000 take seconds)."""
    require_manager(by, batch.variant.product.producer_id)
    if not 1 <= count <= MAX_MINT:
        raise ShopError(TraceabilityErrorCode.INVALID_COUNT, f"Số mã cần tạo phải từ 1 đến {MAX_MINT:,}.",
                        f"The number of codes must be between 1 and {MAX_MINT:,}.", field="count")
    if batch.is_recalled:
        raise ShopError(TraceabilityErrorCode.BATCH_RECALLED, "Lô đã bị thu hồi: không in thêm tem.", "The lot is recalled: no new labels.",
                        field="batch")
    table = ItemSerial._meta.db_table
    sql = f'INSERT INTO "{table}" ("batch_id", "serial", "created_at") VALUES (?, ?, ?)'
    for _ in range(5):
        serials = codes.new_serials(count)
        created = connection.ops.adapt_datetimefield_value(timezone.now())
        try:
            # One prepared INSERT run over the rows in chunks: model instances and
            # bulk_create's SQL building cost more than the database for 100,000 rows.
            with transaction.atomic(), connection.cursor() as cursor:
                if connection.vendor == "postgresql":  # COPY: the fastest way in, by far
                    with cursor.cursor.copy(f'COPY "{table}" ("batch_id", "serial", "created_at") FROM STDIN') as copy:
                        for serial in serials:
                            copy.write_row((batch.pk, serial, created))
                elif connection.vendor == "sqlite":  # the driver's own executemany, one prepared statement
                    for start in range(0, count, MINT_BATCH_SIZE):
                        chunk = serials[start : start + MINT_BATCH_SIZE]
                        cursor.cursor.executemany(sql, [(batch.pk, s, created) for s in chunk])
                else:
                    ItemSerial.objects.bulk_create(
                        (ItemSerial(batch=batch, serial=s) for s in serials), batch_size=MINT_BATCH_SIZE)
            return serials
        except IntegrityError:  # a 50-bit clash with an existing serial: draw again
            logger.warning("serial clash while minting for lot %s; retrying", batch.pk)
    raise ShopError(TraceabilityErrorCode.MINT_FAILED, "Không tạo được mã; hãy thử lại.", "Could not mint codes; try again.")


# -- resolving a code ---------------------------------------------------------------------

@dataclass
class TraceOutcome:
    verdict: Verdict
    reason: str = ""
    parsed: codes.Parsed | None = None
    batch: Batch | None = None
    serial: ItemSerial | None = None
    product: Product | None = None
    scan_count: int | None = None  # scans of this code, this one included
    first_scanned_at: datetime.datetime | None = None
    digital_link: str | None = None

    @property
    def found(self) -> bool:
        return self.batch is not None

    @property
    def unissued(self) -> bool:
        """The code names a real product (its GTIN) but no lot or serial the shop issued
        for it: a label claiming to be that product, which the page must not vouch for."""
        return self.batch is None and self.product is not None


def _lookup(parsed: codes.Parsed) -> TraceOutcome:
    """The database side: what the code names, without logging anything."""
    out = TraceOutcome(verdict=Verdict.UNKNOWN, parsed=parsed)
    if parsed.kind == Kind.SHORT_LOT and parsed.signature_ok:
        out.batch = lotcache.lot(parsed.short, lambda: Batch.objects.select_related(*LOT_LOOKUP_RELATED).filter(
            short_code=parsed.short).first())
    elif parsed.kind == Kind.SERIAL and parsed.signature_ok:
        # The hot path of the trace page: a small join. The page's other facts
        # (producer, places) are loaded lazily, and cached by the page.
        item = ItemSerial.objects.select_related(*LOOKUP_RELATED).filter(serial=parsed.serial).first()
        if item is not None:
            batch = item.batch
            # (/01/{gtin}/21/{serial} names no lot: the GTIN must match.)
            if parsed.gtin and (batch.variant.gtin != parsed.gtin
                                or (parsed.lot is not None and batch.lot_code != parsed.lot)):
                # A genuine serial printed under another product or lot: a copy.
                out.product = batch.variant.product if batch.variant.gtin == parsed.gtin else None
                out.reason = "serial_mismatch"
                return out
            out.serial, out.batch = item, batch
    elif parsed.kind in (Kind.LOT, Kind.PRODUCT):
        if parsed.kind == Kind.LOT:
            out.batch = lotcache.lot(f"{parsed.gtin}/{parsed.lot}", lambda: Batch.objects.select_related(
                *LOT_LOOKUP_RELATED).filter(variant__gtin=parsed.gtin, lot_code=parsed.lot).first())
        if out.batch is None:
            variant = ProductVariant.objects.select_related("product").filter(gtin=parsed.gtin).first()
            out.product = variant.product if variant is not None else None
    if out.batch is None and out.product is None and parsed.kind == Kind.SERIAL and parsed.gtin:
        # A serial the shop did not issue, printed under a real GTIN: the label claims that product.
        variant = ProductVariant.objects.select_related("product").filter(gtin=parsed.gtin).first()
        out.product = variant.product if variant is not None else None
    if out.batch is not None:
        out.product = out.batch.variant.product
        out.digital_link = (codes.link_for_serial(out.batch, out.serial.serial) if out.serial
                            else codes.link_for_batch(out.batch))
    return out


def trace_code(text: str = "", *, parsed: codes.Parsed | None = None, client: str, channel: str = "page",
               latitude=None, longitude=None, now: datetime.datetime | None = None) -> TraceOutcome:
    """Resolve a code (`text`, or `parsed` when the caller parsed it) and log the
    scan. Never raises for bad input: a code that is not ours gets UNKNOWN or
    NOT_AUTHENTIC."""
    now = now or timezone.now()
    parsed = parsed or codes.parse(text)
    out = _lookup(parsed)
    if parsed.error == "bad_check_digit":
        out.reason = "bad_check_digit"
    lat, lon = scans.coarse(latitude, longitude) if latitude is not None and longitude is not None else (None, None)
    # An unparseable code is logged as typed, less what PostgreSQL and log readers cannot take.
    code = (parsed.code or "".join(ch for ch in (text or "")[:64] if ch.isprintable()))[:64]
    batch, serial = out.batch, out.serial
    facts = Facts(
        signature_ok=parsed.signature_ok if out.reason != "serial_mismatch" else False,
        found=batch is not None,
        recalled=bool(batch and batch.is_recalled),
        is_serial=serial is not None,
        lot_quantity=batch.quantity if batch else 0,
        now=now,
        latitude=float(lat) if lat is not None else None,
        longitude=float(lon) if lon is not None else None,
    )
    scan = scans.PendingScan(now, code, client, "", channel, batch.pk if batch else None,
                             serial.pk if serial else None, lat, lon)
    if batch is not None and serial is None:  # a lot-level code: the hot path (tally.py, scans.scan_lot)
        ladder = lot_ladder(facts)
        logged = tally.scan(scan, ladder) or scans.scan_lot(scan, ladder)
        if logged is not None:
            return _concluded(out, logged.decision, logged.seen, logged.repeat_at, now)
    state = scans.client_state(client, code, now, batch_id=scan.batch_id, serial_id=scan.serial_id)
    history = scans.history(batch_id=scan.batch_id, serial_id=scan.serial_id, now=now, state=state)
    facts.earlier_count, facts.recent = history.count, history.recent
    _concluded(out, decide(facts), history, state.repeat_at, now)
    scans.record(scan=replace(scan, verdict=out.verdict.value), state=state, seen=history)
    return out


def _concluded(out: TraceOutcome, decision, history: scans.History, repeat_at, now) -> TraceOutcome:
    out.verdict, out.reason = decision.verdict, out.reason or decision.reason
    if out.batch is not None and not history.available and out.verdict == Verdict.AUTHENTIC_FIRST_SCAN:
        # The log could not be read: genuine, but we cannot say it is the first scan.
        out.verdict = Verdict.AUTHENTIC_SEEN_BEFORE
    if history.available and out.batch is not None:
        out.scan_count = history.count + 1
        out.first_scanned_at = history.first_at or repeat_at or now
    return out


# -- reports from buyers ----------------------------------------------------------------

def report_problem(*, code: str, kind: str, message: str, contact: str = "", client: str) -> ProblemReport:
    # No control or bidi characters (a NUL is a DataError on PostgreSQL); the message keeps its lines.
    message = clean_text(message, multiline=True)
    if len(message) < 5:
        raise ShopError(TraceabilityErrorCode.MESSAGE_REQUIRED, "Hãy mô tả vấn đề (ít nhất 5 ký tự).", "Describe the problem (at least 5 characters).",
                        field="message")
    if kind not in ProblemReport.Kind.values:
        kind = ProblemReport.Kind.OTHER
    since = timezone.now() - datetime.timedelta(days=1)
    if ProblemReport.objects.filter(client_hash=client, created_at__gte=since).count() >= \
            settings.TRACE_REPORTS_PER_CLIENT_PER_DAY:
        raise ShopError(TraceabilityErrorCode.TOO_MANY_REPORTS, "Bạn đã gửi nhiều phản ánh hôm nay; hãy gọi điện cho trung tâm OCOP.",
                        "You have sent many reports today; please call the OCOP centre.")
    parsed = codes.parse(code)
    batch = _lookup(parsed).batch if parsed.kind != Kind.INVALID else None
    return ProblemReport.objects.create(
        code=(parsed.code or clean_text(code))[:64], batch=batch, kind=kind, message=message[:2000],
        contact=clean_text(contact)[:200], client_hash=client,
    )
