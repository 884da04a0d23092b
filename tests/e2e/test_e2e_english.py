"""An English-speaking visitor on a phone reads English everywhere but in proper names, and a buyer
who gave only a phone finds the order again by its number and phone (issue 15, items 8 and 9)."""
import re

import pytest
from playwright.sync_api import expect

from tests.storefront.test_english_completeness import _names, name_words, untranslated

pytestmark = pytest.mark.e2e


def _phone_only_order():
    """A phone-only pickup order at Mường Ảng, ready to collect; (number, pack size in English)."""
    from django.contrib.auth import get_user_model

    from orders import checkout as checkout_service
    from orders import fulfilment
    from orders.demo import _travelling_variants
    from shop.models import SalesPoint

    point = SalesPoint.objects.get(code="muong-ang")
    variant = _travelling_variants(point, 1)[0]
    checkout = checkout_service.create_checkout(lines=[(variant, 1)], phone="0977 123 456", language="en")
    checkout_service.set_delivery(token=checkout.token, pickup_point_id=point.pk)
    order = checkout_service.complete_checkout(token=checkout.token, payment_method="PAY_AT_PICKUP").order
    staff = get_user_model().objects.get(email="muong-ang@ocop-dienbien.example")
    f = order.fulfillments.get()
    for status in ("PICKING", "PACKED", "READY_FOR_PICKUP"):
        fulfilment.update_status(fulfillment_id=f.pk, status=status, user=staff)
    return order.number, order.lines.get().variant_name_en


def _allowlist():
    names = _names()
    return names, name_words(names)


def test_english_pages_on_a_phone_read_english(new_page, live_url, shop_db, screenshot):
    names, words = shop_db(_allowlist)
    page = new_page(locale="en-GB")
    for name, args in (("storefront:home", ()), ("storefront:sales_points", ()), ("storefront:sales_point", ("tinh",)),
                       ("storefront:catalogue", ()), ("storefront:order_lookup", ())):
        page.goto(live_url(name, "en", *args))
        expect(page.locator("html")).to_have_attribute("lang", "en")
        text = page.locator("body").inner_text()
        assert not untranslated(text, names, words), (name, untranslated(text, names, words))
    page.goto(live_url("storefront:sales_points", "en"))
    expect(page.locator("main")).to_contain_text("7:30–17:30, Monday–Saturday")
    expect(page.locator("main")).to_contain_text("daily")
    screenshot(page, "english-sales-points-phone")


def test_a_phone_only_buyer_finds_the_order_by_number_and_phone(new_page, live_url, shop_db, screenshot, axe_check):
    number, pack_en = shop_db(_phone_only_order)
    page = new_page(locale="en-GB")
    page.goto(live_url("storefront:home", "en"))
    page.locator("#foot-order-lookup").click()
    page.wait_for_url(re.compile(r"/en/order-lookup/$"))
    expect(page.locator("h1")).to_have_text("Find your order")
    axe_check(page)

    page.get_by_label("Order number").fill(number)
    page.get_by_label("Phone number").fill("0977 000 000")  # a wrong phone: told in plain words, nothing revealed
    page.get_by_role("button", name="See the order").click()
    expect(page.locator("#lookup-error")).to_contain_text("No order has this order number and phone number")
    axe_check(page)
    screenshot(page, "order-lookup-wrong-phone")

    page.get_by_label("Phone number").fill("+84 977 123 456")
    page.get_by_role("button", name="See the order").click()
    page.wait_for_url(re.compile(r"/en/orders/[0-9a-f-]{36}/$"))
    expect(page.locator("#order-number")).to_have_text(number)
    expect(page.locator("#pickup-hours")).to_have_text("7:00–18:00 daily")
    expect(page.locator(".summary-lines")).to_contain_text(pack_en)
    screenshot(page, "order-lookup-found-english")
