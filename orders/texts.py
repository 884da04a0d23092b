"""What an order's and a fulfilment's status are called, in Vietnamese and English, as
(vi, en) pairs: the one table of each, for the customer's order page
(storefront/checkout_pages.py) and the staff console (storefront/staff_views.py).

Two audiences, two wordings: the customer reads what happens to their order ("Ready for you to
collect"), staff read the step their point is at ("Ready for pickup"). The models' choice labels
(orders/models.py) are the admin's short Vietnamese names.
"""
from orders.models import Fulfillment, Order

S = Fulfillment.Status

# The customer's words.
ORDER_STATUS = {
    Order.Status.UNCONFIRMED: ("Chờ thanh toán thẻ", "Waiting for your card payment"),
    Order.Status.CONFIRMED: ("Đã xác nhận, đang chuẩn bị", "Confirmed, being prepared"),
    Order.Status.COMPLETED: ("Hoàn tất", "Completed"),
    Order.Status.CANCELLED: ("Đã huỷ", "Cancelled"),
}
FULFILMENT_STATUS = {
    S.NEW: ("Điểm bán đã nhận đơn", "Received by the sales point"),
    S.PICKING: ("Đang chuẩn bị hàng", "Being prepared"),
    S.PACKED: ("Đã đóng gói", "Packed"),
    S.READY_FOR_PICKUP: ("Sẵn sàng, mời bạn đến nhận", "Ready for you to collect"),
    S.PICKED_UP: ("Bạn đã nhận hàng", "Collected"),
    S.SHIPPED: ("Đang giao tới bạn", "On its way to you"),
    S.DELIVERED: ("Đã giao tới bạn", "Delivered"),
    S.CANCELLED: ("Đã huỷ", "Cancelled"),
}
# The staff's words.
FULFILMENT_STATUS_STAFF = {
    S.NEW: ("Đơn mới", "New"), S.PICKING: ("Đang lấy hàng", "Picking"), S.PACKED: ("Đã đóng gói", "Packed"),
    S.READY_FOR_PICKUP: ("Chờ khách đến nhận", "Ready for pickup"), S.SHIPPED: ("Đang giao", "Shipped"),
    S.PICKED_UP: ("Khách đã nhận", "Handed over"), S.DELIVERED: ("Đã giao tới khách", "Delivered"),
    S.CANCELLED: ("Đã huỷ", "Cancelled"),
}


# How the customer's payment stands, in their words (the order page's "Payment" line).
PAYMENT_STATUS = {
    Order.PaymentStatus.AWAITING: ("Chờ thanh toán thẻ.", "Waiting for your card payment."),
    Order.PaymentStatus.FAILED: ("Thanh toán thẻ chưa thành công.", "The card payment did not go through."),
    Order.PaymentStatus.PAID: ("Đã thanh toán.", "Paid."),
    Order.PaymentStatus.PARTIALLY_REFUNDED: ("Đã thanh toán; đã hoàn lại một phần.", "Paid; partly refunded."),
    Order.PaymentStatus.REFUND_PENDING: ("Đang hoàn tiền.", "A refund is on its way."),
    Order.PaymentStatus.REFUNDED: ("Đã hoàn lại tiền.", "Refunded."),
    Order.PaymentStatus.VOIDED: ("Không thu tiền (đơn đã huỷ).", "Nothing was charged (the order was cancelled)."),
    Order.PaymentStatus.REVIEW: ("Cửa hàng đang kiểm tra khoản thanh toán thẻ và sẽ liên hệ với bạn.",
                                 "The shop is checking your card payment and will contact you."),
}
TRANSFER_STATUS = {
    Order.PaymentStatus.AWAITING: ("Chờ chuyển khoản.", "Waiting for your bank transfer."),
    Order.PaymentStatus.REVIEW: ("Cửa hàng đã nhận khoản chuyển khoản chưa khớp với đơn và đang kiểm tra; nhân viên sẽ "
                                 "liên hệ với bạn.",
                                 "The shop received a transfer that does not match the order and is checking it; "
                                 "staff will contact you."),
}
NOT_PAID = {
    "CASH_ON_DELIVERY": ("Chưa trả: trả tiền mặt khi nhận hàng.", "Not paid yet: pay in cash on delivery."),
    "PAY_AT_PICKUP": ("Chưa trả: trả tiền tại điểm bán khi nhận hàng.",
                      "Not paid yet: pay at the sales point when you collect."),
}
NOTHING_TO_PAY = ("Không phải trả gì: đơn đã huỷ.", "Nothing to pay: the order was cancelled.")


def payment_status(order) -> tuple[str, str]:
    """(vi, en) of how the order's payment stands. A cancelled order that was never paid owes
    nothing, whatever its method: it is not "not paid yet"."""
    paid = order.payment_status
    unpaid = paid in (Order.PaymentStatus.NOT_PAID, Order.PaymentStatus.AWAITING, Order.PaymentStatus.FAILED)
    if order.status == Order.Status.CANCELLED and unpaid and not order.paid_vnd:
        return NOTHING_TO_PAY
    if order.payment_method == "BANK_TRANSFER" and paid in TRANSFER_STATUS:
        return TRANSFER_STATUS[paid]
    if paid == Order.PaymentStatus.NOT_PAID:
        return NOT_PAID.get(order.payment_method, NOT_PAID["PAY_AT_PICKUP"])
    return PAYMENT_STATUS.get(paid, (paid, paid))
