"""The resolver: GS1 Digital Link paths, compressed Digital Links and /q/ codes,
as a GS1-Conformant Resolver (1.1; the rules are in traceability/resolver.py, the
choices in README.md, "GS1 resolver").

- `/01/{gtin}[/22/…][/10/{lot}][/21/{serial}]`: a syntax error is a 400 (still the
  friendly page), a GTIN in 8, 12 or 13 digits a 301 to its 14-digit form, an
  unknown identifier a 404. A lot or serial: a browser gets its trace page directly
  (200; every page is a scan, services.trace_code); an unknown lot or serial under a
  known GTIN walks up the tree to the GTIN (the page warns). A GTIN alone redirects
  (307) to its default link, the product page in the visitor's language.
- `?linkType=…` (any GS1 link type): 307 to the link's absolute href, the request's
  other query parameters passed on; 404 when there is no such link.
  `?linkType=linkset` (or `all`), or an Accept of application/linkset+json,
  application/json or application/ld+json without text/html: the RFC 9264 linkset,
  every level of the identifier's tree.
- A compressed Digital Link answers as its uncompressed URI, which the Link header
  names (rel="owl:sameAs").
- Every answer carries CORS headers; OPTIONS is answered (resolver.cors).
Bad input never gets a 500.
"""
from __future__ import annotations

import json
import time
from urllib.parse import quote, urlencode

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from shop.errors import pick
from traceability import codes, epcis, linkset, page, qr, resolver, scans, services
from traceability.codes import Kind, Parsed
from traceability.verdicts import Verdict

NOTE_MARK = "\u2063scan-note\u2063"  # invisible separators around a word: escaping leaves it as it is
PAGES_MAX = 500  # rendered lot pages this process keeps (a plain dict: no pickling on the hot path)
_pages: dict[str, tuple[float, bytes, bytes]] = {}  # key -> (expires, the page's bytes before and after the note)
JSON_TYPES = ("application/linkset+json", "application/json", "application/ld+json")
METHODS = ["GET", "HEAD", "OPTIONS"]
BAD_SYNTAX = ("Đường dẫn này không đúng cú pháp GS1 Digital Link (mã GTIN, số lô hoặc số sê-ri sai dạng).",
              "This path is not a valid GS1 Digital Link (a malformed GTIN, lot or serial).")
NO_LINK = ("Mã này không có liên kết loại đó.", "This code has no link of that type.")


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


def _accept(request) -> str:
    return request.META.get("HTTP_ACCEPT", "")


def _wants(request) -> tuple[str, str]:
    """('linkset', ''), ('link', the GS1 link type asked for), or ('page', '')."""
    term = resolver.link_type(request.GET.get("linkType", ""))
    if term == "linkset":
        return "linkset", ""
    if term:
        return "link", term
    accept = _accept(request)
    if "text/html" not in accept and any(media in accept for media in JSON_TYPES):
        return "linkset", ""
    return "page", ""


def _place(request):
    """A coarse place the visitor chose to share: `?place={district code}`, or `?lat=&lon=`."""
    return page.place(request.GET.get("place", ""), request.GET.get("lat"), request.GET.get("lon"))


def _json(data, status=200, content_type="application/json") -> HttpResponse:
    return HttpResponse(json.dumps(data, ensure_ascii=False), status=status, content_type=content_type)


def _not_found_json(language: str) -> HttpResponse:
    return _json({"error": "not_found", "message": page.not_found_message(language)}, 404)


def _site() -> str:
    return settings.SITE_URL.rstrip("/")


def _passed_on(request) -> dict[str, list[str]]:
    """The request's query parameters but linkType: passed on when redirecting."""
    return {key: request.GET.getlist(key) for key in request.GET if key != "linkType"}


def _redirect(url: str, *, status: int = 307, anchor: str = "", same_as: str = "") -> HttpResponse:
    response = HttpResponse(status=status)
    response["Location"] = url
    if anchor:
        response["Link"] = resolver.link_header(anchor, same_as=same_as)
    response["Cache-Control"] = "no-store"
    return response


def _not_found(request, language: str, wants: str) -> HttpResponse:
    return _friendly(request, language) if wants == "page" else _not_found_json(language)


def _linkset_response(request, entries: list[dict], anchor: str, language: str, same_as: str = "") -> HttpResponse:
    accept = _accept(request)
    if request.GET.get("linkType") or linkset.CONTENT_TYPE in accept:
        content_type = linkset.CONTENT_TYPE
    elif "application/ld+json" in accept:
        content_type = "application/ld+json"
    elif "application/json" in accept:
        content_type = "application/json"
    else:
        content_type = linkset.CONTENT_TYPE
    response = _json({"linkset": entries}, content_type=content_type)
    response["Link"] = resolver.link_header(anchor, context=True, same_as=same_as)
    response["Cache-Control"] = "no-store"
    response["Content-Language"] = language
    return response


def _walk_up(parsed: Parsed):
    """(lot, product) above an identifier we do not know: its lot, else its GTIN's product."""
    if not parsed.gtin:
        return None, None
    if parsed.kind == Kind.SERIAL and parsed.lot:
        up = services._lookup(Parsed(kind=Kind.LOT, gtin=parsed.gtin, lot=parsed.lot))
        if up.batch is not None or up.product is not None:
            return up.batch, up.product
    return None, services._lookup(Parsed(kind=Kind.PRODUCT, gtin=parsed.gtin)).product


def _entries(parsed: Parsed, batch, serial, product, anchor: str) -> list[dict]:
    """The linkset's entries for a request, walking up the tree when the identifier is unknown."""
    if batch is not None:
        return linkset.entries(batch=batch, anchor=anchor, serial=serial)
    if parsed.kind == Kind.SERIAL or product is None:
        batch, product = _walk_up(parsed)
        if batch is not None:
            return linkset.entries(batch=batch, anchor=codes.link_for_batch(batch))
    return linkset.entries(product=product, anchor=codes.digital_link(parsed.gtin)) if product and parsed.gtin else []


def _digital_link(request, raw: str, *, compressed: bool = False) -> HttpResponse:
    language = _language(request)
    checked = resolver.check_path(raw)
    if checked.error:
        return _bad_request(request, language, checked.parsed)
    if checked.redirect:  # a GTIN-8, -12 or -13: the canonical URI has 14 digits
        query = request.GET.urlencode()
        response = _redirect(_site() + checked.canonical + (f"?{query}" if query else ""), status=301)
        response["Cache-Control"] = "public, max-age=86400"
        return response
    anchor = _site() + checked.canonical
    same_as = anchor if compressed else ""
    parsed = checked.parsed
    if parsed.kind != Kind.PRODUCT:
        return _resolve(request, raw, parsed, anchor_path=checked.canonical, same_as=same_as)
    wants, term = _wants(request)
    with translation.override(language):
        if wants == "link":
            return _link(request, parsed, term, anchor, language, same_as)
        product = services._lookup(parsed).product
        if product is None:
            return _not_found(request, language, wants)
        entries = linkset.entries(product=product, anchor=codes.digital_link(parsed.gtin))
        if wants == "linkset":
            return _linkset_response(request, entries, anchor, language, same_as)
        # The default link, in the visitor's language when there is one (the pip links' hreflang).
        chosen = resolver.choose(resolver.links_of(entries, "pip"), "text/html", language) or \
            entries[0][linkset.GS1 + "defaultLink"][0]
        response = _redirect(resolver.with_query(chosen["href"], _passed_on(request)), anchor=anchor, same_as=same_as)
        response["Content-Language"] = language
        return response


def _link(request, parsed: Parsed, term: str, anchor: str, language: str, same_as: str = "") -> HttpResponse:
    """One link of the linkset (no scan): 307 to its href, or 404 when there is none."""
    outcome = services._lookup(parsed) if parsed.kind != Kind.INVALID else None
    entries = []
    if outcome is not None:
        subject = outcome.digital_link if not parsed.gtin and outcome.digital_link else anchor
        entries = _entries(parsed, outcome.batch, outcome.serial.serial if outcome.serial else None,
                           outcome.product, subject)
    links = resolver.links_of(entries, term)
    if not links:
        return _friendly(request, language, message=pick(*NO_LINK, language)) \
            if "text/html" in _accept(request) else _not_found_json(language)
    prefer = "application/ld+json" if request.GET.get("linkType", "").lower().endswith("epcis") else ""
    chosen = resolver.choose(links, _accept(request), language, prefer)
    response = _redirect(resolver.with_query(chosen["href"], _passed_on(request)), anchor=anchor, same_as=same_as)
    response["Content-Language"] = language
    return response


def _resolve(request, text: str, parsed: Parsed | None = None, *, anchor_path: str = "",
             same_as: str = "") -> HttpResponse:
    """A lot or serial (a Digital Link or a /q/ code). `parsed`: `text` parsed already.
    Headers and links name the code only in its canonical form (codes.canonical_path,
    or the Digital Link's): the raw path may hold anything, control characters included."""
    parsed = parsed or codes.parse(text)
    language = _language(request)
    anchor_path = anchor_path or codes.canonical_path(parsed)
    anchor = _site() + anchor_path
    with translation.override(language):
        wants, term = _wants(request)
        if wants == "link":
            return _link(request, parsed, term, anchor, language, same_as)
        if not anchor_path and parsed.signature_ok is None:  # not a code at all: nothing to trace or log
            return _not_found(request, language, wants)
        lat, lon = _place(request)
        client = scans.client_hash(scans.client_address(request))
        outcome = services.trace_code(
            text, parsed=parsed, client=client, channel="linkset" if wants == "linkset" else "page", latitude=lat,
            longitude=lon,
        )
        if wants == "linkset":
            subject = anchor if parsed.gtin else (outcome.digital_link or anchor)
            entries = _entries(parsed, outcome.batch, outcome.serial.serial if outcome.serial else None,
                               outcome.product, subject)
            if not entries:
                return _not_found_json(language)
            response = _linkset_response(request, entries, anchor, language, same_as)
        else:
            code = codes.pretty(parsed.short or parsed.serial or "") if parsed.kind != Kind.INVALID else ""
            # An unknown lot or serial under a GTIN we know walks up the tree (the page warns).
            known = outcome.found or (outcome.product is not None and bool(parsed.gtin))
            response = _page(request, outcome, language, code, anchor_path or _quoted_path(request),
                             status=200 if known else 404)
            if anchor_path and known:
                response["Link"] = resolver.link_header(anchor, same_as=same_as)
        response["Cache-Control"] = "no-store"
        response["Content-Language"] = language
        return response


def _page(request, outcome: services.TraceOutcome, language: str, code: str, path: str,
          status: int = 200) -> HttpResponse:
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
    return HttpResponse(head + escape(note).encode() + tail if note else head + tail, status=status)


def _bad_request(request, language: str, parsed: Parsed | None = None) -> HttpResponse:
    """A syntax error: 400, still the friendly page (or JSON for a JSON client), no Link.
    A GTIN with a wrong check digit cannot be genuine: its page says so (a scan like any other)."""
    wants, _ = _wants(request)
    if wants != "page":
        return _json({"error": "bad_request", "message": pick(*BAD_SYNTAX, language)}, 400)
    if parsed is None:
        return _friendly(request, language, status=400, message=pick(*BAD_SYNTAX, language))
    with translation.override(language):
        lat, lon = _place(request)
        outcome = services.trace_code(parsed=parsed, client=scans.client_hash(scans.client_address(request)),
                                      latitude=lat, longitude=lon)
        response = _page(request, outcome, language, "", _quoted_path(request), status=400)
    response["Cache-Control"] = "no-store"
    response["Content-Language"] = language
    return response


def _friendly(request, language: str, *, status: int = 404, message: str = "") -> HttpResponse:
    outcome = services.TraceOutcome(verdict=Verdict.UNKNOWN)
    with translation.override(language):
        ctx = page.page_context(outcome, language, "")
        ctx["path"] = _quoted_path(request)
        if message:
            ctx["verdict_text"] = message
        response = render(request, "traceability/trace.html", ctx, status=status)
    response["Content-Language"] = language
    return response


def _friendly_404(request, language: str) -> HttpResponse:
    return _friendly(request, language)


def _quoted_path(request) -> str:
    """The request's path percent-encoded (ASCII, no control characters) for the page's own links."""
    return quote(request.path, safe="/")


@resolver.cors
@require_http_methods(METHODS)
def digital_link(request, path: str):
    """/01/{gtin14}[/22/{cpv}][/10/{lot}][/21/{serial}]"""
    return _digital_link(request, "01/" + path)


@resolver.cors
@require_http_methods(METHODS)
def compressed(request, code: str):
    """/{compressed Digital Link}: answered as the uncompressed URI (GS1 Digital Link: Compression)."""
    path = resolver.decompress(code)
    if not path:
        return _friendly(request, _language(request))
    return _digital_link(request, path.lstrip("/"), compressed=True)


@resolver.cors
@require_http_methods(METHODS)
def short_code(request, code: str):
    """/q/{code}"""
    if len(code) > 64:
        return _friendly(request, _language(request))
    return _resolve(request, "q/" + code)


@resolver.cors
@require_http_methods(METHODS)
def lot_epcis(request, code: str):
    """/q/{lot short code}/epcis: the lot's EPCIS 2.0 events (JSON-LD), the gs1:traceability
    link for machines. Not a scan."""
    parsed = codes.parse_short(code)
    outcome = services._lookup(parsed) if parsed.kind == Kind.SHORT_LOT and parsed.signature_ok else None
    if outcome is None or outcome.batch is None:
        return _not_found_json(_language(request))
    response = _json(epcis.document(outcome.batch), content_type="application/ld+json")
    response["Cache-Control"] = "no-store"
    return response


@resolver.cors
@require_http_methods(METHODS)
def gs1resolver(request):
    """/.well-known/gs1resolver: the resolver description file."""
    response = _json(resolver.description())
    response["Cache-Control"] = "public, max-age=3600"
    return response


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
@require_http_methods(["GET", "HEAD", "POST"])
def report(request):
    """/q/bao-cao/: POST a buyer's problem report (services.report_problem), then see the thank-you
    page (a 303 to `?sent=1`, so a reload sends nothing twice); an error shows the form again with
    what was typed. GET: the form, or the thank-you page, in the trace page's frame."""
    if request.method != "POST":
        language = _language(request)
        back = request.GET.get("back", "")
        sent = request.GET.get("sent") == "1"
        ctx = page.report_context(language, back, ok=sent, message=page.report_thanks(language) if sent else "")
        with translation.override(language):
            return render(request, "traceability/report.html", ctx)
    language = _language(request) if "lang" in request.GET else (request.POST.get("lang") or "vi")[:2]
    language = language if language in ("vi", "en") else "vi"
    typed = {"kind": request.POST.get("kind", "OTHER")[:10], "message": request.POST.get("message", "")[:2000],
             "contact": request.POST.get("contact", "")[:200]}
    ok, message = page.report(code=request.POST.get("code", "")[:300], client=scans.client_hash(
        scans.client_address(request)), language=language, **typed)
    back = page.safe_back(request.POST.get("back", ""))
    if ok:
        query = urlencode({"sent": "1", **({"back": back} if back else {}), "lang": language})
        return HttpResponseRedirect(f"/q/bao-cao/?{query}", status=303)
    ctx = page.report_context(language, back, message=message, form={**typed, "error": True})
    with translation.override(language):
        return render(request, "traceability/report.html", ctx, status=400)


def _escape(text: str) -> str:
    return escape(text)

