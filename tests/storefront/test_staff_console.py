"""The staff console, used by the clerks of a sales point on their phones."""
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from inventory import ledger
from inventory.models import Stock, StockMovement
from orders import checkout as checkout_service
from orders.models import Fulfillment, Order
from shop.models import Commune
from shop.money import format_vnd

PASSWORD = "ocop-demo-2026"



@pytest.fixture
def variant(shop, stocked_variant):
    """A sellable demo variant stocked (20) only at Mường Ảng."""
    return stocked_variant(shop["muong-ang"], 20, only_there=True)


def place(shop, variant, *, quantity=2, method="PAY_AT_PICKUP", point="muong-ang", deliver=False,
          email="khach@example.com", phone="0912345678"):
    checkout = checkout_service.create_checkout(lines=[(variant.pk, quantity)], email=email, phone=phone)
    if deliver:
        commune = Commune.objects.filter(district__code="102", era=2022).order_by("id").first()
        checkout_service.set_delivery(token=checkout.token, address={
            "full_name": "Lò Thị Hoa", "street_address": "Bản Co Mạ, tổ 3", "commune_id": commune.pk, "phone": "0987654321",
        })
    else:
        checkout_service.set_delivery(token=checkout.token, pickup_point_id=shop[point].pk)
    return checkout_service.complete_checkout(token=checkout.token, payment_method=method).order


def login(client, who="muong-ang"):
    client.force_login(get_user_model().objects.get(username=f"{who}@ocop-dienbien.example"))
    return client


def page(response) -> str:
    return response.content.decode()


def buttons(html: str, number: str) -> set[str]:
    """The statuses offered as one-tap buttons on the card of fulfilment `number`."""
    return set(re.findall(rf'id="move-{re.escape(number)}-([A-Z_]+)"', html))


def move(client, f, status, reason="", point="muong-ang"):
    return client.post(f"/staff/fulfilments/{f.pk}/status/", {"status": status, "reason": reason, "point": point})


QUEUE = "/staff/points/muong-ang/"


# -- signing in ---------------------------------------------------------------------------

def test_staff_pages_need_a_login_in_the_page_language(client, shop):
    for path, login_path in (("/staff/", "/staff/login/"), ("/en/staff/points/muong-ang/", "/en/staff/login/"),
                             ("/staff/dashboard/", "/staff/login/")):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == f"{login_path}?next={path}"


def test_clerk_signs_in_with_email_and_lands_on_their_point(client, shop):
    form = page(client.get("/staff/login/?next=/staff/"))
    assert '<html lang="vi">' in form and 'id="staff-login"' in form
    assert 'id="id_username"' in form and 'id="id_password"' in form and 'id="login-submit"' in form
    assert "csrfmiddlewaretoken" in form and 'noindex' in form
    wrong = client.post("/staff/login/", {"username": "muong-ang@ocop-dienbien.example", "password": "sai"})
    assert wrong.status_code == 200 and "E-mail hoặc mật khẩu không đúng" in page(wrong)
    response = client.post("/staff/login/", {"username": "Muong-Ang@ocop-dienbien.example", "password": PASSWORD,
                                             "next": "/staff/"})
    assert response.status_code == 302 and response["Location"] == "/staff/"
    assert client.get("/staff/")["Location"] == QUEUE
    logout = client.post("/staff/logout/")
    assert logout.status_code == 302 and client.get(QUEUE).status_code == 302


def test_staff_pages_are_vietnamese_at_the_root_whatever_the_language_cookie(client, shop):
    client.cookies["django_language"] = "en"
    assert '<html lang="vi">' in page(client.get("/staff/login/"))
    assert '<html lang="en">' in page(client.get("/en/staff/login/"))


def test_login_errors_are_in_english_on_the_english_page(client, shop):
    response = client.post("/en/staff/login/", {"username": "nobody@example.com", "password": "x"})
    assert '<html lang="en">' in page(response) and "Wrong e-mail or password" in page(response)


def test_a_customer_account_is_not_let_into_the_console(client, shop):
    get_user_model().objects.create_user("khach@example.com", "khach@example.com", PASSWORD)
    response = client.post("/staff/login/", {"username": "khach@example.com", "password": PASSWORD})
    assert response.status_code == 200 and "không phải nhân viên điểm bán" in page(response)
    client.force_login(get_user_model().objects.get(username="khach@example.com"))
    denied = client.get("/staff/")
    assert denied.status_code == 403 and "không phải nhân viên điểm bán" in page(denied)


# -- who sees what ------------------------------------------------------------------------

def test_clerk_of_muong_ang_sees_only_muong_ang(client, shop, variant):
    mine = place(shop, variant)
    ledger.stock_up(variant, shop["tuan-giao"], 5)
    theirs = place(shop, variant, point="tuan-giao")
    login(client)
    queue = page(client.get(QUEUE))
    assert mine.number in queue and theirs.number not in queue
    assert 'id="point-picker"' not in queue  # one point: no picker
    other = client.get("/staff/points/tuan-giao/")
    assert other.status_code == 403 and theirs.number not in page(other)
    assert "không được phân công" in page(other)
    assert client.get("/staff/points/tuan-giao/stock/").status_code == 403
    assert client.get("/staff/points/tuan-giao/pick-list/").status_code == 403
    assert client.get("/staff/points/khong-co/").status_code == 403  # the same answer for a point that does not exist


def test_province_admin_picks_any_point(client, shop, variant):
    order = place(shop, variant)
    login(client, "tinh")
    home = page(client.get("/staff/"))
    assert all(f'id="point-{code}"' in home for code in shop) and 'id="dashboard-link"' in home
    assert client.get("/staff/?point=muong-ang")["Location"] == QUEUE
    queue = page(client.get(QUEUE))
    assert order.number in queue and 'id="point-picker"' in queue


# -- the queue and its transitions -----------------------------------------------------------

def test_card_shows_lines_contact_routing_reason_and_only_the_allowed_moves(client, shop, variant):
    order = place(shop, variant, quantity=3)
    f = order.fulfillments.get()
    login(client)
    html = page(client.get(QUEUE))
    card = html[html.index(f'id="f-{f.number}"'):]
    assert order.routing_reason in card and f"tel:{order.phone}" in card and "khach@example.com" in card
    assert variant.sku in card and "3 ×" in card
    assert buttons(html, f.number) == {"PICKING", "CANCELLED"}
    assert 'id="s-NEW"' in html


def test_each_transition_of_a_pickup_order_by_post_then_cash_then_handed_over(client, shop, variant):
    order = place(shop, variant)
    f = order.fulfillments.get()
    login(client)
    expected = {"PICKING": {"PACKED", "CANCELLED"}, "PACKED": {"READY_FOR_PICKUP", "CANCELLED"},
                "READY_FOR_PICKUP": {"PICKED_UP", "CANCELLED"}}
    for status, offered in expected.items():
        response = move(client, f, status)
        assert response.status_code == 302 and response["Location"] == f"{QUEUE}#f-{f.number}"
        f.refresh_from_db()
        assert f.status == status
        assert buttons(page(client.get(QUEUE)), f.number) == offered
    refused = move(client, f, "PICKED_UP")  # pay at pickup: the cash first
    assert refused.status_code == 400 and f'id="f-{f.number}-error"' in page(refused)
    assert f"Hãy thu {format_vnd(order.total_vnd, 'vi')} và ghi nhận tiền mặt trước khi giao hàng" in page(refused)
    assert "paymentMarkCollected" not in page(refused)
    f.refresh_from_db()
    assert f.status == "READY_FOR_PICKUP"
    assert client.post(f"/staff/orders/{order.pk}/cash/", {"amount": str(order.total_vnd), "point": "muong-ang"}).status_code == 302
    assert move(client, f, "PICKED_UP").status_code == 302
    f.refresh_from_db()
    order.refresh_from_db()
    assert f.status == "PICKED_UP" and order.status == "COMPLETED"
    done = page(client.get(QUEUE))
    assert 'id="s-PICKED_UP"' in done and buttons(done, f.number) == set()
    assert re.search(r'id="today-handed-over">1<', done)


def test_cash_on_delivery_is_delivered_only_with_its_cash_in_one_step(client, shop, variant):
    order = place(shop, variant, method="CASH_ON_DELIVERY", deliver=True)
    f = order.fulfillments.get()
    assert f.sales_point.code == "muong-ang"
    login(client)
    for status in ("PICKING", "PACKED"):
        move(client, f, status)
    assert buttons(page(client.get(QUEUE)), f.number) == {"SHIPPED", "CANCELLED"}
    move(client, f, "SHIPPED")
    html = page(client.get(QUEUE))
    assert buttons(html, f.number) == {"DELIVERED"}
    due = format_vnd(order.total_vnd, "vi")
    assert re.search(rf'id="move-{f.number}-DELIVERED"[^>]*>Đã nhận {due} tiền mặt và giao hàng</button>', html)
    refused = move(client, f, "DELIVERED")  # without the cash (an old page, a forged form): refused, nothing changes
    assert refused.status_code == 400
    html = page(refused)
    error = re.search(rf'<p class="error" role="alert" tabindex="-1" id="f-{f.number}-error">([^<]+)</p>', html)
    assert error and due in error[1] and "paymentMarkCollected" not in html and str(order.total_vnd) not in error[1]
    assert html.index(f'id="f-{f.number}-error"') < html.index(f'id="move-{f.number}-DELIVERED"')
    assert f'id="return-url" data-url="{QUEUE}#f-{f.number}"' in html  # staff.js puts the queue back in the address bar
    f.refresh_from_db()
    order.refresh_from_db()
    assert f.status == "SHIPPED" and order.payment_status == "NOT_PAID"
    done = client.post(f"/staff/fulfilments/{f.pk}/status/",
                       {"status": "DELIVERED", "cash": str(order.total_vnd), "point": "muong-ang"})
    assert done.status_code == 302 and done["Location"] == f"{QUEUE}#f-{f.number}"
    f.refresh_from_db()
    order.refresh_from_db()
    assert f.status == "DELIVERED" and order.payment_status == "PAID" and order.status == "COMPLETED"
    kinds = list(order.events.order_by("id").values_list("kind", flat=True))
    assert kinds.index("CASH_COLLECTED") < kinds.index("COMPLETED")  # paid before completed on the timeline
    after = page(client.get(QUEUE))
    assert f"đã nhận {due} tiền mặt và giao hàng" in after and f'id="cash-{order.number}"' not in after


def test_pickup_cash_and_hand_over_in_one_step(client, shop, variant):
    order = place(shop, variant, quantity=2)
    f = order.fulfillments.get()
    login(client)
    for status in ("PICKING", "PACKED", "READY_FOR_PICKUP"):
        move(client, f, status)
    html = page(client.get(QUEUE))
    due = format_vnd(order.total_vnd, "vi")
    assert re.search(rf'id="move-{f.number}-PICKED_UP"[^>]*>Đã nhận {due} tiền mặt và giao hàng</button>', html)
    assert f'<input type="hidden" name="cash" value="{order.total_vnd}">' in html
    english = page(client.get("/en" + QUEUE))
    assert f"Received {format_vnd(order.total_vnd, 'en')} in cash and handed over" in english
    stale = client.post(f"/staff/fulfilments/{f.pk}/status/", {"status": "PICKED_UP", "cash": "1000", "point": "muong-ang"})
    assert stale.status_code == 400 and f"phải đúng số cần thu của đơn: {due}" in page(stale)
    f.refresh_from_db()
    order.refresh_from_db()
    assert f.status == "READY_FOR_PICKUP" and order.payment_status == "NOT_PAID"
    done = client.post(f"/staff/fulfilments/{f.pk}/status/",
                       {"status": "PICKED_UP", "cash": str(order.total_vnd), "point": "muong-ang"})
    assert done.status_code == 302 and done["Location"] == f"{QUEUE}#f-{f.number}"
    f.refresh_from_db()
    order.refresh_from_db()
    assert f.status == "PICKED_UP" and order.payment_status == "PAID" and order.paid_vnd == order.total_vnd
    assert order.status == "COMPLETED"
    assert Stock.objects.get(variant=variant, sales_point=shop["muong-ang"]).quantity_allocated == 0
    again = client.post(f"/staff/fulfilments/{f.pk}/status/",  # a second tap: refused, nothing collected twice
                        {"status": "PICKED_UP", "cash": str(order.total_vnd), "point": "muong-ang"})
    assert again.status_code == 400
    assert order.events.filter(kind="CASH_COLLECTED").count() == 1
    assert StockMovement.objects.filter(reference=f"order:{order.number}", kind="SALE").count() == 1


def test_cancelling_needs_a_reason_shown_beside_the_field(client, shop, variant):
    order = place(shop, variant)
    f = order.fulfillments.get()
    login(client)
    response = move(client, f, "CANCELLED", reason="  ")
    assert response.status_code == 400
    html = page(response)
    assert f'id="reason-error-{f.number}"' in html and "Hãy ghi lý do huỷ" in html
    assert re.search(rf'<details class="cancel" open>\s*<summary>[^<]+</summary>\s*<form method="post" action="/staff/fulfilments/{f.pk}/status/"', html)
    f.refresh_from_db()
    assert f.status == "NEW"
    assert move(client, f, "CANCELLED", reason="Khách gọi điện huỷ").status_code == 302
    f.refresh_from_db()
    assert f.status == "CANCELLED"
    assert Stock.objects.get(variant=variant, sales_point=shop["muong-ang"]).quantity_allocated == 0
    assert order.events.filter(kind="FULFILLMENT_STATUS", message__contains="Khách gọi điện huỷ").exists()


def test_clerk_of_muong_ang_cannot_act_on_tuan_giao(client, shop, variant):
    ledger.stock_up(variant, shop["tuan-giao"], 5)
    theirs = place(shop, variant, point="tuan-giao")
    f = theirs.fulfillments.get()
    login(client)
    # Another point's fulfilment reads as a missing one (tests/security/test_staff_probe.py).
    for point in ("tuan-giao", ""):
        refused = move(client, f, "PICKING", point=point)
        assert refused.status_code == 403 and "Không tìm thấy phần đơn này" in page(refused)
    refused = move(client, f, "PICKING", point="muong-ang")
    assert refused.status_code == 400 and "Không tìm thấy phần đơn này" in page(refused)
    cash = client.post(f"/staff/orders/{theirs.pk}/cash/", {"amount": str(theirs.total_vnd), "point": "muong-ang"})
    assert cash.status_code == 400 and "Không tìm thấy đơn hàng" in page(cash)
    stock = client.post("/staff/points/tuan-giao/stock/", {"variant": variant.pk, "quantity": "0", "reason": "xoá hết"})
    assert stock.status_code == 403
    english = client.post(f"/en/staff/fulfilments/{f.pk}/status/", {"status": "PICKING", "point": "muong-ang"})
    assert english.status_code == 400 and "Fulfilment not found" in page(english)
    missing = client.post("/staff/fulfilments/999999/status/", {"status": "PICKING", "point": "muong-ang"})
    assert missing.status_code == 400 and "Không tìm thấy phần đơn này" in page(missing)
    f.refresh_from_db()
    theirs.refresh_from_db()
    assert f.status == "NEW" and theirs.payment_status == "NOT_PAID"
    assert Stock.objects.get(variant=variant, sales_point=shop["tuan-giao"]).quantity_on_hand == 5


def test_cash_form_is_prefilled_with_what_is_due_and_checks_the_amount(client, shop, variant):
    order = place(shop, variant, quantity=2)
    f = order.fulfillments.get()
    login(client)
    assert f'id="cash-{order.number}"' not in page(client.get(QUEUE))  # asked for when the goods are ready
    for status in ("PICKING", "PACKED", "READY_FOR_PICKUP"):
        move(client, f, status)
    html = page(client.get(QUEUE))
    assert re.search(rf'id="cash-amount-{order.number}"[^>]*value="{order.total_vnd}"', html)
    assert f'id="cash-submit-{order.number}"' in html
    wrong = client.post(f"/staff/orders/{order.pk}/cash/", {"amount": "1000", "point": "muong-ang"})
    assert wrong.status_code == 400 and f'id="cash-error-{order.number}"' in page(wrong)
    assert f"phải đúng số cần thu của đơn: {format_vnd(order.total_vnd, 'vi')}" in page(wrong)  # 260.000 ₫
    assert re.search(rf'id="cash-amount-{order.number}"[^>]*value="1000"', page(wrong))  # what was typed stays
    garbage = client.post(f"/staff/orders/{order.pk}/cash/", {"amount": "một trăm", "point": "muong-ang"})
    assert garbage.status_code == 400 and "bằng số" in page(garbage)
    order.refresh_from_db()
    assert order.payment_status == "NOT_PAID"
    typed = f"{order.total_vnd:,}".replace(",", ".") + " ₫"  # as staff read it off the screen
    response = client.post(f"/staff/orders/{order.pk}/cash/", {"amount": typed, "point": "muong-ang"})
    assert response.status_code == 302 and response["Location"] == f"{QUEUE}#o-{order.number}"
    order.refresh_from_db()
    assert order.payment_status == "PAID" and order.paid_vnd == order.total_vnd
    after = page(client.get(QUEUE))
    assert "Đã ghi nhận thu" in after
    assert f'id="cash-{order.number}"' not in after
    assert re.search(r'id="today-cash">[^<]*' + f"{order.total_vnd:,}".replace(",", "."), after)


def test_posts_without_the_csrf_token_are_refused(shop, variant):
    order = place(shop, variant)
    f = order.fulfillments.get()
    client = login(Client(enforce_csrf_checks=True))
    assert move(client, f, "PICKING").status_code == 403
    assert client.post(f"/staff/orders/{order.pk}/cash/", {"amount": str(order.total_vnd), "point": "muong-ang"}).status_code == 403
    f.refresh_from_db()
    assert f.status == "NEW"
    html = page(client.get(QUEUE))
    forms = re.findall(r'<form method="post".*?</form>', html, re.S)
    assert forms and all("csrfmiddlewaretoken" in form for form in forms)


# -- stock ----------------------------------------------------------------------------------

def test_stock_adjustment_needs_a_reason_and_a_whole_number(client, shop, variant):
    login(client)
    path = "/staff/points/muong-ang/stock/"
    html = page(client.get(f"{path}?variant={variant.pk}"))
    assert f'id="v-{variant.pk}"' in html and re.search(rf'<option value="{variant.pk}" selected>', html)
    assert re.search(r'id="stock-quantity"[^>]*value="20"', html)  # the count so far, to correct
    bad = client.post(path, {"variant": variant.pk, "quantity": "mười", "reason": "kiểm kê"})
    assert bad.status_code == 400
    assert re.search(r'id="stock-quantity-error">Số lượng phải là số nguyên', page(bad))
    negative = client.post(path, {"variant": variant.pk, "quantity": "-3", "reason": "kiểm kê"})
    assert negative.status_code == 400 and 'id="stock-quantity-error">Tồn kho phải từ 0' in page(negative)
    no_reason = client.post(path, {"variant": variant.pk, "quantity": "17", "reason": ""})
    assert no_reason.status_code == 400 and 'id="stock-reason-error">Hãy ghi lý do' in page(no_reason)
    assert 'value="17"' in page(no_reason)  # what was typed stays
    english = client.post(f"/en{path}", {"variant": variant.pk, "quantity": "x", "reason": ""})
    assert "whole number" in page(english)
    assert Stock.objects.get(variant=variant, sales_point=shop["muong-ang"]).quantity_on_hand == 20
    ok = client.post(path, {"variant": variant.pk, "quantity": "17", "reason": "kiểm kê cuối ngày"})
    assert ok.status_code == 302 and ok["Location"] == f"{path}?variant={variant.pk}#v-{variant.pk}"
    assert Stock.objects.get(variant=variant, sales_point=shop["muong-ang"]).quantity_on_hand == 17
    movement = StockMovement.objects.filter(stock__variant=variant, kind="RECOUNT").first()
    assert movement.reason == "kiểm kê cuối ngày" and movement.on_hand_change == -3


# -- pick list, language, phone, cost -------------------------------------------------------------

def test_pick_list_adds_up_units_per_sku_and_prints(client, shop, variant):
    first, second = place(shop, variant, quantity=2), place(shop, variant, quantity=3)
    login(client)
    html = page(client.get("/staff/points/muong-ang/pick-list/"))
    assert first.number in html and second.number in html
    assert re.search(rf"<td>{re.escape(variant.sku)}</td><td>[^<]+</td><td class=\"num\"><b>5</b>", html)
    assert "staff.css" in html
    from django.contrib.staticfiles import finders

    css = open(finders.find("storefront/staff.css"), encoding="utf-8").read()
    assert "@media print" in css


def test_console_in_english(client, shop, variant):
    order = place(shop, variant)
    login(client)
    html = page(client.get("/en/staff/points/muong-ang/"))
    assert '<html lang="en">' in html and "Start picking" in html and "Today" in html
    assert order.routing_reason_en in html
    f = order.fulfillments.get()
    response = client.post(f"/en/staff/fulfilments/{f.pk}/status/", {"status": "PICKING", "point": "muong-ang"})
    assert response["Location"] == f"/en/staff/points/muong-ang/#f-{f.number}"


def test_pages_are_phone_sized(client, shop, variant):
    place(shop, variant)
    login(client)
    html = page(client.get(QUEUE))
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    from django.contrib.staticfiles import finders

    css = open(finders.find("storefront/staff.css"), encoding="utf-8").read()
    assert "min-height:2.75rem" in css  # 44 px tap targets
    assert not re.search(r"min-width:\s*(?:[4-9]\d\d|\d{4,})px", css)  # nothing wider than a phone


def queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


def test_queue_query_count_does_not_grow_with_the_orders(client, shop, variant, django_assert_max_num_queries):
    place(shop, variant, quantity=1)
    login(client)
    client.get(QUEUE)
    few = queries(client, QUEUE)
    for i in range(4):  # different customers: one customer's open unpaid orders are limited
        place(shop, variant, quantity=1, email=f"khach{i}@example.com", phone=f"091234560{i}")
    place(shop, variant, quantity=1, method="CASH_ON_DELIVERY", deliver=True, email="b@example.com", phone="0987000111")
    assert queries(client, QUEUE) == few
    with django_assert_max_num_queries(14):
        client.get(QUEUE)
    assert Fulfillment.objects.filter(sales_point=shop["muong-ang"]).count() == 6
    assert Order.objects.count() >= 6
