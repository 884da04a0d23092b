"""The whole order in a real browser: a shopper on a phone buys honey for pickup
at Mường Ảng and pays there; the point's clerk picks, packs, takes the cash and
hands it over; the shopper's status page follows. axe-core checks each new page."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

CLERK = ("muong-ang@ocop-dienbien.example", "ocop-demo-2026")


def stock_at_muong_ang(slug: str) -> None:
    """The demo's stock is spread at random; make sure the point holds this product."""
    from catalog.models import ProductVariant
    from inventory import ledger
    from shop.models import SalesPoint

    point = SalesPoint.objects.get(code="muong-ang")
    for variant_id in ProductVariant.objects.filter(product__slug=slug).values_list("pk", flat=True):
        ledger.stock_up(variant_id, point, 20)


def test_shopper_buys_for_pickup_and_the_clerk_hands_it_over(page, new_page, live_url, axe_check, screenshot,
                                                             shop_db):
    # The shopper: search without accents, open the first honey, add it to the cart.
    page.goto(live_url("storefront:search", q="mat ong"))
    page.locator(".results .card a").first.click()
    page.wait_for_url(re.compile(r"/san-pham/[\w-]+/$"))
    shop_db(stock_at_muong_ang, page.url.rstrip("/").rsplit("/", 1)[-1])
    page.reload()
    page.get_by_role("button", name="Thêm vào giỏ").click()
    page.wait_for_url(re.compile(r"/gio-hang/$"))
    expect(page.locator("#cart-count")).to_have_text(re.compile(r"^1\b"))
    axe_check(page)
    screenshot(page, "cart-phone")

    page.locator("#cart-checkout").click()
    page.wait_for_url(re.compile(r"/thanh-toan/$"))
    page.locator("#checkout-email").fill("khach@example.org")
    page.locator("#checkout-phone").fill("0912345678")
    page.locator("#checkout-delivery-pickup").check()
    page.locator("#checkout-pickup-muong-ang").check()
    axe_check(page)
    screenshot(page, "checkout-phone")
    page.locator("#checkout-continue").click()

    page.wait_for_url(re.compile(r"/thanh-toan/dat-hang/$"))
    page.locator("#checkout-pay-pay-at-pickup").check()
    assert page.locator("script[src*='js.stripe.com']").count() == 0  # Stripe only on the card step
    axe_check(page)
    screenshot(page, "checkout-payment-phone")
    page.locator("#checkout-place-order").click()

    page.wait_for_url(re.compile(r"/don-hang/[0-9a-f-]{36}/$"))
    status_url = page.url
    number = page.locator("#order-number").inner_text().strip()
    fulfilment = page.locator(".fulfilment").first
    expect(fulfilment).to_contain_text("Mường Ảng")
    fulfilment_number = fulfilment.get_attribute("id").removeprefix("fulfilment-")
    expect(page.locator("#pickup-address")).to_be_visible()
    axe_check(page)
    screenshot(page, "order-status-phone")

    # The clerk of Mường Ảng, on another phone.
    clerk = new_page()
    clerk.goto(live_url("storefront:staff:home"))
    clerk.wait_for_url(re.compile(r"/staff/login/"))
    clerk.locator("#id_username").fill(CLERK[0])
    clerk.locator("#id_password").fill(CLERK[1])
    clerk.locator("#login-submit").click()
    card = clerk.locator(f"li#f-{fulfilment_number}")
    expect(card).to_be_visible()
    expect(card).to_have_attribute("data-status", "NEW")
    axe_check(clerk)
    screenshot(clerk, "staff-queue-phone")
    for status in ("PICKING", "PACKED", "READY_FOR_PICKUP"):
        clerk.locator(f"#move-{fulfilment_number}-{status}").click()
        expect(clerk.locator(f"li#f-{fulfilment_number}")).to_have_attribute("data-status", status)

    # Pay at pickup: the cash is taken before the goods change hands.
    amount = clerk.locator(f"#cash-amount-{number}")
    expect(amount).not_to_have_value("")
    clerk.locator(f"#cash-submit-{number}").click()
    expect(clerk.locator(f"#cash-{number}")).to_have_count(0)
    clerk.locator(f"#move-{fulfilment_number}-PICKED_UP").click()
    expect(clerk.locator(f"li#f-{fulfilment_number}")).to_have_attribute("data-status", "PICKED_UP")
    expect(clerk.locator("#today-handed-over")).not_to_have_text("0")
    screenshot(clerk, "staff-handed-over-phone")

    # The shopper's page shows it.
    page.goto(status_url)
    expect(page.locator(f"#fulfilment-{fulfilment_number}")).to_have_attribute("data-status", "PICKED_UP")
    expect(page.locator("#payment-status")).to_have_attribute("data-status", "PAID")
    expect(page.locator("#order-cancel")).to_have_count(0)  # handed over: no cancelling any more
