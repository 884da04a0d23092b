"""Finding 3 of issue 12, under real concurrency on PostgreSQL: simultaneous orders for one
e-mail, or from one client address, cannot all slip past the open-unpaid-order limit.

Each buyer orders a different product, so the stock row locks do not line the buyers up:
only the limit's own lock does."""
import pytest
from django.db import connection

from orders import checkout as checkout_service
from orders.models import Order
from shop.models import Commune
from tests.concurrency import run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (advisory locks, real concurrency)"),
]

BUYERS = 8


def _checkouts(make_product, sales_point, contact):
    """BUYERS checkouts for cash on delivery, each of a different product; contact(i) -> (email, phone)."""
    sales_point.delivers_to.add(sales_point.district)
    commune = Commune.objects.create(slug="xa-thu", name="Thử", era=2022, district=sales_point.district)
    tokens = []
    for i in range(BUYERS):
        variant = make_product(f"Sản phẩm {i}", stock={sales_point: 10}).variants.get()
        email, phone = contact(i)
        c = checkout_service.create_checkout(lines=[(variant.pk, 1)], email=email, phone=phone)
        checkout_service.set_delivery(token=c.token, address={
            "full_name": f"Khách {i}", "street_address": "Bản Ten, tổ 1", "commune_id": commune.pk})
        tokens.append(c.token)
    return tokens


def _outcomes(results):
    assert not [r for r in results if r[0] == "crash"], results
    return sorted(r[1] if r[0] == "error" else "ok" for r in results)


@pytest.mark.django_db(transaction=True)
def test_simultaneous_orders_for_one_email_stop_at_the_limit(make_product, sales_point, settings):
    limit = settings.ORDER_MAX_OPEN_UNPAID_PER_CONTACT
    tokens = _checkouts(make_product, sales_point, lambda i: ("khach@example.com", f"0912{i:06d}"))
    results = run_together(BUYERS, lambda i: checkout_service.complete_checkout(
        token=tokens[i], payment_method="CASH_ON_DELIVERY", client_ip=f"198.51.100.{i + 1}").order.number)
    assert _outcomes(results) == ["ok"] * limit + ["too_many_open_orders"] * (BUYERS - limit)
    assert Order.objects.filter(email="khach@example.com").count() == limit


@pytest.mark.django_db(transaction=True)
def test_simultaneous_orders_from_one_address_stop_at_the_limit(make_product, sales_point, settings):
    limit = settings.ORDER_MAX_OPEN_UNPAID_PER_CLIENT
    tokens = _checkouts(make_product, sales_point, lambda i: (f"khach{i}@example.com", f"0912{i:06d}"))
    results = run_together(BUYERS, lambda i: checkout_service.complete_checkout(
        token=tokens[i], payment_method="CASH_ON_DELIVERY", client_ip="203.0.113.7").order.number)
    assert _outcomes(results) == ["ok"] * limit + ["too_many_open_orders"] * (BUYERS - limit)
    assert Order.objects.count() == limit
