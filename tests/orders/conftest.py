"""Fixtures of the orders tests.

`shop_demo` loads the demo shop once per test module (inside an outer
transaction rolled back at the module's end); every test still runs in its
own savepoint, so tests do not see each other's orders. That keeps the
suite fast: loading the demo takes seconds.
"""
import pytest
from django.db import transaction

from catalog.demo.loader import DemoLoader
from catalog.models import ProductVariant
from inventory import ledger
from inventory.models import Stock
from shop.models import SalesPoint

DEMO_PASSWORD = "ocop-demo-2026"


@pytest.fixture(scope="module")
def shop_demo(django_db_setup, django_db_blocker, demo_without_lots):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with demo_without_lots():
                summary = DemoLoader(with_images=False).run()
            yield summary
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def points(shop_demo, db):
    return {p.code: p for p in SalesPoint.objects.all()}


def stock_of(variant, point) -> Stock:
    return Stock.objects.get(variant=variant, sales_point=point)


def variant_only_at(point_codes, *, exclude=()):
    """A published, certified demo variant with free stock at each of `point_codes` (and none at `exclude`)."""
    from orders.checkout import sellable_variants
    from shop.errors import ShopError

    candidates = ProductVariant.objects.filter(is_published=True).order_by("id")
    for variant in candidates:
        free = {s.sales_point.code: s.quantity_available for s in variant.stocks.select_related("sales_point")}
        if all(free.get(c, 0) >= 2 for c in point_codes) and all(free.get(c, 0) <= 0 for c in exclude):
            try:
                if sellable_variants([variant.pk])[variant.pk].stars:
                    return variant
            except ShopError:
                continue
    raise LookupError(f"no demo variant at {point_codes} without {exclude}")


def set_stock(variant, point, on_hand):
    ledger.stock_up(variant, point, on_hand)


@pytest.fixture
def staff_login(client):
    """Sign the test client in (Bearer token via tokenCreate) as a demo staff user."""
    from shop.auth import create_token

    def login(gql, code: str):
        _, raw = create_token(email=f"{code}@ocop-dienbien.example", password=DEMO_PASSWORD)
        gql.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        return raw

    return login


@pytest.fixture
def oh(points):
    """The helpers above, for test modules (importlib mode cannot import conftest)."""
    import types

    return types.SimpleNamespace(stock_of=stock_of, variant_only_at=variant_only_at, set_stock=set_stock, points=points)
