"""Payments: Stripe for cards (PaymentIntents in VND, webhooks, refunds) and
cash collected by staff at hand-over.

VND is zero-decimal for Stripe: the PaymentIntent's `amount` is the order's
total in đồng. Every call that creates something at Stripe carries an
idempotency key derived from the order, so a retry never charges or
refunds twice. Calls to Stripe happen outside database transactions (after
the commit), so no stock row stays locked while Stripe answers.

The webhook (`handle_webhook`) verifies the signature (a forged one, or one
timed outside STRIPE_WEBHOOK_TOLERANCE_SECONDS either way, changes nothing),
refuses a signed payload that is not a well-formed event, records each event
id once (a redelivered event has no second effect) and handles
payment_intent.succeeded, .payment_failed, .canceled and charge.refunded. A
success confirms the order only when the amount received and the currency
are the order's total in vnd; anything else holds the order for staff review
(payment status REVIEW, logged), neither confirmed nor paid.
"""
import json
import logging
import re
import time

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from orders import events, notifications
from orders.errors import OrderErrorCode, PaymentErrorCode
from orders.models import Order, PaymentMethod, StripeEvent
from shop.errors import ShopError
from shop.money import format_vnd
from shop.permissions import can_act_on, require_staff
from shop.text import clean_text

logger = logging.getLogger("orders.payments")


class StripeUnavailable(ShopError):
    pass


def _client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise StripeUnavailable(PaymentErrorCode.CARD_PAYMENTS_UNAVAILABLE, "Hiện chưa nhận thanh toán thẻ; hãy chọn trả tiền mặt.",
                                "Card payments are not available; choose cash.", field="paymentMethod")
    base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, base_addresses=base, max_network_retries=2,
        http_client=stripe.RequestsClient(timeout=15),
    )


def _provider_error(exc) -> StripeUnavailable:
    logger.warning("stripe call failed: %s: %s", exc.__class__.__name__, exc)
    return StripeUnavailable(
        PaymentErrorCode.PAYMENT_PROVIDER_ERROR,
        "Cổng thanh toán thẻ đang trục trặc; đơn hàng vẫn được giữ, hãy thử lại sau ít phút.",
        "The card payment service is having trouble; your order is held, try again in a few minutes.",
        field="paymentMethod",
    )


def ensure_payment_intent(order: Order) -> str:
    """The client secret of the order's PaymentIntent, creating the intent if it has none."""
    if order.stripe_payment_intent and order.stripe_client_secret:
        return order.stripe_client_secret
    try:
        intent = _client().v1.payment_intents.create(
            params={
                "amount": int(order.total_vnd), "currency": "vnd",
                "metadata": {"order_number": order.number, "order_token": str(order.token)},
            },
            options={"idempotency_key": f"order-{order.token}-intent"},
        )
    except stripe.StripeError as exc:
        raise _provider_error(exc) from exc
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if not locked.stripe_payment_intent:
            locked.stripe_payment_intent, locked.stripe_client_secret = intent.id, intent.client_secret
            locked.save(update_fields=["stripe_payment_intent", "stripe_client_secret", "updated_at"])
            events.log(locked, "PAYMENT_INTENT", f"Tạo yêu cầu thanh toán thẻ {intent.id}.",
                       f"Card payment intent {intent.id} created.", actor="stripe", data={"payment_intent": intent.id})
    order.stripe_payment_intent, order.stripe_client_secret = intent.id, intent.client_secret
    return intent.client_secret


def cancel_intent(order: Order) -> None:
    """Best effort: cancel an unpaid intent at Stripe (the order is already cancelled here)."""
    if not order.stripe_payment_intent:
        return
    try:
        _client().v1.payment_intents.cancel(order.stripe_payment_intent)
    except (stripe.StripeError, StripeUnavailable) as exc:
        logger.info("could not cancel %s: %s", order.stripe_payment_intent, exc)


def intent_status(order: Order) -> str | None:
    if not order.stripe_payment_intent:
        return None
    try:
        return _client().v1.payment_intents.retrieve(order.stripe_payment_intent).status
    except (stripe.StripeError, StripeUnavailable) as exc:
        logger.info("could not read %s: %s", order.stripe_payment_intent, exc)
        return None


def refund(order_id: int, amount_vnd: int, *, reason_vi: str, reason_en: str) -> None:
    """Refund `amount_vnd` of a card payment at Stripe, then record it. Call outside a transaction."""
    order = Order.objects.get(pk=order_id)
    amount = min(int(amount_vnd), order.paid_vnd - order.refunded_vnd)
    if amount <= 0 or not order.stripe_payment_intent:
        return
    before = order.refunded_vnd
    try:
        result = _client().v1.refunds.create(
            params={"payment_intent": order.stripe_payment_intent, "amount": amount},
            options={"idempotency_key": f"order-{order.token}-refund-{order.refunded_vnd}-{amount}"},
        )
    except (stripe.StripeError, StripeUnavailable) as exc:
        logger.error("refund of %s for %s failed: %s", amount, order.number, exc)
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order_id)
            order.payment_status = Order.PaymentStatus.REFUND_PENDING
            order.save(update_fields=["payment_status", "updated_at"])
            events.log(order, "NOTE", f"Hoàn {format_vnd(amount, 'vi')} chưa thành công ({exc.__class__.__name__}); cần hoàn thủ công.",
                       f"Refund of {format_vnd(amount, 'en')} failed ({exc.__class__.__name__}); refund it by hand.", actor="stripe")
        return
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        # A charge.refunded webhook may have recorded (part of) it already.
        missing = before + amount - order.refunded_vnd
        if missing > 0:
            _record_refund(order, missing, refund_id=result.id, reason_vi=reason_vi, reason_en=reason_en)


def _record_refund(order, amount, *, refund_id, reason_vi, reason_en):
    order.refunded_vnd = min(order.paid_vnd, order.refunded_vnd + amount)
    order.payment_status = (
        Order.PaymentStatus.REFUNDED if order.refunded_vnd >= order.paid_vnd else Order.PaymentStatus.PARTIALLY_REFUNDED
    )
    order.save(update_fields=["refunded_vnd", "payment_status", "updated_at"])
    events.log(order, "REFUNDED", f"Đã hoàn {format_vnd(amount, 'vi')} ({refund_id}): {reason_vi}",
               f"Refunded {format_vnd(amount, 'en')} ({refund_id}): {reason_en}", actor="stripe", data={"refund": refund_id, "amount": amount})


def refund_after_commit(order, amount_vnd, *, reason_vi, reason_en):
    transaction.on_commit(lambda: refund(order.pk, amount_vnd, reason_vi=reason_vi, reason_en=reason_en))


def amount_due(order: Order) -> int:
    """The total less the lines of cancelled fulfilments (what a cash order still owes)."""
    return amounts_due([order])[order.pk]


def amounts_due(orders) -> dict[int, int]:
    """`amount_due` of many orders in one query ({order id: đồng}), for lists such as the staff queue."""
    from django.db.models import F, Sum

    from orders.models import Fulfillment, FulfillmentLine

    cancelled = dict(
        FulfillmentLine.objects.filter(
            fulfillment__order__in=[o.pk for o in orders], fulfillment__status=Fulfillment.Status.CANCELLED
        ).values_list("fulfillment__order_id").annotate(v=Sum(F("quantity") * F("order_line__unit_price_vnd")))
        .order_by()
    )
    return {o.pk: int(o.total_vnd - (cancelled.get(o.pk) or 0)) for o in orders}


# -- cash ----------------------------------------------------------------------------------

@transaction.atomic
def mark_collected(*, order_id: int, amount_vnd: int, user) -> Order:
    """Staff record the cash taken at hand-over (the whole outstanding amount)."""
    require_staff(user)
    order = Order.objects.select_for_update().filter(pk=order_id).first()
    point_ids = list(order.fulfillments.values_list("sales_point_id", flat=True)) if order else []
    # An order no point of the user's serves gets the same answer as a missing one: no probing of ids.
    if order is None or not any(can_act_on(user, pid) for pid in point_ids):
        raise ShopError(OrderErrorCode.ORDER_NOT_FOUND, "Không tìm thấy đơn hàng.", "Order not found.", field="orderId")
    if order.payment_method == PaymentMethod.CARD:
        raise ShopError(PaymentErrorCode.NOT_CASH_ORDER, "Đơn này thanh toán bằng thẻ; không thu tiền mặt.",
                        "This order is paid by card; there is no cash to collect.", field="orderId")
    if order.payment_method == PaymentMethod.BANK_TRANSFER:
        raise ShopError(PaymentErrorCode.NOT_CASH_ORDER,
                        "Đơn này trả bằng chuyển khoản; hãy ghi nhận khoản chuyển (mục Chuyển khoản), không thu tiền mặt.",
                        "This order is paid by bank transfer; record the transfer (Bank transfers), not cash.",
                        field="orderId")
    if order.status == Order.Status.CANCELLED:
        raise ShopError(PaymentErrorCode.ORDER_CANCELLED, "Đơn đã huỷ; không thu tiền.", "The order is cancelled; collect nothing.",
                        field="orderId")
    if order.payment_status == Order.PaymentStatus.PAID:
        raise ShopError(PaymentErrorCode.ALREADY_PAID, "Đơn này đã thu đủ tiền.", "This order is already paid.", field="orderId")
    due = amount_due(order)
    if not isinstance(amount_vnd, int) or amount_vnd != due:
        raise ShopError(
            PaymentErrorCode.AMOUNT_MISMATCH,
            f"Số tiền phải đúng số cần thu của đơn: {format_vnd(due, 'vi')}; hãy kiểm tra lại.",
            f"The amount must be what the order owes: {format_vnd(due, 'en')}; check it.", field="amountVnd",
        )
    order.paid_vnd, order.payment_status = amount_vnd, Order.PaymentStatus.PAID
    order.save(update_fields=["paid_vnd", "payment_status", "updated_at"])
    events.log(order, "CASH_COLLECTED", f"Đã thu {format_vnd(amount_vnd, 'vi')} tiền mặt.", f"Collected {format_vnd(amount_vnd, 'en')} in cash.",
               user=user)
    return order


# -- webhook -------------------------------------------------------------------------------

class WebhookRejected(Exception):
    pass


class MalformedEvent(WebhookRejected):
    """Signed by Stripe's secret but not a well-formed event: refused (400), logged, changes nothing."""


# Stripe ids and event types: short, plain ASCII (a NUL or a 500-character id never reaches the database).
_ID = re.compile(r"[A-Za-z0-9_.:-]{1,80}")
# The fields of a handled object that the handlers read, with the types they may have (or null).
_FIELD_TYPES = {"amount": int, "amount_received": int, "amount_refunded": int, "currency": str,
                "payment_intent": str, "last_payment_error": dict}


def _signed_at(header: str) -> int:
    """The header's timestamp, read as stripe's library reads it (the first `t=`)."""
    return int(next(item.split("=", 1)[1] for item in header.split(",") if item.split("=", 1)[0] == "t"))


def verify(payload: bytes, signature: str):
    """The event, if the signature is Stripe's (with our secret) and its timestamp within the
    tolerance either way (stripe's library refuses only old ones); else WebhookRejected."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise WebhookRejected("webhook secret not configured")
    tolerance = settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS
    try:
        text = payload.decode("utf-8") if isinstance(payload, bytes) else payload
        stripe.WebhookSignature.verify_header(text, signature or "", secret, tolerance=tolerance)
    except (stripe.SignatureVerificationError, ValueError) as exc:
        raise WebhookRejected(f"bad signature: {exc}") from exc
    if _signed_at(signature) > time.time() + tolerance:
        raise WebhookRejected("bad signature: timestamp in the future")
    try:
        event = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise MalformedEvent(f"not JSON: {exc.__class__.__name__}") from exc
    return parse_event(event)


def parse_event(event) -> tuple[str, str, dict]:
    """(event id, type, data.object) of a well-formed event; else MalformedEvent."""
    if not isinstance(event, dict):
        raise MalformedEvent(f"not an event: a JSON {type(event).__name__}")
    event_id, event_type, data = event.get("id"), event.get("type"), event.get("data")
    if not isinstance(event_id, str) or not _ID.fullmatch(event_id):
        raise MalformedEvent("event without a valid id")
    if not isinstance(event_type, str) or not _ID.fullmatch(event_type):
        raise MalformedEvent(f"event {event_id} without a valid type")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict):
        raise MalformedEvent(f"event {event_id} without data.object")
    if event_type in HANDLERS:
        if not isinstance(obj.get("id"), str) or not _ID.fullmatch(obj["id"]):
            raise MalformedEvent(f"event {event_id}: data.object without a valid id")
        for name, kind in _FIELD_TYPES.items():
            value = obj.get(name)
            if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
                raise MalformedEvent(f"event {event_id}: data.object.{name} is a {type(value).__name__}")
    return event_id, event_type, obj


def handle_webhook(payload: bytes, signature: str) -> str:
    """Verify, record once, dispatch. Returns what happened (for the response and logs)."""
    event_id, event_type, obj = verify(payload, signature)
    try:
        with transaction.atomic():
            record = StripeEvent.objects.create(event_id=event_id, type=event_type)
            handler = HANDLERS.get(event_type)
            outcome = handler(obj) if handler else ("ignored", None)
            record.outcome, record.order = outcome[0][:200], outcome[1]
            record.save(update_fields=["outcome", "order"])
    except IntegrityError:
        return "duplicate"
    return record.outcome


def _order_for_intent(intent_id) -> Order | None:
    if not intent_id:
        return None
    return Order.objects.select_for_update().filter(stripe_payment_intent=intent_id).first()


def _on_succeeded(intent):
    from orders import services

    order = _order_for_intent(intent.get("id"))
    if order is None:
        return "unknown payment intent", None
    if order.payment_status in (Order.PaymentStatus.PAID, Order.PaymentStatus.REFUNDED,
                                Order.PaymentStatus.PARTIALLY_REFUNDED, Order.PaymentStatus.REFUND_PENDING):
        return "already paid", order
    if order.payment_status == Order.PaymentStatus.REVIEW:
        return "already held for review", order
    # Stripe sends amount_received; a server without it (localstripe) is read by its amount.
    amount = intent.get("amount_received") if "amount_received" in intent else intent.get("amount")
    currency = intent.get("currency")
    if amount != order.total_vnd or currency != "vnd":
        return _hold_for_review(order, intent.get("id"), amount, currency)
    order.paid_vnd = amount
    order.payment_status = Order.PaymentStatus.PAID
    if order.status == Order.Status.CANCELLED:
        # Paid after the reservation expired (or after a cancel): the stock is gone, give the money back.
        order.save(update_fields=["paid_vnd", "payment_status", "updated_at"])
        events.log(order, "PAID", f"Nhận {format_vnd(amount, 'vi')} sau khi đơn đã huỷ; sẽ hoàn lại.",
                   f"Received {format_vnd(amount, 'en')} after the order was cancelled; refunding it.", actor="stripe")
        refund_after_commit(order, amount, reason_vi="thanh toán đến sau khi đơn đã huỷ",
                            reason_en="payment arrived after the order was cancelled")
        return "paid after cancel: refunding", order
    order.status = Order.Status.CONFIRMED
    order.reserved_until = None
    order.save(update_fields=["paid_vnd", "payment_status", "status", "reserved_until", "updated_at"])
    events.log(order, "PAID", f"Đã thanh toán thẻ {format_vnd(amount, 'vi')}.", f"Card payment of {format_vnd(amount, 'en')} received.",
               actor="stripe", data={"payment_intent": intent.get("id")})
    notifications.order_confirmed(order)
    services.complete_if_done(order)
    return "paid", order


def _hold_for_review(order, intent_id, amount, currency):
    """A success that does not pay the order (another amount, another currency, none): not confirmed,
    not paid, no expiry; staff check it at Stripe, refund it there (the charge.refunded event then
    marks it REFUNDED) and cancel the order."""
    currency = clean_text(currency)[:10] if currency is not None else None  # shown to staff, stored in the log
    said = f"{amount} {currency}" if amount is not None else f"không rõ số tiền ({currency})"
    said_en = f"{amount} {currency}" if amount is not None else f"no amount ({currency})"
    order.payment_status = Order.PaymentStatus.REVIEW
    order.reserved_until = None
    order.save(update_fields=["payment_status", "reserved_until", "updated_at"])
    events.log(
        order, "PAYMENT_REVIEW",
        f"Stripe báo thanh toán thành công {said}, nhưng đơn cần {order.total_vnd} vnd: chưa xác nhận đơn. "
        "Hãy kiểm tra trên Stripe; nếu sai, hoàn tiền trên Stripe rồi huỷ đơn.",
        f"Stripe reported a successful payment of {said_en}, but the order needs {order.total_vnd} vnd: not "
        "confirmed. Check it at Stripe; if it is wrong, refund it there and cancel the order.",
        actor="stripe", data={"payment_intent": intent_id, "amount_received": amount, "currency": currency},
    )
    logger.warning("payment of order %s held for review: Stripe reported %s, the order needs %s vnd",
                   order.number, said_en, order.total_vnd)
    return "amount or currency mismatch: held for review", order


def _on_failed(intent):
    order = _order_for_intent(intent.get("id"))
    if order is None:
        return "unknown payment intent", None
    if order.payment_status == Order.PaymentStatus.AWAITING or order.payment_status == Order.PaymentStatus.FAILED:
        order.payment_status = Order.PaymentStatus.FAILED
        order.save(update_fields=["payment_status", "updated_at"])
    error = clean_text(str((intent.get("last_payment_error") or {}).get("message") or ""))[:300]
    events.log(order, "PAYMENT_FAILED", f"Thanh toán thẻ không thành công. {error}".strip(),
               f"Card payment failed. {error}".strip(), actor="stripe")
    return "payment failed", order


def _on_canceled(intent):
    from orders import services

    order = _order_for_intent(intent.get("id"))
    if order is None:
        return "unknown payment intent", None
    if order.status == Order.Status.UNCONFIRMED:
        services.cancel_locked_order(
            order, reason_vi="yêu cầu thanh toán thẻ đã bị huỷ", reason_en="the card payment was cancelled",
            actor="stripe", cancel_at_stripe=False,
        )
        if order.payment_status != Order.PaymentStatus.REVIEW:  # money may have arrived: staff still check it
            order.payment_status = Order.PaymentStatus.VOIDED
            order.save(update_fields=["payment_status", "updated_at"])
        return "cancelled", order
    return "nothing to cancel", order


def _on_refunded(charge):
    order = _order_for_intent(charge.get("payment_intent"))
    if order is None:
        return "unknown charge", None
    refunded = int(charge.get("amount_refunded") or 0)
    if refunded <= order.refunded_vnd:
        return "refund already recorded", order
    _record_refund(order, refunded - order.refunded_vnd, refund_id=charge["id"],
                   reason_vi="hoàn tiền tại Stripe", reason_en="refunded at Stripe")
    return "refund recorded", order


HANDLERS = {
    "payment_intent.succeeded": _on_succeeded,
    "payment_intent.payment_failed": _on_failed,
    "payment_intent.canceled": _on_canceled,
    "charge.refunded": _on_refunded,
}


def reservation_expired(order: Order, now=None) -> bool:
    return bool(order.reserved_until and order.reserved_until <= (now or timezone.now()))
