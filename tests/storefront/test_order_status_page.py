"""The customer's order page, reached by the secret token the confirmation e-mail carries."""
import re
import uuid

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import ProductVariant
from inventory.models import Stock
from orders import checkout as checkout_service
from orders import fulfilment, payments
from orders.models import Order
from shop.models import SalesPoint


@pytest.fixture
def muong_ang(demo_shop, db):
    return SalesPoint.objects.get(code="muong-ang")


@pytest.fixture
def clerk(muong_ang):
    """The demo manager of Mường Ảng (load_demo makes one per point)."""
    return get_user_model().objects.get(email="muong-ang@ocop-dienbien.example")


def stocked_at(point, count=1):
    variants = list(
        ProductVariant.objects.filter(stocks__sales_point=point, stocks__quantity_on_hand__gte=5, is_published=True)
        .order_by("id")
    )
    chosen = []
    for variant in variants:
        try:
            checkout_service.sellable_variants([variant.pk])
        except Exception:  # noqa: BLE001 - not sellable (no valid certificate): try the next
            continue
        chosen.append(variant)
        if len(chosen) == count:
            return chosen
    raise LookupError("not enough demo variants at the point")


def order_at(point, lines=1, language="vi") -> Order:
    variants = stocked_at(point, lines)
    checkout = checkout_service.create_checkout(
        lines=[(v.pk, 2) for v in variants], email="khach@example.com", phone="0912345678", language=language,
    )
    checkout_service.set_delivery(token=checkout.token, pickup_point_id=point.pk)
    return checkout_service.complete_checkout(token=checkout.token, payment_method="PAY_AT_PICKUP").order


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_status_page_shows_the_order_its_sales_point_and_what_happened(client, muong_ang, clerk):
    order = order_at(muong_ang, lines=2)
    html = page(client.get(f"/don-hang/{order.token}/"))
    assert f'<span id="order-number">{order.number}</span>' in html
    for line in order.lines.all():
        assert line.product_name in html and line.variant_name in html
    assert f"{order.total_vnd:,}".replace(",", ".") + "\xa0₫" in html
    assert 'id="order-status" data-status="CONFIRMED">Đã xác nhận, đang chuẩn bị' in html
    assert "Chưa trả: trả tiền tại điểm bán khi nhận hàng." in html
    assert muong_ang.address in html and muong_ang.opening_hours in html and muong_ang.name in html
    (part,) = order.fulfillments.all()
    assert f'id="fulfilment-{part.number}" data-status="NEW"' in html
    assert "Bạn đã đặt đơn hàng." in html
    assert '<meta name="robots" content="noindex, follow">' in html

    # The clerk prepares it and hands it over; the page says so in plain words.
    for status in ("PICKING", "PACKED", "READY_FOR_PICKUP"):
        fulfilment.update_status(fulfillment_id=part.pk, status=status, user=clerk)
    html = page(client.get(f"/don-hang/{order.token}/"))
    assert f"{muong_ang.name} bắt đầu chuẩn bị hàng." in html
    assert f"Hàng đã sẵn sàng tại {muong_ang.name}; mời bạn đến nhận." in html
    assert "Sẵn sàng, mời bạn đến nhận" in html and "→" not in html  # no state-machine arrows
    payments.mark_collected(order_id=order.pk, amount_vnd=order.total_vnd, user=clerk)
    fulfilment.update_status(fulfillment_id=part.pk, status="PICKED_UP", user=clerk)
    html = page(client.get(f"/don-hang/{order.token}/"))
    assert "Điểm bán đã nhận tiền của bạn." in html and f"Bạn đã nhận hàng tại {muong_ang.name}." in html
    assert 'data-status="COMPLETED">Hoàn tất' in html and "Đã thanh toán." in html
    assert "Đơn hàng đã hoàn tất. Cảm ơn bạn!" in html
    assert 'id="order-cancel"' not in html  # handed over: nothing to cancel


def test_the_link_in_the_confirmation_email_opens_the_page(client, muong_ang, mailoutbox,
                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = order_at(muong_ang)
    (mail,) = [m for m in mailoutbox if m.to == ["khach@example.com"]]
    url = re.search(r"(http\S+/don-hang/\S+/)", mail.body).group(1)
    assert url == f"{settings.SITE_URL}/don-hang/{order.token}/"
    assert order.number in page(client.get(url.removeprefix(settings.SITE_URL)))


def test_the_english_page(client, muong_ang, clerk):
    order = order_at(muong_ang, language="en")
    part = order.fulfillments.get()
    fulfilment.update_status(fulfillment_id=part.pk, status="PICKING", user=clerk)
    html = page(client.get(f"/en/orders/{order.token}/"))
    assert '<html lang="en">' in html and "Confirmed, being prepared" in html
    assert "Not paid yet: pay at the sales point when you collect." in html
    assert f"{muong_ang.name_en} started preparing your items." in html and "You placed the order." in html
    line = order.lines.first()
    assert (line.product_name_en or line.product_name) in html and f"₫{order.total_vnd:,}" in html
    assert f'hreflang="vi" href="http://127.0.0.1:8000/don-hang/{order.token}/"' in html
    assert f'href="/don-hang/{order.token}/"' in html  # the language switch


def test_an_unknown_order_is_a_friendly_404(client, demo_shop, db):
    response = client.get(f"/don-hang/{uuid.uuid4()}/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "Không tìm thấy đơn hàng; hãy kiểm tra đường dẫn trong e-mail." in body and "noindex" in body
    en = client.get(f"/en/orders/{uuid.uuid4()}/")
    assert en.status_code == 404 and "Order not found; check the link in your e-mail." in en.content.decode()
    assert client.get("/don-hang/not-a-token/").status_code == 404
    assert client.get(f"/don-hang/{uuid.uuid4()}/huy/").status_code == 404


def test_the_query_count_does_not_grow_with_lines_fulfilments_or_events(client, muong_ang, clerk):
    small = order_at(muong_ang, lines=1)
    with CaptureQueriesContext(connection) as one:
        page(client.get(f"/don-hang/{small.token}/"))
    big = order_at(muong_ang, lines=4)
    part = big.fulfillments.get()
    for status in ("PICKING", "PACKED", "READY_FOR_PICKUP"):
        fulfilment.update_status(fulfillment_id=part.pk, status=status, user=clerk)
    with CaptureQueriesContext(connection) as many:
        html = page(client.get(f"/don-hang/{big.token}/"))
    assert html.count("<li><time") == 4
    assert len(many) == len(one) <= 8, [q["sql"] for q in many.captured_queries]


def test_the_customer_cancels_after_a_confirmation_step(client, muong_ang, mailoutbox, django_capture_on_commit_callbacks):
    order = order_at(muong_ang)
    line = order.lines.get()
    stock = Stock.objects.get(variant_id=line.variant_id, sales_point=muong_ang)
    html = page(client.get(f"/don-hang/{order.token}/"))
    assert f'href="/don-hang/{order.token}/huy/" id="order-cancel"' in html

    confirm = page(client.get(f"/don-hang/{order.token}/huy/"))
    assert f"Huỷ đơn hàng {order.number}?" in confirm and 'id="order-cancel-confirm"' in confirm
    assert 'name="csrfmiddlewaretoken"' in confirm
    order.refresh_from_db()
    assert order.status == "CONFIRMED"  # looking at the question changes nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/don-hang/{order.token}/huy/", {"confirm": ""})
    assert response.status_code == 302 and response["Location"] == f"/don-hang/{order.token}/"
    order.refresh_from_db()
    assert order.status == "CANCELLED"
    assert Stock.objects.get(pk=stock.pk).quantity_allocated == stock.quantity_allocated - 2
    assert any("đã huỷ" in m.subject for m in mailoutbox)
    html = page(client.get(response["Location"]))
    assert "Đơn hàng đã được huỷ." in html and 'data-status="CANCELLED"' in html
    assert "Huỷ đơn: khách hàng huỷ" in html and 'id="order-cancel"' not in html
    # Twice is not an error page: it says it is already cancelled.
    client.post(f"/don-hang/{order.token}/huy/")
    assert "Đơn này đã huỷ rồi." in page(client.get(f"/don-hang/{order.token}/"))


def test_an_order_handed_over_cannot_be_cancelled(client, muong_ang, clerk):
    order = order_at(muong_ang)
    part = order.fulfillments.get()
    for status in ("PICKING", "PACKED", "READY_FOR_PICKUP"):
        fulfilment.update_status(fulfillment_id=part.pk, status=status, user=clerk)
    payments.mark_collected(order_id=order.pk, amount_vnd=order.total_vnd, user=clerk)
    fulfilment.update_status(fulfillment_id=part.pk, status="PICKED_UP", user=clerk)
    assert client.get(f"/en/orders/{order.token}/cancel/")["Location"] == f"/en/orders/{order.token}/"
    response = client.post(f"/en/orders/{order.token}/cancel/")
    assert response["Location"] == f"/en/orders/{order.token}/"
    assert "already handed over, so the order cannot be cancelled" in page(client.get(response["Location"]))
    order.refresh_from_db()
    assert order.status == "COMPLETED"
