"""Carriers: the SHIPPED hand-over keeps the parcel's carrier, tracking number and link
(orders/carriers.py), required for a parcel leaving the province; the customer sees them on the
status page, in the "on its way" e-mail and in the API."""
import sys
import types

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from inventory.models import Stock
from orders import carriers, fulfilment
from orders import checkout as checkout_service
from orders.models import Fulfillment
from shop.auth import create_token
from shop.errors import ShopError
from shop.graphql.core import global_id
from shop.models import Commune

PASSWORD = "ocop-demo-2026"
STATUS = """mutation($id: ID!, $s: FulfillmentStatusEnum!, $carrier: String, $number: String) {
  fulfillmentUpdateStatus(id: $id, status: $s, carrier: $carrier, trackingNumber: $number) {
    fulfillment { status shipment { carrier carrierCode trackingNumber trackingUrl shippedAt } }
    errors { field code message } } }"""
ORDER = """query($t: UUID!) { order(token: $t) { shipment { carrier trackingNumber trackingUrl }
  fulfillments { number shipment { carrier trackingNumber trackingUrl } } } }"""


def staff(code):
    return get_user_model().objects.get(email=f"{code}@ocop-dienbien.example")


def hanoi():
    return Commune.objects.get(era=2025, province__code="01", name="Hoàn Kiếm")


def in_province():
    return Commune.objects.filter(district__code="102", era=2022).order_by("id").first()


@pytest.fixture
def honey(shop, make_product):
    """Honey (it may travel anywhere) stocked only at the provincial centre."""
    return make_product("Mật ong hoa ban", price=150_000, stock={shop["tinh"]: 20}).variants.get()


def place(variant, commune, language="vi"):
    checkout = checkout_service.create_checkout(lines=[(variant.pk, 1)], email="lan@example.com",
                                                phone="0912345678", language=language)
    checkout_service.set_delivery(token=checkout.token, address={
        "full_name": "Nguyễn Thị Lan", "street_address": "Số 12 phố Hàng Bạc", "commune_id": commune.pk,
        "phone": "0912345678"})
    return checkout_service.complete_checkout(token=checkout.token, payment_method="CASH_ON_DELIVERY").order


def packed(order, user):
    f = order.fulfillments.get()
    for status in ("PICKING", "PACKED"):
        fulfilment.update_status(fulfillment_id=f.pk, status=status, user=user)
    return f


# -- the manual backend and the registry ---------------------------------------------------------

def test_manual_carriers_link_to_their_public_tracking_pages(settings):
    assert [code for code, _ in carriers.choices()] == ["VIETTEL_POST", "GHN", "GHTK", "VNPOST", "JT", "OTHER"]
    assert carriers.get("GHN").tracking_url("GYCYQNYM") == "https://donhang.ghn.vn/?order_code=GYCYQNYM"
    assert carriers.get("GHTK").tracking_url("S1234.SG01.A1.5678") == "https://i.ghtk.vn/S1234.SG01.A1.5678"
    assert carriers.get("VNPOST").tracking_url("EE123456789VN") == (
        "https://www.vnpost.vn/vi-vn/dinh-vi/buu-pham?key=EE123456789VN")
    assert carriers.get("JT").tracking_url("841327113159") == (
        "https://jtexpress.vn/vi/tracking?type=track&billcode=841327113159")
    assert carriers.get("GHN").tracking_url("A&B=C") == "https://donhang.ghn.vn/?order_code=A%26B%3DC"
    # No public page that takes the number: no link (the number is still shown).
    assert carriers.get("VIETTEL_POST").tracking_url("1234567890") == ""
    assert carriers.get("OTHER").tracking_url("1234567890") == ""
    assert carriers.get("UPS") is None


def test_a_backend_listed_first_replaces_the_manual_carrier_of_its_code(settings, monkeypatch):
    class ApiGHN(carriers.Carrier):
        code, name = "GHN", "GHN API"

        def book(self, fulfillment, parcel):
            return carriers.Booking("GHNAPI01", self.tracking_url("GHNAPI01"), b"%PDF-label")

        def tracking_url(self, tracking_number):
            return f"https://example.test/t/{tracking_number}"

    module = types.ModuleType("fake_carrier_backend")
    module.carriers = lambda: [ApiGHN()]
    monkeypatch.setitem(sys.modules, "fake_carrier_backend", module)
    settings.ORDER_CARRIERS = ["fake_carrier_backend.carriers", "orders.carriers.manual_carriers"]
    assert carriers.get("GHN").name == "GHN API" and carriers.get("GHTK").name.startswith("GHTK")
    settings.ORDER_CARRIERS = ["orders.carriers.manual_carriers"]
    assert carriers.get("GHN").name == "GHN (Giao Hàng Nhanh)"


# -- recording the shipment through the service ----------------------------------------------------

def test_a_parcel_leaving_the_province_needs_its_carrier_and_tracking_number(
        shop, honey, mailoutbox, django_capture_on_commit_callbacks):
    order = place(honey, hanoi())
    centre = staff("tinh")
    f = packed(order, centre)
    assert f.sales_point.code == "tinh" and carriers.tracking_required(order)
    allocated = Stock.objects.get(variant=honey, sales_point=shop["tinh"]).quantity_allocated
    refusals = {}
    for carrier, number in (("", ""), ("UPS", "1Z999"), ("GHN", ""), ("GHN", "x"), ("GHN", "AB<script>")):
        with pytest.raises(ShopError) as caught:
            fulfilment.update_status(fulfillment_id=f.pk, status="SHIPPED", user=centre, carrier=carrier,
                                     tracking_number=number)
        refusals[(carrier, number)] = (caught.value.code.value, caught.value.field)
    assert refusals == {
        ("", ""): ("carrier_required", "carrier"), ("UPS", "1Z999"): ("unknown_carrier", "carrier"),
        ("GHN", ""): ("invalid_tracking_number", "trackingNumber"),
        ("GHN", "x"): ("invalid_tracking_number", "trackingNumber"),
        ("GHN", "AB<script>"): ("invalid_tracking_number", "trackingNumber"),
    }
    f.refresh_from_db()
    assert (f.status, f.carrier, f.tracking_number, f.shipped_at) == ("PACKED", "", "", None)
    assert Stock.objects.get(variant=honey, sales_point=shop["tinh"]).quantity_allocated == allocated  # not consumed

    with django_capture_on_commit_callbacks(execute=True):
        fulfilment.update_status(fulfillment_id=f.pk, status="SHIPPED", user=centre, carrier="ghn",
                                 tracking_number=" GYC YQNYM ")
    f.refresh_from_db()
    assert (f.status, f.carrier, f.carrier_name, f.tracking_number, f.tracking_url) == (
        "SHIPPED", "GHN", "GHN (Giao Hàng Nhanh)", "GYCYQNYM", "https://donhang.ghn.vn/?order_code=GYCYQNYM")
    assert f.shipped_at is not None
    assert Stock.objects.get(variant=honey, sales_point=shop["tinh"]).quantity_allocated == allocated - 1
    (mail,) = [m for m in mailoutbox if m.subject == f"Đơn {order.number} đang được giao"]
    assert mail.to == ["lan@example.com"]
    assert "Đơn vị vận chuyển: GHN (Giao Hàng Nhanh)" in mail.body and "Mã vận đơn: GYCYQNYM" in mail.body
    assert "Tra cứu hành trình: https://donhang.ghn.vn/?order_code=GYCYQNYM" in mail.body


def test_inside_the_province_the_point_may_deliver_itself_or_name_a_carrier(shop, make_product, mailoutbox,
                                                                             django_capture_on_commit_callbacks):
    clerk = staff("muong-ang")
    variant = make_product("Chè Shan tuyết", stock={shop["muong-ang"]: 10}).variants.get()
    own = place(variant, in_province())
    assert not carriers.tracking_required(own)
    f = packed(own, clerk)
    assert f.sales_point.code == "muong-ang"
    with django_capture_on_commit_callbacks(execute=True):
        fulfilment.update_status(fulfillment_id=f.pk, status="SHIPPED", user=clerk)
    f.refresh_from_db()
    assert (f.status, f.carrier, f.tracking_number, f.tracking_url) == ("SHIPPED", "", "", "")
    assert f.shipped_at is not None
    (mail,) = [m for m in mailoutbox if m.subject == f"Đơn {own.number} đang được giao"]
    assert "Mã vận đơn" not in mail.body

    by_post = place(variant, in_province(), language="en")
    g = packed(by_post, clerk)
    with django_capture_on_commit_callbacks(execute=True):
        fulfilment.update_status(fulfillment_id=g.pk, status="SHIPPED", user=clerk, carrier="OTHER",
                                 tracking_number="XE-0042", carrier_name="Xe khách Mường Ảng – Điện Biên")
    g.refresh_from_db()
    assert (g.carrier, g.carrier_name, g.tracking_number, g.tracking_url) == (
        "OTHER", "Xe khách Mường Ảng – Điện Biên", "XE-0042", "")
    (mail,) = [m for m in mailoutbox if m.subject == f"Order {by_post.number} is on its way"]
    assert "Carrier: Xe khách Mường Ảng – Điện Biên\nTracking number: XE-0042" in mail.body
    assert "Track the parcel" not in mail.body  # no public page for another carrier


# -- GraphQL ---------------------------------------------------------------------------------------

def test_graphql_records_the_shipment_for_staff_of_that_point_only(gql, shop, honey):
    order = place(honey, hanoi())
    f = packed(order, staff("tinh"))
    variables = {"id": global_id("Fulfillment", f.pk), "s": "SHIPPED", "carrier": "VNPOST", "number": "EE123456789VN"}

    anonymous = gql(STATUS, variables)["data"]["fulfillmentUpdateStatus"]
    assert anonymous["fulfillment"] is None and anonymous["errors"][0]["code"] == "permission_denied"
    _, raw = create_token(email="muong-ang@ocop-dienbien.example", password=PASSWORD)
    gql.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    other = gql(STATUS, variables)["data"]["fulfillmentUpdateStatus"]
    assert other["fulfillment"] is None and other["errors"][0]["code"] == "fulfillment_not_found"
    assert Fulfillment.objects.get(pk=f.pk).tracking_number == ""

    _, raw = create_token(email="tinh@ocop-dienbien.example", password=PASSWORD)
    gql.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    missing = gql(STATUS, {**variables, "carrier": None, "number": None}, language="en")["data"]["fulfillmentUpdateStatus"]
    assert missing["errors"] == [{"field": "carrier", "code": "carrier_required", "message": (
        "A parcel leaving the province: choose the carrier and type the tracking number so the customer can "
        "follow it.")}]
    done = gql(STATUS, variables)["data"]["fulfillmentUpdateStatus"]
    assert done["errors"] == [] and done["fulfillment"]["status"] == "SHIPPED"
    shipment = done["fulfillment"]["shipment"]
    assert shipment["shippedAt"] and {k: v for k, v in shipment.items() if k != "shippedAt"} == {
        "carrier": "VNPost / EMS", "carrierCode": "VNPOST", "trackingNumber": "EE123456789VN",
        "trackingUrl": "https://www.vnpost.vn/vi-vn/dinh-vi/buu-pham?key=EE123456789VN"}

    gql.headers = {}  # the customer, by the order's token
    seen = gql(ORDER, {"t": str(order.token)})["data"]["order"]
    expected = {"carrier": "VNPost / EMS", "trackingNumber": "EE123456789VN",
                "trackingUrl": "https://www.vnpost.vn/vi-vn/dinh-vi/buu-pham?key=EE123456789VN"}
    assert seen == {"shipment": expected, "fulfillments": [{"number": f.number, "shipment": expected}]}


def test_an_order_not_shipped_has_no_shipment(gql, shop, honey):
    order = place(honey, hanoi())
    assert gql(ORDER, {"t": str(order.token)})["data"]["order"]["shipment"] is None


# -- the customer's status page and the staff console ----------------------------------------------

def test_the_status_page_shows_carrier_number_and_link_without_more_queries(client, shop, honey):
    order = place(honey, hanoi(), language="en")
    f = packed(order, staff("tinh"))
    with translation.override("vi"):
        url = reverse("storefront:order_status", kwargs={"token": order.token})
    with translation.override("en"):
        url_en = reverse("storefront:order_status", kwargs={"token": order.token})
    client.get(url)  # warm caches
    with CaptureQueriesContext(connection) as before:
        html = client.get(url).content.decode()
    assert "Mã vận đơn" not in html
    fulfilment.update_status(fulfillment_id=f.pk, status="SHIPPED", user=staff("tinh"), carrier="GHTK",
                             tracking_number="S1234.SG01.A1.5678")
    with CaptureQueriesContext(connection) as after:
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200 and len(after) == len(before)
    assert f'id="shipment-{f.number}"' in html
    assert '<dd class="carrier">GHTK (Giao Hàng Tiết Kiệm)</dd>' in html
    assert '<b class="tracking-number">S1234.SG01.A1.5678</b>' in html
    assert 'href="https://i.ghtk.vn/S1234.SG01.A1.5678"' in html and "Tra cứu hành trình" in html
    english = client.get(url_en).content.decode()
    assert "Tracking number" in english and "Track the parcel" in english and "Carrier" in english


def test_the_staff_queue_asks_for_the_carrier_and_keeps_what_was_typed(client, shop, honey):
    order = place(honey, hanoi())
    f = packed(order, staff("tinh"))
    client.force_login(staff("tinh"))
    queue = client.get("/staff/points/tinh/").content.decode()
    assert f'id="ship-{f.number}"' in queue and f'id="ship-required-{f.number}"' in queue
    assert '<option value="GHN">GHN (Giao Hàng Nhanh)</option>' in queue

    refused = client.post(f"/staff/fulfilments/{f.pk}/status/", {
        "status": "SHIPPED", "point": "tinh", "carrier": "GHN", "tracking_number": "?"})
    html = refused.content.decode()
    assert refused.status_code == 400 and "Hãy nhập mã vận đơn" in html
    assert '<option value="GHN" selected>' in html and 'name="tracking_number" maxlength="60"' in html
    assert Fulfillment.objects.get(pk=f.pk).status == "PACKED"

    done = client.post(f"/staff/fulfilments/{f.pk}/status/", {
        "status": "SHIPPED", "point": "tinh", "carrier": "JT", "tracking_number": "841327113159"})
    assert done.status_code == 302
    f.refresh_from_db()
    assert (f.status, f.carrier, f.tracking_url) == (
        "SHIPPED", "JT", "https://jtexpress.vn/vi/tracking?type=track&billcode=841327113159")
