"""What the customer hears about an order: every e-mail links to the order's status page, a buyer
with a phone gets a text message at the same moments (orders/sms.py), and an order can be found
again by its number and phone (orders/lookup.py)."""
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from orders import checkout as checkout_service
from orders import fulfilment, lookup, notifications, services, sms
from orders.models import OrderEvent
from shop.errors import ShopError


@pytest.fixture
def sms_outbox(settings):
    settings.SMS_BACKEND = "orders.sms.MemoryBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def manager(code):
    return get_user_model().objects.get(email=f"{code}@ocop-dienbien.example")


def place(oh, *, email="", phone="0912 345 678", language="vi", method="PAY_AT_PICKUP", point="muong-ang"):
    variant = oh.variant_only_at([point])
    checkout = checkout_service.create_checkout(lines=[(variant.pk, 1)], email=email, phone=phone, language=language)
    checkout_service.set_delivery(token=checkout.token, pickup_point_id=oh.points[point].pk)
    return checkout_service.complete_checkout(token=checkout.token, payment_method=method).order


def status_path(order):
    return f"/en/orders/{order.token}/" if order.language == "en" else f"/don-hang/{order.token}/"


def to_ready(order):
    user = manager(order.fulfillments.get().sales_point.code)
    for status in ("PICKING", "PACKED", "READY_FOR_PICKUP"):
        fulfilment.update_status(fulfillment_id=order.fulfillments.get().pk, status=status, user=user)


# -- e-mails ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_customer_e_mail_links_to_the_status_page(oh, language, mailoutbox, sms_outbox,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = place(oh, email="buyer@example.com", language=language)  # confirmed
        to_ready(order)  # ready for pickup
        services.cancel_by_customer(token=order.token)  # cancelled
        transfer = place(oh, email="buyer@example.com", language=language, method="BANK_TRANSFER")  # transfer awaited
    customer = [m for m in mailoutbox if m.to == ["buyer@example.com"]]
    assert len(customer) == 4, [m.subject for m in customer]
    for mail in customer:
        wanted = status_path(transfer if transfer.number in mail.subject else order)
        assert wanted in mail.body, (mail.subject, mail.body)
    staff = [m for m in mailoutbox if m.to != ["buyer@example.com"]]
    assert staff and all("/staff/" in m.body and str(order.token) not in m.body for m in staff)  # the console, not the secret


def test_the_shipped_e_mail_links_to_the_status_page(oh, mailoutbox, sms_outbox, django_capture_on_commit_callbacks):
    order = place(oh, email="buyer@example.com", language="en")
    f = order.fulfillments.get()
    with django_capture_on_commit_callbacks(execute=True):
        notifications.fulfillment_shipped(f)
    (mail,) = [m for m in mailoutbox if "on its way" in m.subject]
    assert status_path(order) in mail.body


def test_an_english_e_mail_names_the_pack_size_and_the_hours_in_english(oh, mailoutbox,
                                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = place(oh, email="buyer@example.com", language="en")
        to_ready(order)
    line = order.lines.get()
    assert line.variant_name_en and line.variant_name_en != line.variant_name
    confirmed = next(m for m in mailoutbox if m.subject == f"Order {order.number} confirmed")
    assert f"— {line.variant_name_en}:" in confirmed.body and line.variant_name not in confirmed.body
    ready = next(m for m in mailoutbox if "ready for pickup" in m.subject)
    assert "7:00–18:00 daily" in ready.body and "hằng ngày" not in ready.body
    assert "Mường Ảng district OCOP point" in ready.body


# -- text messages ---------------------------------------------------------------------------------

def test_a_phone_only_buyer_gets_a_text_at_each_step_without_marks(oh, mailoutbox, sms_outbox,
                                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = place(oh, phone="0912 345 678")
        to_ready(order)
        services.cancel_by_customer(token=order.token)
    assert not [m for m in mailoutbox if m.to == [""]]
    texts = [m.text for m in sms_outbox]
    assert [m.to for m in sms_outbox] == ["+84912345678"] * 3
    assert texts[0].startswith(f"OCOP Dien Bien: don {order.number} da xac nhan, tong ")
    assert "da san sang tai Diem gioi thieu va ban san pham OCOP huyen Muong Ang (7:00-18:00 hang ngay)" in texts[1]
    assert texts[2].startswith(f"OCOP Dien Bien: don {order.number} da huy.")
    for text in texts:
        assert all(ord(c) < 128 for c in text) and f"/don-hang/{order.token}/" in text
    notes = order.events.filter(kind=OrderEvent.Kind.NOTE, data__has_key="sms")
    assert all(str(order.token) not in n.message + n.message_en for n in notes)
    assert notes.filter(message__startswith=f"Gửi SMS cho khách: OCOP Điện Biên: đơn {order.number}").count() == 3
    assert sorted(notes.values_list("data__sms", flat=True)) == ["cancelled", "confirmed", f"ready:{order.fulfillments.get().pk}"]


def test_each_text_is_sent_once_and_the_daily_cap_holds(oh, settings, sms_outbox, django_capture_on_commit_callbacks):
    settings.ORDER_SMS_PER_PHONE_PER_DAY = 2
    with django_capture_on_commit_callbacks(execute=True):
        first = place(oh, phone="0987 000 111")
        notifications.order_confirmed(first)  # again: not sent twice
        second = place(oh, phone="0987 000 111")
        third = place(oh, phone="0987 000 111")
    assert [m.text.split()[4] for m in sms_outbox] == [first.number, second.number]
    skipped = third.events.get(kind=OrderEvent.Kind.NOTE, data__sms_skipped="confirmed")
    assert "2 tin trong 24 giờ" in skipped.message and "Call the customer" in skipped.message_en


def test_who_gets_texts_follows_the_setting(oh, settings, sms_outbox, django_capture_on_commit_callbacks):
    settings.ORDER_SMS = "without_email"
    with django_capture_on_commit_callbacks(execute=True):
        place(oh, email="buyer@example.com", phone="0912 111 222")
        phone_only = place(oh, phone="0912 111 333")
    assert [m.to for m in sms_outbox] == ["+84912111333"] and phone_only.number in sms_outbox[0].text
    settings.ORDER_SMS = "off"
    with django_capture_on_commit_callbacks(execute=True):
        place(oh, phone="0912 111 444")
    assert len(sms_outbox) == 1


def test_english_text_and_marks_kept_when_asked(oh, settings, sms_outbox, django_capture_on_commit_callbacks):
    settings.SMS_ASCII = False
    with django_capture_on_commit_callbacks(execute=True):
        order = place(oh, phone="0912 345 000", language="en")
        vi = place(oh, phone="0912 345 001")
    assert sms_outbox[0].text.startswith(f"OCOP Dien Bien: order {order.number} confirmed, total ₫")
    assert f"/en/orders/{order.token}/" in sms_outbox[0].text
    assert sms_outbox[1].text.startswith(f"OCOP Điện Biên: đơn {vi.number} đã xác nhận")
    assert sms_outbox[1].parts >= 2  # UCS-2: 70 characters a part


def test_the_transfer_text_says_what_to_pay_and_where(oh, sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = place(oh, phone="0912 345 002", method="BANK_TRANSFER", point="tuan-giao")
    (message,) = sms_outbox
    assert f"cho chuyen khoan {order.total_vnd:,}".replace(",", ".") in message.text
    assert "8000000000001" in message.text and f"noi dung {order.transfer_content}" in message.text


def test_a_provider_that_fails_is_retried_and_never_undoes_the_order(oh, settings, sms_outbox, caplog,
                                                                    django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "tests.orders.test_customer_messages.DownProvider"
    with django_capture_on_commit_callbacks(execute=True):
        order = place(oh, phone="0912 345 003")
    order.refresh_from_db()
    assert order.status == "CONFIRMED" and not sms_outbox
    assert any("orders.tasks.send_sms" in r.getMessage() and "provider down" in r.getMessage() for r in caplog.records)


class DownProvider(sms.BaseBackend):
    def send(self, message):
        raise sms.SmsError("provider down")


def test_the_file_and_console_backends_write_each_message(tmp_path, settings, capsys):
    settings.SMS_FILE_PATH = tmp_path
    sms.FileBackend().send(sms.Message("+84912345678", "Don DB000001 da xac nhan"))
    sms.FileBackend().send(sms.Message("+84912345678", "Don DB000001 da huy"))
    rows = [json.loads(line) for line in (tmp_path / "sms.jsonl").read_text("utf-8").splitlines()]
    assert [(r["to"], r["text"], r["parts"]) for r in rows] == [
        ("+84912345678", "Don DB000001 da xac nhan", 1), ("+84912345678", "Don DB000001 da huy", 1)]
    sms.ConsoleBackend().send(sms.Message("+84912345678", "x" * 161))
    out = capsys.readouterr().out
    assert "SMS to +84912345678 (2 parts)" in out and "x" * 161 in out


def test_text_without_marks():
    assert sms.without_marks("Đơn hàng đã huỷ — 285.000 ₫, “Mường Ảng”") == 'Don hang da huy - 285.000 VND, "Muong Ang"'
    assert sms.without_marks("Total ₫285,000") == "Total VND 285,000"
    assert sms.Message("+1", "é" * 70).parts == 1 and sms.Message("+1", "é" * 71).parts == 2
    assert sms.Message("+1", "e" * 160).parts == 1 and sms.Message("+1", "e" * 161).parts == 2


# -- finding an order by number and phone ----------------------------------------------------------

def test_an_order_is_found_by_its_number_and_either_phone(oh):
    order = place(oh, phone="0912 345 678")
    assert lookup.find(order.number, "0912345678") == order
    assert lookup.find(f" {order.number.lower()} ", "+84 912 345 678") == order


def test_a_wrong_number_and_a_wrong_phone_get_the_same_answer(oh):
    order = place(oh, phone="0912 345 678")
    answers = []
    for number, phone in ((order.number, "0912 000 000"), ("DB999999", "0912 345 678"), ("", "0912 345 678")):
        with pytest.raises(ShopError) as refused:
            lookup.find(number, phone, address="192.0.2.1")
        answers.append((refused.value.code, refused.value.message, refused.value.field))
    assert len(set(answers)) == 1 and answers[0][0] == "lookup_not_found"
    with pytest.raises(ShopError) as invalid:
        lookup.find(order.number, "12345")
    assert invalid.value.code == "invalid_phone" and invalid.value.field == "phone"


def test_guessing_is_throttled_per_address_and_per_order(oh, settings):
    settings.ORDER_LOOKUP_FAILURES_PER_ADDRESS = 3
    settings.ORDER_LOOKUP_FAILURES_PER_ORDER = 5
    order = place(oh, phone="0912 345 678")
    for i in range(3):
        with pytest.raises(ShopError):
            lookup.find(order.number, f"0912 000 00{i}", address="192.0.2.1")
    with pytest.raises(ShopError) as refused:  # the right phone, from the address that guessed: refused too
        lookup.find(order.number, "0912 345 678", address="192.0.2.1")
    assert refused.value.code == "lookup_throttled" and "15" in refused.value.message
    assert lookup.find(order.number, "0912 345 678", address="192.0.2.2") == order  # another address
    for i in range(2):  # five failures on the order from many addresses lock the order's number
        with pytest.raises(ShopError):
            lookup.find(order.number, f"0912 000 01{i}", address=f"198.51.100.{i}")
    with pytest.raises(ShopError) as refused:
        lookup.find(order.number, "0912 345 678", address="203.0.113.9")
    assert refused.value.code == "lookup_throttled"


def test_staff_mails_link_to_the_console(oh, mailoutbox, django_capture_on_commit_callbacks):
    order = place(oh, email="buyer@example.com")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notifications.transfer_refund_owed(order, order.total_vnd)
        notifications.transfer_needs_review(number=order.number, amount_vnd=1000, reason_vi="thiếu tiền", content="x",
                                            point_ids=[order.fulfillments.get().sales_point_id])
    assert len(mailoutbox) == 2
    for mail in mailoutbox:
        assert "/staff/" in mail.body
        assert "buyer@example.com" not in mail.to
