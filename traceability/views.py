"""The resolver: GS1 Digital Link paths and /q/ codes.

A browser gets the trace page; a client asking for a linkset (`Accept:
application/linkset+json` or `?linkType=linkset`) gets the RFC 9264
linkset; `?linkType=gs1:traceability` gives the lot's EPCIS events and
`?linkType=gs1:pip` the product page. `/01/{gtin}` alone redirects to the
product page. Every page or linkset resolution is a scan (services.trace_code).
Bad input gets a friendly page with a 404, never a 500.
"""
from __future__ import annotations

import json
import time
from urllib.parse import quote

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from catalog import certification
from catalog.models import ProductImage
from inventory import availability
from shop.errors import ShopError, pick
from shop.models import District
from traceability import codes, epcis, linkset, lotcache, qr, scans, services, vocabulary
from traceability.codes import Kind
from traceability.texts import REASON_TEXT, VERDICT_CLASS, VERDICT_TEXT
from traceability.verdicts import Verdict

SUBJECT_CACHE_SECONDS = 60
NOTE_MARK = "\u2063scan-note\u2063"  # invisible separators around a word: escaping leaves it as it is
PAGES_MAX = 500  # rendered lot pages this process keeps (a plain dict: no pickling on the hot path)
_pages: dict[str, tuple[float, bytes, bytes]] = {}  # key -> (expires, the page's bytes before and after the note)
LINKSET_TYPES = {"linkset", "all", "gs1:linkset"}
PIP_TYPES = {"pip", "gs1:pip"}
CERT_TYPES = {"certificationinfo", "gs1:certificationinfo"}
TRACE_TYPES = {"traceability", "gs1:traceability", "epcis", "gs1:epcis"}

def _language(request) -> str:
    lang = request.GET.get("lang", "")
    if lang in ("vi", "en"):
        return lang
    # The shopper pages take their language from the URL (/en/…); a trace URL is
    # printed on a package, so its language comes from the phone (cookie, Accept-Language),
    # as storefront.middleware negotiated it for this path.
    active = getattr(request, "LANGUAGE_CODE", None) or translation.get_language_from_request(
        request, check_path=False) or "vi"
    return active[:2] if active[:2] in ("vi", "en") else "vi"


def _wants(request) -> str:
    """'linkset', 'pip', 'cert', 'trace' or 'page'."""
    link_type = request.GET.get("linkType", "").strip().lower()
    if link_type in LINKSET_TYPES:
        return "linkset"
    if link_type in PIP_TYPES:
        return "pip"
    if link_type in CERT_TYPES:
        return "cert"
    if link_type in TRACE_TYPES:
        return "trace"
    accept = request.META.get("HTTP_ACCEPT", "")
    if "application/linkset+json" in accept and "text/html" not in accept:
        return "linkset"
    return "page"


def _place(request):
    """A coarse place the visitor chose to share: a district code, or lat/lon."""
    code = request.GET.get("place", "")
    if code and len(code) <= 8 and code.isdigit():
        district = District.objects.filter(code=code).values_list("latitude", "longitude").first()
        if district and district[0] is not None:
            return district
    if "lat" in request.GET and "lon" in request.GET:
        return scans.coarse(request.GET["lat"][:20], request.GET["lon"][:20])
    return None, None


def _product_url(product, language: str) -> str:
    return f"/en/products/{product.slug}/" if language == "en" else f"/san-pham/{product.slug}/"


def _fmt_date(day) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


def _fmt_time(moment) -> str:
    return f"{timezone.localtime(moment):%H:%M %d/%m/%Y}" if moment else ""


def _commune_text(commune, language: str) -> str:
    if commune is None:
        return ""
    text = str(commune)
    if commune.successor_id and commune.successor_id != commune.pk:
        text += pick(f" (nay là {commune.successor})", f" (now {commune.successor})", language)
    return text


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


def _sales_points(variant, language: str) -> list[dict]:
    stocked = list(
        availability.sellable_stock().filter(variant=variant)
        .select_related("sales_point").order_by("sales_point__priority", "sales_point__code")[:6]
    )
    points = [s.sales_point for s in stocked] or list(availability.open_points().order_by("priority", "code")[:4])
    return [{"name": pick(p.name, p.name_en, language), "address": p.address, "hours": p.opening_hours,
             "phone": p.phone, "in_stock": bool(stocked)} for p in points]


def page_context(outcome: services.TraceOutcome, language: str, code: str) -> dict:
    """Everything the trace page shows, in the visitor's language."""
    verdict = outcome.verdict
    (title_vi, title_en), (text_vi, text_en) = VERDICT_TEXT[verdict]
    ctx = {
        "lang": language, "other_lang": "en" if language == "vi" else "vi",
        "verdict": verdict.value, "verdict_class": VERDICT_CLASS[verdict],
        "verdict_title": pick(title_vi, title_en, language), "verdict_text": pick(text_vi, text_en, language),
        "reason": pick(*REASON_TEXT[outcome.reason], language) if outcome.reason in REASON_TEXT else "",
        "code": code, "t": _labels(language), "scan_note": _scan_note(outcome, language),
    }
    product, batch = outcome.product, outcome.batch
    ctx.update(_subject_context(product, batch, language))
    if batch is not None:
        ctx["batch"] = {**ctx["batch"], "serial": codes.pretty(outcome.serial.serial) if outcome.serial else ""}
    return ctx


def _scan_note(outcome: services.TraceOutcome, language: str) -> str:
    """How often the code was scanned before this scan (empty for a first scan)."""
    before = (outcome.scan_count or 0) - 1
    if before <= 0 or outcome.verdict == Verdict.AUTHENTIC_FIRST_SCAN:
        return ""
    first = _fmt_time(outcome.first_scanned_at)
    return pick(f"Đã được quét {before} lần trước lần này; lần đầu lúc {first}.",
                f"Scanned {before} time{'s' if before != 1 else ''} before this one; first at {first}.", language)


def _subject_key(batch, language: str) -> str:
    """The cache key of what a lot's page shows: its status and the lot cache's
    generation, which every change to the lot, its events, product or
    certificates bumps (traceability/lotcache.py), are part of it, so those
    changes show at once; the day too (a certificate lapses at midnight)."""
    # The short code is random per lot, so a key never outlives its lot's identity.
    generation = getattr(batch, "trace_generation", None) or lotcache.generation()
    return f"{batch.pk}:{batch.short_code}:{batch.status}:{generation}:{language}:{certification.today()}"


def _subject_context(product, batch, language: str) -> dict:
    """What the page shows about the product and lot: the same for every scan,
    so it is cached for a minute (see _subject_key)."""
    key = f"trace-page:{_subject_key(batch, language)}" if batch else ""
    cached = cache.get(key) if key else None
    if cached is not None:
        return cached
    ctx = {}
    if product is not None:
        producer = product.producer
        ctx["product"] = {
            "name": pick(product.name, product.name_en, language),
            "url": _product_url(product, language),
            "thumbnail": _thumbnail(product),
            "producer": producer.name if producer else "",
            "producer_phone": producer.phone if producer else "",
        }
        cert = certification.displayable(product.certifications.all())
        if cert is not None:
            ctx["ocop"] = {"stars": "★" * cert.stars, "count": cert.stars, "number": cert.decision_number,
                           "until": _fmt_date(cert.valid_until)}
    if batch is not None:
        variant = batch.variant
        commune = batch.origin_commune or product.commune or (product.producer.former_commune if product.producer else None)
        district = (commune.district if commune and commune.district_id else None) or product.district or (
            product.producer.district if product.producer else None)
        ctx["product"]["variant"] = pick(variant.name, variant.name_en, language)
        ctx["origin"] = {"commune": _commune_text(commune, language),
                         "district": pick(district.name, district.name_en, language) if district else ""}
        ctx["batch"] = {
            "lot": batch.lot_code, "made": _fmt_date(batch.production_date), "expiry": _fmt_date(batch.expiry_date),
            "recalled": batch.is_recalled, "recall_reason": batch.recall_reason,
            "recalled_at": _fmt_time(batch.recalled_at),
            "materials": pick(batch.raw_materials, batch.raw_materials_en, language),
            "documents": batch.quality_documents,
            "short": codes.pretty(batch.short_code),
        }
        ctx["events"] = [
            {"step": vocabulary.step_label(e.biz_step, language), "when": _fmt_time(e.event_time),
             "place": pick(e.place, e.place_en, language) or (
                 pick(e.sales_point.name, e.sales_point.name_en, language) if e.sales_point_id else
                 (str(e.commune) if e.commune_id else "")),
             "text": pick(e.description, e.description_en, language), "recall": e.disposition == "recalled"}
            for e in batch.events.select_related("sales_point", "commune").order_by("event_time", "id")
        ]
        ctx["points"] = _sales_points(variant, language)
    ctx["districts"] = list(District.objects.order_by("code").values_list("code", "name"))
    if key:
        cache.set(key, ctx, SUBJECT_CACHE_SECONDS)
    return ctx


def _labels(language: str) -> dict:
    pairs = {
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
    return {k: pick(vi, en, language) for k, (vi, en) in pairs.items()}


def _json(data, status=200, content_type="application/json") -> HttpResponse:
    return HttpResponse(json.dumps(data, ensure_ascii=False), status=status, content_type=content_type)


def _not_found_json(language: str) -> HttpResponse:
    return _json({"error": "not_found", "message": pick("Không tìm thấy mã này.", "Code not found.", language)}, 404)


def _resolve(request, text: str, parsed: codes.Parsed | None = None) -> HttpResponse:
    """`parsed`: `text` parsed already (the caller needed to know what it names).
    Headers and links name the code only in its canonical form (codes.canonical_path):
    the raw path may hold anything, control characters included."""
    parsed = parsed or codes.parse(text)
    language = _language(request)
    anchor_path = codes.canonical_path(parsed)
    with translation.override(language):
        wants = _wants(request)
        if wants in ("pip", "cert", "trace"):
            return _link_type(request, parsed, wants, language)
        if not anchor_path and parsed.signature_ok is None:  # not a code at all: nothing to trace or log
            return _not_found_json(language) if wants == "linkset" else _friendly_404(request, language)
        lat, lon = _place(request)
        client = scans.client_hash(scans.client_address(request))
        outcome = services.trace_code(
            text, parsed=parsed, client=client, channel="linkset" if wants == "linkset" else "page", latitude=lat,
            longitude=lon,
        )
        anchor = settings.SITE_URL.rstrip("/") + anchor_path
        if wants == "linkset":
            if outcome.batch is None:
                return _not_found_json(language)
            response = _json(linkset.for_batch(outcome.batch, outcome.digital_link or anchor,
                                               outcome.serial.serial if outcome.serial else None),
                             content_type=linkset.CONTENT_TYPE)
        else:
            code = codes.pretty(parsed.short or parsed.serial or "") if parsed.kind != Kind.INVALID else ""
            response = _page(request, outcome, language, code, anchor_path or _quoted_path(request))
            if anchor_path:
                response["Link"] = f'<{anchor}?linkType=linkset>; rel="linkset"; type="{linkset.CONTENT_TYPE}"'
        response["Cache-Control"] = "no-store"
        response["Content-Language"] = language
        return response


def _page(request, outcome: services.TraceOutcome, language: str, code: str, path: str) -> HttpResponse:
    """The trace page. Every scan of a lot-level code gets the same page but for its
    verdict and scan note, so the page is rendered once per lot (as in _subject_key),
    verdict and address, with a marker where the note goes, and each scan's own
    note is put in its place. A serial's page is rendered each time (every code is new)."""
    note = _scan_note(outcome, language)
    key = ""
    if outcome.batch is not None and outcome.serial is None:
        key = (f"trace-html:{_subject_key(outcome.batch, language)}:{outcome.verdict}:{outcome.reason}:{code}:"
               f"{path}:{bool(note)}")
    held = _pages.get(key) if key else None
    if held is None or held[0] <= time.monotonic():
        ctx = {**page_context(outcome, language, code), "path": path, "scan_note": NOTE_MARK if note else ""}
        head, _, tail = render_to_string("traceability/trace.html", ctx, request).encode().partition(
            NOTE_MARK.encode())
        held = (time.monotonic() + SUBJECT_CACHE_SECONDS, head, tail)
        if key:
            if len(_pages) >= PAGES_MAX:
                _pages.clear()
            _pages[key] = held
    _, head, tail = held
    # Kept as bytes: each scan only encodes its own note, not the 11 KB page.
    return HttpResponse(head + escape(note).encode() + tail if note else head + tail,
                        status=200 if outcome.found else 404)


def _link_type(request, parsed, wants: str, language: str) -> HttpResponse:
    """A specific link (no scan): the product page, its certificate, the lot's EPCIS events."""
    outcome = services._lookup(parsed) if parsed.kind != Kind.INVALID else None
    if outcome is None or outcome.product is None:
        return _not_found_json(language) if wants == "trace" else _friendly_404(request, language)
    if wants == "pip":
        return HttpResponseRedirect(_product_url(outcome.product, language))
    if wants == "cert":
        return HttpResponseRedirect(_product_url(outcome.product, language) + "#ocop")
    if outcome.batch is None:
        return _not_found_json(language)
    return _json(epcis.document(outcome.batch), content_type="application/ld+json")


def _friendly_404(request, language: str) -> HttpResponse:
    outcome = services.TraceOutcome(verdict=Verdict.UNKNOWN)
    ctx = page_context(outcome, language, "")
    ctx["path"] = _quoted_path(request)
    return render(request, "traceability/trace.html", ctx, status=404)


def _quoted_path(request) -> str:
    """The request's path percent-encoded (ASCII, no control characters) for the page's own links."""
    return quote(request.path, safe="/")


@require_http_methods(["GET", "HEAD"])
def digital_link(request, path: str):
    """/01/{gtin14}[/10/{lot}[/21/{serial}]]"""
    raw = "01/" + path
    if len(raw) > codes.MAX_INPUT:
        return _friendly_404(request, _language(request))
    parsed = codes.parse_digital_link(raw)
    if parsed.kind == Kind.PRODUCT:
        language = _language(request)
        outcome = services._lookup(parsed)
        if outcome.product is None:
            return _friendly_404(request, language)
        if _wants(request) == "linkset":
            anchor = codes.digital_link(parsed.gtin)
            return _json(linkset.for_product(outcome.product, anchor), content_type=linkset.CONTENT_TYPE)
        return HttpResponseRedirect(_product_url(outcome.product, language))
    return _resolve(request, raw, parsed)


@require_http_methods(["GET", "HEAD"])
def short_code(request, code: str):
    """/q/{code}"""
    if len(code) > 64:
        return _friendly_404(request, _language(request))
    return _resolve(request, "q/" + code)


@require_http_methods(["GET"])
def qr_image(request, code: str, fmt: str):
    """/q/{code}.svg or .png: the QR code of a lot or serial's link (for screens and download)."""
    parsed = codes.parse_short(code)
    outcome = services._lookup(parsed) if parsed.kind != Kind.INVALID and parsed.signature_ok else None
    if outcome is None or outcome.batch is None:
        return _friendly_404(request, _language(request))
    url = outcome.digital_link
    if fmt == "svg":
        response = HttpResponse(qr.svg(url, scale=4), content_type="image/svg+xml")
    else:
        response = HttpResponse(qr.png(url, scale=10), content_type="image/png")
        response["Content-Disposition"] = f'attachment; filename="qr-{parsed.short or parsed.serial}.png"'
    response["Cache-Control"] = "public, max-age=86400"
    return response


@csrf_exempt  # anonymous, rate-limited, changes nobody's session: a token would only cost the tiny page a cookie
@require_http_methods(["POST"])
def report(request):
    language = _language(request) if "lang" in request.GET else (request.POST.get("lang") or "vi")[:2]
    language = language if language in ("vi", "en") else "vi"
    client = scans.client_hash(scans.client_address(request))
    try:
        services.report_problem(
            code=request.POST.get("code", "")[:300], kind=request.POST.get("kind", "OTHER")[:10],
            message=request.POST.get("message", "")[:2000], contact=request.POST.get("contact", "")[:200],
            client=client,
        )
        ok, message = True, pick("Cảm ơn bạn! Chúng tôi sẽ kiểm tra và liên hệ nếu bạn để lại thông tin.",
                                 "Thank you! We will look into it and get back to you if you left a contact.", language)
        status = 200
    except ShopError as exc:
        ok, message, status = False, pick(exc.message_vi, exc.message_en, language), 400
    back = request.POST.get("back", "")
    if not back.startswith(("/q/", "/01/")) or len(back) > 300:
        back = "/"
    html = (f'<!doctype html><html lang="{language}"><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width,initial-scale=1"><title>OCOP</title><body style="font:16px/1.5 '
            f'system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem"><p>{"✓" if ok else "✗"} '
            f'{_escape(message)}</p><p><a href="{_escape(back)}">←</a></p></body></html>')
    return HttpResponse(html, status=status)


def _escape(text: str) -> str:
    return escape(text)

