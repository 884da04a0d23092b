"""What the trace page says, in the visitor's language, without HTTP.

views.py parses the request, calls services.trace_code and renders; this
module turns a TraceOutcome into the page's context: the verdict in words,
the product, its OCOP certificate, the lot, its journey and where to buy it
(inventory.availability). What it shows of a product and lot is the same for
every scan, so it is cached per lot (`subject_key`); the verdict and the scan
note are the scan's own.
"""
from __future__ import annotations

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.utils import timezone

from catalog import certification
from catalog.models import ProductImage
from inventory import availability
from shop.errors import ShopError, pick
from shop.models import District
from traceability import codes, links, lotcache, scans, services, vocabulary
from traceability.texts import REASON_TEXT, VERDICT_CLASS, VERDICT_TEXT
from traceability.verdicts import Verdict

SUBJECT_CACHE_SECONDS = 60
SALES_POINTS_IN_STOCK = 6  # points listed that have the variant
SALES_POINTS_OPEN = 4  # else, open points listed to ask at

LABELS = {
    "title": ("Truy xuất nguồn gốc", "Product trace"), "product": ("Sản phẩm", "Product"),
    "producer": ("Chủ thể sản xuất", "Producer"), "origin": ("Xuất xứ", "Origin"),
    "lot": ("Số lô", "Lot"), "made": ("Ngày sản xuất", "Produced"), "expiry": ("Hạn sử dụng", "Best before"),
    "serial": ("Sê-ri", "Serial"), "materials": ("Nguyên liệu", "Raw materials"),
    "documents": ("Hồ sơ chất lượng", "Quality documents"), "journey": ("Hành trình của lô hàng", "The lot's journey"),
    "buy": ("Mua ở đâu", "Where to buy"), "report": ("Báo cáo vấn đề", "Report a problem"),
    "ocop": ("Sản phẩm OCOP", "OCOP product"), "until": ("hiệu lực đến", "valid until"),
    "decision": ("Quyết định", "Decision"), "share": ("Bạn đang ở đâu? (không bắt buộc)", "Where are you? (optional)"),
    "send": ("Gửi", "Send"), "kind": ("Loại vấn đề", "Kind"), "message": ("Nội dung", "What happened"),
    "contact": ("Liên hệ (không bắt buộc)", "Contact (optional)"), "recall": ("Thu hồi", "Recall"),
    "in_stock": ("còn hàng", "in stock"), "more": ("Xem sản phẩm", "See the product"),
    "switch": ("English", "Tiếng Việt"), "code": ("Mã", "Code"), "district": ("huyện", "district"),
    "fake": ("Nghi hàng giả", "Suspected fake"), "quality": ("Chất lượng", "Quality"),
    "info": ("Thông tin sai", "Wrong information"), "other": ("Khác", "Other"),
    "choose": ("— chọn huyện —", "— choose a district —"),
}
NOT_FOUND = ("Không tìm thấy mã này.", "Code not found.")
REPORT_THANKS = ("Cảm ơn bạn! Chúng tôi sẽ kiểm tra và liên hệ nếu bạn để lại thông tin.",
                 "Thank you! We will look into it and get back to you if you left a contact.")


# -- the scan's own parts ----------------------------------------------------------------

def place(district_code: str, latitude: str | None, longitude: str | None):
    """A coarse place the visitor chose to share: a district's centre, or lat/lon rounded (scans.coarse)."""
    if district_code and len(district_code) <= 8 and district_code.isdigit():
        district = District.objects.filter(code=district_code).values_list("latitude", "longitude").first()
        if district and district[0] is not None:
            return district
    if latitude is not None and longitude is not None:
        return scans.coarse(latitude[:20], longitude[:20])
    return None, None


def page_context(outcome: services.TraceOutcome, language: str, code: str) -> dict:
    """Everything the trace page shows, in the visitor's language."""
    verdict = outcome.verdict
    (title_vi, title_en), (text_vi, text_en) = VERDICT_TEXT[verdict]
    ctx = {
        "lang": language, "other_lang": "en" if language == "vi" else "vi",
        "verdict": verdict.value, "verdict_class": VERDICT_CLASS[verdict],
        "verdict_title": pick(title_vi, title_en, language), "verdict_text": pick(text_vi, text_en, language),
        "reason": pick(*REASON_TEXT[outcome.reason], language) if outcome.reason in REASON_TEXT else "",
        "code": code, "t": labels(language), "scan_note": scan_note(outcome, language),
    }
    product, batch = outcome.product, outcome.batch
    ctx.update(_subject_context(product, batch, language))
    if batch is not None:
        ctx["batch"] = {**ctx["batch"], "serial": codes.pretty(outcome.serial.serial) if outcome.serial else ""}
    return ctx


def scan_note(outcome: services.TraceOutcome, language: str) -> str:
    """How often the code was scanned before this scan (empty for a first scan)."""
    before = (outcome.scan_count or 0) - 1
    if before <= 0 or outcome.verdict == Verdict.AUTHENTIC_FIRST_SCAN:
        return ""
    first = _fmt_time(outcome.first_scanned_at)
    return pick(f"Đã được quét {before} lần trước lần này; lần đầu lúc {first}.",
                f"Scanned {before} time{'s' if before != 1 else ''} before this one; first at {first}.", language)


def labels(language: str) -> dict:
    return {k: pick(vi, en, language) for k, (vi, en) in LABELS.items()}


def not_found_message(language: str) -> str:
    return pick(*NOT_FOUND, language)


def report(*, code: str, kind: str, message: str, contact: str, client: str, language: str) -> tuple[bool, str]:
    """A buyer's problem report (services.report_problem): whether it was taken, and what to tell them."""
    try:
        services.report_problem(code=code, kind=kind, message=message, contact=contact, client=client)
    except ShopError as exc:
        return False, pick(exc.message_vi, exc.message_en, language)
    return True, pick(*REPORT_THANKS, language)


# -- the product and lot: the same for every scan, cached -------------------------------

def subject_key(batch, language: str) -> str:
    """The cache key of what a lot's page shows: its status and the lot cache's
    generation, which every change to the lot, its events, product or
    certificates bumps (traceability/lotcache.py), are part of it, so those
    changes show at once; the day too (a certificate lapses at midnight)."""
    # The short code is random per lot, so a key never outlives its lot's identity.
    generation = getattr(batch, "trace_generation", None) or lotcache.generation()
    return f"{batch.pk}:{batch.short_code}:{batch.status}:{generation}:{language}:{certification.today()}"


def _subject_context(product, batch, language: str) -> dict:
    """What the page shows about the product and lot: the same for every scan,
    so it is cached for a minute (see subject_key)."""
    key = f"trace-page:{subject_key(batch, language)}" if batch else ""
    cached = cache.get(key) if key else None
    if cached is not None:
        return cached
    ctx = {}
    if product is not None:
        ctx["product"] = _product(product, language)
        ocop = _certificate(product)
        if ocop is not None:
            ctx["ocop"] = ocop
    if batch is not None:
        ctx["product"]["variant"] = pick(batch.variant.name, batch.variant.name_en, language)
        ctx["origin"] = _origin(product, batch, language)
        ctx["batch"] = _lot(batch, language)
        ctx["events"] = _events(batch, language)
        ctx["points"] = _sales_points(batch.variant, language)
    ctx["districts"] = list(District.objects.order_by("code").values_list("code", "name"))
    if key:
        cache.set(key, ctx, SUBJECT_CACHE_SECONDS)
    return ctx


def _product(product, language: str) -> dict:
    producer = product.producer
    return {
        "name": pick(product.name, product.name_en, language),
        "url": links.product_page_url(product, language),
        "thumbnail": _thumbnail(product),
        "producer": producer.name if producer else "",
        "producer_phone": producer.phone if producer else "",
    }


def _certificate(product) -> dict | None:
    """The OCOP block: shown only while a certificate is in force (catalog.certification)."""
    cert = certification.displayable(product.certifications.all())
    if cert is None:
        return None
    return {"stars": "★" * cert.stars, "count": cert.stars, "number": cert.decision_number,
            "until": _fmt_date(cert.valid_until)}


def _origin(product, batch, language: str) -> dict:
    producer = product.producer
    commune = batch.origin_commune or product.commune or (producer.former_commune if producer else None)
    district = (commune.district if commune and commune.district_id else None) or product.district or (
        producer.district if producer else None)
    return {"commune": _commune_text(commune, language),
            "district": pick(district.name, district.name_en, language) if district else ""}


def _lot(batch, language: str) -> dict:
    return {
        "lot": batch.lot_code, "made": _fmt_date(batch.production_date), "expiry": _fmt_date(batch.expiry_date),
        "recalled": batch.is_recalled, "recall_reason": batch.recall_reason,
        "recalled_at": _fmt_time(batch.recalled_at),
        "materials": pick(batch.raw_materials, batch.raw_materials_en, language),
        "documents": batch.quality_documents,
        "short": codes.pretty(batch.short_code),
    }


def _events(batch, language: str) -> list[dict]:
    return [
        {"step": vocabulary.step_label(e.biz_step, language), "when": _fmt_time(e.event_time),
         "place": pick(e.place, e.place_en, language) or (
             pick(e.sales_point.name, e.sales_point.name_en, language) if e.sales_point_id else
             (str(e.commune) if e.commune_id else "")),
         "text": pick(e.description, e.description_en, language), "recall": e.disposition == "recalled"}
        for e in batch.events.select_related("sales_point", "commune").order_by("event_time", "id")
    ]


def _sales_points(variant, language: str) -> list[dict]:
    """Where to buy: the points with the variant in sellable stock, else open points to ask at."""
    stocked = list(
        availability.sellable_stock().filter(variant=variant)
        .select_related("sales_point").order_by("sales_point__priority", "sales_point__code")[:SALES_POINTS_IN_STOCK]
    )
    points = [s.sales_point for s in stocked] or list(
        availability.open_points().order_by("priority", "code")[:SALES_POINTS_OPEN])
    return [{"name": pick(p.name, p.name_en, language), "address": p.address, "hours": p.opening_hours,
             "phone": p.phone, "in_stock": bool(stocked)} for p in points]


def _thumbnail(product) -> dict | None:
    image = ProductImage.objects.filter(product=product).order_by("position", "id").first()
    if image is None:
        return None
    renditions = image.renditions or []
    if renditions:
        r = next((r for r in renditions if r["width"] >= 160), renditions[-1])
        srcset = ", ".join(f"{default_storage.url(x['path'])} {x['width']}w" for x in renditions if x["width"] <= 640)
        return {"url": default_storage.url(r["path"]), "width": r["width"], "height": r["height"], "srcset": srcset,
                "alt": image.alt or product.name}
    return None


def _commune_text(commune, language: str) -> str:
    if commune is None:
        return ""
    text = str(commune)
    if commune.successor_id and commune.successor_id != commune.pk:
        text += pick(f" (nay là {commune.successor})", f" (now {commune.successor})", language)
    return text


def _fmt_date(day) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


def _fmt_time(moment) -> str:
    return f"{timezone.localtime(moment):%H:%M %d/%m/%Y}" if moment else ""
