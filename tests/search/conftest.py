"""Fixtures of the search tests: the demo catalogue, indexed."""
import pytest

from catalog import search


@pytest.fixture
def indexed_demo(db):
    """The demo catalogue with a fresh search index; returns {product name: pk}.

    Only the catalogue: the apps above catalog (orders, traceability) add
    their demo data through the `demo_loaded` signal, which search does not
    need, so it is muted here.
    """
    from catalog.demo.loader import DemoLoader
    from catalog.demo.signals import demo_loaded
    from catalog.models import Product

    saved = demo_loaded.receivers
    demo_loaded.receivers = []
    demo_loaded.sender_receivers_cache.clear()
    try:
        DemoLoader(with_images=False).run()
    finally:
        demo_loaded.receivers = saved
        demo_loaded.sender_receivers_cache.clear()
    search.rebuild()
    return dict(Product.objects.values_list("name", "pk"))


@pytest.fixture(autouse=True)
def _fresh_search_health():
    search.health.down_until = 0.0
    search.health.logged = False
    yield
    search.health.down_until = 0.0
    search.health.logged = False
