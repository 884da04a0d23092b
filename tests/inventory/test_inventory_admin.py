"""The admin edits stock through the ledger: a new row is a receipt, a change an adjustment with
a reason, the ledger itself is read-only."""
import pytest
from django.db import transaction

from inventory import ledger
from inventory.models import Stock, StockMovement


@pytest.fixture
def variant(make_product):
    return make_product().variants.get()


def form(variant, point, **data):
    return {"variant": variant.pk, "sales_point": point.pk, "low_stock_threshold": "", "change": "", "reason": "",
            **data}


def test_adding_a_stock_row_in_the_admin_is_a_receipt_with_its_reason_and_actor(admin_client, admin_user, variant,
                                                                                  sales_point):
    assert "thay đổi tồn kho" in admin_client.get("/admin/inventory/stock/add/").content.decode()
    response = admin_client.post("/admin/inventory/stock/add/",
                                 form(variant, sales_point, change="24", reason="HTX giao 24 hũ", low_stock_threshold="5"))
    assert response.status_code == 302, response.content.decode()[-2000:]
    stock = Stock.objects.get(variant=variant, sales_point=sales_point)
    assert (stock.quantity_on_hand, stock.low_stock_threshold) == (24, 5)
    movement = StockMovement.objects.get(stock=stock)
    assert (movement.kind, movement.on_hand_change, movement.reason, movement.actor) == (
        "RECEIPT", 24, "HTX giao 24 hũ", admin_user)


def test_a_change_needs_a_reason_and_cannot_go_below_what_orders_hold(admin_client, variant, sales_point):
    stock = ledger.receive(variant_id=variant.pk, sales_point_id=sales_point.pk, quantity=5)
    with transaction.atomic():
        ledger.apply([ledger.Change(ledger.stock_row(variant_id=variant.pk, sales_point_id=sales_point.pk),
                                    "ALLOCATE", allocated=3)], reason="order")
    path = f"/admin/inventory/stock/{stock.pk}/change/"
    no_reason = admin_client.post(path, form(variant, sales_point, change="-1"))
    assert no_reason.status_code == 200 and "Hãy ghi lý do thay đổi tồn kho" in no_reason.content.decode()
    too_many = admin_client.post(path, form(variant, sales_point, change="-3", reason="vỡ 3 hũ"))
    assert too_many.status_code == 200 and "không thể bớt xuống thấp hơn" in too_many.content.decode()
    ok = admin_client.post(path, form(variant, sales_point, change="-2", reason="vỡ 2 hũ"))
    assert ok.status_code == 302
    stock.refresh_from_db()
    assert (stock.quantity_on_hand, stock.quantity_allocated) == (3, 3)
    assert StockMovement.objects.filter(stock=stock).values_list("kind", "on_hand_change").order_by("id")[2] == (
        "ADJUSTMENT", -2)


def test_the_admin_cannot_type_over_quantities_or_touch_the_ledger(admin_client, variant, sales_point):
    stock = ledger.receive(variant_id=variant.pk, sales_point_id=sales_point.pk, quantity=5)
    admin_client.post(f"/admin/inventory/stock/{stock.pk}/change/",
                      {**form(variant, sales_point), "quantity_on_hand": "500", "quantity_allocated": "0"})
    stock.refresh_from_db()
    assert stock.quantity_on_hand == 5  # read-only fields are ignored
    movement = StockMovement.objects.get()
    assert admin_client.get(f"/admin/inventory/stockmovement/{movement.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/inventory/stockmovement/add/").status_code == 403
    assert admin_client.get(f"/admin/inventory/stock/{stock.pk}/delete/").status_code == 403
