"""Hostile trace paths (/q/… and /01/…): whatever a scanner or an attacker puts in
the path, the answer is a page (the trace page or the friendly "not found"),
never a 5xx, and no header carries the raw path. gunicorn answers 500 when a
header holds a control character, so the headers must be built from the parsed,
canonical code only."""
import datetime
import re
from urllib.parse import quote, unquote_to_bytes

import pytest
from django.utils import timezone

from catalog.gtin import make_gtin
from traceability import codes, services

# gunicorn's own rule for a response header value (gunicorn/http/wsgi.py).
HEADER_VALUE = re.compile(r"[ \t\x21-\x7e\x80-\xff]*")

# Segments as they travel in a URL (percent-encoded): control characters, NUL,
# CR/LF (header splitting), invalid UTF-8, bidi overrides, other scripts, markup, long.
HOSTILE_SEGMENTS = [
    "%00", "%01", "%00%00", "%1F", "%7F", "%0D%0A", "%0D%0ASet-Cookie:%20x=1", "%0A", "%09", "%0B%0C",
    "%FF", "%C0%AF", "%ED%A0%80", "%E2%80%AE", "%EF%BB%BF", "%C4%90%C3%8A", "%E5%BA%97",
    "%22%3E%3Cscript%3E", "%3C%3E%3B%20rel%3D%22x%22", "..%2F..%2Fetc%2Fpasswd", "A%252F21", "Z" * 300, "%01" * 200,
]


@pytest.fixture
def lot(make_product):
    product = make_product("Mật ong bạc hà")
    variant = product.variants.first()
    variant.gtin = make_gtin("952999000777")
    variant.save(update_fields=["gtin"])
    made = timezone.localdate() - datetime.timedelta(days=10)
    return services.create_batch(variant=variant, lot_code="MO26-01", production_date=made, quantity=50)


def _paths(lot) -> list[str]:
    gtin, serial = lot.variant.gtin, services.mint_serials(batch=lot, count=1)[0]
    short = lot.short_code
    paths = []
    for bad in HOSTILE_SEGMENTS:
        paths += [
            f"/q/{bad}", f"/q/{short[:4]}{bad}{short[4:]}", f"/q/{short}{bad}", f"/q/{serial[:9]}{bad}{serial[9:]}",
            f"/01/{bad}", f"/01/{gtin}/10/{bad}", f"/01/{gtin}/10/{lot.lot_code}{bad}",
            f"/01/{gtin}/10/{lot.lot_code}/21/{bad}", f"/01/{gtin}/10/{lot.lot_code}/21/{serial[:9]}{bad}{serial[9:]}",
            f"/01/{gtin}/10/{lot.lot_code}/21/{serial}/{bad}",
        ]
    return paths


def _raw(path: str) -> str:
    """The path as the view sees it (Django keeps broken UTF-8 percent-encoded)."""
    return unquote_to_bytes(path).decode("utf-8", "replace")


def _check(response, path: str):
    assert response.status_code < 500, (path, response.status_code)
    for name, value in response.items():
        assert HEADER_VALUE.fullmatch(value), (path, name, value)
    link = response.get("Link", "")
    hostile = _raw(path).rsplit("/", 1)[-1]
    if len(hostile) >= 2 and not hostile.isalnum():
        assert hostile not in link, (path, link)


@pytest.mark.django_db
@pytest.mark.parametrize("accept", ["text/html", "application/linkset+json"])
def test_hostile_paths_get_a_page_never_a_500_and_no_raw_input_in_headers(client, lot, accept):
    client.raise_request_exception = False
    for path in _paths(lot):
        _check(client.get(path, HTTP_ACCEPT=accept), path)


@pytest.mark.django_db
def test_a_code_typed_loosely_links_to_its_canonical_form(client, lot):
    """A code with spaces, dashes or lower case still resolves (people type codes from
    labels), but the Link header names the canonical code, never what was typed."""
    short = lot.short_code
    typed = f"{short[:4].lower()}%1F-{short[4:].lower()}"
    response = client.get(f"/q/{typed}")
    assert response.status_code == 200
    canonical = codes.short_link(short)
    assert response["Link"].startswith(f"<{canonical}?linkType=linkset>")
    gtin = lot.variant.gtin
    # On a GS1 Digital Link, AI 10 is case-sensitive: a lower-case lot is another lot, unknown,
    # and the resolver walks up to the GTIN; the Link header names the URI as requested, canonical.
    response = client.get(f"/01/{gtin}/10/{lot.lot_code.lower()}")
    assert response.status_code == 200 and not response.context["verdict"].startswith("AUTHENTIC")
    assert response["Link"].startswith(f"<{codes.digital_link(gtin, lot.lot_code.lower())}?linkType=linkset>")


@pytest.mark.django_db
def test_an_unparseable_code_is_the_friendly_not_found_page_without_a_link(client, lot):
    for path in ("/q/%01", "/q/%00", f"/01/{lot.variant.gtin}/10/%01", f"/01/{lot.variant.gtin}/10/A/21/%00",
                 "/q/" + quote("Điện Biên"), "/q/%FF%FE"):
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
        # A Digital Link outside GS1's syntax is a 400 (GS1-Conformant Resolver); a /q/ code a 404.
        assert response.status_code == (400 if path.startswith("/01/") else 404), path
        assert "Link" not in response, (path, response["Link"])
        assert "OCOP" in response.content.decode()
