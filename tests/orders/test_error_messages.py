"""Amounts in error messages and in the order's log are formatted as on the site, in each language."""
from orders import checkout as checkout_service
from shop.graphql.core import global_id
from shop.money import format_vnd

STATUS = """mutation($id: ID!, $s: FulfillmentStatusEnum!) { fulfillmentUpdateStatus(id: $id, status: $s) {
  errors { __typename field code message } } }"""
COLLECT = """mutation($id: ID!, $a: Int!) { paymentMarkCollected(orderId: $id, amountVnd: $a) {
  order { paymentStatus } errors { __typename field code message } } }"""


def test_cash_amounts_in_messages_are_formatted(gql, oh, staff_login):
    variant = oh.variant_only_at(["muong-ang"])
    checkout = checkout_service.create_checkout(lines=[(variant.pk, 2)], email="khach@example.com")
    checkout_service.set_delivery(token=checkout.token, pickup_point_id=oh.points["muong-ang"].pk)
    order = checkout_service.complete_checkout(token=checkout.token, payment_method="PAY_AT_PICKUP").order
    total = order.total_vnd
    assert total >= 1000  # so the formatted amount has a thousands separator to check
    staff_login(gql, "muong-ang")
    fid = global_id("Fulfillment", order.fulfillments.get().pk)
    for status in ("PICKING", "PACKED", "READY_FOR_PICKUP"):
        assert gql(STATUS, {"id": fid, "s": status})["data"]["fulfillmentUpdateStatus"]["errors"] == []

    vi = gql(STATUS, {"id": fid, "s": "PICKED_UP"})["data"]["fulfillmentUpdateStatus"]["errors"]
    en = gql(STATUS, {"id": fid, "s": "PICKED_UP"}, language="en")["data"]["fulfillmentUpdateStatus"]["errors"]
    assert [(e["__typename"], e["code"]) for e in vi + en] == [("OrderError", "payment_not_collected")] * 2
    assert f"Hãy thu {format_vnd(total, 'vi')} và ghi nhận" in vi[0]["message"]  # "Hãy thu 240.000 ₫ …"
    assert f"Collect {format_vnd(total, 'en')} and record it" in en[0]["message"]  # "Collect ₫240,000 …"
    assert str(total) not in vi[0]["message"] + en[0]["message"]

    order_id = global_id("Order", order.pk)
    vi = gql(COLLECT, {"id": order_id, "a": total - 1})["data"]["paymentMarkCollected"]["errors"]
    en = gql(COLLECT, {"id": order_id, "a": total - 1}, language="en")["data"]["paymentMarkCollected"]["errors"]
    assert [(e["__typename"], e["code"], e["field"]) for e in vi + en] == [("OrderError", "amount_mismatch", "amountVnd")] * 2
    assert vi[0]["message"] == f"Số tiền phải đúng số cần thu của đơn: {format_vnd(total, 'vi')}; hãy kiểm tra lại."
    assert en[0]["message"] == f"The amount must be what the order owes: {format_vnd(total, 'en')}; check it."

    paid = gql(COLLECT, {"id": order_id, "a": total})["data"]["paymentMarkCollected"]
    assert paid == {"order": {"paymentStatus": "PAID"}, "errors": []}
    placed, collected = (order.events.get(kind=kind) for kind in ("PLACED", "CASH_COLLECTED"))
    assert f"tổng {format_vnd(total, 'vi')}." in placed.message and f"total {format_vnd(total, 'en')}." in placed.message_en
    assert (collected.message, collected.message_en) == (
        f"Đã thu {format_vnd(total, 'vi')} tiền mặt.", f"Collected {format_vnd(total, 'en')} in cash.",
    )
