"""The trace page a tourist reaches by scanning a pack: the shop's look, no script needed."""
import re

import pytest
from playwright.sync_api import expect

from traceability.models import Scan

pytestmark = pytest.mark.e2e

LOOK = """() => {
    const css = (selector, property) => getComputedStyle(document.querySelector(selector))[property];
    return {header: css("header.top", "backgroundColor"), font: css("body", "fontFamily"),
            page: css("body", "backgroundColor"), ink: css("body", "color"), brand: css("a.brand", "color"),
            lang: css(".lang [aria-current]", "backgroundColor")};
}"""


def test_trace_page_looks_like_the_shop_and_needs_no_script(new_page, shop, shop_db, live_url, screenshot):
    page = new_page()
    page.goto(live_url("storefront:home"))
    shop_look = page.evaluate(LOOK)

    plain = new_page(java_script_enabled=False)
    response = plain.goto(shop.trace_path)
    assert response.status == 200 and response.headers["cache-control"] == "no-store"
    assert plain.evaluate(LOOK) == shop_look
    assert plain.locator("script").count() == 0
    expect(plain.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Hàng thật"))
    expect(plain.get_by_role("status")).to_contain_text("Hàng thật")
    expect(plain.locator("dl")).to_contain_text(shop.trace_lot)
    expect(plain.get_by_role("heading", name="Hành trình của lô hàng")).to_be_visible()
    assert plain.locator("ol li").count() >= 6  # harvest → production → … → on sale
    expect(plain.locator("#ocop")).to_contain_text("Quyết định")
    assert plain.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(plain, "trace-phone")
    scans = shop_db(lambda: list(Scan.objects.filter(batch__lot_code=shop.trace_lot).values_list("channel", flat=True)))
    assert "page" in scans  # the visit was logged as a scan

    plain.get_by_role("navigation", name="Ngôn ngữ").get_by_role("link", name="EN").click()
    plain.wait_for_url(re.compile(r"\?lang=en$"))
    expect(plain.locator("html")).to_have_attribute("lang", "en")
    expect(plain.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Genuine"))
    expect(plain.get_by_role("link", name="Products", exact=True)).to_have_attribute("href", "/en/products/")
    screenshot(plain, "trace-en-phone")

    plain.get_by_role("link", name=re.compile("See the product")).click()
    plain.wait_for_url(re.compile(r"/en/products/[\w-]+/$"))
    expect(plain.locator("html")).to_have_attribute("lang", "en")


def test_a_forged_code_gets_a_plain_warning_in_the_same_look(page, shop, screenshot):
    response = page.goto("/q/ABCD-EFGH")  # well formed, wrong signature
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Không xác thực — mã sai hoặc giả")
    expect(page.get_by_role("status")).to_have_css("background-color", "rgb(179, 22, 27)")
    expect(page.get_by_role("link", name="OCOP Điện Biên")).to_have_attribute("href", "/")
    expect(page.get_by_role("heading", name="Báo cáo vấn đề")).to_be_visible()
    screenshot(page, "trace-forged-phone")


def test_a_recalled_lot_says_so_before_anything_else(page, shop, screenshot):
    page.goto(shop.recalled_path)
    expect(page.get_by_role("status")).to_have_css("background-color", "rgb(179, 22, 27)")
    expect(page.get_by_role("heading", level=1)).not_to_have_text(re.compile("Hàng thật"))
    recall = page.locator(".recall")
    expect(recall.get_by_role("heading", name="Thu hồi")).to_be_visible()
    expect(recall).to_contain_text("rách bao bì")
    assert recall.bounding_box()["y"] < page.get_by_role("heading", level=2, name=re.compile("Miến")).bounding_box()["y"]
    screenshot(page, "trace-recalled-phone")
