"""A producer's dispatch into a sales point (issue 17, item 4): a SENT transfer from the producer
that takes units from nowhere; receiving it brings the counted units in through the ledger;
cancelling it takes nothing back; exactly one sender, a point or a producer."""
import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from inventory import audit, ledger
from inventory import transfers as service
from inventory.models import Stock, StockMovement, Transfer
from shop.errors import ShopError
from shop.models import SalesPoint, StaffAssignment

Count = service.Count


@pytest.fixture
def people(sales_point):
    User = get_user_model()

    def make(name, role, point=None):
        user = User.objects.create_user(username=f"{name}@test.example", email=f"{name}@test.example")
        StaffAssignment.objects.create(user=user, role=role, sales_point=point)
        return user

    other = SalesPoint.objects.create(code="tuan-giao", name="Điểm bán Tuần Giáo", kind="DISTRICT",
                                      district=sales_point.district, address="Tuần Giáo",
                                      latitude=21.59, longitude=103.42)
    return {"clerk": make("nv", "clerk", sales_point), "other": make("nv-tg", "clerk", other),
            "province": make("tinh", "province"), "other_point": other}


@pytest.fixture
def honey(make_product):
    return make_product("Mật ong hoa ban").variants.get()


def dispatch(honey, point, quantity=30, **kwargs):
    return service.dispatch(user=None, producer_id=honey.product.producer_id, to_point_id=point.pk,
                            lines=[(honey.pk, quantity)], note="Lô MO-01", reference="batch:1", **kwargs)


def test_a_dispatch_is_sent_from_the_producer_without_taking_stock_anywhere(honey, sales_point, people):
    transfer = dispatch(honey, sales_point)
    assert (transfer.status, transfer.from_point, transfer.from_producer, transfer.to_point) == (
        "SENT", None, honey.product.producer, sales_point)
    assert transfer.number == f"CK-{transfer.pk:06d}" and transfer.from_a_producer
    assert not StockMovement.objects.exists()
    lists = service.point_transfers(user=people["clerk"], point=sales_point)
    assert lists.incoming == [transfer] and lists.outgoing == []
    assert service.sender_name(lists.incoming[0]) == (honey.product.producer.name,) * 2
    assert service.dispatched(honey.product.producer_id, ["batch:1"]) == {"batch:1": {"sent": 30, "received": 0, "open": 1}}


def test_receiving_a_dispatch_records_a_transfer_in_and_keeps_the_ledger_clean(honey, sales_point, people):
    ledger.stock_up(honey, sales_point, 5)
    transfer = dispatch(honey, sales_point)
    line = transfer.lines.get()
    done = service.receive(user=people["clerk"], transfer_id=transfer.pk,
                           counts=[Count(line.pk, 28, "vỡ 2 hũ khi vận chuyển")])
    assert done.status == "RECEIVED" and done.received_by == people["clerk"]
    movement = StockMovement.objects.get(reference=f"transfer:{transfer.number}")
    assert (movement.kind, movement.on_hand_change, movement.on_hand_after) == ("TRANSFER_IN", 28, 33)
    assert f"chủ thể {honey.product.producer.name}" in movement.reason
    assert Stock.objects.get(variant=honey, sales_point=sales_point).quantity_on_hand == 33
    report = audit.audit()
    assert report.clean and report.movements == 2
    assert service.dispatched(honey.product.producer_id, ["batch:1"])["batch:1"] == {"sent": 30, "received": 28, "open": 0}
    with pytest.raises(ShopError) as caught:
        service.receive(user=people["clerk"], transfer_id=transfer.pk)
    assert caught.value.code == "already_received"


def test_only_the_receiving_point_receives_and_only_the_province_cancels(honey, sales_point, people):
    transfer = dispatch(honey, sales_point)
    with pytest.raises(ShopError) as caught:
        service.receive(user=people["other"], transfer_id=transfer.pk)
    assert caught.value.code == "transfer_not_found"
    assert not service.may_cancel(people["clerk"], transfer)
    with pytest.raises(ShopError) as caught:
        service.cancel(user=people["clerk"], transfer_id=transfer.pk)
    assert caught.value.code == "permission_denied"
    done = service.cancel(user=people["province"], transfer_id=transfer.pk, reason="chủ thể gửi nhầm")
    assert done.status == "CANCELLED"
    assert not StockMovement.objects.exists() and not Stock.objects.filter(quantity_on_hand__gt=0).exists()
    assert audit.audit().clean
    assert service.dispatched(honey.product.producer_id, ["batch:1"]) == {}


def test_a_producer_dispatches_only_its_own_products_to_an_open_point(honey, sales_point, people, make_product):
    other = make_product("Chè Shan tuyết").variants.get()
    with pytest.raises(ShopError) as caught:
        service.dispatch(user=None, producer_id=honey.product.producer_id, to_point_id=sales_point.pk,
                         lines=[(other.pk, 3)])
    assert caught.value.code == "variant_not_found" and caught.value.field == "lines.0.variantId"
    people["other_point"].is_active = False
    people["other_point"].save(update_fields=["is_active"])
    for to, code in ((people["other_point"].pk, "point_closed"), (999_999, "sales_point_not_found"),
                     ("x", "sales_point_not_found")):
        with pytest.raises(ShopError) as caught:
            service.dispatch(user=None, producer_id=honey.product.producer_id, to_point_id=to, lines=[(honey.pk, 1)])
        assert caught.value.code == code
    with pytest.raises(ShopError) as caught:
        dispatch(honey, sales_point, quantity=0)
    assert caught.value.code == "invalid_quantity"
    assert not Transfer.objects.exists()


def test_a_transfer_has_exactly_one_sender(honey, sales_point, people):
    producer = honey.product.producer
    for sender in ({}, {"from_point": people["other_point"], "from_producer": producer}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Transfer.objects.create(to_point=sales_point, sent_at="2026-12-01T08:00:00+07:00", **sender)


def test_the_staff_page_names_the_producer_as_the_sender(client, honey, sales_point, people):
    transfer = dispatch(honey, sales_point)
    client.force_login(people["clerk"])
    page = client.get(f"/staff/points/{sales_point.code}/transfers/").content.decode()
    assert f"Chủ thể {honey.product.producer.name}" in page and f'id="t-{transfer.number}"' in page
    line = transfer.lines.get()
    response = client.post(f"/staff/transfers/{transfer.pk}/receive/", {"point": sales_point.code,
                                                                        f"received_{line.pk}": "30"})
    assert response.status_code == 302
    history = client.get(f"/staff/points/{sales_point.code}/transfers/").content.decode()
    assert f"Chủ thể {honey.product.producer.name} → Điểm bán Mường Ảng" in history
