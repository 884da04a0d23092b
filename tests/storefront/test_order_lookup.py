"""The order lookup page: /tra-cuu-don-hang/ and /en/order-lookup/, number + phone → the status page."""
import re

import pytest
from django.core.cache import cache

from orders import checkout as checkout_service


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def order(shop, stocked_variant):
    variant = stocked_variant(shop["muong-ang"], 3)
    checkout = checkout_service.create_checkout(lines=[(variant.pk, 1)], phone="0912 345 678")
    checkout_service.set_delivery(token=checkout.token, pickup_point_id=shop["muong-ang"].pk)
    return checkout_service.complete_checkout(token=checkout.token, payment_method="PAY_AT_PICKUP").order


def errors(html: str) -> list[str]:
    return re.findall(r'<(?:p|div) class="(?:field-error|form-errors)"[^>]*>(?:<p>)?([^<]*)', html)


def test_the_page_in_both_languages_and_linked_from_every_page(client, shop):
    vi = client.get("/tra-cuu-don-hang/").content.decode()
    en = client.get("/en/order-lookup/").content.decode()
    assert "<h1>Tra cứu đơn hàng</h1>" in vi and "<h1>Find your order</h1>" in en
    for page in (vi, en):
        assert 'id="lookup-number"' in page and 'id="lookup-phone"' in page and 'name="csrfmiddlewaretoken"' in page
        assert 'name="robots" content="noindex' in page
    assert 'href="/tra-cuu-don-hang/"' in client.get("/").content.decode()
    assert 'href="/en/order-lookup/"' in client.get("/en/").content.decode()


def test_the_right_number_and_phone_lead_to_the_status_page(client, order):
    response = client.post("/tra-cuu-don-hang/", {"number": order.number.lower(), "phone": "+84 912 345 678"})
    assert response.status_code == 303 and response["Location"] == f"/don-hang/{order.token}/"
    response = client.post("/en/order-lookup/", {"number": order.number, "phone": "0912.345.678"})
    assert response.status_code == 303 and response["Location"] == f"/en/orders/{order.token}/"
    assert order.number in client.get(response["Location"]).content.decode()


def test_a_wrong_phone_and_a_wrong_number_read_the_same(client, order):
    wrong_phone = client.post("/en/order-lookup/", {"number": order.number, "phone": "0912 000 000"})
    wrong_number = client.post("/en/order-lookup/", {"number": "DB999999", "phone": "0912 345 678"})
    assert wrong_phone.status_code == wrong_number.status_code == 200
    assert errors(wrong_phone.content.decode()) == errors(wrong_number.content.decode()) == [
        "No order has this order number and phone number. Check the order number (e.g. DB000123) and the phone "
        "number you gave when ordering."]
    assert str(order.token) not in wrong_phone.content.decode()


@pytest.mark.parametrize("data, message", [
    ({}, "Enter the order number, e.g. DB000123."),
    ({"number": "DB000001"}, "Enter the phone number you gave when ordering."),
    ({"number": "DB000001", "phone": "12345"}, "Invalid phone number"),
    ({"number": "x" * 5000, "phone": "0912345678"}, "Enter the order number, e.g. DB000123."),
    ({"number": "DB<script>", "phone": "0912345678"}, "No order has this order number"),
    ({"number": "DB\x00", "phone": "0912345678"}, "Null characters are not allowed."),
])
def test_bad_input_is_explained_never_a_500(client, shop, data, message):
    response = client.post("/en/order-lookup/", data)
    assert response.status_code == 200
    assert any(e.startswith(message) for e in errors(response.content.decode())), errors(response.content.decode())


def test_guessing_runs_out_and_then_even_the_right_answer_waits(client, order, settings):
    settings.ORDER_LOOKUP_FAILURES_PER_ADDRESS = 3
    for i in range(3):
        assert client.post("/tra-cuu-don-hang/", {"number": order.number, "phone": f"0912 000 00{i}"}).status_code == 200
    response = client.post("/tra-cuu-don-hang/", {"number": order.number, "phone": "0912 345 678"})
    assert response.status_code == 429
    assert errors(response.content.decode()) == [
        "Đã thử tra cứu sai quá nhiều lần. Hãy thử lại sau 15 phút, hoặc gọi điểm bán để được giúp."]


def test_the_order_page_says_how_to_find_it_again(client, order):
    vi = client.get(f"/don-hang/{order.token}/").content.decode()
    en = client.get(f"/en/orders/{order.token}/").content.decode()
    assert (f"hãy tìm lại đơn bằng số đơn {order.number} và số điện thoại tại trang "
            '<a href="/tra-cuu-don-hang/" id="order-lookup-link">Tra cứu đơn hàng</a>.') in vi
    assert (f"find the order again with its number {order.number} and your phone number on the "
            '<a href="/en/order-lookup/" id="order-lookup-link">Find your order</a> page.') in en
