"""Transfers racing each other on PostgreSQL: real concurrent transactions on row locks."""
import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from inventory import audit
from inventory import transfers as service
from inventory.models import Stock, StockMovement, Transfer
from shop.models import SalesPoint, StaffAssignment
from tests.concurrency import run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (row locks, real concurrency)"),
]


@pytest.fixture
def ten_at_source(make_product, sales_point):
    """Ten units of a variant at Mường Ảng, a second point to send to, and a province admin."""
    other = SalesPoint.objects.create(
        code="tuan-giao", name="Điểm bán Tuần Giáo", kind="DISTRICT", district=sales_point.district,
        address="Thị trấn Tuần Giáo", latitude=21.58, longitude=103.41,
    )
    variant = make_product("Mật ong hoa ban", stock={sales_point: 10}).variants.get()
    admin = get_user_model().objects.create_user(username="tinh@test.example", email="tinh@test.example")
    StaffAssignment.objects.create(user=admin, role="province")
    return variant, sales_point, other, admin


def _units(variant, point):
    """(on hand, allocated) at a point; a point that never received the variant has no row, which is (0, 0)."""
    row = Stock.objects.filter(variant=variant, sales_point=point).values_list("quantity_on_hand", "quantity_allocated")
    return row.first() or (0, 0)


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_sends_cannot_take_more_than_is_there(ten_at_source):
    variant, source, other, admin = ten_at_source
    results = run_together(2, lambda i: service.send(
        user=admin, from_point_id=source.pk, to_point_id=other.pk, lines=[(variant.pk, 7)]).number)
    assert sorted(r[0] for r in results) == ["error", "ok"], results
    assert [r[1] for r in results if r[0] == "error"] == ["insufficient_stock"]
    assert _units(variant, source) == (3, 0)
    assert Transfer.objects.count() == 1 and StockMovement.objects.filter(kind="TRANSFER_OUT").count() == 1
    assert audit.audit().clean


@pytest.mark.django_db(transaction=True)
def test_eight_senders_of_three_units_from_ten_exactly_three_go(ten_at_source):
    variant, source, other, admin = ten_at_source
    results = run_together(8, lambda i: service.send(
        user=admin, from_point_id=source.pk, to_point_id=other.pk, lines=[(variant.pk, 3)]).number)
    outcomes = [r[0] for r in results]
    assert "crash" not in outcomes, results
    assert outcomes.count("ok") == 3 and {r[1] for r in results if r[0] == "error"} == {"insufficient_stock"}
    assert len({r[1] for r in results if r[0] == "ok"}) == 3  # three different numbers
    assert _units(variant, source) == (1, 0)
    assert audit.audit().clean


@pytest.mark.django_db(transaction=True)
def test_receive_and_cancel_at_once_one_wins_and_the_units_are_counted_once(ten_at_source):
    variant, source, other, admin = ten_at_source
    actions = [service.receive, service.receive, service.cancel]
    for _ in range(3):
        transfer = service.send(user=admin, from_point_id=source.pk, to_point_id=other.pk, lines=[(variant.pk, 2)])
        results = run_together(3, lambda i, pk=transfer.pk: actions[i](user=admin, transfer_id=pk).status)
        assert [r[0] for r in results].count("ok") == 1, results
        assert {r[1] for r in results if r[0] == "error"} <= {"already_received", "transfer_cancelled"}
        transfer.refresh_from_db()
        moved_in = StockMovement.objects.filter(reference=f"transfer:{transfer.number}", kind="TRANSFER_IN")
        assert moved_in.count() == 1
    total = sum(_units(variant, point)[0] for point in (source, other))
    assert total == 10  # nothing lost, nothing counted twice
    assert audit.audit().clean
