"""GS1-Conformant Resolver rules (GS1-Conformant Resolver 1.1, GS1 Digital Link URI
Syntax 1.4), kept apart from the views so they can be read against the standard.

- `check_path`: the strict syntax of a `/01/…` request path. A syntax error is a 400
  (a wrong check digit, a non-numeric or wrong-length GTIN, an AI value outside GS1's
  82-character set or over 20 characters, an unknown or repeated qualifier, qualifiers
  out of order, an odd segment). A GTIN written in 8, 12 or 13 digits is valid but not
  canonical: the resolver redirects it to the 14-digit form. AI 10 and 21 values are
  case-sensitive: they are matched exactly as written (the lenient reading of what
  people type stays with `/q/` short codes, codes.parse_short).
- `link_type`: a `linkType` parameter in any of its spellings (`gs1:pip`,
  `https://gs1.org/voc/pip`, `https://ref.gs1.org/voc/pip`, `pip`).
- `choose`: which of a linkset's links of one type answers a request (its `Accept`
  and language).
- `cors`: the CORS headers (and OPTIONS) every resolver path answers with.
- `decompress`: a compressed Digital Link (GS1 Digital Link: Compression).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import wraps
from urllib.parse import quote, urlencode, urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

from catalog.gtin import check_digit
from traceability import codes
from traceability.codes import Kind, Parsed

GS1_VOC = "https://gs1.org/voc/"
VOC_PREFIXES = ("https://gs1.org/voc/", "https://www.gs1.org/voc/", "https://ref.gs1.org/voc/",
                "http://gs1.org/voc/", "gs1:")
CONTEXT_URL = "https://ref.gs1.org/standards/resolver/linkset-context"
CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"
LINKSET_TYPES = frozenset({"linkset", "all"})
ALIASES = {"epcis": "traceability"}  # our own older spelling

# GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1).
CSET82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}")
# Key qualifiers of AI 01, in the order GS1 Digital Link requires them.
QUALIFIERS = ("22", "10", "21")

ALLOWED_METHODS = "GET, HEAD, OPTIONS"
ALLOWED_HEADERS = "Accept, Accept-Language, Content-Type, Origin, X-Requested-With"
EXPOSED_HEADERS = "Link, Location, Content-Language, Vary"
VARY = ("Accept", "Accept-Language")


@dataclass(frozen=True)
class Checked:
    """A `/01/…` path checked against GS1 Digital Link syntax."""

    parsed: Parsed | None = None  # what it names (exact values); with an error: only a wrong check digit
    error: str = ""  # a syntax error: the answer is 400
    canonical: str = ""  # the canonical path, percent-encoded: /01/{gtin14}[/22/…][/10/…][/21/…]
    redirect: bool = False  # the request did not use the canonical form (a short GTIN)
    cpv: str | None = None


def _bad(error: str, parsed: Parsed | None = None) -> Checked:
    return Checked(parsed=parsed, error=error)


def check_path(path: str) -> Checked:
    """'01/{gtin}[/22/{cpv}][/10/{lot}][/21/{serial}]' (slashes at either end tolerated)."""
    if len(path) > codes.MAX_INPUT:
        return _bad("too long")
    path = path.strip("/")
    parts = path.split("/")
    if len(parts) % 2 or parts[0] != "01":
        return _bad("an extra or missing path segment")
    raw_gtin = parts[1]
    if not (raw_gtin.isascii() and raw_gtin.isdigit()):
        return _bad("a GTIN has digits only")
    if len(raw_gtin) not in (8, 12, 13, 14):
        return _bad("a GTIN has 8, 12, 13 or 14 digits")
    if check_digit(raw_gtin[:-1]) != int(raw_gtin[-1]):
        # It cannot be genuine: the page says so (NOT_AUTHENTIC), with a 400.
        return _bad("wrong check digit", Parsed(kind=Kind.INVALID, gtin=raw_gtin, signature_ok=False,
                                                error="bad_check_digit"))
    gtin = raw_gtin.zfill(14)
    values: dict[str, str] = {}
    last = -1
    for ai, value in zip(parts[2::2], parts[3::2], strict=True):
        if ai not in QUALIFIERS:
            return _bad(f"AI {ai} is not a key qualifier of a GTIN")
        if QUALIFIERS.index(ai) <= last:
            return _bad("key qualifiers out of order (22, then 10, then 21) or repeated")
        last = QUALIFIERS.index(ai)
        if not CSET82.fullmatch(value):
            return _bad(f"AI {ai}: 1 to 20 characters of GS1's character set")
        values[ai] = value
    canonical = f"/01/{gtin}" + "".join(f"/{ai}/{quote(values[ai], safe='')}" for ai in QUALIFIERS if ai in values)
    cpv, lot, serial = values.get("22"), values.get("10"), values.get("21")
    if cpv is not None:
        # We issue no consumer product variants: the answer is the GTIN's (walking up the tree).
        parsed = Parsed(kind=Kind.PRODUCT, gtin=gtin)
    elif serial is not None:
        parsed = Parsed(kind=Kind.SERIAL, gtin=gtin, lot=lot, serial=serial, signature_ok=codes.verify_serial(serial))
    elif lot is not None:
        parsed = Parsed(kind=Kind.LOT, gtin=gtin, lot=lot)
    else:
        parsed = Parsed(kind=Kind.PRODUCT, gtin=gtin)
    return Checked(parsed=parsed, canonical=canonical, redirect=len(raw_gtin) != 14, cpv=cpv)


# -- link types and the choice among links ----------------------------------------------------

def link_type(value: str) -> str:
    """A linkType parameter as the GS1 vocabulary term ('pip', 'certificationInfo'), or
    'linkset'; '' when none was asked for."""
    value = (value or "").strip()
    for prefix in VOC_PREFIXES:
        if value.lower().startswith(prefix):
            value = value[len(prefix):]
            break
    if value.lower() in LINKSET_TYPES:
        return "linkset"
    return ALIASES.get(value.lower(), value)


def links_of(entries: list[dict], term: str) -> list[dict]:
    """The links of one type, from the most granular entry that has any (walking up)."""
    wanted = term.lower()
    for entry in entries:
        for rel, links in entry.items():
            if rel.startswith(GS1_VOC) and rel[len(GS1_VOC):].lower() == wanted and links:
                return links
    return []


def _accepted(accept: str) -> list[str]:
    """Media types in `accept`, most wanted first (q=0 left out)."""
    ranked = []
    for i, item in enumerate(accept.split(",")):
        media, *params = [p.strip() for p in item.split(";")]
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if media and q > 0:
            ranked.append((-q, i, media.lower()))
    return [media for _, _, media in sorted(ranked)]


def choose(links: list[dict], accept: str, language: str, prefer_type: str = "") -> dict | None:
    """The link that best matches the request: its media type (Accept), then its language."""
    if not links:
        return None
    candidates = links
    types = ([prefer_type] if prefer_type else []) + _accepted(accept)
    for media in types:
        if media in ("*/*", ""):
            break
        if media.endswith("/*"):
            matching = [link for link in links if link.get("type", "").startswith(media[:-1])]
        else:
            matching = [link for link in links if link.get("type") == media
                        or (media == "application/json" and link.get("type") == "application/ld+json")]
        if matching:
            candidates = matching
            break
    for link in candidates:
        if language in link.get("hreflang", []):
            return link
    return candidates[0]


def with_query(href: str, query: dict[str, list[str]]) -> str:
    """`href` with the request's query parameters passed on (before any #fragment)."""
    pairs = [(key, value) for key, values in query.items() for value in values]
    if not pairs:
        return href
    base, hash_, fragment = href.partition("#")
    joined = base + ("&" if "?" in base else "?") + urlencode(pairs)
    return joined + hash_ + fragment


# -- headers --------------------------------------------------------------------------------

def link_header(anchor: str, *, context: bool = False, same_as: str = "") -> str:
    """The Link header: the linkset of `anchor`, and with a linkset the JSON-LD context
    that turns it into JSON-LD; a compressed request's uncompressed URI (owl:sameAs)."""
    links = [f'<{anchor}?linkType=linkset>; rel="linkset"; type="application/linkset+json"']
    if context:
        links.append(f'<{CONTEXT_URL}>; rel="{CONTEXT_REL}"; type="application/ld+json"')
    if same_as:
        links.append(f'<{same_as}>; rel="owl:sameAs"')
    return ", ".join(links)


def cors_headers(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
    response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    patch_vary_headers(response, VARY)
    return response


def cors(view):
    """GET, HEAD and OPTIONS with CORS headers; OPTIONS is answered here (204)."""
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Allow"] = ALLOWED_METHODS
            response["Access-Control-Max-Age"] = "86400"
            return cors_headers(response)
        return cors_headers(view(request, *args, **kwargs))
    return wrapped


# -- compressed Digital Links -----------------------------------------------------------------

def decompress(segment: str) -> str:
    """The uncompressed Digital Link path ('/01/…') of a compressed one, or ''."""
    try:
        from gs1.decompress.core_functions import decompress_gs1_digital_link

        uri = decompress_gs1_digital_link(f"{settings.SITE_URL.rstrip('/')}/{segment}", False)
    except Exception:  # noqa: BLE001 - the library raises anything on junk: junk is not a code
        return ""
    path = urlsplit(uri).path if isinstance(uri, str) else ""
    return path if path.startswith("/01/") and path.isascii() else ""


def description() -> dict:
    """The resolver description file (/.well-known/gs1resolver)."""
    site = settings.SITE_URL.rstrip("/")
    return {
        "name": "OCOP Điện Biên — GS1 Digital Link resolver",
        "resolverRoot": site,
        "supportedPrimaryKeys": ["01"],
        "supportedLinkType": [{"namespace": GS1_VOC, "prefix": "gs1:"}],
        "linkTypeDefaultCanBeLinkset": False,
        "jsonLdContextLocation": CONTEXT_URL,
        "contact": {"fn": "Trung tâm OCOP Điện Biên / OCOP Điện Biên centre"},
    }
