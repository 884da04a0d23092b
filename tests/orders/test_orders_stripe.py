"""Card payments end to end against localstripe (a local Stripe-compatible
server, started here on a free 127.0.0.1 port) with the real `stripe`
library, plus signed-payload tests of the webhook."""
import hashlib
import hmac
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import stripe
from django.core.management import call_command
from django.utils import timezone

from orders import checkout as checkout_service
from orders.models import Order, OrderEvent, StripeEvent

WEBHOOK_SECRET = "whsec_test_orders"
COMPLETE = """mutation($token: UUID!, $key: String) {
  checkoutComplete(token: $token, paymentMethod: CARD, idempotencyKey: $key) {
    order { number status paymentStatus totalVnd reservedUntil } clientSecret paymentIntentId
    errors { field code message } } }"""
# localstripe binds every interface with its own CLI; this starts the same app on 127.0.0.1 only,
# and keeps its state in memory (its CLI pickles to /tmp after every request).
LAUNCH = (
    "import sys; from aiohttp import web; from localstripe import server, resources; "
    "resources.Store.dump_to_disk = lambda self: None; "
    "web.run_app(server.app, host='127.0.0.1', port=int(sys.argv[1]), print=None)"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Capture(BaseHTTPRequestHandler):
    """Where localstripe delivers its webhooks; the test relays them to the shop's endpoint."""

    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        _Capture.received.append((body, self.headers.get("Stripe-Signature", "")))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def localstripe():
    venv_bin = Path(sys.executable).parent
    if not (venv_bin / "localstripe").exists() and not shutil.which("localstripe"):
        pytest.skip("localstripe is not installed (pip install -e '.[dev]')")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-c", LAUNCH, str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    hooks = ThreadingHTTPServer(("127.0.0.1", 0), _Capture)
    thread = threading.Thread(target=hooks.serve_forever, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"{base}/js.stripe.com/v3/", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.skip("localstripe could not be started")
                time.sleep(0.1)
        data = f"url=http://127.0.0.1:{hooks.server_address[1]}/&secret={WEBHOOK_SECRET}".encode()
        urllib.request.urlopen(urllib.request.Request(f"{base}/_config/webhooks/shop", data=data), timeout=5).read()
        yield base
    finally:
        hooks.shutdown()
        hooks.server_close()
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def card(settings, localstripe):
    settings.STRIPE_SECRET_KEY = "sk_test_orders"
    settings.STRIPE_API_BASE = localstripe
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    _Capture.received.clear()
    return stripe.StripeClient("sk_test_orders", base_addresses={"api": localstripe})


def sign(payload: str, secret=WEBHOOK_SECRET, at=None) -> str:
    ts = int(at if at is not None else time.time())
    return f"t={ts},v1=" + hmac.new(secret.encode(), f"{ts}.{payload}".encode(), hashlib.sha256).hexdigest()


def post_hook(client, payload: str, signature: str):
    return client.post("/webhooks/stripe/", payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)


def event(kind, obj, event_id=None):
    return json.dumps({"id": event_id or f"evt_{kind}_{obj.get('id')}", "object": "event", "type": kind,
                       "data": {"object": obj}})


def card_checkout(oh, code="tinh", quantity=2):
    variant = oh.variant_only_at([code])
    checkout = checkout_service.create_checkout(lines=[(variant.pk, quantity)], email="khach@example.com")
    checkout_service.set_delivery(token=checkout.token, pickup_point_id=oh.points[code].pk)
    return checkout, variant


def wait_for_hook(kind, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for body, sig in list(_Capture.received):
            if json.loads(body)["type"] == kind:
                return body.decode(), sig
        time.sleep(0.1)
    raise AssertionError(f"localstripe sent no {kind}")


def test_card_payment_succeeded_by_a_localstripe_webhook_then_cancel_refunds(
        gql, client, card, oh, mailoutbox, django_capture_on_commit_callbacks):
    checkout, variant = card_checkout(oh)
    body = gql(COMPLETE, {"token": str(checkout.token), "key": "pay-1"})["data"]["checkoutComplete"]
    assert body["errors"] == []
    order = body["order"]
    assert order["status"] == "UNCONFIRMED" and order["paymentStatus"] == "AWAITING" and order["reservedUntil"]
    assert body["clientSecret"].startswith(body["paymentIntentId"])
    intent = card.v1.payment_intents.retrieve(body["paymentIntentId"])
    assert (intent.amount, intent.currency) == (order["totalVnd"], "vnd")  # zero-decimal: đồng as they are
    again = gql(COMPLETE, {"token": str(checkout.token), "key": "pay-1"})["data"]["checkoutComplete"]
    assert again["paymentIntentId"] == body["paymentIntentId"] and again["clientSecret"] == body["clientSecret"]

    # The customer's browser (Stripe.js) pays; localstripe signs and sends the webhook.
    pm = card.v1.payment_methods.create(params={"type": "card", "card": {
        "number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}})
    card.v1.payment_intents.update(body["paymentIntentId"], params={"payment_method": pm.id})
    card.v1.payment_intents.confirm(body["paymentIntentId"])
    payload, signature = wait_for_hook("payment_intent.succeeded")
    with django_capture_on_commit_callbacks(execute=True):
        response = post_hook(client, payload, signature)
    assert response.status_code == 200
    paid = Order.objects.get(number=order["number"])
    assert (paid.status, paid.payment_status, paid.paid_vnd, paid.reserved_until) == (
        "CONFIRMED", "PAID", order["totalVnd"], None)
    assert {m.to[0] for m in mailoutbox} == {"khach@example.com", "tinh@ocop-dienbien.example"}
    # A redelivery has no second effect.
    assert post_hook(client, payload, signature).content == b"duplicate"
    assert paid.events.filter(kind="PAID").count() == 1 and StripeEvent.objects.count() == 1

    # Cancelling a paid order refunds it at Stripe and frees the stock.
    allocated = oh.stock_of(variant, oh.points["tinh"]).quantity_allocated
    with django_capture_on_commit_callbacks(execute=True):
        cancel = gql("mutation($t: UUID!) { orderCancel(token: $t) { order { status } errors { code } } }",
                     {"t": str(paid.token)})["data"]["orderCancel"]
    assert cancel == {"order": {"status": "CANCELLED"}, "errors": []}
    paid.refresh_from_db()
    assert (paid.payment_status, paid.refunded_vnd) == ("REFUNDED", paid.total_vnd)
    refunds = card.v1.refunds.list(params={"payment_intent": paid.stripe_payment_intent})
    assert [r.amount for r in refunds.data] == [paid.total_vnd]
    assert oh.stock_of(variant, oh.points["tinh"]).quantity_allocated == allocated - 2


def test_unpaid_card_order_expires_and_releases_stock(gql, card, oh, django_capture_on_commit_callbacks):
    checkout, variant = card_checkout(oh)
    before = oh.stock_of(variant, oh.points["tinh"]).quantity_allocated
    body = gql(COMPLETE, {"token": str(checkout.token)})["data"]["checkoutComplete"]
    order = Order.objects.get(number=body["order"]["number"])
    assert oh.stock_of(variant, oh.points["tinh"]).quantity_allocated == before + 2
    with django_capture_on_commit_callbacks(execute=True):
        call_command("release_expired_reservations", stdout=open("/dev/null", "w"))
    order.refresh_from_db()
    assert order.status == "UNCONFIRMED"  # still within its 15 minutes
    Order.objects.filter(pk=order.pk).update(reserved_until=timezone.now() - timezone.timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("release_expired_reservations", stdout=open("/dev/null", "w"))
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("CANCELLED", "VOIDED")
    assert order.events.filter(kind="EXPIRED").exists()
    assert oh.stock_of(variant, oh.points["tinh"]).quantity_allocated == before
    assert card.v1.payment_intents.retrieve(order.stripe_payment_intent).status == "canceled"


def test_stripe_down_keeps_the_order_and_a_retry_gets_the_payment(gql, card, oh, settings, localstripe):
    checkout, _ = card_checkout(oh)
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{_free_port()}"  # nobody listens there
    first = gql(COMPLETE, {"token": str(checkout.token)})["data"]["checkoutComplete"]
    assert first["order"]["status"] == "UNCONFIRMED" and first["clientSecret"] is None
    assert first["errors"][0]["code"] == "payment_provider_error"
    settings.STRIPE_API_BASE = localstripe
    retry = gql(COMPLETE, {"token": str(checkout.token)})["data"]["checkoutComplete"]
    assert retry["errors"] == [] and retry["clientSecret"] and retry["order"]["number"] == first["order"]["number"]


def test_forged_or_stale_signatures_get_400_and_change_nothing(client, card, oh):
    checkout, _ = card_checkout(oh)
    order = checkout_service.complete_checkout(token=checkout.token, payment_method="CARD").order
    payload = event("payment_intent.succeeded", {"id": order.stripe_payment_intent, "amount": order.total_vnd,
                                                 "amount_received": order.total_vnd, "currency": "vnd"})
    for signature in (
        sign(payload, secret="whsec_someone_else"),
        sign(payload, at=time.time() - 3600),  # replayed an hour later
        "",
        "t=1,v1=deadbeef",
    ):
        assert post_hook(client, payload, signature).status_code == 400
    assert post_hook(client, payload.replace(str(order.total_vnd), "1"), sign(payload)).status_code == 400
    assert client.get("/webhooks/stripe/").status_code == 405
    order.refresh_from_db()
    assert order.payment_status == "AWAITING" and not StripeEvent.objects.exists()
    assert post_hook(client, payload, sign(payload)).status_code == 200
    order.refresh_from_db()
    assert order.payment_status == "PAID"


def test_payment_failed_canceled_and_refunded_events(client, card, oh):
    checkout, variant = card_checkout(oh)
    before = oh.stock_of(variant, oh.points["tinh"]).quantity_allocated
    order = checkout_service.complete_checkout(token=checkout.token, payment_method="CARD").order
    pi = order.stripe_payment_intent
    failed = event("payment_intent.payment_failed", {"id": pi, "last_payment_error": {"message": "Your card was declined."}})
    assert post_hook(client, failed, sign(failed)).status_code == 200
    order.refresh_from_db()
    assert order.payment_status == "FAILED" and order.status == "UNCONFIRMED"  # may retry until the reservation ends
    assert "declined" in order.events.get(kind="PAYMENT_FAILED").message

    canceled = event("payment_intent.canceled", {"id": pi})
    assert post_hook(client, canceled, sign(canceled)).status_code == 200
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("CANCELLED", "VOIDED")
    assert oh.stock_of(variant, oh.points["tinh"]).quantity_allocated == before

    # A paid order refunded from Stripe's dashboard.
    checkout, _ = card_checkout(oh, quantity=1)
    paid = checkout_service.complete_checkout(token=checkout.token, payment_method="CARD").order
    ok = event("payment_intent.succeeded", {"id": paid.stripe_payment_intent, "amount_received": paid.total_vnd,
                                            "currency": "vnd"})
    post_hook(client, ok, sign(ok))
    refunded = event("charge.refunded", {"id": "ch_1", "payment_intent": paid.stripe_payment_intent,
                                         "amount": paid.total_vnd, "amount_refunded": 20_000})
    assert post_hook(client, refunded, sign(refunded)).status_code == 200
    assert post_hook(client, refunded, sign(refunded)).content == b"duplicate"
    paid.refresh_from_db()
    assert (paid.payment_status, paid.refunded_vnd) == ("PARTIALLY_REFUNDED", 20_000)
    unknown = event("customer.created", {"id": "cus_1"})
    assert post_hook(client, unknown, sign(unknown)).content == b"ignored"
    assert OrderEvent.objects.filter(order=paid, kind="REFUNDED").count() == 1
