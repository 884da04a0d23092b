"""What the trace page lets a buyer trust (issue 15, items 1–4): a code the shop never issued
for a real product is a warning, not an endorsement; a lapsed certificate is explained; a lot
code shows its scans, not an authenticity alarm; the report page is a page; the label's hint fits."""
import datetime
import io
import re
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas as pdf_canvas

from catalog import certification
from catalog.gtin import make_gtin
from shop.models import District
from traceability import codes, labels, services, views
from traceability.models import ProblemReport

pytestmark = pytest.mark.django_db


def path_of(url: str) -> str:
    return urlsplit(url).path


def fresh():
    """Forget the per-lot page caches (a scan does not retire them; a minute does)."""
    cache.clear()
    views._pages.clear()


def html_of(response) -> str:
    return response.content.decode()


def invented_lot_path(lot) -> str:
    return f"/01/{lot.variant.gtin}/10/INVENTED1"


# -- 1. a code not issued for a real product ---------------------------------------------------

def test_an_invented_lot_under_a_real_gtin_is_a_warning_without_stars(client, lot):
    product = lot.variant.product
    genuine = html_of(client.get(path_of(codes.link_for_batch(lot))))
    assert "★" in genuine and 'id="ocop"' in genuine  # the genuine lot shows the stars …

    response = client.get(invented_lot_path(lot))
    html = html_of(response)
    assert "Cảnh báo: mã này không được cấp cho sản phẩm này" in html
    assert "Đừng tin vào nhãn" in html
    assert f"Nhãn ghi là sản phẩm “{product.name}”" in html  # named as a claim …
    assert "★" not in html and 'id="ocop"' not in html and "Quyết định" not in html  # … never endorsed
    assert 'class="v bad"' in html and "Không tìm thấy mã này" not in html
    assert "<dl>" not in html and "Hành trình của lô hàng" not in html and "Mua ở đâu" not in html
    # The report form comes first, right under the warning, set to a suspected fake.
    assert html.index('id="report"') < html.index("Trang của sản phẩm thật")
    assert re.search(r'<option value="FAKE" selected>Nghi hàng giả</option>', html)
    assert html.count('action="/q/bao-cao/"') == 1


def test_the_warning_is_in_english_too(client, lot):
    html = html_of(client.get(invented_lot_path(lot), {"lang": "en"}))
    assert "Warning: this code was not issued for this product" in html
    assert "Do not trust the label" in html and "report it below" in html
    assert "The label claims to be “" in html and "★" not in html
    assert '<html lang="en">' in html


def test_an_unissued_serial_under_a_real_gtin_is_the_same_warning(client, lot):
    unsigned = codes.pretty(codes.new_serials(1)[0])[:-1].replace("-", "")  # well formed, signature cut off
    forged = f"/01/{lot.variant.gtin}/10/{lot.lot_code}/21/{unsigned}X"
    html = html_of(client.get(forged))
    assert "Cảnh báo: mã này không được cấp cho sản phẩm này" in html and "★" not in html


def test_a_genuine_serial_printed_under_another_lot_is_a_warning_without_stars(client, lot_factory):
    lot, other = lot_factory(), lot_factory()
    serial = services.mint_serials(batch=lot, count=1)[0]
    other_lot_of_same_gtin = f"/01/{lot.variant.gtin}/10/{other.lot_code}/21/{serial}"
    html = html_of(client.get(other_lot_of_same_gtin))
    assert "Cảnh báo: mã này không được cấp cho sản phẩm này" in html and "★" not in html
    assert "Số sê-ri thuộc về một sản phẩm hoặc lô khác." in html


def test_a_code_that_names_nothing_keeps_the_friendly_not_found_page(client, lot):
    nobody = f"/01/{make_gtin('952888000001')}/10/INVENTED1"  # a valid GTIN the shop does not sell
    for path in (nobody, "/q/ZZZZ"):
        html = html_of(client.get(path))
        assert "Cảnh báo" not in html and "Nhãn ghi là" not in html
    html = html_of(client.get(nobody))
    assert "Không tìm thấy mã này" in html and 'class="v unk"' in html


# -- 2. a lapsed certificate -------------------------------------------------------------------

def test_an_expired_certificate_is_explained_without_the_mark(client, lot_factory):
    decided = certification.today() - datetime.timedelta(days=40 * 31)
    lot = lot_factory(decided=decided)
    cert = lot.variant.product.certifications.get()
    assert certification.status_of(cert) == certification.CertificateStatus.EXPIRED
    path = path_of(codes.link_for_batch(lot))
    html = html_of(client.get(path))
    assert f"đã hết hạn ngày {cert.valid_until:%d/%m/%Y}" in html
    assert "vẫn có thể được bán, nhưng không được mang dấu OCOP" in html
    assert "★" not in html and 'id="ocop"' not in html
    english = html_of(client.get(path, {"lang": "en"}))
    assert f"expired on {cert.valid_until:%d/%m/%Y}" in english
    assert "may still be sold, but without the OCOP mark" in english


def test_a_valid_certificate_shows_the_mark_and_no_lapse(client, lot):
    html = html_of(client.get(path_of(codes.link_for_batch(lot))))
    assert 'id="ocop"' in html and 'id="ocop-lapsed"' not in html


# -- 3. lot codes: a count and places, not an alarm ---------------------------------------------

def test_a_lot_code_shows_its_scan_count_not_scanned_before(client, lot):
    path = path_of(codes.link_for_batch(lot))
    first = html_of(client.get(path, REMOTE_ADDR="203.0.113.1"))
    assert "Hàng thật — mã lô do cửa hàng phát hành" in first
    assert "Đây là lần quét đầu tiên của mã lô này." in first
    client.get(path, REMOTE_ADDR="203.0.113.2")
    third = html_of(client.get(path, REMOTE_ADDR="203.0.113.3"))
    assert "Mã lô này đã được quét 3 lần (lô có 200 gói)." in third
    assert "đã được quét trước đây" not in third and "kiểm tra kỹ bao bì" not in third
    assert "Đã được quét" not in third  # the item's "scanned before" note
    english = html_of(client.get(path, {"lang": "en"}, REMOTE_ADDR="203.0.113.4"))
    assert "Genuine — a lot code issued by the shop" in english
    assert "This lot code has been scanned 4 times (the lot has 200 packs)." in english
    assert "scanned before" not in english.lower()


def test_a_lot_code_scanned_more_often_than_it_has_packs_is_a_warning(client, lot_factory):
    lot = lot_factory(quantity=2)
    path = path_of(codes.link_for_batch(lot))
    for n in range(2):
        html = html_of(client.get(path, REMOTE_ADDR=f"203.0.113.{n + 1}"))
        assert "nhiều hơn số gói" not in html
    html = html_of(client.get(path, REMOTE_ADDR="203.0.113.9"))
    assert "Mã lô này đã được quét 3 lần — nhiều hơn số gói của lô (2)" in html
    assert "có thể đã bị sao chép" in html


def test_an_item_serial_keeps_its_scanned_before_warning(client, lot):
    serial = services.mint_serials(batch=lot, count=1)[0]
    path = path_of(codes.link_for_serial(lot, serial))
    client.get(path, REMOTE_ADDR="203.0.113.1")
    html = html_of(client.get(path, REMOTE_ADDR="203.0.113.2"))
    assert "Hàng thật — mã đã được quét trước đây" in html
    assert "Đã được quét 1 lần trước lần này" in html
    assert "mã lô" not in html.split("</section>")[0]


def test_a_lot_code_shows_where_it_was_scanned_by_district(client, lot):
    muong_ang = District.objects.get(code="102")
    muong_ang.name, muong_ang.name_en = "Huyện Mường Ảng", "Muong Ang District"
    muong_ang.latitude, muong_ang.longitude = 21.52, 103.22
    muong_ang.save()
    District.objects.create(code="94", name="Thành phố Điện Biên Phủ", latitude=21.386, longitude=103.017)
    path = path_of(codes.link_for_batch(lot))
    for n, place in enumerate(["102", "102", "94"]):
        client.get(path, {"place": place}, REMOTE_ADDR=f"198.51.100.{n + 1}")
    client.get(path, {"lat": "10.8", "lon": "106.7"}, REMOTE_ADDR="198.51.100.9")  # Hồ Chí Minh City
    client.get(path, REMOTE_ADDR="198.51.100.10")  # shared nothing: counted, not placed
    fresh()
    html = html_of(client.get(path, REMOTE_ADDR="198.51.100.11"))
    places = re.search(r'<ul class="places">(.*?)</ul>', html).group(1)
    assert re.findall(r"<li>([^<]+): <b>(\d+)</b>", places) == [
        ("Huyện Mường Ảng", "2"), ("Thành phố Điện Biên Phủ", "1"), ("ngoài Điện Biên", "1")]
    assert "Mã lô này đã được quét 6 lần" in html
    fresh()
    english = html_of(client.get(path, {"lang": "en"}, REMOTE_ADDR="198.51.100.12"))
    assert "Where this lot code was scanned" in english and "Muong Ang District: <b>2</b>" in english


def test_the_lot_page_is_still_rendered_once_per_lot(client, lot):
    path = path_of(codes.link_for_batch(lot))
    client.get(path, REMOTE_ADDR="203.0.113.1")
    client.get(path, REMOTE_ADDR="203.0.113.2")
    with CaptureQueriesContext(connection) as queries:
        html = html_of(client.get(path, REMOTE_ADDR="203.0.113.3"))
    assert "Mã lô này đã được quét 3 lần" in html  # the scan's own note, spliced into the cached page
    page_queries = [q["sql"] for q in queries if re.search(r"shop_district|catalog_certification|GROUP BY", q["sql"])]
    assert page_queries == []  # no places, certificate or districts read again: the page came from the cache


# -- 4. the report page -----------------------------------------------------------------------

def test_a_report_ends_on_a_styled_thank_you_page_with_a_way_back(client, lot):
    back = invented_lot_path(lot)
    response = client.post("/q/bao-cao/", {"code": back, "back": back, "lang": "vi", "kind": "FAKE",
                                           "message": "Mua ở chợ, tem in mờ", "contact": "0912 345 678"})
    assert response.status_code == 303
    assert response["Location"].startswith("/q/bao-cao/?sent=1")
    thanks = client.get(response["Location"])
    html = html_of(thanks)
    assert thanks.status_code == 200 and '<html lang="vi">' in html and '<header class="top">' in html
    assert "<h1>Đã gửi báo cáo</h1>" in html and "Cảm ơn bạn!" in html
    assert f'<a href="{back}?lang=vi">← Quay lại trang của mã</a>' in html
    assert "<style>" in html and "--brand:#1d5e2c" in html
    report = ProblemReport.objects.get()
    assert report.kind == "FAKE" and report.contact == "0912 345 678"


def test_a_failed_report_keeps_what_the_visitor_typed(client, lot):
    back = path_of(codes.link_for_batch(lot))
    response = client.post("/q/bao-cao/", {"code": back, "back": back, "lang": "en", "kind": "QUALITY",
                                           "message": "bad", "contact": "me@example.org"})
    html = html_of(response)
    assert response.status_code == 400 and '<html lang="en">' in html
    assert "<h1>Your report was not sent</h1>" in html and "at least 5 characters" in html
    assert ">bad</textarea>" in html and 'value="me@example.org"' in html
    assert '<option value="QUALITY" selected>' in html
    assert f'href="{back}?lang=en"' in html and not ProblemReport.objects.exists()


def test_the_report_page_never_links_anywhere_but_a_code_page(client):
    for back in ("https://evil.example/", "/q/x\"onmouseover=alert(1)", "//evil.example/q/"):
        html = html_of(client.get("/q/bao-cao/", {"sent": "1", "back": back}))
        assert "evil" not in html and "onmouseover" not in html
        assert '<a href="/">← Về trang chủ cửa hàng</a>' in html


# -- the label's hint ---------------------------------------------------------------------

@pytest.mark.parametrize("unicode_font", [True, False])
def test_the_label_hint_fits_its_box_in_both_languages(unicode_font, monkeypatch):
    if unicode_font and not labels._fonts()[2]:
        pytest.skip("DejaVu Sans is not installed")
    if not unicode_font:
        monkeypatch.setattr(labels, "_fonts", lambda: ("Helvetica", "Helvetica-Bold", False))
    regular = labels._fonts()[0]
    width = labels.text_width()
    lines, size = labels.hint_lines(regular, width)
    assert [line.rstrip("…") for line in lines] == [line for line in lines]  # nothing cut off
    vi, en = lines
    assert vi == labels._text("Quét để kiểm tra nguồn gốc") and en == labels._text("Scan to verify the origin")
    for line in lines:
        assert pdfmetrics.stringWidth(line, regular, size) <= width
    assert size >= 5


def test_a_printed_label_carries_the_whole_hint_inside_its_box(lot, monkeypatch):
    drawn = []
    real = pdf_canvas.Canvas.drawString

    def spy(canvas, x, y, text, *args, **kwargs):
        drawn.append((x, text, canvas._fontname, canvas._fontsize))
        return real(canvas, x, y, text, *args, **kwargs)

    monkeypatch.setattr(pdf_canvas.Canvas, "drawString", spy)
    labels.render(labels.labels_for_batch(lot, copies=1), io.BytesIO())
    hint = [(x, text, font, size) for x, text, font, size in drawn if "Scan" in text or "Quét" in text]
    assert [text for _, text, _, _ in hint] == [labels._text("Quét để kiểm tra nguồn gốc"), "Scan to verify the origin"]
    assert len({x for x, _, _, _ in hint}) == 1  # both in the text column beside the QR code
    for _, text, font, size in hint:
        assert pdfmetrics.stringWidth(text, font, size) <= labels.text_width()
