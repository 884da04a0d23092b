"""The delivery address in a real browser on a phone: choosing a province lists its communes, typing
without diacritics narrows the list, and a fresh product bound for Cà Mau is refused before
checkout, its cart line saying why."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def stock_at_the_centre(slug: str, max_transit_days=None) -> None:
    """The provincial centre sends parcels outside the province: make sure it holds this product."""
    from catalog.models import Product, ProductVariant
    from inventory import ledger
    from shop.models import SalesPoint

    point = SalesPoint.objects.get(code="tinh")
    for variant_id in ProductVariant.objects.filter(product__slug=slug).values_list("pk", flat=True):
        ledger.stock_up(variant_id, point, 20)
    Product.objects.filter(slug=slug).update(max_transit_days=max_transit_days)


def add_first_result(page, live_url, shop_db, query, **product):
    page.goto(live_url("storefront:search", q=query))
    page.locator(".results .card a").first.click()
    page.wait_for_url(re.compile(r"/san-pham/[\w-]+/$"))
    slug = page.url.rstrip("/").rsplit("/", 1)[-1]
    shop_db(stock_at_the_centre, slug, **product)
    page.reload()
    page.get_by_role("button", name="Thêm vào giỏ").click()
    page.wait_for_url(re.compile(r"/gio-hang/$"))
    return slug


def test_a_buyer_in_hanoi_picks_the_ward_by_typing_without_diacritics(page, live_url, shop_db, axe_check):
    add_first_result(page, live_url, shop_db, "mat ong")
    page.locator("#cart-checkout").click()
    page.wait_for_url(re.compile(r"/thanh-toan/$"))
    page.locator("#checkout-email").fill("lan@example.org")
    page.locator("#checkout-delivery-delivery").check()
    page.locator("#checkout-ship-name").fill("Nguyễn Thị Lan")
    page.locator("#checkout-ship-phone").fill("0912345678")
    page.locator("#checkout-ship-province").select_option("01")  # the script shows Hà Nội's communes at once
    expect(page.locator("#checkout-ship-province")).to_have_value("01")
    expect(page.locator("#checkout-ship-commune option")).to_have_count(127)  # 126 and the placeholder
    expect(page.locator("#checkout-ship-name")).to_have_value("Nguyễn Thị Lan")  # nothing typed is lost
    page.locator("#checkout-commune-q").fill("hoan kiem")
    expect(page.locator("#checkout-ship-commune option")).to_have_count(2)
    expect(page.locator("#checkout-ship-commune option:checked")).to_have_text("Hoàn Kiếm")
    page.locator("#checkout-commune-q").press("Enter")  # narrows here; does not submit the form
    assert page.url.endswith("/thanh-toan/")
    page.locator("#checkout-ship-street").fill("Số 12 phố Hàng Bạc")
    axe_check(page)
    page.locator("#checkout-continue").click()
    page.wait_for_url(re.compile(r"/thanh-toan/dat-hang/$"))
    expect(page.locator("#deliver-title + p + p")).to_contain_text("phường Hoàn Kiếm, thành phố Hà Nội")
    expect(page.locator(".summary")).to_contain_text("Miền Bắc, 2–4 ngày")


def test_fresh_vegetables_to_ca_mau_are_refused_before_checkout(page, live_url, shop_db):
    add_first_result(page, live_url, shop_db, "mat ong")
    add_first_result(page, live_url, shop_db, "rau", max_transit_days=0)
    page.locator("#cart-province").select_option("96")
    page.locator("#cart-province-go").click()
    page.wait_for_url(re.compile(r"/gio-hang/\?province=96$"))
    notes = page.locator(".travel-note")
    expect(notes).to_have_count(1)
    expect(notes.first).to_contain_text("chỉ giao trong tỉnh Điện Biên")
    expect(page.locator("#cart-shipping")).to_contain_text("Giao tới Cà Mau:")
