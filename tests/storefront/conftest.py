"""Fixtures of the storefront pages' tests."""
from unittest import mock

import pytest
from django.db import transaction


@pytest.fixture(scope="module")
def demo_shop(django_db_setup, django_db_blocker):
    """The `demo` shop, loaded once per test module and rolled back after it
    (each test still runs in its own savepoint, like Django's setUpTestData).

    The apps above the catalogue (traceability's lots) add their demo data on
    `demo_loaded`; the pages tested here do not read it, so it is left out.
    """
    from catalog.demo.loader import DemoLoader
    from catalog.demo.signals import demo_loaded

    with django_db_blocker.unblock():
        with transaction.atomic():
            with mock.patch.object(demo_loaded, "send"):
                DemoLoader(with_images=False).run()
            yield
            transaction.set_rollback(True)
