"""Bank transfer by VietQR, end to end on the demo shop: offering it, the order awaiting its transfer
with its QR code, the bank-feed webhook (forged, replayed, partial, excess, unmatched, late, two
transfers for one order), staff confirming and resolving, and the hold expiring.

The QR codes are decoded by a real decoder (zxing-cpp) and read by a parser written here from the
specification (EMVCo merchant-presented QR as NAPAS's VietQR uses it), not by the generator.
"""
import datetime
import hashlib
import hmac
import io
import json
import time

import pytest
import zxingcpp
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from orders import bank_transfers, services, unpaid, vietqr
from orders import checkout as checkout_service
from orders.models import BankTransaction, Order, PaymentAccount
from shop.errors import ShopError
from shop.graphql.core import global_id
from tests.vietqr_reader import crc_ccitt_false

BT = BankTransaction
WEBHOOK = "/webhooks/bank-transfer/"
KEY, SECRET = "feed-key-2026", "feed-secret-2026"

COMPLETE = """mutation($token: UUID!, $method: PaymentMethodEnum!) {
  checkoutComplete(token: $token, paymentMethod: $method) {
    order { number token status paymentStatus totalVnd holdUntil
            vietqr { payload bankBin bankName accountNumber accountName amountVnd transferContent expiresAt } }
    errors { field code message } } }"""
CHECKOUT = """query($token: UUID!) { checkout(token: $token) { availablePaymentMethods } }"""
ORDER = """query($token: UUID!) { order(token: $token) { status paymentStatus paidVnd holdUntil
  vietqr { amountVnd transferContent expiresAt payload } } }"""
CONFIRM = """mutation($o: ID!, $a: Int!, $r: String!) { bankTransferConfirm(orderId: $o, amountVnd: $a, reference: $r) {
  order { number status paymentStatus paidVnd } transaction { provider reference amountVnd status reason }
  errors { field code message } } }"""


# -- an independent reader of the payload --------------------------------------------------------------

def tlv(text: str) -> dict:
    """ID (2 digits), length (2 digits), value — to the end, each ID once."""
    found, i = {}, 0
    while i < len(text):
        tag, size = text[i:i + 2], int(text[i + 2:i + 4])
        assert tag.isdigit() and tag not in found and size >= 1
        found[tag] = text[i + 4:i + 4 + size]
        assert len(found[tag]) == size, f"object {tag} runs past the end"
        i += 4 + size
    return found


def read_vietqr(text: str) -> dict:
    assert text.isascii()
    assert int(text[-4:], 16) == crc_ccitt_false(text[:-4].encode("ascii")), "CRC mismatch"
    fields = tlv(text)
    assert list(fields)[0] == "00" and list(fields)[-1] == "63"
    fields["38"] = tlv(fields["38"])
    fields["38"]["01"] = tlv(fields["38"]["01"])
    fields["62"] = tlv(fields["62"])
    return fields


def assert_transfer(payload: str, *, bank_bin: str, account: str, amount: int, content: str) -> None:
    fields = read_vietqr(payload)
    assert {k: v for k, v in fields.items() if k != "63"} == {
        "00": "01", "01": "12",
        "38": {"00": "A000000727", "01": {"00": bank_bin, "01": account}, "02": "QRIBFTTA"},
        "53": "704", "54": str(amount), "58": "VN", "62": {"08": content},
    }


def scan_png(png: bytes) -> str:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(found) == 1 and found[0].format == zxingcpp.BarcodeFormat.QRCode
    return found[0].text


# -- helpers -----------------------------------------------------------------------------------------

@pytest.fixture
def feed(settings):
    settings.BANK_WEBHOOK_API_KEY = KEY
    settings.BANK_WEBHOOK_SECRET = SECRET
    return settings


def checkout_at(oh, code, variant, quantity=1, email="khach@example.com"):
    checkout = checkout_service.create_checkout(lines=[(variant.pk, quantity)], email=email)
    checkout_service.set_delivery(token=checkout.token, pickup_point_id=oh.points[code].pk)
    return checkout


def place(oh, code="muong-ang", quantity=1, email="khach@example.com", method="BANK_TRANSFER"):
    variant = oh.variant_only_at([code])
    checkout = checkout_at(oh, code, variant, quantity, email)
    return checkout_service.complete_checkout(token=checkout.token, payment_method=method).order


def sepay(content, amount, tx_id, *, direction="in", reference=None):
    return {"id": tx_id, "gateway": "BIDV", "transactionDate": "2026-12-05 14:02:37", "accountNumber": "8000000000002",
            "code": None, "content": content, "transferType": direction, "transferAmount": amount,
            "accumulated": 19_077_000, "subAccount": None, "referenceCode": reference or f"FT{tx_id}"}


def post(client, body, *, key=KEY, headers=None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    extra = {"HTTP_AUTHORIZATION": f"Apikey {key}"} if key else {}
    extra.update(headers or {})
    return client.post(WEBHOOK, raw, content_type="application/json", **extra)


def signed(body: bytes, secret=SECRET, stamp=None):
    stamp = str(int(time.time()) if stamp is None else stamp)
    mac = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"HTTP_X_SEPAY_SIGNATURE": f"sha256={mac}", "HTTP_X_SEPAY_TIMESTAMP": stamp}


def reload(order):
    return Order.objects.get(pk=order.pk)


# -- offering the method ---------------------------------------------------------------------------------

def test_offered_only_where_an_account_receives_it(gql, oh, monkeypatch):
    variant = oh.variant_only_at(["muong-ang"])
    checkout = checkout_at(oh, "muong-ang", variant)
    methods = gql(CHECKOUT, {"token": str(checkout.token)})["data"]["checkout"]["availablePaymentMethods"]
    assert methods == ["BANK_TRANSFER", "PAY_AT_PICKUP"]

    # Above what one transfer may carry: not offered, and refused if asked for anyway.
    monkeypatch.setattr(vietqr, "MAX_AMOUNT_VND", variant.price_vnd - 1)
    assert checkout_service.payment_methods_for(checkout_service.get_checkout(checkout.token)) == ["PAY_AT_PICKUP"]
    with pytest.raises(ShopError) as refused:
        checkout_service.complete_checkout(token=checkout.token, payment_method="BANK_TRANSFER")
    assert refused.value.code == "transfer_unavailable"
    monkeypatch.undo()

    # No active account at all: not offered; completing with it changes nothing.
    PaymentAccount.objects.update(is_active=False)
    assert gql(CHECKOUT, {"token": str(checkout.token)})["data"]["checkout"]["availablePaymentMethods"] == ["PAY_AT_PICKUP"]
    done = gql(COMPLETE, {"token": str(checkout.token), "method": "BANK_TRANSFER"})["data"]["checkoutComplete"]
    assert done["order"] is None
    assert [(e["field"], e["code"]) for e in done["errors"]] == [("paymentMethod", "transfer_unavailable")]
    assert not Order.objects.exists()


def test_the_point_s_own_account_else_the_province_default(oh):
    own = place(oh, "muong-ang")
    default = place(oh, "tuan-giao", email="khach2@example.com")
    assert (own.transfer_bank_bin, own.transfer_account_number) == ("970418", "8000000000002")
    assert (default.transfer_bank_bin, default.transfer_account_number) == ("970405", "8000000000001")
    assert own.transfer_content == own.number and own.transfer_account_name == "DIEM BAN OCOP MUONG ANG DEMO"

    # The order keeps what it was told, whatever the admin edits later.
    PaymentAccount.objects.filter(sales_point=oh.points["muong-ang"]).update(account_number="999")
    assert bank_transfers.instructions(reload(own)).transfer.account_number == "8000000000002"


# -- the order awaiting its transfer -------------------------------------------------------------------------

def test_checkout_with_transfer_awaits_with_a_qr_code(gql, client, oh, mailoutbox, django_capture_on_commit_callbacks):
    variant = oh.variant_only_at(["muong-ang"])
    before = oh.stock_of(variant, oh.points["muong-ang"])
    checkout = checkout_at(oh, "muong-ang", variant, 2)
    with django_capture_on_commit_callbacks(execute=True):
        done = gql(COMPLETE, {"token": str(checkout.token), "method": "BANK_TRANSFER"})["data"]["checkoutComplete"]
    assert done["errors"] == []
    order = done["order"]
    assert (order["status"], order["paymentStatus"]) == ("UNCONFIRMED", "AWAITING")
    held = datetime.datetime.fromisoformat(order["holdUntil"]) - timezone.now()
    assert datetime.timedelta(hours=23, minutes=59) < held <= datetime.timedelta(hours=24)
    qr = order["vietqr"]
    assert qr["expiresAt"] == order["holdUntil"]
    assert (qr["bankBin"], qr["bankName"], qr["accountNumber"], qr["accountName"]) == (
        "970418", "BIDV", "8000000000002", "DIEM BAN OCOP MUONG ANG DEMO")
    assert qr["amountVnd"] == order["totalVnd"] == 2 * variant.price_vnd and qr["transferContent"] == order["number"]
    assert_transfer(qr["payload"], bank_bin="970418", account="8000000000002", amount=order["totalVnd"],
                    content=order["number"])

    # The PNG a phone saves decodes to the same payload.
    png = client.get(f"/vietqr/{order['token']}.png")
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert scan_png(png.content) == qr["payload"]

    # The units are held; the customer is told what to pay; no point prepares it yet.
    after = oh.stock_of(variant, oh.points["muong-ang"])
    assert after.quantity_allocated == before.quantity_allocated + 2
    [mail] = mailoutbox
    assert mail.to == ["khach@example.com"] and order["number"] in mail.subject
    for text in ("8000000000002", "DIEM BAN OCOP MUONG ANG DEMO", order["number"], "BIDV", f"/don-hang/{order['token']}/"):
        assert text in mail.body
    assert "Hãy chuyển khoản trước" in mail.body


# -- the webhook ----------------------------------------------------------------------------------------------

def test_the_exact_amount_pays_the_order(client, gql, oh, feed, mailoutbox, django_capture_on_commit_callbacks):
    order = place(oh, quantity=2)
    content = f"MBVCB.3412.{order.number}.CT tu 0123456789 LO VAN A"
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, sepay(content, order.total_vnd, 92704))
    assert response.status_code == 200
    assert response.json() == {"success": True, "results": [{"id": "92704", "outcome": "matched"}], "ignored": 0}
    tx = BT.objects.get()
    assert (tx.provider, tx.transaction_id, tx.status, tx.order_id) == ("SEPAY", "92704", "MATCHED", order.pk)
    assert tx.reference == "FT92704" and tx.raw["gateway"] == "BIDV" and tx.bank_time is not None
    paid = reload(order)
    assert (paid.status, paid.payment_status, paid.paid_vnd, paid.hold_until) == ("CONFIRMED", "PAID", order.total_vnd, None)
    assert list(paid.events.filter(kind="PAID").values_list("actor", flat=True)) == ["sepay"]
    # The customer and the serving point hear that it is confirmed; the customer's page says paid.
    assert {r for m in mailoutbox for r in m.to} == {"khach@example.com", "muong-ang@ocop-dienbien.example"}
    seen = gql(ORDER, {"token": str(order.token)})["data"]["order"]
    assert (seen["paymentStatus"], seen["paidVnd"], seen["vietqr"], seen["holdUntil"]) == ("PAID", order.total_vnd, None, None)


@pytest.mark.parametrize("case", ["none", "wrong key", "bearer", "bad signature", "stale signature", "other body",
                                  "key in body only"])
def test_forged_calls_are_refused_and_change_nothing(client, oh, feed, case):
    order = place(oh)
    body = json.dumps(sepay(order.number, order.total_vnd, 1)).encode()
    headers = {
        "none": {},
        "wrong key": {"HTTP_AUTHORIZATION": "Apikey feed-key-2025"},
        "bearer": {"HTTP_AUTHORIZATION": f"Bearer {KEY}"},
        "bad signature": signed(body, secret="guessed"),
        "stale signature": signed(body, stamp=int(time.time()) - 3600),
        "other body": signed(body.replace(b'"in"', b'"in" ')),
        "key in body only": {},
    }[case]
    if case == "key in body only":
        body = json.dumps({**sepay(order.number, order.total_vnd, 1), "apikey": KEY}).encode()
    response = post(client, body, key=None, headers=headers)
    assert response.status_code == 401 and response.json()["success"] is False
    assert not BT.objects.exists() and reload(order).payment_status == "AWAITING"


def test_signed_calls_and_casso_s_token_are_accepted(client, oh, feed):
    order = place(oh)
    body = json.dumps(sepay(order.number, order.total_vnd, 7)).encode()
    assert post(client, body, key=None, headers=signed(body)).status_code == 200
    assert reload(order).payment_status == "PAID"
    other = place(oh, email="khach2@example.com")
    casso = {"error": 0, "data": [{"id": 555, "tid": "TF80307914", "description": f"ck {other.number}",
                                   "amount": other.total_vnd, "when": "2026-12-05 10:30:00", "bank_sub_acc_id": "8000000000002"}]}
    assert post(client, casso, key=None, headers={"HTTP_SECURE_TOKEN": KEY}).status_code == 200
    assert reload(other).payment_status == "PAID"
    assert BT.objects.get(provider="CASSO").reference == "TF80307914"


def test_unconfigured_refuses_everything_unless_debug_opts_in(client, oh, settings):
    order = place(oh)
    settings.BANK_WEBHOOK_API_KEY = settings.BANK_WEBHOOK_SECRET = ""
    settings.BANK_WEBHOOK_ALLOW_UNAUTHENTICATED = True  # ignored without DEBUG
    settings.DEBUG = False
    assert post(client, sepay(order.number, order.total_vnd, 1), key=None).status_code == 403
    assert post(client, sepay(order.number, order.total_vnd, 1), key="anything").status_code == 403
    assert not BT.objects.exists()
    settings.DEBUG = True
    assert post(client, sepay(order.number, order.total_vnd, 1), key=None).status_code == 200
    assert reload(order).payment_status == "PAID"


def test_a_replay_changes_nothing(client, oh, feed, mailoutbox, django_capture_on_commit_callbacks):
    order = place(oh)
    body = sepay(f"{order.number} thanh toan", order.total_vnd, 4242)
    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, body)
    sent = len(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        again = post(client, body)
    assert first.status_code == again.status_code == 200
    assert again.json()["results"] == [{"id": "4242", "outcome": "duplicate"}]
    assert BT.objects.count() == 1
    paid = reload(order)
    assert paid.payment_status == "PAID" and paid.paid_vnd == order.total_vnd
    assert paid.events.filter(kind="PAID").count() == 1 and len(mailoutbox) == sent
    assert not BT.objects.filter(status="NEEDS_REVIEW").exists()


def test_a_short_transfer_waits_and_the_rest_pays_the_order(client, gql, oh, feed):
    order = place(oh, quantity=2)
    short = order.total_vnd - 10_000
    assert post(client, sepay(order.number, short, 1)).json()["results"][0]["outcome"] == "needs_review:partial"
    waiting = reload(order)
    # Money arrived: the order is not cancelled under the buyer (the hold pauses); staff are asked.
    assert (waiting.status, waiting.payment_status, waiting.hold_until, waiting.paid_vnd) == ("UNCONFIRMED", "REVIEW", None, 0)
    assert BT.objects.get().reason == "PARTIAL"
    assert waiting.events.filter(kind="PAYMENT_REVIEW").exists()
    unpaid.release_expired_holds(now=timezone.now() + datetime.timedelta(days=30))
    assert reload(order).status == "UNCONFIRMED"
    # The page asks for the rest, and the rest pays the order.
    qr = gql(ORDER, {"token": str(order.token)})["data"]["order"]["vietqr"]
    assert qr["amountVnd"] == 10_000 and qr["expiresAt"] is None
    assert_transfer(qr["payload"], bank_bin="970418", account="8000000000002", amount=10_000, content=order.number)
    assert post(client, sepay(order.number, 10_000, 2)).json()["results"][0]["outcome"] == "matched"
    paid = reload(order)
    assert (paid.status, paid.payment_status, paid.paid_vnd) == ("CONFIRMED", "PAID", order.total_vnd)
    assert sorted(BT.objects.values_list("status", flat=True)) == ["MATCHED", "MATCHED"]


def test_a_short_transfer_is_full_payment_only_by_a_province_admin(client, oh, feed, django_user_model):
    order = place(oh)
    post(client, sepay(order.number, order.total_vnd - 5_000, 1))
    tx = BT.objects.get()
    manager = django_user_model.objects.get(email="muong-ang@ocop-dienbien.example")
    with pytest.raises(ShopError) as refused:
        bank_transfers.accept(transaction_id=tx.pk, note="khách xin bớt", user=manager)
    assert refused.value.code == "partial_needs_province_admin"
    province = django_user_model.objects.get(email="tinh@ocop-dienbien.example")
    with pytest.raises(ShopError) as no_note:
        bank_transfers.accept(transaction_id=tx.pk, note=" ", user=province)
    assert no_note.value.code == "note_required"
    bank_transfers.accept(transaction_id=tx.pk, note="Khách chuyển thiếu phí, tỉnh đồng ý", user=province)
    tx.refresh_from_db()
    assert (tx.status, tx.resolution, tx.reason, tx.resolved_by) == ("RESOLVED", "ACCEPTED", "PARTIAL", province)
    paid = reload(order)
    assert (paid.status, paid.payment_status, paid.paid_vnd) == ("CONFIRMED", "PAID", order.total_vnd - 5_000)
    with pytest.raises(ShopError) as again:
        bank_transfers.accept(transaction_id=tx.pk, note="lần nữa", user=province)
    assert again.value.code == "transaction_resolved"


def test_an_excess_transfer_waits_and_shows_no_code(client, gql, oh, feed, django_user_model):
    order = place(oh)
    assert post(client, sepay(order.number, order.total_vnd + 50_000, 1)).json()["results"][0]["outcome"] == \
        "needs_review:excess"
    assert reload(order).payment_status == "REVIEW"
    assert gql(ORDER, {"token": str(order.token)})["data"]["order"]["vietqr"] is None
    manager = django_user_model.objects.get(email="muong-ang@ocop-dienbien.example")
    bank_transfers.accept(transaction_id=BT.objects.get().pk, note="sẽ hoàn 50.000 cho khách", user=manager)
    assert reload(order).payment_status == "PAID" and reload(order).paid_vnd == order.total_vnd + 50_000


def test_unmatched_transfers_wait_for_the_province_and_can_be_linked(client, oh, feed, django_user_model):
    order = place(oh)
    post(client, sepay("chuyen tien mua mat ong", order.total_vnd, 1))
    post(client, sepay("thanh toan DB999999", order.total_vnd, 2))
    post(client, sepay(f"{order.number} va DB{order.pk + 100000:06d}", order.total_vnd, 3))  # one of them exists
    reasons = dict(BT.objects.values_list("transaction_id", "reason"))
    assert reasons == {"1": "UNMATCHED", "2": "UNMATCHED", "3": ""}
    assert reload(order).payment_status == "PAID"  # by the third: it names one real order
    manager = django_user_model.objects.get(email="muong-ang@ocop-dienbien.example")
    province = django_user_model.objects.get(email="tinh@ocop-dienbien.example")
    # A point's staff do not see transfers that name no order of theirs; the province does.
    assert [t.transaction_id for t in bank_transfers.queue(manager).waiting] == []
    assert [t.transaction_id for t in bank_transfers.queue(province).waiting] == ["1", "2"]
    with pytest.raises(ShopError) as hidden:
        bank_transfers.link(transaction_id=BT.objects.get(transaction_id="1").pk, order_number=order.number, user=manager)
    assert hidden.value.code == "transaction_not_found"
    # Linked to a new order, the transfer is matched again: the amount pays it.
    other = place(oh, email="khach2@example.com")
    tx = BT.objects.get(transaction_id="1")
    bank_transfers.link(transaction_id=tx.pk, order_number=other.number.lower(), user=province)
    tx.refresh_from_db()
    assert (tx.status, tx.order_id) == ("MATCHED", other.pk) and reload(other).payment_status == "PAID"


def test_a_late_transfer_waits_for_a_refund(client, oh, feed, django_user_model):
    order = place(oh)
    services.cancel_by_customer(token=order.token)
    assert post(client, sepay(order.number, order.total_vnd, 1)).json()["results"][0]["outcome"] == "needs_review:late"
    cancelled = reload(order)
    assert (cancelled.status, cancelled.payment_status, cancelled.paid_vnd) == ("CANCELLED", "VOIDED", 0)
    tx = BT.objects.get()
    manager = django_user_model.objects.get(email="muong-ang@ocop-dienbien.example")
    with pytest.raises(ShopError) as refused:
        bank_transfers.accept(transaction_id=tx.pk, note="nhận luôn", user=manager)
    assert refused.value.code == "transfer_not_acceptable"
    bank_transfers.refunded(transaction_id=tx.pk, note="Đã hoàn, mã FT999", user=manager)
    tx.refresh_from_db()
    assert (tx.status, tx.resolution, tx.note) == ("RESOLVED", "REFUNDED", "Đã hoàn, mã FT999")
    assert reload(order).status == "CANCELLED"


def test_two_transfers_for_one_order(client, oh, feed, django_user_model):
    order = place(oh)
    post(client, sepay(order.number, order.total_vnd, 1))
    second = post(client, sepay(f"{order.number} chuyen lan 2", order.total_vnd, 2))
    assert second.json()["results"] == [{"id": "2", "outcome": "needs_review:already_paid"}]
    paid = reload(order)
    assert paid.paid_vnd == order.total_vnd and paid.events.filter(kind="PAID").count() == 1
    tx = BT.objects.get(transaction_id="2")
    manager = django_user_model.objects.get(email="muong-ang@ocop-dienbien.example")
    bank_transfers.refunded(transaction_id=tx.pk, note="hoàn lần 2, FT77", user=manager)
    assert reload(order).payment_status == "PAID"
    assert not BT.objects.filter(status="NEEDS_REVIEW").exists()


def test_refunding_the_only_mismatch_lets_the_order_wait_again(client, oh, feed, django_user_model):
    order = place(oh)
    post(client, sepay(order.number, 1_000, 1))
    manager = django_user_model.objects.get(email="muong-ang@ocop-dienbien.example")
    bank_transfers.refunded(transaction_id=BT.objects.get().pk, note="đã hoàn 1.000", user=manager)
    again = reload(order)
    assert (again.payment_status, again.status) == ("AWAITING", "UNCONFIRMED")
    assert again.hold_until > timezone.now() + datetime.timedelta(hours=23)
    assert again.events.filter(kind="HOLD_EXTENDED").exists()


def test_outgoing_transactions_are_ignored(client, oh, feed):
    order = place(oh)
    out = post(client, sepay(order.number, order.total_vnd, 1, direction="out"))
    assert out.status_code == 200 and out.json() == {"success": True, "results": [], "ignored": 1}
    casso = {"error": 0, "data": [{"id": 9, "tid": "X", "description": order.number, "amount": -order.total_vnd,
                                   "when": "2026-12-05 10:30:00", "bank_sub_acc_id": "1"}]}
    assert post(client, casso).json()["ignored"] == 1
    assert not BT.objects.exists() and reload(order).payment_status == "AWAITING"


@pytest.mark.parametrize("body, message", [
    (b"{not json", "not valid JSON"),
    (b"\xff\xfe", "not UTF-8"),
    (b"[1, 2]", "Expected a JSON object"),
    (b'{"hello": 1}', "Neither a SePay"),
    (json.dumps({"transferType": "in", "transferAmount": 1000}).encode(), "transaction id"),
    (json.dumps({"id": 1, "transferType": "in", "transferAmount": "12.5"}).encode(), "not a number"),
    (json.dumps({"id": 1, "transferType": "in", "transferAmount": 12.5}).encode(), "not whole"),
    (json.dumps({"id": 1, "transferType": "sideways", "transferAmount": 1}).encode(), "transferType"),
    (json.dumps({"data": "x"}).encode(), "Casso"),
    (json.dumps({"data": [{"id": 1, "amount": None}]}).encode(), "amount is missing"),
    (json.dumps({"id": "a b", "transferType": "in", "transferAmount": 5}).encode(), "transaction id"),
    (b"[" * 100_000, "not valid JSON"),
])
def test_bad_bodies_are_400_with_what_is_wrong(client, oh, feed, body, message):
    response = post(client, body)
    assert response.status_code == 400 and message in response.json()["message"]
    assert not BT.objects.exists()


def test_too_large_and_not_post(client, feed, settings):
    settings.BANK_WEBHOOK_MAX_BYTES = 1000
    assert post(client, b'{"data": [' + b" " * 2000 + b"]}").status_code == 413
    assert client.get(WEBHOOK).status_code == 405


def test_raw_payload_with_nul_and_surrogates_is_stored(client, oh, feed):
    order = place(oh)
    body = json.dumps(sepay(f"{order.number}\u0000 \ud800", order.total_vnd, 1)).encode()
    assert post(client, body).status_code == 200
    tx = BT.objects.get()
    assert tx.status == "MATCHED" and "\x00" not in tx.content and "\x00" not in tx.raw["content"]


# -- staff confirm a transfer -------------------------------------------------------------------------------

def _as(gql, client, who, staff_login):
    gql.headers = {}
    client.logout()
    if who in ("muong-ang", "tuan-giao", "tinh"):
        staff_login(gql, who)
    elif who == "customer":
        from django.contrib.auth import get_user_model

        client.force_login(get_user_model().objects.create_user("k@example.com", "k@example.com", "a-long-pass-2026"))


def test_staff_confirm_permission_matrix(gql, client, oh, staff_login):
    order = place(oh)
    oid = global_id("Order", order.pk)
    results = {}
    for who in ("anonymous", "customer", "tuan-giao"):
        _as(gql, client, who, staff_login)
        errors = gql(CONFIRM, {"o": oid, "a": order.total_vnd, "r": "FT123"})["data"]["bankTransferConfirm"]["errors"]
        results[who] = [e["code"] for e in errors]
    assert results == {"anonymous": ["permission_denied"], "customer": ["permission_denied"],
                       "tuan-giao": ["order_not_found"]}
    assert not BT.objects.exists() and reload(order).payment_status == "AWAITING"

    _as(gql, client, "muong-ang", staff_login)
    bad = gql(CONFIRM, {"o": oid, "a": 0, "r": "FT123"})["data"]["bankTransferConfirm"]["errors"]
    assert [(e["field"], e["code"]) for e in bad] == [("amountVnd", "vietqr_bad_amount")]
    bad = gql(CONFIRM, {"o": oid, "a": order.total_vnd, "r": "  "})["data"]["bankTransferConfirm"]["errors"]
    assert [(e["field"], e["code"]) for e in bad] == [("reference", "invalid_reference")]
    done = gql(CONFIRM, {"o": oid, "a": order.total_vnd, "r": "FT 123"})["data"]["bankTransferConfirm"]
    assert done["errors"] == [] and done["order"]["paymentStatus"] == "PAID" and done["order"]["status"] == "CONFIRMED"
    assert done["transaction"] == {"provider": "MANUAL", "reference": "FT123", "amountVnd": order.total_vnd,
                                   "status": "MATCHED", "reason": None}
    # The same record again changes nothing; the reference for another amount is refused.
    again = gql(CONFIRM, {"o": oid, "a": order.total_vnd, "r": "ft123"})["data"]["bankTransferConfirm"]
    assert again["errors"] == [] and BT.objects.count() == 1
    other = gql(CONFIRM, {"o": oid, "a": 1_000, "r": "FT123"})["data"]["bankTransferConfirm"]["errors"]
    assert [e["code"] for e in other] == ["reference_reused"]
    assert reload(order).events.filter(kind="PAID").count() == 1

    # The province admin may anywhere; a wrong amount waits in the queue instead of paying.
    other_order = place(oh, "tuan-giao", email="khach3@example.com")
    _as(gql, client, "tinh", staff_login)
    short = gql(CONFIRM, {"o": global_id("Order", other_order.pk), "a": 1_000, "r": "FT9"})["data"]["bankTransferConfirm"]
    assert short["errors"] == [] and short["transaction"]["status"] == "NEEDS_REVIEW"
    assert short["transaction"]["reason"] == "PARTIAL" and short["order"]["paymentStatus"] == "REVIEW"
    # A cash order is not paid by transfer.
    cash = place(oh, email="khach4@example.com", method="PAY_AT_PICKUP")
    refused = gql(CONFIRM, {"o": global_id("Order", cash.pk), "a": cash.total_vnd, "r": "FT10"})
    assert [e["code"] for e in refused["data"]["bankTransferConfirm"]["errors"]] == ["not_transfer_order"]


def test_the_feed_s_copy_of_a_recorded_transfer_is_a_duplicate(client, oh, feed, django_user_model):
    order = place(oh)
    manager = django_user_model.objects.get(email="muong-ang@ocop-dienbien.example")
    bank_transfers.confirm_received(order_id=order.pk, amount_vnd=order.total_vnd, reference="MBVCB.3278907687",
                                    user=manager)
    post(client, sepay(order.number, order.total_vnd, 92704, reference="MBVCB.3278907687"))
    feed_copy = BT.objects.get(provider="SEPAY")
    assert (feed_copy.status, feed_copy.resolution, feed_copy.order_id) == ("RESOLVED", "DUPLICATE", order.pk)
    assert reload(order).paid_vnd == order.total_vnd and not BT.objects.filter(status="NEEDS_REVIEW").exists()


# -- the hold -----------------------------------------------------------------------------------------------

def test_the_hold_expiring_releases_the_stock_and_tells_the_customer(client, oh, feed, mailoutbox,
                                                                     django_capture_on_commit_callbacks):
    variant = oh.variant_only_at(["muong-ang"])
    before = oh.stock_of(variant, oh.points["muong-ang"])
    checkout = checkout_at(oh, "muong-ang", variant, 2)
    order = checkout_service.complete_checkout(token=checkout.token, payment_method="BANK_TRANSFER").order
    assert oh.stock_of(variant, oh.points["muong-ang"]).quantity_allocated == before.quantity_allocated + 2
    assert unpaid.release_expired_holds(now=order.hold_until - datetime.timedelta(minutes=1)) == []
    with django_capture_on_commit_callbacks(execute=True):
        assert unpaid.release_expired_holds(now=order.hold_until + datetime.timedelta(seconds=1)) == [order.number]
    gone = reload(order)
    assert (gone.status, gone.payment_status, gone.hold_until) == ("CANCELLED", "VOIDED", None)
    assert gone.events.filter(kind="EXPIRED", message__contains="chuyển khoản").exists()
    after = oh.stock_of(variant, oh.points["muong-ang"])
    assert (after.quantity_on_hand, after.quantity_allocated) == (before.quantity_on_hand, before.quantity_allocated)
    assert any(m.to == ["khach@example.com"] and "đã huỷ" in m.subject for m in mailoutbox)
    assert bank_transfers.instructions(gone) is None and client.get(f"/vietqr/{order.token}.png").status_code == 404
    # A transfer arriving now is late: it waits for a refund.
    assert post(client, sepay(order.number, order.total_vnd, 1)).json()["results"][0]["outcome"] == "needs_review:late"


def test_staff_can_extend_a_transfer_hold(oh, django_user_model):
    order = place(oh)
    manager = django_user_model.objects.get(email="muong-ang@ocop-dienbien.example")
    longer = unpaid.extend_hold(order_id=order.pk, days=2, user=manager)
    assert longer.hold_until > order.hold_until + datetime.timedelta(days=1)


# -- query counts -----------------------------------------------------------------------------------------------

LIST = """query { fulfillments(first: 50) { edges { node { number order { number vietqr { amountVnd payload } } } } } }"""


def test_vietqr_of_a_list_costs_the_same_whatever_its_length(gql, oh, staff_login):
    staff_login(gql, "muong-ang")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            body = gql(LIST)
        return len(ctx.captured_queries), [e["node"]["order"]["vietqr"] for e in body["data"]["fulfillments"]["edges"]]

    place(oh, email="a@example.com")
    place(oh, email="b@example.com", method="PAY_AT_PICKUP")
    count()  # warm-up: the token's first use records last_used_at
    small, shown = count()
    assert sum(1 for qr in shown if qr) == 1
    for i in range(3):
        place(oh, email=f"c{i}@example.com")
    large, shown = count()
    assert sum(1 for qr in shown if qr) == 4
    assert large == small, (small, large)


def test_the_review_queue_costs_the_same_whatever_its_length(client, oh, feed, django_user_model):
    for i in range(2):
        order = place(oh, email=f"q{i}@example.com")
        post(client, sepay(order.number, 1_000, 100 + i))
    post(client, sepay("no code", 1_000, 200))

    def count():
        province = django_user_model.objects.get(email="tinh@ocop-dienbien.example")  # no cached points
        with CaptureQueriesContext(connection) as ctx:
            found = bank_transfers.queue(province)
        return len(ctx.captured_queries), len(found.waiting)

    small, n_small = count()
    for i in range(3):
        order = place(oh, email=f"r{i}@example.com")
        post(client, sepay(order.number, 2_000, 300 + i))
        post(client, sepay(order.number, order.total_vnd * 2, 400 + i))
    large, n_large = count()
    assert (n_small, n_large) == (3, 9) and small == large == 3  # the user's points, then the two lists


def test_a_paid_transfer_order_cancelled_owes_a_refund(client, oh, feed, mailoutbox, django_capture_on_commit_callbacks):
    order = place(oh)
    post(client, sepay(order.number, order.total_vnd, 1))
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_by_customer(token=order.token)
    cancelled = reload(order)
    assert (cancelled.status, cancelled.payment_status, cancelled.paid_vnd) == ("CANCELLED", "REFUND_PENDING",
                                                                                order.total_vnd)
    assert cancelled.events.filter(kind="NOTE", data__refund_owed=order.total_vnd).exists()
    assert any(m.to == ["muong-ang@ocop-dienbien.example"] and "hoàn tiền" in m.subject for m in mailoutbox)


def test_cash_is_not_collected_for_a_transfer_order(oh, django_user_model):
    from orders import payments

    order = place(oh)
    manager = django_user_model.objects.get(email="muong-ang@ocop-dienbien.example")
    with pytest.raises(ShopError) as refused:
        payments.mark_collected(order_id=order.pk, amount_vnd=order.total_vnd, user=manager)
    assert refused.value.code == "not_cash_order" and reload(order).payment_status == "AWAITING"


def test_the_e_mail_is_in_the_order_s_language(oh, mailoutbox, django_capture_on_commit_callbacks):
    variant = oh.variant_only_at(["tuan-giao"])
    checkout = checkout_service.create_checkout(lines=[(variant.pk, 1)], email="buyer@example.com", language="en")
    checkout_service.set_delivery(token=checkout.token, pickup_point_id=oh.points["tuan-giao"].pk)
    with django_capture_on_commit_callbacks(execute=True):
        order = checkout_service.complete_checkout(token=checkout.token, payment_method="BANK_TRANSFER").order
    [mail] = mailoutbox
    assert mail.subject == f"Order {order.number}: waiting for your bank transfer"
    for text in ("Account number: 8000000000001", "Agribank", f"Transfer content: {order.number}",
                 f"Amount: ₫{order.total_vnd:,}", "Please make the transfer by", f"/en/orders/{order.token}/"):
        assert text in mail.body, text
