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

