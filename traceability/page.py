"""What the trace page says, in the visitor's language, without HTTP.

views.py parses the request, calls services.trace_code and renders; this
module turns a TraceOutcome into the page's context: the verdict in words,
the product, its OCOP certificate, the lot, its journey and where to buy it
(inventory.availability). What it shows of a product and lot is the same for
every scan, so it is cached per lot (`subject_key`); the verdict and the scan
note are the scan's own.
"""
from __future__ import annotations

from urllib.parse import urlencode

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db.models import Count
from django.utils import timezone

from catalog import certification
from catalog.models import ProductImage
from inventory import availability
from shop import english
from shop.errors import ShopError, pick
from shop.models import District
from traceability import codes, links, lotcache, scans, services, vocabulary
from traceability.models import Scan
from traceability.texts import (
    LOT_CODE_TEXT,
    REASON_TEXT,
    UNISSUED_CLAIM,
    UNISSUED_TEXT,
    VERDICT_CLASS,
    VERDICT_TEXT,
)
from traceability.verdicts import Verdict, distance_km

SUBJECT_CACHE_SECONDS = 60
SALES_POINTS_IN_STOCK = 6  # points listed that have the variant
SALES_POINTS_OPEN = 4  # else, open points listed to ask at
PLACE_RADIUS_KM = 30  # a shared position this near a district's centre counts as that district
PLACES_SHOWN = 5  # places listed where a lot code was scanned
PLACE_GROUPS_READ = 500  # distinct (coarse) positions read per lot

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
    "report_fake": ("Báo mã này cho chúng tôi", "Report this code to us"),
    "report_lead": ("Hãy cho biết bạn thấy sản phẩm ở đâu (cửa hàng, chợ, trang bán hàng) và giá bán.",
                    "Tell us where you found the product (shop, market, website) and its price."),
    "compare": ("Trang của sản phẩm thật (để so sánh bao bì)", "The genuine product's page (to compare the packaging)"),
    "scanned_in": ("Nơi mã lô này được quét (theo huyện, từ những người chia sẻ vị trí)",
                   "Where this lot code was scanned (by district, from visitors who shared their place)"),
    "times": ("lần", "scans"),
    "sent_title": ("Đã gửi báo cáo", "Report sent"),
    "error_title": ("Chưa gửi được báo cáo", "Your report was not sent"),
    "back": ("Quay lại trang của mã", "Back to the code's page"),
    "home": ("Về trang chủ cửa hàng", "Back to the shop"),
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
    """Everything the trace page shows, in the visitor's language.

    A code the shop did not issue but printed under a real product's GTIN
    (`outcome.unissued`) gets a warning page: the product is named as what the
    label claims, never vouched for (no stars, no certificate, no lot), and the
    report form comes first, set to a suspected fake. A lot-level code says what
    it is (on every pack of its lot) rather than "scanned before"."""
    verdict = outcome.verdict
    lot_level = outcome.batch is not None and outcome.serial is None
    (title_vi, title_en), (text_vi, text_en) = (
        UNISSUED_TEXT if outcome.unissued else LOT_CODE_TEXT if lot_level and verdict.is_authentic
        else VERDICT_TEXT[verdict])
    ctx = {
        "lang": language, "other_lang": "en" if language == "vi" else "vi",
        "verdict": verdict.value, "verdict_class": "bad" if outcome.unissued else VERDICT_CLASS[verdict],
        "verdict_title": pick(title_vi, title_en, language), "verdict_text": pick(text_vi, text_en, language),
        "reason": pick(*REASON_TEXT[outcome.reason], language) if outcome.reason in REASON_TEXT else "",
        "code": code, "t": labels(language), "scan_note": scan_note(outcome, language),
        "lot_level": lot_level, "unissued": outcome.unissued,
    }
    product, batch = outcome.product, outcome.batch
    if outcome.unissued:
        name = pick(product.name, product.name_en, language)
        ctx["claim"] = {"text": pick(*UNISSUED_CLAIM, language).format(name=name),
                        "url": links.product_page_url(product, language)}
        return ctx
    ctx.update(_subject_context(product, batch, language))
    if batch is not None:
        ctx["batch"] = {**ctx["batch"], "serial": codes.pretty(outcome.serial.serial) if outcome.serial else ""}
    return ctx


def scan_note(outcome: services.TraceOutcome, language: str) -> str:
    """How often the code was scanned before this scan (empty for an item's first scan).
    A lot-level code, on every pack of its lot, gets the lot's count, and a warning
    only once the count exceeds the lot's packs."""
    if outcome.batch is not None and outcome.serial is None:
        return _lot_note(outcome.scan_count, outcome.batch.quantity, language)
    before = (outcome.scan_count or 0) - 1
    if before <= 0 or outcome.verdict == Verdict.AUTHENTIC_FIRST_SCAN:
        return ""
    first = _fmt_time(outcome.first_scanned_at)
    return pick(f"Đã được quét {before} lần trước lần này; lần đầu lúc {first}.",
                f"Scanned {before} time{'s' if before != 1 else ''} before this one; first at {first}.", language)


def _lot_note(count: int | None, quantity: int, language: str) -> str:
    if not count:  # the scan log could not be read
        return ""
    if quantity and count > quantity:
        return pick(f"Mã lô này đã được quét {count} lần — nhiều hơn số gói của lô ({quantity}): mã có thể đã bị "
                    "sao chép. Hãy so bao bì với nơi bán chính thức và báo cho chúng tôi nếu thấy khác.",
                    f"This lot code has been scanned {count} times — more than the lot's {quantity} packs: the code "
                    "may have been copied. Compare the packaging with an official sales point and tell us if it "
                    "differs.", language)
    if count == 1:
        return pick("Đây là lần quét đầu tiên của mã lô này.", "This is the first scan of this lot code.", language)
    packs = pick(f" (lô có {quantity} gói)", f" (the lot has {quantity} packs)", language) if quantity else ""
    return pick(f"Mã lô này đã được quét {count} lần{packs}.",
                f"This lot code has been scanned {count} times{packs}.", language)


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


def report_thanks(language: str) -> str:
    return pick(*REPORT_THANKS, language)


def safe_back(back: str) -> str:
    """The code's page a report page links back to: a trace path of ours, else nothing."""
    back = back or ""
    ok = back.startswith(("/q/", "/01/")) and len(back) <= 300 and back.isascii() and back.isprintable()
    return back if ok and not any(ch in back for ch in "\"'<>\\ ?#") else ""


def report_context(language: str, back: str, *, ok: bool = False, message: str = "",
                   form: dict | None = None) -> dict:
    """The report page: the thank-you (`ok`), the error with what the visitor typed
    (`form`), or the empty form; in the trace page's frame and language."""
    back = safe_back(back)
    other = "en" if language == "vi" else "vi"
    query = {**({"sent": "1"} if ok else {}), **({"back": back} if back else {}), "lang": other}
    return {"lang": language, "other_lang": other, "t": labels(language), "ok": ok, "message": message,
            "form": form or {}, "back": back, "path": back, "lang_url": f"/q/bao-cao/?{urlencode(query)}"}


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
        else:
            lapsed = _lapsed(product, language)
            if lapsed:
                ctx["lapsed"] = lapsed
    if batch is not None:
        ctx["product"]["variant"] = pick(batch.variant.name, batch.variant.name_en, language)
        ctx["origin"] = _origin(product, batch, language)
        ctx["batch"] = _lot(batch, language)
        ctx["events"] = _events(batch, language)
        ctx["points"] = _sales_points(batch.variant, language)
    districts = list(District.objects.order_by("code").values_list("code", "name", "name_en", "latitude", "longitude"))
    ctx["districts"] = [(c, n) for c, n, *_ in districts]
    if batch is not None:
        ctx["scan_places"] = _scan_places(batch, districts, language)
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


def _lapsed(product, language: str) -> str:
    """Why a product with an OCOP certificate on record shows no stars (catalog.certification.standing)."""
    status, cert = certification.standing(product.certifications.all())
    if status == certification.CertificateStatus.EXPIRED:
        day = _fmt_date(cert.valid_until)
        return pick(f"Chứng nhận OCOP ({cert.stars} sao, quyết định {cert.decision_number}) đã hết hạn ngày {day}. "
                    "Sản phẩm vẫn có thể được bán, nhưng không được mang dấu OCOP (số sao).",
                    f"The OCOP certificate ({cert.stars} stars, decision {cert.decision_number}) expired on {day}. "
                    "The product may still be sold, but without the OCOP mark (the stars).", language)
    if status == certification.CertificateStatus.REVOKED:
        day = _fmt_date(cert.revoked_at)
        return pick(f"Chứng nhận OCOP (quyết định {cert.decision_number}) đã bị thu hồi từ ngày {day}. "
                    "Sản phẩm vẫn có thể được bán, nhưng không được mang dấu OCOP (số sao).",
                    f"The OCOP certificate (decision {cert.decision_number}) was revoked on {day}. "
                    "The product may still be sold, but without the OCOP mark (the stars).", language)
    return ""


def _scan_places(batch, districts, language: str) -> list[dict]:
    """Where a lot-level code was scanned, by district (coarse: the visitors who shared a place,
    rounded to 0.1°, matched to the nearest district centre), busiest first."""
    rows = (Scan.objects.filter(batch=batch, serial__isnull=True, latitude__isnull=False, longitude__isnull=False)
            .values("latitude", "longitude").annotate(n=Count("id")).order_by("-n")[:PLACE_GROUPS_READ])
    centres = [(pick(name, name_en, language), float(lat), float(lon))
               for _, name, name_en, lat, lon in districts if lat is not None and lon is not None]
    elsewhere = pick("ngoài Điện Biên", "outside Điện Biên", language)
    counts: dict[str, int] = {}
    for row in rows:
        lat, lon = float(row["latitude"]), float(row["longitude"])
        near = min(((distance_km(lat, lon, clat, clon), name) for name, clat, clon in centres), default=None)
        name = near[1] if near and near[0] <= PLACE_RADIUS_KM else elsewhere
        counts[name] = counts.get(name, 0) + row["n"]
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [{"name": name, "count": n} for name, n in ranked[:PLACES_SHOWN]]


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
        "recalled": batch.is_recalled, "recall_reason": pick(*english.halves(batch.recall_reason), language),
        "recalled_at": _fmt_time(batch.recalled_at),
        "materials": pick(batch.raw_materials, batch.raw_materials_en, language),
        "documents": [{**d, "title": pick(d.get("title", ""), d.get("title_en") or english.document_title(d.get("title", "")),
                                          language)} for d in batch.quality_documents or [] if isinstance(d, dict)],
        "short": codes.pretty(batch.short_code),
    }


def _events(batch, language: str) -> list[dict]:
    return [
        {"step": vocabulary.step_label(e.biz_step, language), "when": _fmt_time(e.event_time),
         "place": pick(e.place, e.place_en, language) or (
             pick(e.sales_point.name, e.sales_point.name_en, language) if e.sales_point_id else
             (english.commune_label(e.commune, language) if e.commune_id else "")),
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
    return [{"name": pick(p.name, p.name_en, language), "address": p.address, "hours": pick(p.opening_hours, p.opening_hours_en, language),
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
    text = english.commune_label(commune, language)
    if commune.successor_id and commune.successor_id != commune.pk:
        text += pick(f" (nay là {commune.successor})", f" (now {english.commune_label(commune.successor, 'en')})",
                     language)
    return text


def _fmt_date(day) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


def _fmt_time(moment) -> str:
    return f"{timezone.localtime(moment):%H:%M %d/%m/%Y}" if moment else ""
