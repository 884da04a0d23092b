"""The province dashboard: sales, certificates to renew, scans and top products, as charts, tables and CSV."""
import csv
import datetime
import io
import itertools
import re
import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import ProductVariant
from inventory import ledger
from orders import checkout as checkout_service
from orders.models import Order
from shop.models import SalesPoint
from traceability.models import Scan

SVG = "{http://www.w3.org/2000/svg}"



@pytest.fixture
def shop(demo_shop, db):
    return {p.code: p for p in SalesPoint.objects.all()}


@pytest.fixture
def sell(shop):
    """sell(quantity, days_ago=0, point="muong-ang") places a confirmed pickup order of one sellable variant."""
    variant = None
    for candidate in ProductVariant.objects.filter(is_published=True).select_related("product").order_by("id"):
        try:
            checkout_service.sellable_variants([candidate.pk])
        except Exception:  # noqa: BLE001 - not certified or held
            continue
        variant = candidate
        break
    for point in shop.values():
        ledger.stock_up(variant, point, 500)

    customers = itertools.count(1)  # each order its own customer: one customer's open unpaid orders are limited

    def make(quantity=1, days_ago=0, point="muong-ang"):
        checkout = checkout_service.create_checkout(lines=[(variant.pk, quantity)],
                                                    email=f"khach{next(customers)}@example.com")
        checkout_service.set_delivery(token=checkout.token, pickup_point_id=shop[point].pk)
        order = checkout_service.complete_checkout(token=checkout.token, payment_method="PAY_AT_PICKUP").order
        if days_ago:
            Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - datetime.timedelta(days=days_ago))
        return order

    make.variant = variant
    return make


def login(client, who="tinh"):
    client.force_login(get_user_model().objects.get(username=f"{who}@ocop-dienbien.example"))
    return client


def scan(verdict, days_ago=0, channel="page"):
    at = timezone.now() - datetime.timedelta(days=days_ago)
    return Scan.objects.create(scanned_at=at, last_seen_at=at, code="Q123", verdict=verdict, client_hash="c" * 32,
                               channel=channel)


def csv_rows(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_dashboard_is_for_province_admins_only(client, shop):
    assert client.get("/staff/dashboard/")["Location"] == "/staff/login/?next=/staff/dashboard/"
    login(client, "muong-ang")
    denied = client.get("/staff/dashboard/")
    assert denied.status_code == 403 and "Chỉ quản trị tỉnh" in denied.content.decode()
    assert client.get("/staff/dashboard/points.csv").status_code == 403
    assert "Số liệu toàn tỉnh" not in client.get("/staff/points/muong-ang/").content.decode()  # no link either
    login(client, "tinh")
    assert client.get("/staff/dashboard/").status_code == 200
    client.force_login(get_user_model().objects.get(username="admin@ocop-dienbien.example"))  # a superuser
    assert client.get("/staff/dashboard/").status_code == 200


def test_every_chart_is_well_formed_accessible_svg_with_its_numbers_beside(client, sell):
    sell(2)
    sell(1, days_ago=3, point="tinh")
    scan("AUTHENTIC_FIRST_SCAN")
    scan("NOT_AUTHENTIC", days_ago=1)
    page = login(client).get("/staff/dashboard/").content.decode()
    svgs = re.findall(r"<svg .*?</svg>", page, re.S)
    assert len(svgs) == 6  # three sales charts, top products, certificates, scans
    for text in svgs:
        root = ET.fromstring(text)
        assert root.tag == f"{SVG}svg" and root.get("role") == "img"
        title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
        assert title.text and desc.text
        assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    tables = re.findall(r'<div class="figure">.*?<table class="data">', page, re.S)
    assert len(tables) == 6
    assert sell.variant.product.name in page


def test_sales_by_point_follow_the_range_and_the_csv_has_every_period(client, shop, sell):
    recent, old = sell(2), sell(3, days_ago=40)
    login(client)
    page = client.get("/staff/dashboard/").content.decode()
    muong_ang = shop["muong-ang"].name
    assert muong_ang in page
    rows = csv_rows(client.get("/staff/dashboard/points.csv"))
    assert rows[0] == ["Từ ngày", "Tên", "Doanh số (đồng)"]
    assert len(rows) == 1 + 30  # one point sold: 30 days, zeros included
    today = timezone.localdate().isoformat()
    assert [today, muong_ang, str(recent.total_vnd)] in rows
    start = (timezone.localdate() - datetime.timedelta(days=45)).isoformat()
    weekly = csv_rows(client.get(f"/staff/dashboard/points.csv?start={start}&end={today}&period=week"))
    assert sum(int(r[2]) for r in weekly[1:]) == recent.total_vnd + old.total_vnd
    assert all(datetime.date.fromisoformat(r[0]).weekday() == 0 for r in weekly[1:])
    english = csv_rows(client.get("/en/staff/dashboard/points.csv"))
    assert english[0] == ["Period start", "Name", "Sales (VND)"] and shop["muong-ang"].name_en in english[1][1]


def test_csv_of_districts_groups_and_top_products(client, sell):
    order = sell(4)
    login(client)
    product = sell.variant.product
    districts = csv_rows(client.get("/staff/dashboard/districts.csv"))
    assert any(r[1] == product.district.name and r[2] == str(order.total_vnd) for r in districts[1:])
    groups = csv_rows(client.get("/staff/dashboard/groups.csv"))
    top_group = product.group
    while top_group.parent_id:
        top_group = top_group.parent
    assert any(r[1] == top_group.name and r[2] == str(order.total_vnd) for r in groups[1:])
    top = csv_rows(client.get("/staff/dashboard/top-products.csv"))
    assert top[1] == [product.name, "4", str(order.total_vnd)]
    assert client.get("/staff/dashboard/nothing.csv").status_code == 404


def test_certificates_to_renew_list_the_demo_expiring_and_lapsed_products(client, shop):
    login(client)
    page = client.get("/staff/dashboard/").content.decode()
    assert 'id="expiring-table"' in page and "Rượu nếp 27" in page
    assert 'id="expired-table"' in page and "Chẳm chéo M&#x27;Then" in page
    rows = csv_rows(client.get("/staff/dashboard/certificates.csv"))
    assert rows[0][:2] == ["Tình trạng", "Sản phẩm"]
    expiring = {r[1] for r in rows[1:] if r[0] == "sắp hết hạn"}
    expired = {r[1] for r in rows[1:] if r[0] == "đã hết hạn"}
    assert {"Gạo Tâm Sáng – Séng Cù", "Rượu nếp 27", "Miến Hoàng Tâm", "Bí xanh Tìa Dình"} <= expiring
    assert "Chẳm chéo M'Then" in expired
    assert all(0 <= int(r[6]) < 90 for r in rows[1:] if r[0] == "sắp hết hạn")


def test_scans_per_day_and_verdict(client, shop):
    for _ in range(3):
        scan("AUTHENTIC_FIRST_SCAN")
    scan("AUTHENTIC_FIRST_SCAN", channel="linkset")
    scan("SUSPICIOUS", days_ago=2)
    scan("NOT_AUTHENTIC", days_ago=45)  # outside the default 30 days
    login(client)
    rows = csv_rows(client.get("/staff/dashboard/scans.csv"))
    today = timezone.localdate().isoformat()
    assert rows[0] == ["Từ ngày", "Kết quả", "Cách quét", "Lượt quét"]
    assert [today, "Hàng thật — lần quét đầu tiên", "Trang truy xuất (quét mã QR)", "3"] in rows
    assert [today, "Hàng thật — lần quét đầu tiên", "Ứng dụng đọc mã (linkset)", "1"] in rows
    assert sum(int(r[3]) for r in rows[1:]) == 5
    codes = {"AUTHENTIC_FIRST_SCAN", "SUSPICIOUS", "NOT_AUTHENTIC", "page", "linkset"}
    assert not codes & {cell for r in rows for cell in r}  # words, not the enum codes
    english = csv_rows(client.get("/en/staff/dashboard/scans.csv"))
    assert english[0] == ["Period start", "Verdict", "Channel", "Scans"]
    assert [today, "Genuine — first scan", "Scanner app (linkset)", "1"] in english
    assert any(r[1] == "Check carefully — unusual scans" for r in english)
    page = client.get("/staff/dashboard/").content.decode()
    assert "Hàng thật — lần quét đầu tiên" in page and "Cần kiểm tra" in page


def test_scan_chart_axis_counts_in_whole_numbers_without_gaps(client, shop):
    for _ in range(5):
        scan("AUTHENTIC_FIRST_SCAN")
    login(client)
    html = client.get("/staff/dashboard/").content.decode()
    svg = html[html.index('aria-labelledby="scans-t scans-d"'):]
    svg = svg[:svg.index("</svg>")]
    ticks = re.findall(r'text-anchor="end" fill="#4d5650" font-size="11">([^<]+)</text>', svg)
    assert ticks[:6] == ["0", "1", "2", "3", "4", "5"]


def test_bad_range_is_explained_beside_the_field_and_the_last_30_days_shown(client, shop):
    login(client)
    reversed_range = client.get("/staff/dashboard/?start=2026-05-10&end=2026-05-01")
    page = reversed_range.content.decode()
    assert reversed_range.status_code == 400
    assert re.search(r'id="range-start-error">Ngày bắt đầu phải trước', page)
    assert "Đang hiển thị 30 ngày gần nhất." in page
    not_a_date = client.get("/en/staff/dashboard/?start=yesterday")
    assert not_a_date.status_code == 400 and 'id="range-start-error">Not a date' in not_a_date.content.decode()
    too_long = client.get("/staff/dashboard/?start=2020-01-01&end=2026-01-01")
    assert "tối đa 366 ngày" in too_long.content.decode()
    assert client.get("/staff/dashboard/points.csv?period=month").status_code == 400


def test_dashboard_in_english(client, sell, shop):
    sell(1)
    page = login(client).get("/en/staff/dashboard/").content.decode()
    assert '<html lang="en">' in page and "Sales by sales point" in page and "Top products" in page
    assert shop["muong-ang"].name_en in page
    assert 'href="/en/staff/dashboard/points.csv"' in page


def queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_dashboard_query_count_is_fixed(client, sell, django_assert_max_num_queries):
    sell(1)
    scan("AUTHENTIC_FIRST_SCAN")
    login(client)
    client.get("/staff/dashboard/")
    few = queries(client, "/staff/dashboard/")
    for days in range(6):
        sell(2, days_ago=days, point=["muong-ang", "tinh", "tuan-giao"][days % 3])
        scan("SUSPICIOUS", days_ago=days)
    assert queries(client, "/staff/dashboard/") == few
    with django_assert_max_num_queries(14):
        client.get("/staff/dashboard/?period=week")
