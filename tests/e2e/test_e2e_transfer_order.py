"""A buyer in Hà Nội, on a phone, buys by VietQR bank transfer: the product page gives the
nationwide delivery estimate, the checkout delivers to a Hà Nội ward, the status page shows the
QR code with the amount and transfer content, the bank feed (SePay's webhook) reports exactly
that transfer, and the status page turns to paid."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

API_KEY = "e2e-bank-feed-key"


def stock_at_the_centre(slug: str) -> None:
    """The provincial centre sends parcels outside the province: make sure it holds this product."""
    from catalog.models import ProductVariant
    from inventory import ledger
    from shop.models import SalesPoint

    point = SalesPoint.objects.get(code="tinh")
    for variant_id in ProductVariant.objects.filter(product__slug=slug).values_list("pk", flat=True):
        ledger.stock_up(variant_id, point, 20)


def order_facts(number: str) -> tuple:
    from orders.models import Order

    order = Order.objects.get(number=number)
    return order.total_vnd, order.transfer_content, order.ship_commune.province.code


def test_a_buyer_in_hanoi_pays_by_vietqr_and_the_bank_feed_marks_it_paid(page, live_url, shop_db, settings,
                                                                          axe_check, screenshot):
    settings.BANK_WEBHOOK_API_KEY = API_KEY  # the live server runs in this process: it reads the same settings

    # The product page says it travels to the whole country, how fast and from what fee.
    page.goto(live_url("storefront:search", q="mat ong"))
    page.locator(".results .card a").first.click()
    page.wait_for_url(re.compile(r"/san-pham/[\w-]+/$"))
    shop_db(stock_at_the_centre, page.url.rstrip("/").rsplit("/", 1)[-1])
    page.reload()
    expect(page.locator("p.delivery")).to_have_text(re.compile(r"^Giao toàn quốc \d+–\d+ ngày, từ [\d.]+\s₫"))
    page.get_by_role("button", name="Thêm vào giỏ").click()
    page.wait_for_url(re.compile(r"/gio-hang/$"))

    # Delivery to a ward of Hà Nội: the province first, then its commune.
    page.locator("#cart-checkout").click()
    page.wait_for_url(re.compile(r"/thanh-toan/$"))
    page.locator("#checkout-email").fill("minh.hanoi@example.org")
    page.locator("#checkout-delivery-delivery").check()
    page.locator("#checkout-ship-name").fill("Trần Văn Minh")
    page.locator("#checkout-ship-phone").fill("0987654321")
    page.locator("#checkout-ship-province").select_option("01")
    expect(page.locator("#checkout-ship-commune option", has_text="Ba Đình")).to_have_count(1)
    page.locator("#checkout-ship-commune").select_option(label="Ba Đình")
    page.locator("#checkout-ship-street").fill("Số 5 phố Đội Cấn")
    page.locator("#checkout-continue").click()

    # Pay by bank transfer.
    page.wait_for_url(re.compile(r"/thanh-toan/dat-hang/$"))
    expect(page.locator("#deliver-title + p + p")).to_contain_text("phường Ba Đình, thành phố Hà Nội")
    page.locator("#checkout-pay-bank-transfer").check()
    axe_check(page)
    page.locator("#checkout-place-order").click()

    # The status page: the VietQR code, the amount and the transfer content to write.
    page.wait_for_url(re.compile(r"/don-hang/[0-9a-f-]{36}/#vietqr$"))  # straight to the code
    number = page.locator("#order-number").inner_text().strip()
    expect(page.locator("#payment-status")).to_have_attribute("data-status", "AWAITING")
    expect(page.locator("#vietqr-code svg")).to_be_visible()
    expect(page.locator("#vietqr-deadline")).to_be_visible()
    shown_amount = page.locator("#transfer-amount").inner_text()
    amount = int(re.sub(r"\D", "", shown_amount))
    content = page.locator("#transfer-content").inner_text().strip()
    expect(page.locator("#transfer-account")).to_have_text("8000000000001")  # the province's demo account
    total, transfer_content, province = shop_db(order_facts, number)
    assert (amount, content, province) == (total, transfer_content, "01")
    axe_check(page)
    screenshot(page, "transfer-qr-phone")

    # The bank feed reports the transfer, as SePay sends it.
    transfer = {
        "id": 90_000_001, "gateway": "Agribank", "transactionDate": "2026-07-01 10:15:00",
        "accountNumber": "8000000000001", "code": None, "content": f"MBVCB.1234.{content}.CT tu 0987654321",
        "transferType": "in", "transferAmount": amount, "accumulated": 0, "subAccount": None,
        "referenceCode": "FT26182E2E0001", "description": "",
    }
    forged = page.request.post(live_url("bank-transfer-webhook"), data=transfer,
                               headers={"Authorization": "Apikey not-the-key"})
    assert forged.status == 401
    answer = page.request.post(live_url("bank-transfer-webhook"), data=transfer,
                               headers={"Authorization": f"Apikey {API_KEY}"})
    assert answer.status == 200, answer.text()
    assert answer.json()["results"] == [{"id": "90000001", "outcome": "matched"}]

    page.reload()
    expect(page.locator("#payment-status")).to_have_attribute("data-status", "PAID")
    expect(page.locator("#vietqr")).to_have_count(0)  # nothing left to pay: no QR any more
    axe_check(page)
