"""The point's stock page on a phone: search (diacritics optional, SKU), low-stock filters, pages,
errors read out; and the pick list's tappable boxes."""
import re

import pytest
from django.contrib.auth import get_user_model

from catalog.models import ProductVariant
from inventory import ledger, transfers
from inventory.models import Stock
from orders import checkout as checkout_service
from shop.text import fold

STOCK = "/staff/points/muong-ang/stock/"


@pytest.fixture
def clerk(client, shop):
    client.force_login(get_user_model().objects.get(username="muong-ang@ocop-dienbien.example"))
    return get_user_model().objects.get(username="muong-ang@ocop-dienbien.example")


@pytest.fixture
def many(shop):
    """At least 40 stock rows at Mường Ảng (more than one page)."""
    have = set(Stock.objects.filter(sales_point=shop["muong-ang"]).values_list("variant_id", flat=True))
    for variant in ProductVariant.objects.exclude(pk__in=have).order_by("id")[:max(0, 40 - len(have))]:
        ledger.stock_up(variant, shop["muong-ang"], 7)
    return Stock.objects.filter(sales_point=shop["muong-ang"]).count()


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def rows(html: str) -> list[int]:
    table = html[html.index('class="data stock-table"'):] if 'class="data stock-table"' in html else ""
    return [int(v) for v in re.findall(r'<tr id="v-(\d+)"', table)]


def test_the_list_is_paged_and_counted(client, clerk, many):
    first = html_of(client.get(STOCK))
    assert len(rows(first)) == 25 and many > 25
    assert re.search(rf'id="stock-count" role="status" aria-live="polite">{many} mặt hàng · trang 1/{-(-many // 25)}', first)
    assert 'rel="next" id="stock-next"' in first and 'id="stock-prev"' not in first
    second = html_of(client.get(STOCK + "?page=2"))
    assert not set(rows(first)) & set(rows(second)) and 'id="stock-prev"' in second
    assert rows(html_of(client.get(STOCK + "?page=abc"))) == rows(first)  # bad input: page 1, not a 500
    for odd in ("²", "-1", "9" * 40, "1.5"):
        assert rows(html_of(client.get(STOCK, {"variant": odd}))) == rows(first)
    last = Stock.objects.filter(sales_point__code="muong-ang").order_by(
        "variant__product__name", "variant__position", "variant__id").last()
    assert last.variant_id in rows(html_of(client.get(STOCK, {"variant": last.variant_id})))  # the edit link's page
    assert rows(html_of(client.get(STOCK + "?page=999"))) == rows(html_of(client.get(STOCK + f"?page={-(-many // 25)}")))


def test_search_without_diacritics_and_by_sku(client, clerk, many, shop):
    stock = Stock.objects.filter(sales_point=shop["muong-ang"]).select_related("variant__product").order_by("id")
    target = next(s for s in stock if fold(s.variant.product.name) != s.variant.product.name.lower())  # has marks
    words = " ".join(fold(target.variant.product.name).split()[:3])
    found = rows(html_of(client.get(STOCK, {"q": words})))
    assert target.variant_id in found
    assert all(words in fold(s.variant.product.name) or words in fold(s.variant.product.name_en)
               or words in fold(s.variant.name) for s in stock if s.variant_id in found)
    by_sku = rows(html_of(client.get(STOCK, {"q": target.variant.sku.lower()})))
    assert by_sku == [target.variant_id]
    none = html_of(client.get(STOCK, {"q": "khongcomathangnay"}))
    assert rows(none) == [] and 'id="stock-none"' in none and 'id="stock-count" role="status" aria-live="polite">0 mặt hàng' in none
    assert 'value="khongcomathangnay"' in none  # what was typed stays in the box
    assert html_of(client.get(STOCK, {"q": "x" * 5000, "show": "<script>"}))  # odd input: a page, not a 500


def test_low_stock_filters_use_the_threshold(client, clerk, many, shop):
    point = shop["muong-ang"]
    stock = list(Stock.objects.filter(sales_point=point).order_by("id"))
    low, out, fine = stock[30], stock[31], stock[32]
    ledger.stock_up(low.variant_id, point, 2)
    transfers.set_threshold(user=clerk, value=3, variant_id=low.variant_id, sales_point_id=point.pk)
    ledger.stock_up(out.variant_id, point, 0)
    transfers.set_threshold(user=clerk, value=5, variant_id=fine.variant_id, sales_point_id=point.pk)
    ledger.stock_up(fine.variant_id, point, 50)
    only_low = rows(html_of(client.get(STOCK, {"show": "low"})))
    assert low.variant_id in only_low and out.variant_id in only_low and fine.variant_id not in only_low
    assert rows(html_of(client.get(STOCK, {"show": "out"}))).count(out.variant_id) == 1
    assert low.variant_id not in rows(html_of(client.get(STOCK, {"show": "out"})))
    first = rows(html_of(client.get(STOCK, {"show": "low_first"})))
    assert first.index(out.variant_id) < first.index(low.variant_id) < 25  # on the first page, out of stock first
    page = html_of(client.get(STOCK, {"show": "low_first"}))
    assert re.search(rf'<tr id="v-{low.variant_id}" class="low">(?:(?!</tr>).)*badge low">Sắp hết', page, re.S)
    assert '<option value="low_first" selected>Sắp hết hàng lên đầu</option>' in page
    english = html_of(client.get("/en" + STOCK, {"show": "low"}))
    assert "Only low stock" in english and "Low stock first" in english
    assert "Find a product (name, with or without diacritics, or SKU)" in english
    assert re.search(r'id="stock-count" role="status" aria-live="polite">\d+ products? / \d+', english)


def test_stock_page_query_count_does_not_grow(client, clerk, many, shop, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        client.get(STOCK, {"q": "mat ong", "show": "low_first", "page": "1"})
    for variant in ProductVariant.objects.order_by("-id")[:10]:
        ledger.stock_up(variant, shop["muong-ang"], 3)
    with django_assert_max_num_queries(14):
        client.get(STOCK, {"show": "low_first", "page": "2"})


def test_a_refused_count_is_read_out_and_keeps_the_search(client, clerk, many, shop):
    variant = Stock.objects.filter(sales_point=shop["muong-ang"]).order_by("id").first().variant
    bad = client.post(STOCK + "?q=mat+ong&show=low", {"variant": variant.pk, "quantity": "mười", "reason": "kiểm kê"})
    html = bad.content.decode()
    assert bad.status_code == 400
    assert re.search(r'<p class="error" role="alert" id="stock-quantity-error">Số lượng phải là số nguyên', html)
    assert 'value="mat ong"' in html and 'action="?q=mat+ong&amp;show=low#stock-form"' in html
    ok = client.post(STOCK + "?q=mat+ong&show=low", {"variant": variant.pk, "quantity": "4", "reason": "kiểm kê"})
    assert ok.status_code == 302 and ok["Location"] == f"{STOCK}?q=mat+ong&show=low&variant={variant.pk}#v-{variant.pk}"


def test_pick_list_boxes_are_real_checkboxes_with_labels(client, clerk, shop, stocked_variant):
    variant = stocked_variant(shop["muong-ang"], 20, only_there=True)
    checkout = checkout_service.create_checkout(lines=[(variant.pk, 2)], email="k@example.com", phone="0912345678")
    checkout_service.set_delivery(token=checkout.token, pickup_point_id=shop["muong-ang"].pk)
    order = checkout_service.complete_checkout(token=checkout.token, payment_method="PAY_AT_PICKUP").order
    f = order.fulfillments.get()
    html = html_of(client.get("/staff/points/muong-ang/pick-list/"))
    assert "☐" not in html
    assert (f'<label class="tick-box" for="pick-1"><input type="checkbox" id="pick-1" data-sku="{variant.sku}">'
            f'<span class="sr">Đã lấy 2 × {variant.sku}</span></label>') in html
    assert re.search(rf'<label class="pick-line" for="pick-{f.number}-1"><input type="checkbox" id="pick-{f.number}-1">', html)
