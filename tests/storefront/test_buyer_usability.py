"""Issue 15, the buyers' items: which pickup points can fill the basket (5), the delivery commune
picker (6), the home page's 4–5★ section and "Add to cart" on an out-of-stock variant (7), the
active-filter chips (10) and lapsed certificates explained (2), as the buyer reads the pages."""
import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import certification
from catalog.models import Product, ProductVariant
from inventory import ledger
from orders.models import Checkout
from shop.models import District, SalesPoint
from storefront import checkout_pages


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def add(client, variant, quantity=1, prefix=""):
    path = "/en/cart/add/" if prefix == "/en" else "/gio-hang/them/"
    return client.post(path, {"variant": str(variant.pk), "quantity": str(quantity)})


def text(html: str) -> str:
    """What a reader sees: tags dropped, entities of quotes decoded, spaces collapsed."""
    plain = re.sub(r"<[^>]+>", "", html).replace("&#x27;", "'").replace("&quot;", '"').replace("&amp;", "&")
    return " ".join(plain.split())


def element(html: str, element_id: str) -> str:
    match = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, element_id
    return match.group(0)


@pytest.fixture
def first_point(db):
    """A point of the test's own (the demo, loaded by other tests of the module, has `muong-ang`)."""
    district, _ = District.objects.get_or_create(code="102", defaults={"name": "Huyện Mường Ảng"})
    return SalesPoint.objects.create(code="ang-thu", name="Điểm bán Ảng thử", kind="DISTRICT", district=district,
                                     address="Chợ Mường Ảng", pickup_enabled=True, latitude=21.52, longitude=103.22)


@pytest.fixture
def second_point(db):
    district, _ = District.objects.get_or_create(code="099", defaults={"name": "Huyện Tuần Giáo"})
    return SalesPoint.objects.create(code="tuan-giao-thu", name="Điểm bán Tuần Giáo thử", kind="DISTRICT",
                                     district=district, address="Thị trấn Tuần Giáo", pickup_enabled=True,
                                     latitude=21.59, longitude=103.42)


# -- 5. which pickup points can fill the basket ---------------------------------------------------

def test_the_checkout_says_which_points_have_the_whole_basket_and_what_is_missing_elsewhere(
        client, make_product, first_point, second_point):
    honey = make_product("Mật ong thử", stock={first_point: 5, second_point: 1}).variants.get()
    tea = make_product("Chè thử", stock={first_point: 2}).variants.get()
    add(client, honey, 2)
    add(client, tea, 1)
    html = page(client.get("/thanh-toan/"))
    assert text(element(html, "pickup-fill-ang-thu")) == "✓ Có đủ hàng cho cả giỏ."
    assert text(element(html, "pickup-fill-tuan-giao-thu")) == (
        "Thiếu: Mật ong thử — Gói (còn 1/2); Chè thử — Gói (hết).")
    assert 'src="/static/storefront/pickup.js"' in html and "<script>" not in html

    # The point chosen (saved, or sent with a mistake elsewhere) is answered again below the list, without JavaScript.
    html = page(client.post("/thanh-toan/", {"email": "khong-hop-le", "delivery_method": "PICKUP",
                                             "pickup_point": "tuan-giao-thu"}))
    assert text(element(html, "pickup-fill-status")) == (
        "Điểm bán Tuần Giáo thử: Thiếu: Mật ong thử — Gói (còn 1/2); Chè thử — Gói (hết).")

    en = page(client.get("/en/checkout/"))
    assert text(element(en, "pickup-fill-ang-thu")) == "✓ Has everything in your cart."
    assert text(element(en, "pickup-fill-tuan-giao-thu")) == (
        "Missing: Test product 1 — Gói (1 of 2); Test product 2 — Gói (none).")


def test_the_fill_list_costs_one_query_for_all_points_and_lines(
        client, make_product, first_point, second_point, django_assert_num_queries):
    variants = [make_product(f"Sản phẩm {i}", stock={first_point: 3, second_point: i}).variants.get() for i in range(4)]
    for variant in variants:
        add(client, variant, 2)
    checkout = Checkout.objects.get()
    lines = checkout_pages.cart_lines(checkout)
    points = checkout_pages.pickup_points()
    with django_assert_num_queries(1):
        fills = checkout_pages.pickup_fill(points, lines)
    by_code = {f.point.code: f for f in fills}
    assert by_code["ang-thu"].complete
    assert [s.there for s in by_code["tuan-giao-thu"].missing] == [0, 1]  # 2 and 3 units there suffice


def test_the_checkout_page_costs_the_same_queries_with_more_points_and_lines(
        client, make_product, first_point, second_point):
    add(client, make_product("Một", stock={first_point: 3}).variants.get())
    with CaptureQueriesContext(connection) as few:
        page(client.get("/thanh-toan/"))
    for i in range(3):
        add(client, make_product(f"Thêm {i}", stock={second_point: 3}).variants.get())
    SalesPoint.objects.create(code="them-thu", name="Điểm thêm", kind="DISTRICT", district=first_point.district,
                              address="Chợ", pickup_enabled=True, latitude=21.5, longitude=103.2)
    with CaptureQueriesContext(connection) as more:
        html = page(client.get("/thanh-toan/"))
    assert len(more) == len(few) > 0
    assert 'class="fill fill-ok"' not in html and html.count('class="fill fill-short"') >= 3  # none has all four


# -- 6. the commune picker -------------------------------------------------------------------------

def optgroups(html: str) -> dict[str, list[str]]:
    select = re.search(r'<select id="checkout-ship-commune"[^>]*>(.*?)</select>', html, re.S).group(1)
    return {label: re.findall(r"<option value=\"\d+\"[^>]*>([^<]*)</option>", body)
            for label, body in re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', select, re.S)}


def test_dien_bien_communes_are_grouped_by_old_district_each_once_with_old_names_as_a_hint(client, demo_shop, db):
    honey = ProductVariant.objects.filter(product__slug__startswith="mat-ong").order_by("id").first()
    add(client, honey)
    groups = optgroups(page(client.get("/thanh-toan/?province=11")))
    listed = [name for names in groups.values() for name in names]
    assert len(listed) == len(set(listed)) == 45  # the 45 units of 2025, each once, none of 2022
    assert "Xã Thanh An (trước đây: Sam Mứn, Thanh An)" in groups["Huyện Điện Biên (cũ)"]
    assert "Xã Sam Mứn (trước đây: Na Ư, Pom Lót)" in groups["Huyện Điện Biên (cũ)"]
    assert "Phường Mường Thanh" in groups["Thành phố Điện Biên Phủ (cũ)"]  # same name before: no hint
    assert not any("Chà Cang" == name or name.startswith("Xã Chà Cang") for name in listed)  # a 2022 commune

    found = optgroups(page(client.get("/thanh-toan/?province=11&q=thanh+an")))
    assert found == {"Huyện Điện Biên (cũ) — khớp “thanh an”": ["Xã Thanh An (trước đây: Sam Mứn, Thanh An)"]}
    en = optgroups(page(client.get("/en/checkout/?province=11")))
    assert "Thanh An commune (formerly Sam Mứn, Thanh An)" in en["Former Dien Bien District"]
    assert "Mường Thanh ward" in en["Former Dien Bien Phu City"]


def test_other_provinces_keep_kind_groups_and_a_search_tells_a_ward_from_a_commune(client, demo_shop, db):
    honey = ProductVariant.objects.filter(product__slug__startswith="mat-ong").order_by("id").first()
    add(client, honey)
    found = optgroups(page(client.get("/thanh-toan/?province=96&q=tan")))
    assert list(found) == ["Phường — khớp “tan”", "Xã — khớp “tan”"]  # the kind tells two Tân… apart
    assert all(name.startswith("Tân") or " Tân" in name for names in found.values() for name in names)


# -- 7. the home page's 4–5★ section and "Add to cart" ---------------------------------------------

def test_the_four_and_five_star_section_lists_no_three_star_product(client, demo_shop, db):
    day = certification.today()
    shown = dict(Product.objects.published().annotate(s=certification.shown_stars(day)).values_list("slug", "s"))
    assert 3 in shown.values()  # the demo has 3★ products to leave out
    html = page(client.get("/"))
    section = html[html.index('id="top-title"'):html.index('id="groups-title"')]
    slugs = re.findall(r'href="/san-pham/([^/?"]+)/"', section)
    assert slugs and all(shown[slug] in (4, 5) for slug in slugs), {s: shown[s] for s in slugs}


@pytest.fixture
def two_packs(make_product, first_point):
    """A product whose first pack is out of stock and whose second is in stock."""
    product = make_product("Mật ong hai quy cách", stock={first_point: 0})
    small = product.variants.get()
    large = ProductVariant.objects.create(product=product, sku="SKU-LARGE", name="Hũ 500 g", price_vnd=200_000,
                                          position=small.position + 1)
    ledger.stock_up(large, first_point, 4)
    return product, small, large


def test_add_to_cart_selects_a_pack_in_stock_and_is_disabled_with_the_reason_when_none_is(client, two_packs):
    product, small, large = two_packs
    html = page(client.get(f"/san-pham/{product.slug}/"))
    assert re.search(rf'value="{large.pk}" checked', html) and not re.search(rf'value="{small.pk}" checked', html)
    assert re.search(rf'value="{small.pk}"[^>]*data-out="Hết hàng"', html)
    assert re.search(r'<button type="submit" class="btn" id="add-to-cart">', html)  # enabled
    assert 'id="buy-why" aria-live="polite" hidden' in html

    ledger.stock_up(large, large.stocks.get().sales_point, 0)
    html = page(client.get(f"/san-pham/{product.slug}/"))
    assert re.search(r'id="add-to-cart" disabled aria-describedby="buy-why"', html)
    assert text(element(html, "buy-why")) == "Hết hàng"
    en = page(client.get(f"/en/products/{product.slug}/"))
    assert text(element(en, "buy-why")) == "Sold out"


def test_an_out_of_stock_pack_posted_anyway_is_refused_on_the_product_page_in_words(client, two_packs):
    product, small, _large = two_packs
    response = add(client, small)
    assert response.status_code == 302 and response["Location"] == f"/san-pham/{product.slug}/"
    html = page(client.get(response["Location"]))
    assert ("Mật ong hai quy cách — Gói đã hết hàng ở mọi điểm bán; chưa thêm vào giỏ. "
            "Hãy chọn quy cách khác hoặc quay lại sau.") in text(html)
    assert "Hãy chọn một quy cách" not in html and not Checkout.objects.filter(lines__isnull=False).exists()

    response = add(client, small, prefix="/en")
    assert response["Location"] == f"/en/products/{product.slug}/"
    assert ("is out of stock at every sales point; it was not added to your cart. Choose another pack size or "
            "come back later.") in text(page(client.get(response["Location"])))


# -- 10. active filters as chips ----------------------------------------------------------------------

def test_applied_filters_collapse_the_panel_and_show_as_chips_that_each_remove_one(client, demo_shop, db):
    html = page(client.get("/san-pham/?stars=4&district=100&sort=name"))
    assert '<details class="filters" id="filters">' in html  # closed: the results come first on a phone
    chips = re.findall(r'<li><a href="([^"]+)" rel="nofollow"><span class="sr">Bỏ lọc </span>([^<]*)<', html)
    assert chips == [("/san-pham/?district=100&amp;sort=name", "Hạng sao OCOP: 4 sao "),
                     ("/san-pham/?stars=4&amp;sort=name", "Huyện: Huyện Điện Biên ")]
    without_stars = page(client.get(chips[0][0].replace("&amp;", "&")))
    assert 'value="100" checked' in without_stars and 'name="stars" value="4" checked' not in without_stars
    assert "filter-chips" not in page(client.get("/san-pham/"))
    search = page(client.get("/tim-kiem/?q=mat+ong&stars=4"))
    assert '<a href="/tim-kiem/?q=mat+ong" rel="nofollow">' in search


# -- 2. lapsed certificates explained ---------------------------------------------------------------------

def test_a_lapsed_certificate_is_explained_on_the_product_page_in_both_languages(client, demo_shop, db):
    status, cert = certification.standing(Product.objects.get(slug="cham-cheo-m-then").certifications.all())
    assert status == certification.CertificateStatus.EXPIRED
    until = f"{cert.valid_until:%d/%m/%Y}"
    vi = page(client.get("/san-pham/cham-cheo-m-then/"))
    assert text(element(vi, "ocop-lapsed")) == (
        f"Chứng nhận OCOP hết hạn ngày {until}. Sản phẩm vẫn có thể được bán, nhưng không được mang nhãn OCOP "
        "cho tới khi được chứng nhận lại.")
    en = page(client.get("/en/products/cham-cheo-m-then/"))
    assert text(element(en, "ocop-lapsed")).startswith(f"OCOP certificate expired on {until}. The product may still be sold")
    assert "ocop-lapsed" not in page(client.get("/san-pham/mat-ong-hoa-ban/"))


def test_search_and_catalogue_say_why_a_lapsed_product_is_not_in_the_certified_list(client, demo_shop, db):
    search = page(client.get("/tim-kiem/?q=cham+cheo"))
    note = text(element(search, "lapsed-note"))
    assert note.startswith("Không có trong danh sách sản phẩm OCOP vì chứng nhận không còn hiệu lực:")
    assert "Chẳm chéo M'Then: Chứng nhận OCOP hết hạn ngày" in note
    assert "lapsed-note" not in page(client.get("/tim-kiem/?q=mat+ong"))
    catalogue = page(client.get("/san-pham/?stars=4"))
    assert "Chẳm chéo M'Then" in text(element(catalogue, "lapsed-note"))
    assert "lapsed-note" not in page(client.get("/san-pham/?group=zz-none&district=094"))  # filters not matching it


def test_a_revoked_certificate_is_said_so(client, make_product, first_point):
    product = make_product("Rượu thử", stock={first_point: 3})
    cert = product.certifications.get()
    certification.revoke(certificate=cert, on=certification.today() - datetime.timedelta(days=2), reason="Vi phạm")
    html = page(client.get(f"/san-pham/{product.slug}/"))
    day = certification.today() - datetime.timedelta(days=2)
    assert text(element(html, "ocop-lapsed")) == (
        f"Chứng nhận OCOP bị thu hồi từ ngày {day:%d/%m/%Y}; sản phẩm không còn mang nhãn OCOP.")
    found = text(element(page(client.get("/san-pham/?group=test-group")), "lapsed-note"))
    assert "Rượu thử: Chứng nhận OCOP bị thu hồi" in found


def test_the_listings_lapsed_note_costs_the_same_queries_with_more_lapsed_products(client, make_product, first_point):
    old = certification.today() - datetime.timedelta(days=365 * 4)
    make_product("Hết hạn 0", decided=old)
    with CaptureQueriesContext(connection) as one:
        page(client.get("/san-pham/?group=test-group"))
    for i in range(1, 4):
        make_product(f"Hết hạn {i}", decided=old)
    with CaptureQueriesContext(connection) as four:
        html = page(client.get("/san-pham/?group=test-group"))
    assert len(four) == len(one)
    assert text(element(html, "lapsed-note")).count("Chứng nhận OCOP hết hạn ngày") == 4
