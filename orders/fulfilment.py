"""The fulfilment state machine, run by the staff of the fulfilment's point.

    NEW → PICKING → PACKED → READY_FOR_PICKUP → PICKED_UP      (pickup orders)
                          └→ SHIPPED → DELIVERED               (delivery orders)
    NEW, PICKING, PACKED, READY_FOR_PICKUP → CANCELLED         (before hand-over)

Cash-paid goods change hands only once paid: PICKED_UP (pay at pickup) and DELIVERED (cash on
delivery) are refused while the order is unpaid, unless the cash is recorded in the same step.

Hand-over (PICKED_UP, SHIPPED) consumes the allocation: on hand and allocated
both go down. CANCELLED releases it (and refunds a card payment for those
lines). Anything else is an error that says which moves are allowed.
"""
from django.db import transaction

from orders import allocation, carriers, events, notifications, payments
from orders.errors import OrderErrorCode
from orders.models import DeliveryKind, Fulfillment, Order, PaymentMethod
from shop.errors import ShopError
from shop.money import format_vnd
from shop.permissions import can_act_on, require_staff
from shop.text import clean_text

S = Fulfillment.Status
TRANSITIONS = {
    S.NEW: {S.PICKING, S.CANCELLED},
    S.PICKING: {S.PACKED, S.CANCELLED},
    S.PACKED: {S.READY_FOR_PICKUP, S.SHIPPED, S.CANCELLED},
    S.READY_FOR_PICKUP: {S.PICKED_UP, S.CANCELLED},
    S.SHIPPED: {S.DELIVERED},
    S.PICKED_UP: set(),
    S.DELIVERED: set(),
    S.CANCELLED: set(),
}
PICKUP_ONLY = {S.READY_FOR_PICKUP, S.PICKED_UP}
DELIVERY_ONLY = {S.SHIPPED, S.DELIVERED}
HAND_OVER = {S.PICKED_UP, S.SHIPPED}


def allowed_next(fulfillment: Fulfillment, delivery_kind: str) -> list[str]:
    excluded = DELIVERY_ONLY if delivery_kind == DeliveryKind.PICKUP else PICKUP_ONLY
    return sorted(s.value for s in TRANSITIONS[S(fulfillment.status)] - excluded)


CASH_HAND_OVER = {S.PICKED_UP: PaymentMethod.PAY_AT_PICKUP, S.DELIVERED: PaymentMethod.CASH_ON_DELIVERY}


def owes_cash_at(status: str, order: Order) -> bool:
    """Moving to `status` hands cash-paid goods over while the order is still unpaid: the cash first."""
    return (CASH_HAND_OVER.get(status) == order.payment_method
            and order.payment_status != Order.PaymentStatus.PAID)


def _not_found():
    return ShopError(OrderErrorCode.FULFILLMENT_NOT_FOUND, "Không tìm thấy phần đơn này.", "Fulfilment not found.", field="id")


@transaction.atomic
def update_status(*, fulfillment_id: int, status: str, user, note: str = "", carrier: str = "",
                  tracking_number: str = "", carrier_name: str = "", cash_vnd: int | None = None) -> Fulfillment:
    """`carrier`, `tracking_number` (and `carrier_name` for another carrier): the parcel's, at SHIPPED
    (orders/carriers.record_shipment: required for a parcel leaving the province).

    Goods paid in cash change hands only once the cash is recorded: a pay-at-pickup order is not
    PICKED_UP, a cash-on-delivery order not DELIVERED, while unpaid (`owes_cash_at`). `cash_vnd`, the
    amount the clerk took, records it in the same step (payments.mark_collected checks the amount)."""
    require_staff(user)
    fulfillment = Fulfillment.objects.select_for_update().filter(pk=fulfillment_id).first()
    # Another point's fulfilment gets the same answer as a missing one: its id cannot be probed.
    if fulfillment is None or not can_act_on(user, fulfillment.sales_point_id):
        raise _not_found()
    order = Order.objects.select_for_update().get(pk=fulfillment.order_id)
    fulfillment.order = order
    if status not in S.values:
        raise ShopError(OrderErrorCode.INVALID_STATUS, "Trạng thái không hợp lệ.", "Unknown status.", field="status")
    allowed = allowed_next(fulfillment, order.delivery_kind)
    if status not in allowed:
        ok = ", ".join(allowed) or "không còn bước nào / none"
        raise ShopError(
            OrderErrorCode.ILLEGAL_TRANSITION,
            f"Không chuyển được từ {fulfillment.status} sang {status}; được phép: {ok}.",
            f"Cannot go from {fulfillment.status} to {status}; allowed: {ok}.", field="status",
        )
    if status != S.CANCELLED and order.status != Order.Status.CONFIRMED:
        raise ShopError(
            OrderErrorCode.ORDER_NOT_CONFIRMED,
            "Đơn chưa được xác nhận (đang chờ thanh toán thẻ hoặc đã huỷ); chưa chuẩn bị hàng.",
            "The order is not confirmed (awaiting card payment, or cancelled); do not prepare it yet.", field="id",
        )
    if owes_cash_at(status, order):
        due = payments.amount_due(order)
        if cash_vnd is None:
            raise ShopError(
                OrderErrorCode.PAYMENT_NOT_COLLECTED,
                f"Hãy thu {format_vnd(due, 'vi')} và ghi nhận tiền mặt trước khi giao hàng cho khách "
                f"(nút “Đã nhận {format_vnd(due, 'vi')} tiền mặt và giao hàng” làm cả hai trong một bước).",
                f"Collect {format_vnd(due, 'en')} and record it before handing the goods over "
                f"(the “Received {format_vnd(due, 'en')} in cash and handed over” button does both in one step).",
                field="status",
            )
        # The cash and the hand-over in one step (one transaction: a refusal below undoes the payment too).
        paid = payments.mark_collected(order_id=order.pk, amount_vnd=cash_vnd, user=user)
        order.paid_vnd, order.payment_status = paid.paid_vnd, paid.payment_status
    note = clean_text(note)[:500]  # shown to the customer: no control or bidi characters
    previous = fulfillment.status
    point = fulfillment.sales_point
    if status == S.SHIPPED:
        carriers.record_shipment(fulfillment, order, carrier=carrier, tracking_number=tracking_number,
                                 carrier_name=carrier_name)
    if status in HAND_OVER:
        allocation.consume(fulfillment, reason=f"Giao đơn {order.number} ({status})", user=user)
    elif status == S.CANCELLED:
        allocation.release(fulfillment, reason=f"Huỷ phần đơn {fulfillment.number}" + (f": {note}" if note else ""),
                           user=user)
    fulfillment.status = status
    fulfillment.save(update_fields=["status", "updated_at"])
    events.log(
        order, "FULFILLMENT_STATUS",
        f"{point.name}: {fulfillment.number} {previous} → {status}" + (f" ({note})" if note else ""),
        f"{point.name_en or point.name}: {fulfillment.number} {previous} → {status}" + (f" ({note})" if note else ""),
        user=user, fulfillment=fulfillment, data={"from": previous, "to": status},
    )
    if status == S.CANCELLED:
        _after_cancel(order, fulfillment, user, note)
    elif status == S.READY_FOR_PICKUP:
        notifications.fulfillment_ready(fulfillment)
    elif status == S.SHIPPED:
        notifications.fulfillment_shipped(fulfillment)
    if status in (S.PICKED_UP, S.DELIVERED, S.CANCELLED):
        from orders import services

        services.complete_if_done(order)
    return fulfillment


def cancel_by_staff(*, fulfillment_id: int, reason: str, user) -> Fulfillment:
    """A sales point cancels its part of an order; the customer is told why, so a reason is required."""
    reason = clean_text(reason)
    if not 3 <= len(reason) <= 300:
        raise ShopError(
            OrderErrorCode.REASON_REQUIRED, "Hãy ghi lý do huỷ (3–300 ký tự), ví dụ “hết hàng, khách đồng ý đổi ngày”.",
            "Give the reason for cancelling (3–300 characters), e.g. “out of stock, the customer agreed”.",
            field="note",
        )
    return update_status(fulfillment_id=fulfillment_id, status=S.CANCELLED, user=user, note=reason)


def _after_cancel(order, fulfillment, user, note):
    """With nothing left, the whole order is cancelled as every whole-order cancel is
    (services.cancel_locked_order: the order's status, payment, log and e-mails); else a card
    payment is refunded for what was cancelled."""
    from orders import services

    statuses = set(order.fulfillments.values_list("status", flat=True))
    if statuses == {S.CANCELLED}:
        services.cancel_locked_order(
            order, reason_vi="điểm bán huỷ" + (f": {note}" if note else ""),
            reason_en="cancelled by the sales point" + (f": {note}" if note else ""), user=user,
        )
    elif order.payment_method == PaymentMethod.CARD and order.paid_vnd > order.refunded_vnd:
        amount = sum(line.quantity * line.order_line.unit_price_vnd
                     for line in fulfillment.lines.select_related("order_line"))
        payments.refund_after_commit(
            order, amount, reason_vi=f"huỷ phần đơn {fulfillment.number}",
            reason_en=f"part {fulfillment.number} cancelled",
        )
