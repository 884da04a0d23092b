"""Delivery anywhere in Vietnam in the browser, without JavaScript: the province and commune picker
with its server-side search, an old district-era address, the order to Hà Nội, and the cart saying
where each item can go before checkout (as tests/storefront/test_checkout_pages.py)."""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import ProductVariant
from orders.models import Checkout, Order
from shop.models import Commune, SalesPoint


@pytest.fixture
def honey(demo_shop, db):
    """A demo honey with units at the provincial centre (which sends parcels outside the province)."""
    variant = ProductVariant.objects.filter(product__slug__startswith="mat-ong", stocks__sales_point__code="tinh",
                                            stocks__quantity_on_hand__gte=3).order_by("id").first()
    variant.weight_grams = 500
    variant.save()
    return variant


@pytest.fixture
def pomelo(demo_shop, make_product):
    """Fresh pomelo: 4 days in transit at most (the north takes up to 4, the south up to 6)."""
    centre = SalesPoint.objects.get(code="tinh")
    variant = make_product("Bưởi da xanh", price=60_000, max_transit_days=4, name_en="Green-skin pomelo",
                           stock={centre: 10}).variants.get()
    variant.weight_grams = 1200
    variant.save()
    return variant


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def field_error(html: str, element_id: str) -> str:
    match = re.search(rf'<p class="field-error" id="{element_id}-error">([^<]*)</p>', html)
    return match.group(1) if match else ""


def options(html: str, select_id: str) -> list[str]:
    """The options' labels of a <select>."""
    match = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert match, select_id
    return re.findall(r"<option value=\"\d+\"[^>]*>([^<]*)</option>", match.group(1))


def add(client, variant, quantity=1):
    assert client.post("/gio-hang/them/", {"variant": str(variant.pk), "quantity": str(quantity)}).status_code == 302


def commune(province, name) -> Commune:
    return Commune.objects.get(era=2025, province__code=province, name=name)


HANOI = {"email": "lan@example.com", "phone": "0912 345 678", "delivery_method": "DELIVERY",
         "ship_name": "Nguyễn Thị Lan", "ship_street": "Số 12 phố Hàng Bạc"}


def test_the_picker_lists_the_chosen_provinces_communes_and_searches_without_diacritics(client, honey):
    add(client, honey)
    form = page(client.get("/thanh-toan/"))
    provinces = re.search(r'<select id="checkout-ship-province"[^>]*>(.*?)</select>', form, re.S).group(1)
    assert len(re.findall(r'<option value="\d\d"', provinces)) == 34
    assert provinces.index(">Điện Biên<") < provinces.index(">An Giang<") < provinces.index(">Hà Nội<")
    assert options(form, "checkout-ship-commune") == []  # no province yet
    assert 'src="/static/storefront/address.js"' in form and "<script>" not in form  # the CSP allows no inline script

    hanoi = page(client.get("/thanh-toan/?province=01"))
    assert '<option value="01" selected>Hà Nội</option>' in hanoi
    listed = options(hanoi, "checkout-ship-commune")
    assert len(listed) == 126 and "Hoàn Kiếm" in listed and "Mường Thanh" not in listed
    assert '<optgroup label="Phường">' in hanoi and '<optgroup label="Xã">' in hanoi

    found = page(client.get("/thanh-toan/?province=01&q=hoan+kiem"))
    assert options(found, "checkout-ship-commune") == ["Hoàn Kiếm"] and 'value="hoan kiem"' in found
    nothing = page(client.get("/thanh-toan/?province=01&q=zzz"))
    assert "Không thấy xã, phường nào khớp “zzz” ở Hà Nội" in nothing
    assert len(options(nothing, "checkout-ship-commune")) == 126


def test_find_without_javascript_keeps_what_was_typed_and_saves_nothing(client, honey):
    add(client, honey)
    html = page(client.post("/thanh-toan/", {**HANOI, "ship_province": "96", "q": "tan", "find": "search"}))
    assert 'value="Nguyễn Thị Lan"' in html and 'value="Số 12 phố Hàng Bạc"' in html and 'value="lan@example.com"' in html
    listed = options(html, "checkout-ship-commune")
    assert listed and all(re.search(r"(^| )T[âấ]n", name) for name in listed)  # Cà Mau's Tân…, no others
    assert "Tân Thành" in listed and "field-error" not in html
    checkout = Checkout.objects.get()
    assert (checkout.email, checkout.delivery_kind) == ("", "")


def test_an_order_to_hanoi_through_the_pages(client, honey):
    add(client, honey, 2)  # 1 kg: the north's first bracket
    response = client.post("/thanh-toan/", {**HANOI, "ship_province": "01", "ship_commune": str(commune("01", "Hoàn Kiếm").pk)})
    assert response.status_code == 302 and response["Location"] == "/thanh-toan/dat-hang/"
    review = page(client.get("/thanh-toan/dat-hang/"))
    assert "Số 12 phố Hàng Bạc, phường Hoàn Kiếm, thành phố Hà Nội" in review
    assert "(Miền Bắc, 2–4 ngày)" in review and "30.000\xa0₫" in review
    place = page(client.get("/thanh-toan/dat-hang/"))
    key = re.search(r'name="idempotency_key" value="([^"]+)"', place).group(1)
    client.post("/thanh-toan/dat-hang/", {"payment_method": "CASH_ON_DELIVERY", "idempotency_key": key})
    order = Order.objects.get()
    assert order.shipping_vnd == 30_000 and order.routing_reason.startswith("Giao ngoài tỉnh: Trung tâm tỉnh")
    assert [f.sales_point.code for f in order.fulfillments.all()] == ["tinh"]
    status = page(client.get(f"/don-hang/{order.token}/"))
    assert "phường Hoàn Kiếm, thành phố Hà Nội" in status
    english = page(client.get(f"/en/orders/{order.token}/"))
    assert "Hoàn Kiếm ward, Ha Noi City" in english


def test_fresh_pomelo_to_ca_mau_is_refused_and_the_cart_then_says_so_beside_its_line(client, honey, pomelo):
    add(client, honey)
    add(client, pomelo)
    data = {**HANOI, "ship_province": "96", "ship_commune": str(commune("96", "Tân Thành").pk)}
    html = page(client.post("/thanh-toan/", data))
    error = field_error(html, "checkout-ship-commune")
    assert error.startswith("Không giao được tới tỉnh Cà Mau: Bưởi da xanh chỉ chịu được 4 ngày vận chuyển")
    assert "Mật ong" not in error and Checkout.objects.get().delivery_kind == ""

    cart = page(client.get("/gio-hang/"))  # the province chosen at checkout is the cart's
    lines = {line.variant_id: line.pk for line in Checkout.objects.get().lines.all()}
    note = re.search(rf'id="cart-travel-{lines[pomelo.pk]}">([^<]*)<', cart).group(1)
    assert note.startswith("Bưởi da xanh chỉ chịu được 4 ngày vận chuyển; tới Miền Nam mất tới 6 ngày")
    assert f'id="cart-travel-{lines[honey.pk]}"' not in cart
    assert '<option value="96" selected>Cà Mau</option>' in cart and "Giao tới Cà Mau:" in cart

    north = page(client.get("/gio-hang/?province=01"))  # the cart's own picker: Hà Nội is within 4 days
    assert 'id="cart-travel-' not in north and re.search(r"Giao tới Hà Nội: [\d.]+\xa0₫, 2–4 ngày\.", north)
    english = page(client.get("/en/cart/"))
    assert "Delivery to Ha Noi: " in english


def test_without_a_province_the_cart_says_where_a_fresh_product_can_go(client, honey, pomelo):
    add(client, pomelo)
    cart = page(client.get("/gio-hang/"))
    note = re.search(r'id="cart-travel-\d+">([^<]*)<', cart).group(1)
    assert note.startswith("Chỉ giao tới: ") and "Miền Bắc" in note and "Miền Nam" not in note
    assert 'id="cart-shipping"' not in cart and '<select id="cart-province" name="province">' in cart


def test_an_old_district_era_address_is_converted_on_the_page(client, honey):
    add(client, honey)
    old = {**HANOI, "ship_province": "11", "ship_commune": "", "legacy_district": "huyện Điện Biên",
           "legacy_commune": "xã Na Ư"}
    shown = page(client.post("/thanh-toan/", {**old, "find": "province"}))
    assert "Địa chỉ cũ “xã Na Ư, huyện Điện Biên” nay là Xã Sam Mứn, tỉnh Điện Biên." in shown
    sam_mun = commune("11", "Sam Mứn")
    # Điện Biên's communes are grouped by their old district, with the old names as a hint (issue 15).
    assert f'<option value="{sam_mun.pk}" selected>Xã Sam Mứn (trước đây: Na Ư, Pom Lót)</option>' in shown
    assert client.post("/thanh-toan/", old)["Location"] == "/thanh-toan/dat-hang/"
    assert Checkout.objects.get().ship_commune == sam_mun
    unknown = page(client.post("/thanh-toan/", {**old, "legacy_commune": "xã Không Có"}))
    assert field_error(unknown, "checkout-ship-commune").startswith("Không đổi được địa chỉ cũ “xã Không Có, huyện Điện Biên”")


def test_a_province_changed_without_choosing_its_commune_is_explained(client, honey):
    add(client, honey)
    html = page(client.post("/thanh-toan/", {**HANOI, "ship_province": "01",
                                             "ship_commune": str(commune("11", "Mường Thanh").pk)}))
    assert field_error(html, "checkout-ship-commune") == (
        "Xã / phường đã chọn không thuộc thành phố Hà Nội; hãy chọn lại xã / phường.")
    assert '<option value="01" selected>Hà Nội</option>' in html and "Hoàn Kiếm" in options(html, "checkout-ship-commune")


def test_the_cart_and_checkout_pages_cost_the_same_queries_whatever_the_lines(client, honey, pomelo, make_product):
    add(client, honey)
    client.get("/gio-hang/?province=96")
    counts = {}
    for n in (1, 4):
        if n == 4:
            centre = SalesPoint.objects.get(code="tinh")
            for i in range(3):
                add(client, make_product(f"Chè {i}", stock={centre: 3}, max_transit_days=2).variants.get())
        with CaptureQueriesContext(connection) as cart:
            page(client.get("/gio-hang/"))
        with CaptureQueriesContext(connection) as checkout:
            page(client.get("/thanh-toan/?province=96&q=tan"))
        counts[n] = (len(cart), len(checkout))
    assert counts[1] == counts[4], counts
