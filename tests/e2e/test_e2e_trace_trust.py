"""A counterfeit label on a phone: a real product's GTIN with a lot the shop never issued
(issue 15, item 1). The buyer sees a warning, not the genuine product's stars, and can
report it from the top of the page; the report ends on a thank-you page in the shop's look."""
import re

import pytest
from playwright.sync_api import expect

from traceability.models import ProblemReport

pytestmark = pytest.mark.e2e


def invented(shop) -> str:
    """The demo lot's Digital Link with the lot swapped for one nobody issued."""
    return shop.trace_path.rsplit("/", 1)[0] + "/GIA-MAO-01"


def test_an_invented_lot_is_a_warning_with_the_report_form_first(page, shop, shop_db, screenshot):
    genuine = page.goto(shop.trace_path)
    assert genuine.status == 200
    expect(page.locator("#ocop")).to_contain_text("★")  # the real lot does show the stars

    page.goto(invented(shop))
    verdict = page.get_by_role("status")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cảnh báo: mã này không được cấp cho sản phẩm này")
    expect(verdict).to_contain_text("Đừng tin vào nhãn")
    expect(verdict).to_contain_text("Nhãn ghi là sản phẩm")
    expect(verdict).to_have_css("background-color", "rgb(179, 22, 27)")  # red, not the grey "not found"
    expect(page.locator("#ocop")).to_have_count(0)
    expect(page.get_by_text("★")).to_have_count(0)
    expect(page.get_by_text("Quyết định")).to_have_count(0)

    # The report form is the first thing under the warning, within the first screen of a phone.
    report = page.locator("#report")
    expect(report.get_by_role("heading", level=2)).to_have_text("Báo mã này cho chúng tôi")
    box = report.bounding_box()
    assert box["y"] < page.viewport_size["height"]
    assert page.evaluate("""() => {
        const sections = [...document.querySelectorAll("main section")];
        return sections.indexOf(document.querySelector("#report")) === 1;  // right after the verdict
    }""")
    kind = page.get_by_label("Loại vấn đề")
    expect(kind).to_have_value("FAKE")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "trace-warning-phone")

    page.get_by_label("Nội dung").fill("Mua ở chợ Mường Thanh, tem in mờ, giá 50.000 đ")
    page.get_by_label("Liên hệ (không bắt buộc)").fill("0912 345 678")
    page.get_by_role("button", name="Gửi").click()
    page.wait_for_url(re.compile(r"/q/bao-cao/\?sent=1"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Đã gửi báo cáo")
    expect(page.get_by_role("status")).to_contain_text("Cảm ơn bạn!")
    expect(page.locator("header.top")).to_have_css("background-color", "rgb(29, 94, 44)")  # the shop's green
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    screenshot(page, "trace-report-thanks-phone")
    reports = shop_db(lambda: list(ProblemReport.objects.filter(contact="0912 345 678").values_list("kind", "code")))
    assert reports and reports[0][0] == "FAKE" and "GIA-MAO-01" in reports[0][1]

    page.get_by_role("link", name="Quay lại trang của mã").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cảnh báo: mã này không được cấp cho sản phẩm này")


def test_the_warning_and_a_failed_report_in_english(page, shop, screenshot):
    page.goto(invented(shop) + "?lang=en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Warning: this code was not issued for this product")
    expect(page.get_by_role("status")).to_contain_text("Do not trust the label")
    page.get_by_label("What happened").fill("fake")
    page.get_by_label("What happened").evaluate("el => el.removeAttribute('minlength')")  # past the browser's check
    page.get_by_label("What happened").fill("bad")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your report was not sent")
    expect(page.get_by_role("alert")).to_contain_text("at least 5 characters")
    expect(page.get_by_label("What happened")).to_have_value("bad")  # what was typed is still there
    expect(page.get_by_label("Kind")).to_have_value("FAKE")
    screenshot(page, "trace-report-error-en-phone")


def test_a_lapsed_certificate_is_explained_on_the_trace_page(page, shop, shop_db, screenshot):
    """The demo's Chẳm chéo M'Then: its certificate lapsed and was not renewed (catalog/demo/loader.py)."""
    from catalog import certification
    from traceability import codes
    from traceability.models import Batch

    def facts():
        lot = Batch.objects.select_related("variant__product").get(variant__product__name="Chẳm chéo M'Then")
        status, cert = certification.standing(lot.variant.product.certifications.all())
        return codes.link_for_batch(lot, base=""), status, cert.valid_until

    path, status, until = shop_db(facts)
    assert status == certification.CertificateStatus.EXPIRED
    page.goto(path)
    lapsed = page.locator("#ocop-lapsed")
    expect(lapsed).to_contain_text(f"đã hết hạn ngày {until:%d/%m/%Y}")
    expect(lapsed).to_contain_text("vẫn có thể được bán, nhưng không được mang dấu OCOP")
    expect(page.locator("#ocop")).to_have_count(0)
    expect(page.get_by_text("★")).to_have_count(0)
    screenshot(page, "trace-lapsed-phone")
    page.goto(path + "?lang=en")
    expect(page.locator("#ocop-lapsed")).to_contain_text(f"expired on {until:%d/%m/%Y}")
