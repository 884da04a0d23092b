"""The index follows the catalogue: on commit, never on rollback; the sweep
catches what no signal announced; the command rebuilds with a progress bar."""
import datetime
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import transaction

import search
from catalog import certification
from catalog.models import Product
from inventory import ledger
from inventory.signals import availability_changed
from search import sync
from search.models import SearchEntry


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
    with mock.patch.object(sync, "reindex", wraps=sync.reindex) as reindex:
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                variant.price_vnd = 90_000
                variant.save()
                ledger.stock_up(variant, sales_point, 4)  # the ledger's own savepoints may add a callback
                product.name = "Mật ong Pá Khoang"
                product.save()
                assert found("pa khoang") == []  # not before the commit
    assert reindex.call_args_list == [mock.call([product.pk])]  # one re-index for the whole transaction
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
    with mock.patch.object(availability_changed, "send"), transaction.atomic():  # a change the signal missed
        stock = ledger.stock_row(variant_id=product.variants.get().pk, sales_point_id=sales_point.pk)
        ledger.apply([ledger.Change(stock, "ALLOCATE", allocated=3)], reason="test")
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


def test_stock_that_sells_out_or_comes_back_reaches_the_index_on_commit(
    make_product, sales_point, no_catch_up, django_capture_on_commit_callbacks, django_user_model,
):
    """Orders move stock with QuerySet.update (no signal): allocation and release flag the product themselves."""
    from orders import allocation, services
    from orders.models import Order, OrderLine
    from orders.routing import Allocation, Decision

    product = make_product("Mật ong hoa ban", stock={sales_point: 2})
    variant = product.variants.get()
    search.rebuild()
    assert found("", available_at=[sales_point.pk]) == [product.pk]
    order = Order.objects.create(
        number="DB-TEST-1", status=Order.Status.CONFIRMED, delivery_kind="PICKUP", pickup_point=sales_point,
        payment_method="PAY_AT_PICKUP", payment_status=Order.PaymentStatus.NOT_PAID, subtotal_vnd=300_000,
        total_vnd=300_000, routing_reason="test",
    )
    line = OrderLine.objects.create(order=order, variant=variant, product_name=product.name, variant_name="Gói",
                                    sku=variant.sku, unit_price_vnd=150_000, quantity=2, total_vnd=300_000)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            allocation.allocate(
                order=order, decision=Decision((Allocation(sales_point.pk, variant.pk, 2),), "test", "test"),
                stocks=allocation.lock_stock([variant.pk]), order_lines=[line],
            )
    assert found("", available_at=[sales_point.pk]) == []  # the last units are held: not at this point any more
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            allocation.release(order.fulfillments.get(), reason="huỷ")
    assert found("", available_at=[sales_point.pk]) == [product.pk]
    staff = django_user_model.objects.create_superuser("kho@example.com", "kho@example.com", "x")
    with django_capture_on_commit_callbacks(execute=True):
        services.update_stock(sales_point_id=sales_point.pk, variant_id=variant.pk, quantity_on_hand=0,
                              reason="kiểm kê cuối ngày", user=staff)
    assert found("", available_at=[sales_point.pk]) == []
    assert not Product.objects.get(pk=product.pk).search_dirty


def test_a_renamed_sales_point_shows_in_the_facets_once_committed(make_product, sales_point,
                                                                  django_capture_on_commit_callbacks):
    make_product("Mật ong hoa ban", stock={sales_point: 3})
    search.rebuild()

    def labels():
        return [v.label for f in search.search("").facets if f.field == "salesPoint" for v in f.values]

    assert labels() == ["Điểm bán Mường Ảng"]
    with django_capture_on_commit_callbacks(execute=True):
        sales_point.name = "Cửa hàng OCOP Mường Ảng"
        sales_point.save()
    assert labels() == ["Cửa hàng OCOP Mường Ảng"]
