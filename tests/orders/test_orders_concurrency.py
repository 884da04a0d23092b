"""Fifty buyers, ten units: real concurrent transactions on PostgreSQL."""
import pytest
from django.db import connection

from inventory import audit
from inventory.models import Stock, StockMovement
from orders import checkout as checkout_service
from orders.models import Fulfillment, Order
from shop.models import Commune
from tests.concurrency import run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (row locks, real concurrency)"),
]


@pytest.fixture
def ten_units(make_product, sales_point):
    sales_point.delivers_to.add(sales_point.district)
    commune = Commune.objects.create(slug="xa-thu", name="Thử", era=2022, district=sales_point.district)
    product = make_product("Mật ong hoa ban", stock={sales_point: 10})
    variant = product.variants.get()
    checkouts = []
    for i in range(50):
        c = checkout_service.create_checkout(lines=[(variant.pk, 1)], phone=f"0912{i:06d}")
        checkout_service.set_delivery(token=c.token, address={
            "full_name": f"Khách {i}", "street_address": "Bản Ten, tổ 1", "commune_id": commune.pk})
        checkouts.append(c.token)
    return variant, sales_point, checkouts


@pytest.mark.django_db(transaction=True)
def test_fifty_buyers_ten_units_exactly_ten_orders(ten_units):
    variant, point, tokens = ten_units
    results = run_together(50, lambda i: checkout_service.complete_checkout(
        token=tokens[i], payment_method="CASH_ON_DELIVERY").order.number)
    outcomes = sorted(r[0] for r in results)
    assert "crash" not in outcomes, [r for r in results if r[0] == "crash"]
    assert outcomes.count("ok") == 10
    assert {r[1] for r in results if r[0] == "error"} == {"out_of_stock"}
    stock = Stock.objects.get(variant=variant, sales_point=point)
    assert (stock.quantity_on_hand, stock.quantity_allocated) == (10, 10)
    assert Order.objects.count() == 10 and Fulfillment.objects.count() == 10
    assert StockMovement.objects.filter(kind="ALLOCATE").count() == 10
    assert len({r[1] for r in results if r[0] == "ok"}) == 10  # ten different order numbers
    assert audit.audit().clean  # what `manage.py inventory_audit` checks: the ledger adds up after the race


@pytest.mark.django_db(transaction=True)
def test_double_clicks_and_a_shared_idempotency_key_make_one_order(ten_units):
    variant, point, tokens = ten_units
    results = run_together(8, lambda i: checkout_service.complete_checkout(
        token=tokens[0], payment_method="CASH_ON_DELIVERY", idempotency_key="same-key").order.number)
    assert {r[0] for r in results} == {"ok"}, results
    assert len({r[1] for r in results}) == 1
    assert Order.objects.count() == 1
    assert Stock.objects.get(variant=variant, sales_point=point).quantity_allocated == 1
    assert audit.audit().clean
