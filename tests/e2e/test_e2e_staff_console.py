"""The sales-point clerk on a phone (issue 15, items 11–13): cash and hand-over in one step for a
pickup order, a cash-on-delivery order delivered only with its cash, the error of a refused
hand-over where the clerk is looking, and the stock page's search."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PASSWORD = "ocop-demo-2026"


def staff_login(page, live_url, who="muong-ang", lang="vi"):
    """Sign in through the console's login page as the manager of point `who`."""
    page.goto(live_url("storefront:staff:login", lang))
    page.locator("#id_username").fill(f"{who}@ocop-dienbien.example")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-submit").click()
    page.wait_for_url(re.compile(r"/staff/(?!login)"))


def _order(kind: str, tag: str) -> dict:
    """A demo order at Mường Ảng, walked by the point's clerk to the hand-over step: a pay-at-pickup
    order ready at the counter, or a cash-on-delivery parcel out with the courier."""
    from django.contrib.auth import get_user_model

    from catalog.models import ProductVariant
    from inventory import ledger
    from orders import checkout, fulfilment
    from shop.errors import ShopError
    from shop.models import Commune, SalesPoint

    point = SalesPoint.objects.get(code="muong-ang")
    for variant in ProductVariant.objects.filter(is_published=True, product__is_published=True).order_by("id"):
        try:
            checkout.sellable_variants([variant.pk])
        except ShopError:
            continue
        for row in variant.stocks.exclude(sales_point=point):  # so that routing picks Mường Ảng
            ledger.stock_up(variant, row.sales_point_id, 0)
        ledger.stock_up(variant, point, 20)
        break
    c = checkout.create_checkout(lines=[(variant.pk, 2)], email=f"{tag}@example.org", phone="0912345678")
    if kind == "pickup":
        checkout.set_delivery(token=c.token, pickup_point_id=point.pk)
        order = checkout.complete_checkout(token=c.token, payment_method="PAY_AT_PICKUP").order
        steps = ("PICKING", "PACKED", "READY_FOR_PICKUP")
    else:
        commune = Commune.objects.filter(district__code="102", era=2022).order_by("id").first()
        checkout.set_delivery(token=c.token, address={"full_name": "Lò Thị Hoa", "street_address": "Bản Co Mạ, tổ 3",
                                                      "commune_id": commune.pk, "phone": "0987654321"})
        order = checkout.complete_checkout(token=c.token, payment_method="CASH_ON_DELIVERY").order
        steps = ("PICKING", "PACKED", "SHIPPED")
    f = order.fulfillments.get()
    assert f.sales_point_id == point.pk
    clerk = get_user_model().objects.get(username="muong-ang@ocop-dienbien.example")
    for status in steps:
        fulfilment.update_status(fulfillment_id=f.pk, status=status, user=clerk)
    return {"number": order.number, "f": f.number, "token": str(order.token), "total": order.total_vnd}


def _in_viewport(page, selector) -> bool:
    return page.evaluate("""(s) => { const r = document.querySelector(s).getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight; }""", selector)


def test_pickup_cash_and_hand_over_in_one_step(page, live_url, shop_db, axe_check, screenshot):
    from shop.money import format_vnd

    order = shop_db(_order, "pickup", "e2e-pickup-one-step")
    due = format_vnd(order["total"], "vi")
    staff_login(page, live_url)
    queue = live_url("storefront:staff:queue", "vi", "muong-ang")
    page.goto(queue + f"#f-{order['f']}")
    card = page.locator(f"li#f-{order['f']}")
    button = page.locator(f"#move-{order['f']}-PICKED_UP")
    expect(button).to_have_text(f"Đã nhận {due} tiền mặt và giao hàng")
    button.scroll_into_view_if_needed()
    axe_check(page)
    screenshot(page, "staff-pickup-cash-step-phone")

    # A page from before the cash step (no amount on the button): refused, the reason at the card, in words.
    page.evaluate(f"""() => document.querySelector('#f-{order["f"]} input[name=cash]').remove()""")
    button.click()
    error = page.locator(f"#f-{order['f']}-error")
    expect(error).to_be_visible()
    expect(error).to_have_attribute("role", "alert")
    expect(error).to_contain_text(due)
    assert "paymentMarkCollected" not in error.inner_text() and str(order["total"]) not in error.inner_text()
    assert _in_viewport(page, f"#f-{order['f']}-error")  # where the clerk is looking, not far down the page
    assert page.evaluate("() => document.activeElement.id") == f"f-{order['f']}-error", page.evaluate(
        "() => [document.querySelector('main .error[role=alert]')?.id, document.activeElement.tagName, "
        "!!document.querySelector('script[src*=staff]'), document.hasFocus()]")
    assert page.url == queue + f"#f-{order['f']}"  # reloading will not post the form again
    expect(card).to_have_attribute("data-status", "READY_FOR_PICKUP")
    screenshot(page, "staff-pickup-refused-phone")

    page.reload()  # the queue, by GET: the hand-over button carries the amount again
    page.locator(f"#move-{order['f']}-PICKED_UP").click()
    expect(page.locator(f"li#f-{order['f']}")).to_have_attribute("data-status", "PICKED_UP")
    expect(page.locator(".notices")).to_contain_text(f"đã nhận {due} tiền mặt và giao hàng")
    expect(page.locator(f"#cash-{order['number']}")).to_have_count(0)
    screenshot(page, "staff-pickup-handed-over-phone")

    page.goto(live_url("storefront:order_status", "vi", order["token"]))
    expect(page.locator("#payment-status")).to_have_attribute("data-status", "PAID")


def test_cash_on_delivery_is_delivered_with_its_cash(page, live_url, shop_db, screenshot):
    from shop.money import format_vnd

    order = shop_db(_order, "cod", "e2e-cod-delivered")
    staff_login(page, live_url, lang="en")
    page.goto(live_url("storefront:staff:queue", "en", "muong-ang") + f"#f-{order['f']}")
    button = page.locator(f"#move-{order['f']}-DELIVERED")
    expect(button).to_have_text(f"Received {format_vnd(order['total'], 'en')} in cash and handed over")
    button.scroll_into_view_if_needed()
    screenshot(page, "staff-cod-deliver-phone")
    button.click()
    expect(page.locator(f"li#f-{order['f']}")).to_have_attribute("data-status", "DELIVERED")

    # The customer's timeline: paid before completed.
    page.goto(live_url("storefront:order_status", "vi", order["token"]))
    expect(page.locator("#payment-status")).to_have_attribute("data-status", "PAID")
    history = page.locator("#order-history li").all_inner_texts()
    placed = next(i for i, text in enumerate(history) if "Bạn đã đặt đơn hàng" in text)
    paid = next(i for i, text in enumerate(history) if "Điểm bán đã nhận tiền của bạn" in text)
    done = next(i for i, text in enumerate(history) if "Đơn hàng đã hoàn tất" in text)
    assert placed < paid < done or placed > paid > done, history  # in time order, whichever way it is listed
    screenshot(page, "order-status-cod-delivered-phone")


def test_stock_page_searches_and_stays_short_on_a_phone(page, live_url, axe_check, screenshot):
    staff_login(page, live_url)
    page.goto(live_url("storefront:staff:stock", "vi", "muong-ang"))
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height < 9000, height  # one page of rows, not the whole stock (~13,000 px before)
    page.locator("#stock-q").fill("mat ong")
    page.locator("#stock-search-submit").click()
    expect(page.locator("#stock-count")).to_contain_text("mặt hàng")
    names = page.locator(".stock-table tbody td:first-child").all_inner_texts()
    assert names and all("mật ong" in n.lower() for n in names), names
    axe_check(page)
    screenshot(page, "staff-stock-search-phone")
    page.locator("#stock-show").select_option("low_first")
    page.locator("#stock-search-submit").click()
    expect(page.locator("#stock-show")).to_have_value("low_first")
