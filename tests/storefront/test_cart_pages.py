"""The cart page: a Checkout whose token the session holds, changed with plain HTML forms."""
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog import certification
from catalog.models import Certification
from inventory import ledger
from orders.models import Checkout, CheckoutLine


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def line_html(html: str, line_id: int) -> str:
    """The <li> of one cart line (errors are shown inside it, beside the quantity)."""
    match = re.search(rf'<li class="cart-line[^"]*" id="line-{line_id}">(.*?)</li>', html, re.S)
    assert match, f"no line {line_id}"
    return match.group(1)


def add(client, variant, quantity=1, prefix=""):
    response = client.post(f"{prefix}/gio-hang/them/" if not prefix else f"{prefix}/cart/add/",
                           {"variant": str(variant.pk), "quantity": str(quantity)})
    assert response.status_code == 302
    return response


@pytest.fixture
def honey(make_product, sales_point):
    return make_product("Mật ong thử", price=120_000, stock={sales_point: 10}).variants.get()


@pytest.fixture
def tea(make_product, sales_point):
    return make_product("Chè thử", price=80_000, stock={sales_point: 10}).variants.get()


def only_checkout() -> Checkout:
    (checkout,) = Checkout.objects.all()
    return checkout


def test_add_from_the_product_page_then_change_the_quantity_and_remove_the_line(client, honey):
    product_page = page(client.get(f"/san-pham/{honey.product.slug}/"))
    assert 'action="/gio-hang/them/"' in product_page and f'name="variant" value="{honey.pk}"' in product_page

    response = add(client, honey, 2)
    assert response["Location"] == "/gio-hang/"
    checkout = only_checkout()
    assert client.session["cart_token"] == str(checkout.token) and checkout.language == "vi"
    cart = page(client.get("/gio-hang/"))
    (line,) = checkout.lines.all()
    assert "Mật ong thử" in cart and "Đã thêm vào giỏ hàng." in cart
    assert f'id="cart-qty-{line.pk}" name="line-{line.pk}-quantity" type="number" inputmode="numeric" min="0" value="2"' in cart
    assert "240.000\xa0₫" in cart  # 2 × 120.000 ₫
    assert re.search(r'<span class="cart-n" id="cart-count">2<', cart)
    assert 'name="robots" content="noindex' in cart

    # The same variant again: its line gets more.
    add(client, honey, 1)
    line.refresh_from_db()
    assert line.quantity == 3

    response = client.post("/gio-hang/", {f"line-{line.pk}-quantity": "5", "update": ""})
    assert response.status_code == 302 and response["Location"] == "/gio-hang/"
    line.refresh_from_db()
    assert line.quantity == 5
    assert "600.000\xa0₫" in page(client.get("/gio-hang/"))

    response = client.post("/gio-hang/", {f"line-{line.pk}-quantity": "5", "remove": str(line.pk)})
    assert response.status_code == 302
    assert not CheckoutLine.objects.exists()
    empty = page(client.get("/gio-hang/"))
    assert "Giỏ hàng của bạn đang trống." in empty and 'id="cart-count"' not in empty


@pytest.mark.parametrize("typed, message", [
    ("abc", "Hãy nhập số lượng bằng chữ số, ví dụ 2."),
    ("", "Hãy nhập số lượng (0 để bỏ sản phẩm)."),
    ("-3", "Số lượng phải từ 0 đến 50"),
    ("999", "Số lượng phải từ 0 đến 50"),
    ("11", "chỉ còn 10; hãy giảm số lượng."),
])
def test_a_bad_quantity_is_explained_beside_its_line_and_the_other_lines_keep_their_change(
        client, honey, tea, typed, message):
    add(client, honey, 1)
    add(client, tea, 1)
    honey_line = CheckoutLine.objects.get(variant=honey)
    tea_line = CheckoutLine.objects.get(variant=tea)
    response = client.post("/gio-hang/", {
        f"line-{honey_line.pk}-quantity": typed, f"line-{tea_line.pk}-quantity": "3", "update": "",
    })
    html = page(response)
    honey_html, tea_html = line_html(html, honey_line.pk), line_html(html, tea_line.pk)
    assert message in honey_html and 'class="field-error"' in honey_html
    assert f'value="{typed}"' in honey_html and 'aria-invalid="true"' in honey_html  # what was typed is kept
    assert "field-error" not in tea_html
    honey_line.refresh_from_db()
    tea_line.refresh_from_db()
    assert (honey_line.quantity, tea_line.quantity) == (1, 3)


def test_going_to_checkout_rechecks_every_line(client, honey, tea, sales_point):
    add(client, honey, 2)
    add(client, tea, 1)
    honey_line = CheckoutLine.objects.get(variant=honey)
    tea_line = CheckoutLine.objects.get(variant=tea)
    fields = {f"line-{honey_line.pk}-quantity": "2", f"line-{tea_line.pk}-quantity": "1", "checkout": ""}
    # Since the honey was added, the point sold out and the tea's certificate was revoked.
    for stock in honey.stocks.all():
        ledger.stock_up(honey, stock.sales_point_id, 0)
    Certification.objects.filter(product=tea.product).update(revoked_at=certification.today())
    html = page(client.post("/gio-hang/", fields))
    assert "Mật ong thử — Gói đã hết hàng; hãy bỏ khỏi giỏ." in line_html(html, honey_line.pk)
    assert "không có chứng nhận OCOP còn giá trị" in line_html(html, tea_line.pk)
    # Nothing was lost: the lines are still there for the shopper to fix.
    assert CheckoutLine.objects.count() == 2
    # With both lines fine again, the same button leads to the checkout.
    for stock in honey.stocks.all():
        ledger.stock_up(honey, stock.sales_point_id, 5)
    fields[f"line-{tea_line.pk}-quantity"] = "0"
    response = client.post("/gio-hang/", fields)
    assert response.status_code == 302 and response["Location"] == "/thanh-toan/"


def test_add_to_cart_problems_are_said_on_the_cart_page_in_its_language(client, honey, make_product, sales_point):
    uncertified = make_product("Rượu thử", stars=None, stock={sales_point: 5}).variants.get()
    cases = [
        ({"variant": str(honey.pk), "quantity": "0"}, "Quantity must be between 1 and 50"),
        ({"variant": str(honey.pk), "quantity": "two"}, "Enter the quantity in digits, e.g. 2."),
        ({"variant": "nope", "quantity": "1"}, "Choose one of the product&#x27;s sizes."),
        ({"variant": "999999", "quantity": "1"}, "This product is no longer on sale"),
        ({"variant": str(uncertified.pk), "quantity": "1"}, "has no OCOP certificate that allows its sale here"),
        ({"variant": str(honey.pk), "quantity": "40"}, "only 10 left; lower the quantity."),
    ]
    for data, message in cases:
        response = client.post("/en/cart/add/", data)
        assert response.status_code == 302 and response["Location"] == "/en/cart/", data
        html = page(client.get("/en/cart/"))
        assert message in html, (data, message)
        assert '<html lang="en">' in html
    assert not CheckoutLine.objects.exists()
    # In Vietnamese at the root.
    client.post("/gio-hang/them/", {"variant": str(honey.pk), "quantity": "0"})
    assert "Số lượng phải từ 1 đến 50" in page(client.get("/gio-hang/"))


def test_an_add_error_for_a_variant_already_in_the_cart_is_shown_beside_its_line(client, honey):
    add(client, honey, 8)
    line = CheckoutLine.objects.get()
    add(client, honey, 5)  # 13 > the 10 in stock
    html = page(client.get("/gio-hang/"))
    assert "chỉ còn 10; hãy giảm số lượng." in line_html(html, line.pk)
    line.refresh_from_db()
    assert line.quantity == 8


def test_english_cart_and_language_switch(client, honey):
    add(client, honey, 1, prefix="/en")
    assert only_checkout().language == "en"
    html = page(client.get("/en/cart/"))
    assert "Test product" in html and "₫120,000" in html and "Check out" in html and "Update cart" in html
    assert 'href="/gio-hang/"' in html  # the switch stays on the cart
    assert "Added to your cart." in html
    vi = page(client.get("/gio-hang/"))
    assert "Tiến hành đặt hàng" in vi and "120.000\xa0₫" in vi


def test_a_completed_or_expired_cart_is_forgotten(client, honey):
    add(client, honey, 1)
    Checkout.objects.all().delete()
    html = page(client.get("/gio-hang/"))
    assert "Giỏ hàng của bạn đang trống." in html and "cart_token" not in client.session
    add(client, honey, 1)  # a new checkout is made
    assert Checkout.objects.count() == 1


def test_header_count_costs_at_most_the_session_query(client, honey):
    path = f"/san-pham/{honey.product.slug}/"
    stranger = Client()
    page(stranger.get(path))
    with CaptureQueriesContext(connection) as without_cart:
        html = page(stranger.get(path))
    assert 'id="cart-count"' not in html
    add(client, honey, 3)
    page(client.get("/gio-hang/"))
    with CaptureQueriesContext(connection) as with_cart:
        html = page(client.get(path))
    assert re.search(r'id="cart-count">3<', html)
    extra = [q["sql"] for q in with_cart.captured_queries[len(without_cart.captured_queries):]]
    assert len(with_cart) - len(without_cart) <= 1, extra  # loading the session, nothing for the count


def test_cart_page_query_count_does_not_grow_with_its_lines(client, make_product, sales_point):
    variants = [make_product(f"Sản phẩm {i}", stock={sales_point: 5}).variants.get() for i in range(6)]
    add(client, variants[0])
    with CaptureQueriesContext(connection) as one:
        page(client.get("/gio-hang/"))
    for variant in variants[1:]:
        add(client, variant)
    with CaptureQueriesContext(connection) as six:
        html = page(client.get("/gio-hang/"))
    assert html.count('<li class="cart-line') == 6
    assert len(six) == len(one) <= 8, [q["sql"] for q in six.captured_queries]


def test_cart_add_only_takes_a_post(client):
    assert client.get("/gio-hang/them/").status_code == 405
    assert client.put("/gio-hang/").status_code == 405
