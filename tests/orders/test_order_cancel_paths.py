"""Every way an order ends up cancelled as a whole goes through services.cancel_locked_order:
the customer's cancel and the staff cancelling the last part leave the order in the same state."""
from unittest import mock

from django.contrib.auth import get_user_model

from orders import checkout as checkout_service
from orders import fulfilment, services
from orders.models import Order


def place(oh, code, variant):
    checkout = checkout_service.create_checkout(lines=[(variant.pk, 1)], email="khach@example.com")
    checkout_service.set_delivery(token=checkout.token, pickup_point_id=oh.points[code].pk)
    return checkout_service.complete_checkout(token=checkout.token, payment_method="PAY_AT_PICKUP").order


def ended(order) -> dict:
    order.refresh_from_db()
    return {
        "status": order.status, "payment_status": order.payment_status, "hold_until": order.hold_until,
        "reserved_until": order.reserved_until, "client_hash": order.client_hash,
        "fulfilments": sorted(order.fulfillments.values_list("status", flat=True)),
        "events": [kind for kind in order.events.values_list("kind", flat=True) if kind == "CANCELLED"],
    }


def test_the_last_part_cancelled_by_staff_cancels_the_order_as_a_customer_cancel_does(
        oh, mailoutbox, django_capture_on_commit_callbacks):
    variant = oh.variant_only_at(["muong-ang"])
    before = oh.stock_of(variant, oh.points["muong-ang"]).quantity_allocated
    by_customer, by_staff = place(oh, "muong-ang", variant), place(oh, "muong-ang", variant)
    assert by_staff.hold_until is not None  # an unpaid cash order holds its items until a deadline
    clerk = get_user_model().objects.get(username="muong-ang@ocop-dienbien.example")

    with django_capture_on_commit_callbacks(execute=True):  # the e-mails go once the cancel commits
        services.cancel_by_customer(token=by_customer.token)
        with mock.patch.object(services, "cancel_locked_order", wraps=services.cancel_locked_order) as cancel:
            fulfilment.cancel_by_staff(fulfillment_id=by_staff.fulfillments.get().pk, reason="hết hàng", user=clerk)
    assert cancel.call_count == 1
    assert cancel.call_args.kwargs["reason_vi"] == "điểm bán huỷ: hết hàng" and cancel.call_args.kwargs["user"] == clerk

    assert ended(by_staff) == ended(by_customer) == {
        "status": Order.Status.CANCELLED, "payment_status": Order.PaymentStatus.NOT_PAID, "hold_until": None,
        "reserved_until": None, "client_hash": None, "fulfilments": ["CANCELLED"], "events": ["CANCELLED"],
    }
    assert oh.stock_of(variant, oh.points["muong-ang"]).quantity_allocated == before  # both released
    subjects = [m.subject for m in mailoutbox]
    for order in (by_customer, by_staff):
        assert subjects.count(f"Đơn hàng {order.number} đã huỷ") == 1  # the customer, once
        assert subjects.count(f"[OCOP] Đơn {order.number} đã huỷ") == 1  # the sales point, once
