"""My sales: units of the producer's products sold per sales point and month (the dashboard's rule)."""
import csv
import io

import pytest
from django.utils import timezone

from inventory import ledger
from orders import checkout as checkout_service
from orders.models import Fulfillment, Order
from shop.models import SalesPoint

pytestmark = pytest.mark.django_db


def _sell(variant, point, quantity):
    # One buyer per order: a buyer may hold only a few unpaid pay-at-pickup orders at once.
    email = f"khach{Order.objects.count()}@example.com"
    checkout = checkout_service.create_checkout(lines=[(variant.pk, quantity)], email=email)
    checkout_service.set_delivery(token=checkout.token, pickup_point_id=point.pk)
    return checkout_service.complete_checkout(token=checkout.token, payment_method="PAY_AT_PICKUP").order


@pytest.fixture
def points(sales_point):
    other = SalesPoint.objects.create(code="tp-dien-bien", name="Điểm bán TP Điện Biên Phủ",
                                      name_en="Dien Bien Phu point", kind="DISTRICT",
                                      district=sales_point.district, address="Phố Mường Thanh",
                                      latitude=21.39, longitude=103.02)
    return sales_point, other


@pytest.fixture
def sold(producers, points):
    a_variant = producers[0].products.first().variants.first()
    b_variant = producers[1].products.first().variants.first()
    for point in points:
        ledger.stock_up(a_variant, point, 100)
        ledger.stock_up(b_variant, point, 100)
    _sell(a_variant, points[0], 3)
    _sell(a_variant, points[0], 2)
    _sell(a_variant, points[1], 4)
    cancelled = _sell(a_variant, points[1], 7)
    Fulfillment.objects.filter(order=cancelled).update(status=Fulfillment.Status.CANCELLED)
    unpaid = _sell(a_variant, points[1], 11)
    Order.objects.filter(pk=unpaid.pk).update(status=Order.Status.UNCONFIRMED)
    _sell(b_variant, points[0], 13)
    return points


def csv_rows(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def test_units_sold_per_point_and_month_count_only_sales(owner_a, sold, portal_client,
                                                          django_assert_max_num_queries):
    client = portal_client(owner_a)
    with django_assert_max_num_queries(8):
        page = client.get("/en/producer/sales/").content.decode()
    month = timezone.localdate().strftime("%m/%Y")
    assert month in page and "Dien Bien Phu point" in page and "Điểm bán Mường Ảng" in page
    table = page[page.index('id="sales-table"'):]
    # Mường Ảng: 3 + 2; Điện Biên Phủ: 4 (the cancelled 7 and the unpaid 11 are not sales); B's 13 is not A's.
    assert '<td class="num"><b>5</b></td>' in table and '<td class="num"><b>4</b></td>' in table
    assert '<td class="num"><b>9</b></td>' in table and ">13<" not in table and ">11<" not in table


def test_the_csv_has_a_row_per_point_and_month_in_words(owner_a, sold, portal_client):
    rows = csv_rows(portal_client(owner_a).get("/en/producer/sales/csv/"))
    assert rows[0] == ["Sales point", "Month", "Units sold"]
    this_month = timezone.localdate().strftime("%Y-%m")
    assert ["Điểm bán Mường Ảng", this_month, "5"] in rows and ["Dien Bien Phu point", this_month, "4"] in rows
    assert len(rows) == 1 + 2 * 12  # twelve months by default, a zero where nothing sold


def test_a_point_name_that_looks_like_a_formula_stays_text(owner_a, sold, portal_client):
    SalesPoint.objects.filter(pk=sold[1].pk).update(name_en='=HYPERLINK("http://evil.example","x")')
    rows = csv_rows(portal_client(owner_a).get("/en/producer/sales/csv/"))
    assert any(r[0].startswith("'=HYPERLINK") for r in rows) and not any(r[0].startswith("=") for r in rows)


def test_b_sees_only_its_own_sales(owner_b, sold, portal_client):
    client = portal_client(owner_b)
    page = client.get("/en/producer/sales/").content.decode()
    table = page[page.index('id="sales-table"'):]
    assert '<td class="num"><b>13</b></td>' in table and "Dien Bien Phu point" not in table
    rows = csv_rows(client.get("/en/producer/sales/csv/"))
    assert {r[0] for r in rows[1:]} == {"Điểm bán Mường Ảng"} and sum(int(r[2]) for r in rows[1:]) == 13


def test_a_bad_range_is_said_not_crashed(owner_a, sold, portal_client):
    client = portal_client(owner_a)
    response = client.get("/en/producer/sales/?start=2020-01-01&end=2026-12-31")
    assert response.status_code == 400 and "At most 366 days" in response.content.decode()
    assert client.get("/en/producer/sales/csv/?start=31/31/2026").status_code == 400
    past = client.get("/en/producer/sales/?start=2020-01-01&end=2020-03-31").content.decode()
    assert "No units sold in this range." in past and "03/2020" not in past
