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
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from traceability import codes, epcis, links, linkset, page, qr, scans, services
from traceability.codes import Kind
from traceability.verdicts import Verdict

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
    """A coarse place the visitor chose to share: `?place={district code}`, or `?lat=&lon=`."""
    return page.place(request.GET.get("place", ""), request.GET.get("lat"), request.GET.get("lon"))


def _json(data, status=200, content_type="application/json") -> HttpResponse:
    return HttpResponse(json.dumps(data, ensure_ascii=False), status=status, content_type=content_type)


def _not_found_json(language: str) -> HttpResponse:
    return _json({"error": "not_found", "message": page.not_found_message(language)}, 404)


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
    verdict and scan note, so the page is rendered once per lot (as in page.subject_key),
    verdict and address, with a marker where the note goes, and each scan's own
    note is put in its place. A serial's page is rendered each time (every code is new)."""
    note = page.scan_note(outcome, language)
    key = ""
    if outcome.batch is not None and outcome.serial is None:
        key = (f"trace-html:{page.subject_key(outcome.batch, language)}:{outcome.verdict}:{outcome.reason}:{code}:"
               f"{path}:{bool(note)}")
    held = _pages.get(key) if key else None
    if held is None or held[0] <= time.monotonic():
        ctx = {**page.page_context(outcome, language, code), "path": path, "scan_note": NOTE_MARK if note else ""}
        head, _, tail = render_to_string("traceability/trace.html", ctx, request).encode().partition(
            NOTE_MARK.encode())
        held = (time.monotonic() + page.SUBJECT_CACHE_SECONDS, head, tail)
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
        return HttpResponseRedirect(links.product_page_url(outcome.product, language))
    if wants == "cert":
        return HttpResponseRedirect(links.certificate_url(outcome.product, language))
    if outcome.batch is None:
        return _not_found_json(language)
    return _json(epcis.document(outcome.batch), content_type="application/ld+json")


def _friendly_404(request, language: str) -> HttpResponse:
    outcome = services.TraceOutcome(verdict=Verdict.UNKNOWN)
    ctx = page.page_context(outcome, language, "")
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
        return HttpResponseRedirect(links.product_page_url(outcome.product, language))
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
    ok, message = page.report(
        code=request.POST.get("code", "")[:300], kind=request.POST.get("kind", "OTHER")[:10],
        message=request.POST.get("message", "")[:2000], contact=request.POST.get("contact", "")[:200],
        client=scans.client_hash(scans.client_address(request)), language=language,
    )
    back = request.POST.get("back", "")
    if not back.startswith(("/q/", "/01/")) or len(back) > 300:
        back = "/"
    html = (f'<!doctype html><html lang="{language}"><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width,initial-scale=1"><title>OCOP</title><body style="font:16px/1.5 '
            f'system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem"><p>{"✓" if ok else "✗"} '
            f'{_escape(message)}</p><p><a href="{_escape(back)}">←</a></p></body></html>')
    return HttpResponse(html, status=200 if ok else 400)


def _escape(text: str) -> str:
    return escape(text)

