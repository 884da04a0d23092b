"""Fixtures of the search tests: the demo catalogue, indexed."""
import pytest

import search


@pytest.fixture
def indexed_demo(db, demo_without_lots):
    """The demo catalogue and its stock with a fresh search index; returns {product name: pk}."""
    from catalog.demo.loader import DemoLoader
    from catalog.models import Product

    with demo_without_lots():
        DemoLoader(with_images=False).run()
    search.rebuild()
    return dict(Product.objects.values_list("name", "pk"))


@pytest.fixture(autouse=True)
def _fresh_search_health():
    search.health.down_until = 0.0
    search.health.logged = False
    yield
    search.health.down_until = 0.0
    search.health.logged = False
