"""Shared fixtures: the demo shop, a GraphQL client, factories."""
import contextlib
import datetime
import json

import pytest
from django.db import transaction
from django.test import Client

from catalog import certification
from catalog.models import Producer, Product, ProductGroup, ProductVariant
from inventory import ledger
from shop.models import District, SalesPoint


@contextlib.contextmanager
def _demo_without_lots():
    """Load the demo without traceability's lots (slow, and covered by its own tests) and without
    orders' demo orders (tests count orders and stock), nor the producers' portal's lots, changes
    and dispatches: the catalogue, inventory's stock and the receiving accounts only."""
    from catalog.demo.signals import demo_loaded
    from orders import demo as orders_demo
    from producers import demo as producers_demo
    from traceability import demo as traceability_demo

    demo_loaded.disconnect(dispatch_uid="traceability.demo_lots")
    demo_loaded.disconnect(dispatch_uid="orders.demo_orders")
    demo_loaded.disconnect(dispatch_uid="producers.demo_portal")
    try:
        yield
    finally:
        demo_loaded.connect(traceability_demo.load, dispatch_uid="traceability.demo_lots")
        demo_loaded.connect(orders_demo.load_demo_orders, dispatch_uid="orders.demo_orders")
        demo_loaded.connect(producers_demo.load, dispatch_uid="producers.demo_portal")


@pytest.fixture(scope="session")
def demo_without_lots():
    """A context manager: the demo loads its catalogue and stock, not traceability's lots."""
    return _demo_without_lots


@pytest.fixture(scope="module")
def demo_shop(django_db_setup, django_db_blocker):
    """The `demo` shop, loaded once per test module and rolled back after it
    (each test still runs in its own savepoint, like Django's setUpTestData).

    The apps above the catalogue (traceability's lots) add their demo data on
    `demo_loaded`; the pages tested here do not read it, so it is left out.
    """
    from catalog.demo.loader import DemoLoader

    with django_db_blocker.unblock():
        with transaction.atomic():
            with _demo_without_lots():
                DemoLoader(with_images=False).run()
            yield
            transaction.set_rollback(True)


@pytest.fixture
def shop(demo_shop, db):
    """The module's demo shop, its sales points by code; each test rolls its changes back."""
    return {p.code: p for p in SalesPoint.objects.all()}


@pytest.fixture
def stocked_variant(shop):
    """stocked_variant(point, quantity, only_there=False): the first demo variant that may be sold,
    with that stock at that point (and none elsewhere when only_there)."""
    from orders import checkout as checkout_service
    from shop.errors import ShopError

    def stock(point, quantity, *, only_there=False):
        for candidate in ProductVariant.objects.filter(is_published=True, product__is_published=True).order_by("id"):
            try:
                checkout_service.sellable_variants([candidate.pk])
            except ShopError:  # not certified, or on a sale hold: try the next
                continue
            if only_there:
                for row in candidate.stocks.all():
                    ledger.stock_up(candidate, row.sales_point_id, 0)
            ledger.stock_up(candidate, point, quantity)
            return candidate
        raise LookupError("no sellable demo variant")

    return stock


@pytest.fixture
def demo(db):
    """The demo shop without pictures (drawing 47 pictures is slow and tested on its own)."""
    from catalog.demo.loader import DemoLoader

    return DemoLoader(with_images=False).run()


class GraphQLClient:
    def __init__(self, client: Client):
        self.client = client
        self.headers = {}

    def __call__(self, query: str, variables: dict | None = None, *, language: str = "vi", expect_errors: bool = False):
        response = self.client.post(
            "/graphql/", json.dumps({"query": query, "variables": variables or {}}),
            content_type="application/json", HTTP_ACCEPT_LANGUAGE=language, **self.headers,
        )
        body = response.json()
        if not expect_errors:
            assert "errors" not in body, body.get("errors")
        return body


@pytest.fixture
def gql(client):
    return GraphQLClient(client)


# -- small factories for tests that do not need the whole demo ---------------------------

@pytest.fixture
def make_product(db):
    counter = {"n": 0}

    def make(name="Mật ong thử", *, stars=3, decided=None, price=100_000, district_code="102", stock=None, **kwargs):
        counter["n"] += 1
        n = counter["n"]
        district, _ = District.objects.get_or_create(code=district_code, defaults={"name": f"Huyện {district_code}"})
        group = ProductGroup.objects.filter(code="test-group").first() or ProductGroup.objects.create(
            code="test-group", name="Thực phẩm", level=ProductGroup.Level.GROUP
        )
        producer = Producer.objects.create(name=f"HTX thử {n}", slug=f"htx-thu-{n}", kind="COOPERATIVE", district=district)
        product = Product.objects.create(
            slug=f"san-pham-{n}", name=name, name_en=kwargs.pop("name_en", f"Test product {n}"), group=group,
            producer=producer, district=district, **kwargs,
        )
        variant = ProductVariant.objects.create(product=product, sku=f"SKU-{n}", name="Gói", price_vnd=price)
        if stars:
            certification.certify(
                product=product, stars=stars, decision_number=f"{n}/QĐ-UBND",
                decision_date=decided or certification.today() - datetime.timedelta(days=100), issuing_body="UBND tỉnh",
            )
        for point, qty in (stock or {}).items():
            ledger.stock_up(variant, point, qty)
        return product

    return make


@pytest.fixture
def sales_point(db):
    district, _ = District.objects.get_or_create(code="102", defaults={"name": "Huyện Mường Ảng"})
    return SalesPoint.objects.create(
        code="muong-ang", name="Điểm bán Mường Ảng", kind="DISTRICT", district=district, address="Chợ Mường Ảng",
        latitude=21.52, longitude=103.22,
    )


@pytest.fixture(autouse=True)
def _embedded_search_unless_marked(request, settings):
    """With ELASTICSEARCH_URL set (the docker-compose stack) only the tests marked `elasticsearch` may
    reach the server: the others search, and rebuild, the embedded index of the test database."""
    if request.node.get_closest_marker("elasticsearch") is None:
        settings.SEARCH_BACKEND = "embedded"


@pytest.fixture(autouse=True)
def _no_public_catalogue_caches(settings):
    """Tests change rows without signals (F() updates, rollbacks between tests) and query again
    at once: the GraphQL answer cache is tested on its own (tests/shop/test_graphql_public_cache.py)."""
    settings.GRAPHQL_PUBLIC_CACHE_SECONDS = 0
    settings.STOREFRONT_PRODUCT_CACHE_SECONDS = 0  # the same for the product page's facts (tested on their own)


@pytest.fixture(autouse=True)
def _scans_sent_by_the_test(settings):
    """Batched lot scans (traceability/tally.py) go out when a test sends them, or when the
    batch is due, never from a thread of their own that would race the test's assertions."""
    from traceability import tally

    settings.TRACE_SCAN_SEND_THREAD = False
    tally.forget()
    yield
    tally.forget()


@pytest.fixture(autouse=True)
def _no_language_left_active():
    """The locale middleware activates a request's language and leaves it active in the thread:
    after a test's last /en/ request, the next test's reverse() would build English URLs."""
    yield
    from django.utils import translation

    translation.deactivate()
