"""The resolver as a visitor meets it: QR codes decoded by a real decoder,
the trace page, the linkset, the scan log."""
import datetime
import io
import json
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import biip
import pytest
import zxingcpp
from django.conf import settings
from PIL import Image

from traceability import codes, qr, services
from traceability.models import Scan

LINKSET_SCHEMA = Path(settings.BASE_DIR).parent / "shared" / "standards" / "linkset" / "gs1-linkset-schema.json"


def decode(png: bytes) -> str:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(found) == 1 and found[0].format == zxingcpp.BarcodeFormat.QRCode
    return found[0].text


def verdict_of(response) -> str:
    return response.context["verdict"]


def path_of(url: str) -> str:
    return urlsplit(url).path


def test_scanned_qr_codes_give_first_seen_tampered_and_recalled_verdicts(client, lot):
    serials = services.mint_serials(batch=lot, count=2)
    urls = [decode(qr.png(codes.link_for_serial(lot, s))) for s in serials]
    assert urls[0] == f"{settings.SITE_URL}/01/{lot.variant.gtin}/10/{lot.lot_code}/21/{serials[0]}"

    first = client.get(path_of(urls[0]), REMOTE_ADDR="203.0.113.1")
    assert first.status_code == 200 and verdict_of(first) == "AUTHENTIC_FIRST_SCAN"
    again = client.get(path_of(urls[0]), REMOTE_ADDR="203.0.113.2")
    assert verdict_of(again) == "AUTHENTIC_SEEN_BEFORE"
    assert "1 lần trước" in again.content.decode()

    serial = serials[1]
    tampered = serial[:-1] + ("0" if serial[-1] != "0" else "1")
    forged = client.get(path_of(urls[1]).replace(serial, tampered), REMOTE_ADDR="203.0.113.3")
    # A serial we did not issue, under a real lot: the resolver walks up the tree (GS1-Conformant
    # Resolver), so the answer is a page (200), and the page says the code is not authentic.
    assert forged.status_code == 200 and verdict_of(forged) == "NOT_AUTHENTIC"

    services.recall_batch(batch=lot, reason="Nhiễm ẩm khi vận chuyển")
    for url in urls + [codes.link_for_batch(lot), codes.short_link(lot.short_code), codes.short_link(serials[1])]:
        recalled = client.get(path_of(url), REMOTE_ADDR="203.0.113.4")
        assert verdict_of(recalled) == "RECALLED"
        assert "Nhiễm ẩm khi vận chuyển" in recalled.content.decode()


def test_codes_without_gtin_use_short_q_links(client, lot_factory):
    lot = lot_factory(gtin=False)
    serial = services.mint_serials(batch=lot, count=1)[0]
    url = decode(qr.png(codes.link_for_serial(lot, serial)))
    assert url == f"{settings.SITE_URL}/q/{serial}"
    assert verdict_of(client.get(path_of(url))) == "AUTHENTIC_FIRST_SCAN"
    typed = client.get("/q/" + codes.pretty(lot.short_code).lower())
    assert typed.status_code == 200 and verdict_of(typed) == "AUTHENTIC_FIRST_SCAN"


def test_digital_links_parse_with_a_gs1_library(lot):
    serial = services.mint_serials(batch=lot, count=1)[0]
    result = biip.parse(codes.link_for_serial(lot, serial))
    assert result.gs1_digital_link_uri_error is None
    values = {e.ai.ai: e.value for e in result.gs1_digital_link_uri.element_strings}
    assert values == {"01": lot.variant.gtin, "10": lot.lot_code, "21": serial}
    assert result.gs1_digital_link_uri.element_strings[0].gtin is not None  # the check digit holds


def test_gtin_alone_redirects_to_the_product_page(client, lot):
    product = lot.variant.product
    response = client.get(f"/01/{lot.variant.gtin}")
    # The default link, absolute, with a temporary redirect (GS1-Conformant Resolver).
    assert response.status_code == 307 and response["Location"] == f"{settings.SITE_URL}/san-pham/{product.slug}/"
    english = client.get(f"/01/{lot.variant.gtin}", HTTP_ACCEPT_LANGUAGE="en")
    assert english["Location"] == f"{settings.SITE_URL}/en/products/{product.slug}/"
    assert not Scan.objects.exists()  # a product page is not a scan of a package


def test_linkset_is_valid_against_gs1_schema_and_has_the_gs1_link_types(client, lot):
    if not LINKSET_SCHEMA.exists():
        pytest.skip(f"GS1 linkset schema not found at {LINKSET_SCHEMA} (../shared/ is absent)")
    import jsonschema

    schema = json.loads(LINKSET_SCHEMA.read_text())
    path = path_of(codes.link_for_batch(lot))
    for response in (client.get(path, HTTP_ACCEPT="application/linkset+json"), client.get(path + "?linkType=linkset")):
        assert response.status_code == 200 and response["Content-Type"] == "application/linkset+json"
        body = response.json()
        jsonschema.validate(body, schema)
        links = body["linkset"][0]
        for rel in ("pip", "certificationInfo", "traceability"):
            assert "https://gs1.org/voc/" + rel in links
        assert links["https://gs1.org/voc/pip"][0]["href"].endswith(f"/san-pham/{lot.variant.product.slug}/")
    assert Scan.objects.filter(channel="linkset").count() == 1  # the same client again is the same scan
    product_links = client.get(f"/01/{lot.variant.gtin}?linkType=linkset").json()
    jsonschema.validate(product_links, schema)


def test_linkset_leaves_out_certification_info_when_the_certificate_expired(client, lot_factory):
    lot = lot_factory(decided=datetime.date(2019, 1, 1))
    body = client.get(path_of(codes.link_for_batch(lot)) + "?linkType=linkset").json()
    assert "https://gs1.org/voc/certificationInfo" not in body["linkset"][0]


def test_trace_page_is_small_bilingual_script_free_and_shows_what_a_tourist_needs(client, lot, sales_point):
    from inventory import ledger

    ledger.stock_up(lot.variant, sales_point, 5)
    response = client.get(path_of(codes.link_for_batch(lot)))
    html = response.content.decode()
    assert response.status_code == 200 and len(response.content) <= 30 * 1024
    assert "<script" not in html.lower() and '<link rel="stylesheet"' not in html  # CSS is inline, counted above
    for text in ("Hàng thật", lot.variant.product.name, lot.lot_code, "★★★★", "Thu hoạch nguyên liệu",
                 "Đóng gói", "Mua ở đâu", sales_point.name, "Báo cáo vấn đề", lot.variant.product.producer.name):
        assert text in html
    english = client.get(path_of(codes.link_for_batch(lot)) + "?lang=en").content.decode()
    for text in ("Genuine", "journey", "Where to buy", "Report a problem", "Harvesting"):
        assert text in english
    assert response["Cache-Control"] == "no-store"
    assert 'rel="linkset"' in response["Link"]


def test_stars_are_hidden_when_the_certificate_is_no_longer_valid(client, lot_factory):
    lot = lot_factory(decided=datetime.date(2019, 1, 1))
    html = client.get(path_of(codes.link_for_batch(lot))).content.decode()
    assert "★" not in html and "Hàng thật" in html


def test_origin_shows_the_commune_and_its_2025_successor(client, lot):
    from shop.models import Commune, District

    district = District.objects.get(code="102")
    new = Commune.objects.create(slug="xa-moi-2025", name="Mường Ảng Mới", era=2025)
    old = Commune.objects.create(slug="xa-cu-102", name="Ẳng Nưa", era=2022, district=district, successor=new)
    lot.origin_commune = old
    lot.save()
    html = client.get(path_of(codes.link_for_batch(lot))).content.decode()
    assert "xã Ẳng Nưa (nay là xã Mường Ảng Mới)" in html and district.name in html


BAD_PATHS = [
    "/01/", "/01/abc", "/01/09520000000012", "/01/12345678901234567890/10/A", "/01/09520000000011/10/",
    "/01/09520000000011/10/A/21/", "/01/09520000000011/10/A%2F21%2FB", "/01/09520000000011/10/A%252F21",
    "/01/09520000000011/10/%C4%90%C3%8A", "/01/09520000000011/99/A", "/01/09520000000011/10/A/21/B/22/C",
    "/q/", "/q/%00%00", "/q/" + "Z" * 500, "/q/ĐĐĐ", "/q/..%2F..%2Fetc%2Fpasswd", "/q/%E2%80%AE", "/q/ABCDEFGH.svg",
    "/q/ABCD-EFGH?linkType=linkset", "/q/ABCDEFGH?linkType=gs1:pip", "/01/09520000000011?linkType=linkset",
    "/q/ABCDEFGH?place=99999999999", "/q/ABCDEFGH?lat=nan&lon=inf",
]


@pytest.mark.parametrize("path", BAD_PATHS)
def test_bad_input_gets_a_friendly_answer_never_a_500(client, db, path):
    response = client.get(path)
    assert response.status_code in (200, 400, 404)
    if path.startswith("/01/"):  # GS1 Digital Link syntax errors are 400s, unknown codes 404s
        well_formed = ("/01/09520000000011?linkType=linkset", "/01/09520000000011/10/A%2F21%2FB",
                       "/01/09520000000011/10/A%252F21")  # (%2F is decoded: lot A, serial B; % is allowed)
        assert response.status_code == (404 if path in well_formed else 400), path
    if response.status_code in (400, 404) and response.get("Content-Type", "").startswith("text/html"):
        assert "OCOP Điện Biên" in response.content.decode()


def test_codes_of_deleted_lots_are_unknown_not_errors(client, lot):
    serial = services.mint_serials(batch=lot, count=1)[0]
    urls = [codes.link_for_serial(lot, serial), codes.short_link(serial), codes.short_link(lot.short_code),
            codes.link_for_batch(lot)]
    lot.events.all().delete()
    lot.delete()
    for url in urls[1:3]:  # /q/ codes: nothing above them
        response = client.get(path_of(url))
        assert response.status_code == 404 and verdict_of(response) == "UNKNOWN"
    for url in (urls[0], urls[3]):  # Digital Links walk up to their GTIN, still known: a page that warns
        response = client.get(path_of(url))
        assert response.status_code == 200 and not verdict_of(response).startswith("AUTHENTIC")
        assert "★" not in response.content.decode()


def test_a_genuine_serial_under_another_lot_is_not_authentic(client, lot_factory):
    lot, other = lot_factory(), lot_factory()
    serial = services.mint_serials(batch=lot, count=1)[0]
    response = client.get(path_of(codes.link_for_serial(other, serial)))
    assert verdict_of(response) == "NOT_AUTHENTIC"


def test_scans_keep_a_daily_hash_and_a_coarse_place_never_the_address(client, lot):
    client.get(path_of(codes.link_for_batch(lot)) + "?lat=21.38567&lon=103.01734", REMOTE_ADDR="198.51.100.77")
    scan = Scan.objects.get()
    assert "198.51.100.77" not in json.dumps({f.name: str(getattr(scan, f.name)) for f in Scan._meta.fields})
    assert len(scan.client_hash) == 32
    assert (float(scan.latitude), float(scan.longitude)) == (21.4, 103.0)
    assert scan.verdict == "AUTHENTIC_FIRST_SCAN" and scan.batch == lot


def test_shared_places_far_apart_in_a_short_time_make_a_serial_suspicious(client, lot):
    serial = services.mint_serials(batch=lot, count=1)[0]
    path = path_of(codes.link_for_serial(lot, serial))
    from shop.models import District

    District.objects.filter(code="102").update(latitude=21.52, longitude=103.22)  # Mường Ảng
    first = client.get(path + "?place=102", REMOTE_ADDR="192.0.2.1")  # a district chosen from the list
    assert verdict_of(first) == "AUTHENTIC_FIRST_SCAN"
    far = client.get(path + "?lat=21.03&lon=105.85", REMOTE_ADDR="192.0.2.2")  # Hà Nội, an hour later at most
    assert verdict_of(far) == "SUSPICIOUS" and far.context["reason"]


def test_a_flood_from_one_client_raises_counters_instead_of_rows(client, lot, settings):
    settings.TRACE_SCAN_CLIENT_MAX_ROWS = 5
    serials = services.mint_serials(batch=lot, count=40)
    for serial in serials:
        client.get(path_of(codes.link_for_serial(lot, serial)), REMOTE_ADDR="192.0.2.9")
    for _ in range(20):  # the same code again and again
        client.get(path_of(codes.link_for_batch(lot)), REMOTE_ADDR="192.0.2.10")
    assert Scan.objects.count() == 5 + 1
    assert sum(Scan.objects.values_list("hits", flat=True)) == 60


def test_a_broken_scan_log_does_not_break_the_page(client, lot):
    with mock.patch("traceability.models.Scan.objects.create", side_effect=RuntimeError("disk full")):
        response = client.get(path_of(codes.link_for_batch(lot)))
    assert response.status_code == 200 and verdict_of(response) == "AUTHENTIC_FIRST_SCAN"
    with mock.patch("traceability.scans.Scan.objects.filter", side_effect=RuntimeError("db gone")):
        response = client.get(path_of(codes.link_for_batch(lot)))
    assert response.status_code == 200 and verdict_of(response) == "AUTHENTIC_SEEN_BEFORE"


def test_the_trace_link_types_give_epcis_and_the_product_page_without_a_scan(client, lot):
    path = path_of(codes.link_for_batch(lot))
    # gs1:traceability: the EPCIS document for a JSON-LD client, the trace page for a browser (307s).
    to_events = client.get(path + "?linkType=gs1:traceability", HTTP_ACCEPT="application/ld+json")
    assert to_events.status_code == 307 and to_events["Location"] == f"{settings.SITE_URL}/q/{lot.short_code}/epcis"
    events = client.get(path_of(to_events["Location"]))
    assert events["Content-Type"] == "application/ld+json"
    assert len(events.json()["epcisBody"]["eventList"]) == 4
    to_page = client.get(path + "?linkType=gs1:traceability", HTTP_ACCEPT="text/html,*/*;q=0.8")
    assert to_page.status_code == 307 and to_page["Location"] == codes.short_link(lot.short_code)
    assert client.get(path + "?linkType=gs1:pip")["Location"] == \
        f"{settings.SITE_URL}/san-pham/{lot.variant.product.slug}/"
    assert not Scan.objects.exists()


def test_qr_images_for_screens_and_download(client, lot):
    svg = client.get(f"/q/{lot.short_code}.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    png = client.get(f"/q/{lot.short_code}.png")
    assert png["Content-Type"] == "image/png"
    assert decode(png.content) == codes.link_for_batch(lot)
    assert client.get("/q/ABCDEFGH.png").status_code == 404


def test_buyers_can_report_a_problem_and_cannot_flood_reports(client, lot, settings):
    settings.TRACE_REPORTS_PER_CLIENT_PER_DAY = 2
    path = path_of(codes.link_for_batch(lot))
    data = {"code": path, "kind": "FAKE", "message": "Bao bì khác với hàng mua ở trung tâm", "back": path}
    assert client.post("/q/bao-cao/", data).status_code == 303  # to the thank-you page
    assert client.post("/q/bao-cao/", {**data, "message": "x"}).status_code == 400
    assert client.post("/q/bao-cao/", data).status_code == 303
    assert client.post("/q/bao-cao/", data).status_code == 400
    report = lot.reports.first()
    assert report.kind == "FAKE" and report.batch == lot
