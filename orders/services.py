"""Order life: cancelling (by the customer, by expiry, by Stripe), completing,
and stock changes made by staff."""
from django.db import transaction
from django.utils import timezone

from catalog.models import ProductVariant
from inventory import ledger
from inventory.models import Stock
from orders import allocation, events, notifications
from orders.errors import CheckoutErrorCode, OrderErrorCode
from orders.models import Fulfillment, Order, PaymentMethod
from shop.errors import CommonErrorCode, ShopError
from shop.models import SalesPoint
from shop.permissions import require_point

HANDED_OVER = {Fulfillment.Status.PICKED_UP, Fulfillment.Status.SHIPPED, Fulfillment.Status.DELIVERED}
FINISHED = {Fulfillment.Status.PICKED_UP, Fulfillment.Status.DELIVERED}


def require_contact(*, email: str, phone: str) -> None:
    """A checkout needs an e-mail or a phone number before it becomes an order (the same rule
    complete_checkout applies; pages call this to say so on the step that asks for them)."""
    if not ((email or "").strip() or (phone or "").strip()):
        raise ShopError(CheckoutErrorCode.CONTACT_REQUIRED, "Hãy nhập e-mail hoặc số điện thoại để nhận thông tin đơn hàng.",
                        "Enter an e-mail or a phone number to hear about your order.", field="email")


def customer_can_cancel(order: Order, fulfillment_statuses) -> bool:
    """May the customer still cancel? Until any part is handed over (cancel_locked_order refuses after)."""
    if order.status in (Order.Status.CANCELLED, Order.Status.COMPLETED):
        return False
    return not any(status in HANDED_OVER for status in fulfillment_statuses)


def get_order_by_token(token, *, lock=False) -> Order:
    qs = Order.objects.select_for_update() if lock else Order.objects
    order = qs.filter(token=token).first() if token else None
    if order is None:
        raise ShopError(OrderErrorCode.ORDER_NOT_FOUND, "Không tìm thấy đơn hàng; hãy kiểm tra đường dẫn trong e-mail.",
                        "Order not found; check the link in your e-mail.", field="token")
    return order


def cancel_locked_order(order: Order, *, reason_vi: str, reason_en: str, user=None, actor=None,
                        kind: str = "CANCELLED", cancel_at_stripe: bool = True) -> Order:
    """Cancel a locked order whose goods were not handed over: release every allocation, refund a card
    payment (after the commit), tell the customer and the staff."""
    fulfillments = list(order.fulfillments.select_for_update().order_by("id"))
    if order.status == Order.Status.CANCELLED:
        raise ShopError(OrderErrorCode.ALREADY_CANCELLED, "Đơn này đã huỷ rồi.", "This order is already cancelled.", field="token")
    if any(f.status in HANDED_OVER for f in fulfillments):
        raise ShopError(
            OrderErrorCode.ALREADY_HANDED_OVER,
            "Hàng đã được giao cho khách hoặc đơn vị vận chuyển nên không huỷ được; hãy liên hệ điểm bán để đổi trả.",
            "The goods were already handed over, so the order cannot be cancelled; contact the sales point for a return.",
            field="token",
        )
    for f in fulfillments:
        if f.status != Fulfillment.Status.CANCELLED:
            allocation.release(f, reason=f"Huỷ đơn {order.number}: {reason_vi}", user=user)
            f.status = Fulfillment.Status.CANCELLED
            f.save(update_fields=["status", "updated_at"])
    was_paid = order.paid_vnd - order.refunded_vnd
    order.status = Order.Status.CANCELLED
    order.reserved_until = order.hold_until = order.client_hash = None  # it holds nothing any more
    if order.payment_status == Order.PaymentStatus.AWAITING or order.payment_status == Order.PaymentStatus.FAILED:
        order.payment_status = Order.PaymentStatus.VOIDED
    order.save(update_fields=["status", "reserved_until", "hold_until", "client_hash", "payment_status", "updated_at"])
    events.log(order, kind, f"Huỷ đơn: {reason_vi}", f"Order cancelled: {reason_en}", user=user, actor=actor)
    if order.payment_method == PaymentMethod.CARD:
        from orders import payments

        if was_paid > 0:
            payments.refund_after_commit(order, was_paid, reason_vi=reason_vi, reason_en=reason_en)
        elif cancel_at_stripe and order.stripe_payment_intent:
            transaction.on_commit(lambda: payments.cancel_intent(order))
    elif order.payment_method == PaymentMethod.BANK_TRANSFER and was_paid > 0:
        from orders import bank_transfers

        bank_transfers.refund_owed(order, was_paid, reason_vi=reason_vi, reason_en=reason_en)
    notifications.order_cancelled(order, reason_vi, reason_en)
    return order


@transaction.atomic
def cancel_by_customer(*, token) -> Order:
    order = get_order_by_token(token, lock=True)
    return cancel_locked_order(order, reason_vi="khách hàng huỷ", reason_en="cancelled by the customer", actor="customer")


def complete_if_done(order: Order) -> None:
    """An order whose every remaining fulfilment reached the customer is COMPLETED."""
    if order.status != Order.Status.CONFIRMED:
        return
    statuses = list(order.fulfillments.values_list("status", flat=True))
    live = [s for s in statuses if s != Fulfillment.Status.CANCELLED]
    if live and all(s in FINISHED for s in live):
        order.status = Order.Status.COMPLETED
        order.save(update_fields=["status", "updated_at"])
        events.log(order, "COMPLETED", "Đơn đã hoàn tất.", "Order completed.", actor="system")


def release_expired_reservations(*, now=None, check_stripe: bool = True) -> list[str]:
    """Cancel unpaid card orders whose reservation ran out and free their stock; returns their numbers.

    Before cancelling, Stripe is asked whether the payment went through after
    all (a webhook may be late): a paid one is confirmed instead.
    """
    from orders import payments

    now = now or timezone.now()
    cancelled = []
    ids = list(Order.objects.filter(status=Order.Status.UNCONFIRMED, reserved_until__lte=now).values_list("pk", flat=True))
    for pk in ids:
        probe = Order.objects.get(pk=pk)
        status = payments.intent_status(probe) if check_stripe else None
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=pk)
            if order.status != Order.Status.UNCONFIRMED or not payments.reservation_expired(order, now):
                continue
            if status == "succeeded":
                events.log(order, "NOTE", "Stripe báo đã thanh toán; chờ webhook xác nhận.",
                           "Stripe says the payment succeeded; waiting for the webhook.", actor="system")
                order.reserved_until = now + timezone.timedelta(minutes=5)
                order.save(update_fields=["reserved_until", "updated_at"])
                continue
            cancel_locked_order(
                order, reason_vi="quá thời gian giữ hàng mà chưa thanh toán",
                reason_en="the reservation expired before payment", actor="system", kind="EXPIRED",
            )
            cancelled.append(order.number)
    return cancelled


def update_stock(*, sales_point_id: int, variant_id: int, quantity_on_hand: int, reason: str, user) -> Stock:
    """Staff set the counted units of a variant at their point, with a reason (a RECOUNT in the ledger)."""
    require_point(user, sales_point_id, field="salesPointId")
    ledger.check_reason(reason)
    if not SalesPoint.objects.filter(pk=sales_point_id).exists():
        raise ShopError(CommonErrorCode.SALES_POINT_NOT_FOUND, "Không tìm thấy điểm bán.", "Sales point not found.", field="salesPointId")
    if not ProductVariant.objects.filter(pk=variant_id).exists():
        raise ShopError(CommonErrorCode.VARIANT_NOT_FOUND, "Không tìm thấy sản phẩm.", "Product variant not found.", field="variantId")
    stock = ledger.count(variant_id=variant_id, sales_point_id=sales_point_id, quantity_on_hand=quantity_on_hand,
                         reason=reason, actor=user)
    stock.refresh_from_db()
    return stock
