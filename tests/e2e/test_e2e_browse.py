"""A shopper in a real browser: on a phone, in English, with and without JavaScript."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

BRAND_GREEN = "rgb(29, 94, 44)"  # --brand in site.css: the stylesheet reached the browser


def no_sideways_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_shopper_on_a_phone_searches_honey_and_opens_the_product(page, live_url, screenshot):
    page.goto(live_url("storefront:home"))
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    assert page.evaluate("getComputedStyle(document.querySelector('header.top')).backgroundColor") == BRAND_GREEN
    assert page.viewport_size == {"width": 360, "height": 740} and no_sideways_scroll(page)
    screenshot(page, "home-phone")

    page.get_by_label("Tìm sản phẩm").fill("mat ong")
    page.get_by_label("Tìm sản phẩm").press("Enter")
    page.wait_for_url(re.compile(r"/tim-kiem/\?q=mat\+ong"))
    expect(page.locator("h1")).to_contain_text("mat ong")
    cards = page.locator(".results .card")
    expect(cards.first).to_be_visible()
    expect(cards.first.locator(".name")).to_contain_text("Mật ong")  # found without the accents
    assert no_sideways_scroll(page)
    screenshot(page, "search-phone")

    name = cards.first.locator(".name").inner_text()
    cards.first.locator("a").first.click()
    page.wait_for_url(re.compile(r"/san-pham/[\w-]+/$"))
    expect(page.locator("h1")).to_have_text(name)
    badge = page.locator(".info .ocop")
    expect(badge).to_be_visible()
    expect(badge.locator(".ocop-stars")).to_have_text(re.compile(r"^★{3,5}$"))
    expect(page.locator(".info .cert")).to_contain_text(re.compile(r"Giấy chứng nhận số \S+ ngày \d\d/\d\d/\d{4}"))
    price = page.locator(".variant .price").first
    expect(price).to_be_visible()
    expect(price).to_have_text(re.compile(r"^[\d.]+\s₫$"))
    expect(page.get_by_role("button", name="Thêm vào giỏ")).to_be_visible()
    assert no_sideways_scroll(page)
    screenshot(page, "product-phone")


def test_english_pages_and_the_language_switch_keep_the_visitor_on_the_same_page(new_page, live_url, shop,
                                                                                 screenshot):
    page = new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page.goto(live_url("storefront:home", "en"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text("OCOP")
    expect(page.get_by_role("link", name="Products", exact=True)).to_be_visible()
    screenshot(page, "home-en-desktop")

    page.goto(live_url("storefront:product", "en", shop.english_product))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Add to cart")).to_be_visible()
    expect(page.locator(".info .cert")).to_contain_text("Certificate")
    expect(page.locator(".variant .price").first).to_have_text(re.compile(r"^₫[\d,]+$"))
    screenshot(page, "product-en-desktop")

    switch = page.get_by_role("navigation", name="Language")
    switch.get_by_role("link", name="VI").click()
    page.wait_for_url(live_url("storefront:product", "vi", shop.english_product))
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("button", name="Thêm vào giỏ")).to_be_visible()

    page.goto(live_url("storefront:search", "vi", q="mật ong", stars="4"))
    page.get_by_role("navigation", name="Ngôn ngữ").get_by_role("link", name="EN").click()
    page.wait_for_url(re.compile(r"/en/search/\?"))
    assert "q=m%E1%BA%ADt+ong" in page.url and "stars=4" in page.url  # the query and the filter came along
    expect(page.locator("h1")).to_contain_text("mật ong")


def test_suggestions_appear_as_the_shopper_types_and_lead_to_the_product(page, live_url):
    page.goto(live_url("storefront:home"))
    box = page.get_by_label("Tìm sản phẩm")
    with page.expect_response(re.compile(r"/tim-kiem/goi-y/\?q=mat%20ong$")):
        box.press_sequentially("mat ong", delay=40)
    options = page.locator("#q-list option")
    expect(options.first).to_be_attached()
    suggestions = options.evaluate_all("(os) => os.map(o => o.value)")
    assert suggestions[0].startswith("Mật ong"), suggestions

    box.fill(suggestions[0])  # what choosing a suggestion from the list does
    page.wait_for_url(re.compile(r"/san-pham/[\w-]+/$"))
    expect(page.locator("h1")).to_have_text(suggestions[0])


def test_search_and_filters_work_with_javascript_off(new_page, live_url, screenshot):
    page = new_page(java_script_enabled=False)
    page.goto(live_url("storefront:home"))
    page.get_by_label("Tìm sản phẩm").fill("che")
    page.get_by_role("button", name="Tìm", exact=True).click()
    page.wait_for_url(re.compile(r"/tim-kiem/\?q=che"))
    found = page.locator(".results .card")
    expect(found.first).to_be_visible()
    before = found.count()

    page.locator("summary", has_text="Bộ lọc").click()  # <details> opens without a script
    four_stars = page.locator("fieldset", has_text="Hạng sao OCOP").get_by_label(re.compile(r"^\s*4 sao"))
    counted = int(re.search(r"\((\d+)\)", four_stars.locator("xpath=..").inner_text()).group(1))
    four_stars.check()
    page.get_by_role("button", name="Áp dụng").click()
    page.wait_for_url(re.compile(r"stars=4"))
    expect(found.first).to_be_visible()
    assert found.count() == counted < before  # the facet's count is what the filter gives
    for badge in found.locator(".ocop-stars").all_inner_texts():
        assert badge == "★★★★"
    screenshot(page, "search-filtered-no-js")
