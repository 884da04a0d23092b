"""Bank-feed deliveries racing each other, and the hold's sweep: real concurrent transactions on PostgreSQL."""
import pytest
from django.db import connection
from django.utils import timezone

from orders import bank_transfers, unpaid
from orders import checkout as checkout_service
from orders.models import BankTransaction, Order, PaymentAccount
from tests.concurrency import run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (row locks, real concurrency)"),
]
BT = BankTransaction


@pytest.fixture
def transfer_order(make_product, sales_point):
    PaymentAccount.objects.create(bank_bin="970405", account_number="8000000000001", account_name="Trung tâm thử")
    product = make_product("Mật ong hoa ban", stock={sales_point: 10})
    checkout = checkout_service.create_checkout(lines=[(product.variants.get().pk, 2)], phone="0912000001")
    checkout_service.set_delivery(token=checkout.token, pickup_point_id=sales_point.pk)
    return checkout_service.complete_checkout(token=checkout.token, payment_method="BANK_TRANSFER").order


def incoming(order, tx_id):
    return bank_transfers.Incoming(provider="SEPAY", transaction_id=str(tx_id), amount_vnd=order.total_vnd,
                                   content=f"{order.number} chuyen khoan", reference=f"FT{tx_id}")


@pytest.mark.django_db(transaction=True)
def test_one_transaction_delivered_six_times_at_once_is_recorded_once(transfer_order):
    results = run_together(6, lambda i: bank_transfers.record(incoming(transfer_order, 1))[1], expected=())
    assert [r[0] for r in results] == ["ok"] * 6, results
    assert sorted(r[1] for r in results) == [False] * 5 + [True]
    order = Order.objects.get()
    assert (BT.objects.count(), order.payment_status, order.paid_vnd) == (1, "PAID", transfer_order.total_vnd)
    assert order.events.filter(kind="PAID").count() == 1


@pytest.mark.django_db(transaction=True)
def test_six_transfers_at_once_pay_the_order_once_and_the_rest_wait(transfer_order):
    results = run_together(6, lambda i: bank_transfers.record(incoming(transfer_order, 10 + i))[0].status, expected=())
    assert "crash" not in [r[0] for r in results], results
    assert sorted(r[1] for r in results) == ["MATCHED"] + ["NEEDS_REVIEW"] * 5
    assert set(BT.objects.filter(status="NEEDS_REVIEW").values_list("reason", flat=True)) == {"ALREADY_PAID"}
    assert Order.objects.get().paid_vnd == transfer_order.total_vnd


@pytest.mark.django_db(transaction=True)
def test_a_transfer_racing_the_sweep_is_either_paid_or_late(transfer_order):
    later = transfer_order.hold_until + timezone.timedelta(seconds=1)
    work = [lambda: bank_transfers.record(incoming(transfer_order, 99))[0].status,
            lambda: unpaid.release_expired_holds(now=later)]
    results = run_together(2, lambda i: work[i](), expected=())
    assert "crash" not in [r[0] for r in results], results
    order, tx = Order.objects.get(), BT.objects.get()
    if order.status == "CANCELLED":
        assert (tx.status, tx.reason, order.paid_vnd) == ("NEEDS_REVIEW", "LATE", 0)
    else:
        assert (order.payment_status, tx.status, order.hold_until) == ("PAID", "MATCHED", None)
