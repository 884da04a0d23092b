"""The index follows the catalogue: on commit, never on rollback; the sweep
catches what no signal announced; the command rebuilds with a progress bar."""
import datetime

import pytest
from django.core.management import call_command
from django.db import transaction

from catalog import certification, search
from catalog.models import Product, SearchEntry, Stock
from catalog.search import sync


@pytest.fixture
def no_catch_up(settings):
    """Only on_commit and the sweep may update the index in these tests."""
    settings.SEARCH_CATCH_UP = False


def found(query, **filters):
    return search.search(query, filters=search.SearchFilters(**filters)).product_ids


def test_changes_reach_the_index_when_the_transaction_commits(make_product, sales_point, no_catch_up,
                                                              django_capture_on_commit_callbacks):
    product = make_product("Mật ong hoa ban", price=150_000)
    search.rebuild()
    variant = product.variants.get()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            variant.price_vnd = 90_000
            variant.save()
            Stock.objects.create(variant=variant, sales_point=sales_point, quantity_on_hand=4)
            product.name = "Mật ong Pá Khoang"
            product.save()
            assert found("pa khoang") == []  # not before the commit
    assert len(callbacks) == 1  # one re-index for the whole transaction
    assert found("pa khoang") == [product.pk]
    assert found("", price_lte=100_000) == [product.pk]
    assert found("", available_at=[sales_point.pk]) == [product.pk]
    assert not Product.objects.get(pk=product.pk).search_dirty


def test_a_rollback_never_reaches_the_index(make_product, no_catch_up, django_capture_on_commit_callbacks):
    product = make_product("Mật ong hoa ban")
    search.rebuild()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                product.name = "Trà Shan tuyết"
                product.save()
                raise RuntimeError("the change is abandoned")
    assert callbacks == []
    assert found("tra shan tuyet") == [] and found("mat ong") == [product.pk]
    assert not Product.objects.get(pk=product.pk).search_dirty


def test_the_sweep_catches_bulk_updates_and_lapsed_certificates(make_product, sales_point, no_catch_up):
    product = make_product("Mật ong hoa ban", stock={sales_point: 3})
    search.rebuild()
    assert found("", available_at=[sales_point.pk]) == [product.pk]
    Stock.objects.filter(variant__product=product).update(quantity_allocated=3)  # no signal
    Product.objects.filter(pk=product.pk).update(search_dirty=False)
    assert product.pk in sync.stale_ids()
    assert sync.sweep() == 1
    assert found("", available_at=[sales_point.pk]) == []
    # A certificate that lapses overnight stops counting at once, and the sweep drops its stars.
    until = SearchEntry.objects.get(pk=product.pk).certified_until
    after = until + datetime.timedelta(days=1)
    assert search.search("mat ong", day=after).product_ids == []
    assert sync.stale_ids(day=after, check_stock=False) == {product.pk}
    assert sync.sweep(day=after, check_stock=False) == 1


def test_catch_up_indexes_dirty_products_before_answering(make_product):
    product = make_product("Chè Shan tuyết")  # created dirty, no commit in a test
    assert found("che shan") == [product.pk]
    assert not Product.objects.get(pk=product.pk).search_dirty


def test_revoking_a_certificate_removes_the_product(make_product):
    product = make_product("Rượu ngô")
    assert found("ruou") == [product.pk]
    certification.revoke(certificate=product.certifications.get(), reason="vi phạm")
    assert found("ruou") == []
    product.delete()
    assert found("ruou") == [] and found("", certified_only=False) == []


def test_rebuild_command_shows_progress_and_can_be_quiet(make_product, capsys):
    make_product("Mật ong hoa ban")
    call_command("search_index", "--rebuild")
    out = capsys.readouterr()
    assert "100%" in out.err and "embedded: 1 products" in out.out
    call_command("search_index", "--rebuild", "--quiet")
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    call_command("search_index", "--sweep")
    assert "0 products" in capsys.readouterr().out
    assert found("mat ong")
