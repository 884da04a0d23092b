"""Finding 3 of issue 12, under real concurrency on PostgreSQL: simultaneous orders for one
e-mail, or from one client address, cannot all slip past the open-unpaid-order limit.

Each buyer orders a different product, so the stock row locks do not line the buyers up:
only the limit's own lock does."""
import threading

import pytest
from django.db import connection, connections

from orders import checkout as checkout_service
from orders.models import Order
from shop.errors import ShopError
from shop.models import Commune

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (advisory locks, real concurrency)"),
]

BUYERS = 8


def _run_together(n, work):
    """Run work(i) in n threads released at once, each on its own connection; returns results by i."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        try:
            barrier.wait(timeout=30)
            results[i] = ("ok", work(i))
        except ShopError as exc:
            results[i] = ("error", exc.code)
        except Exception as exc:  # noqa: BLE001 - reported by the assertions
            results[i] = ("crash", repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a buyer is stuck (deadlock?)"
    return results


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
    results = _run_together(BUYERS, lambda i: checkout_service.complete_checkout(
        token=tokens[i], payment_method="CASH_ON_DELIVERY", client_ip=f"198.51.100.{i + 1}").order.number)
    assert _outcomes(results) == ["ok"] * limit + ["too_many_open_orders"] * (BUYERS - limit)
    assert Order.objects.filter(email="khach@example.com").count() == limit


@pytest.mark.django_db(transaction=True)
def test_simultaneous_orders_from_one_address_stop_at_the_limit(make_product, sales_point, settings):
    limit = settings.ORDER_MAX_OPEN_UNPAID_PER_CLIENT
    tokens = _checkouts(make_product, sales_point, lambda i: (f"khach{i}@example.com", f"0912{i:06d}"))
    results = _run_together(BUYERS, lambda i: checkout_service.complete_checkout(
        token=tokens[i], payment_method="CASH_ON_DELIVERY", client_ip="203.0.113.7").order.number)
    assert _outcomes(results) == ["ok"] * limit + ["too_many_open_orders"] * (BUYERS - limit)
    assert Order.objects.count() == limit
