"""Keeping the search index in step with the catalogue.

The queue is the `Product.search_dirty` flag, written in the same
transaction as the change, so a rollback never reaches the index:
- a change to a product, its variants, stock, certificates, producer or
  group sets the flag (signal handlers below) and registers one
  `transaction.on_commit` callback that re-indexes the dirty products once
  the transaction has committed;
- bulk writes that send no signals (`QuerySet.update`, `bulk_create`) are
  caught by `sweep()`, run periodically (`manage.py search_index --sweep`,
  e.g. from cron every few minutes), which also re-indexes products whose
  certificate has lapsed since they were indexed and whose availability per
  sales point no longer matches the stock table. Code that changes stock in
  bulk may call `mark_dirty(variant_ids=…)` to be seen sooner;
- with the embedded backend alone, a search first indexes a bounded number
  of dirty products (`catch_up`), so nothing waits for the sweep there.

Stars are checked against today's date at search time too, so an expired
certificate never shows in results before the sweep has run.
"""
import logging

from django.conf import settings
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save

from catalog.certification import today

log = logging.getLogger("search")


def mark_dirty(*, product_ids=(), variant_ids=(), producer_ids=(), group_ids=()) -> None:
    """Flag products for re-indexing (inside the caller's transaction) and
    re-index them once it commits."""
    from catalog.models import Product

    if product_ids:
        Product.objects.filter(pk__in=list(product_ids)).update(search_dirty=True)
    if variant_ids:
        Product.objects.filter(variants__pk__in=list(variant_ids)).update(search_dirty=True)
    if producer_ids:
        Product.objects.filter(producer_id__in=list(producer_ids)).update(search_dirty=True)
    if group_ids:
        Product.objects.filter(group_id__in=list(group_ids)).update(search_dirty=True)
    schedule_flush()


def schedule_flush() -> None:
    """One on_commit callback per transaction (per savepoint level), however many rows changed;
    after the first, the others find nothing dirty."""
    if connection.in_atomic_block:
        current = set(connection.savepoint_ids)
        if any(sids == current and func is flush for sids, func, *_ in connection.run_on_commit):
            return
    transaction.on_commit(flush, robust=True)


def flush() -> None:
    try:
        process_dirty()
    except Exception:  # noqa: BLE001 - the flags stay set; the sweep retries
        log.exception("Re-indexing changed products failed; the periodic sweep will retry.")


def process_dirty(limit: int | None = None) -> int:
    """Re-index the dirty products (clearing the flag first, so a change made
    meanwhile flags the product again rather than being lost)."""
    from catalog.models import Product

    ids = list(Product.objects.filter(search_dirty=True).order_by("pk").values_list("pk", flat=True)[:limit])
    if ids:
        reindex(ids)
    return len(ids)


def reindex(ids) -> None:
    import search
    from catalog.models import Product

    Product.objects.filter(pk__in=ids).update(search_dirty=False)
    for backend in search.active_backends():
        if backend.name == "elasticsearch" and not search.health.usable():
            Product.objects.filter(pk__in=ids).update(search_dirty=True)  # for the sweep, once it answers
            continue
        try:
            backend.index(ids)
        except Exception as exc:
            Product.objects.filter(pk__in=ids).update(search_dirty=True)
            if backend.name == "elasticsearch":
                search.health.failed(exc)
                continue
            raise


def catch_up() -> None:
    """Embedded only: index a bounded number of dirty products before answering.
    (With Elasticsearch configured, the on_commit hook and the sweep do it.)"""
    import search

    if not settings.SEARCH_CATCH_UP or search.elasticsearch() is not None:
        return
    from catalog.models import Product

    try:
        if Product.objects.filter(search_dirty=True).exists():
            with transaction.atomic():
                process_dirty(limit=settings.SEARCH_CATCH_UP_LIMIT)
    except Exception:  # noqa: BLE001 - a busy database must not fail a search
        log.warning("Could not index changed products before searching; the sweep will.", exc_info=True)


def stale_ids(day=None, check_stock: bool = True) -> set[int]:
    """Products whose index entry no longer matches the catalogue."""
    from catalog.models import Product
    from inventory import availability
    from search.models import SearchEntry

    day = day or today()
    ids = set(Product.objects.filter(search_dirty=True).values_list("pk", flat=True))
    ids |= set(SearchEntry.objects.filter(stars__isnull=False, certified_until__lt=day).values_list("product_id", flat=True))
    ids |= set(Product.objects.published().filter(search_entry__isnull=True).values_list("pk", flat=True))
    ids |= set(SearchEntry.objects.filter(product__is_published=False).values_list("product_id", flat=True))
    if check_stock:
        live = availability.points_with_stock(None, day)
        for product_id, points in SearchEntry.objects.values_list("product_id", "points").iterator(5000):
            if {int(p) for p in points.split()} != live.get(product_id, set()):
                ids.add(product_id)
    return ids


def sweep(day=None, check_stock: bool = True) -> int:
    """Re-index whatever drifted; returns how many products were re-indexed."""
    ids = sorted(stale_ids(day, check_stock))
    for start in range(0, len(ids), 500):
        reindex(ids[start : start + 500])
    return len(ids)


# -- signal handlers ---------------------------------------------------------------------

def _product_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        mark_dirty(product_ids=[instance.pk])


def _product_deleted(sender, instance, **kwargs):
    import search

    pk = instance.pk
    # The embedded index lives in the same database: remove it in the same transaction.
    search.embedded().delete([pk])
    es = search.elasticsearch()
    if es is None:
        return

    def remove():
        try:
            es.delete([pk])
        except Exception:  # noqa: BLE001
            log.exception("Removing product %s from Elasticsearch failed; the next rebuild will.", pk)

    transaction.on_commit(remove, robust=True)


def _variant_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        mark_dirty(product_ids=[instance.product_id])


def _stock_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        mark_dirty(variant_ids=[instance.variant_id])


def _availability_changed(sender, variant_ids, **kwargs):
    mark_dirty(variant_ids=variant_ids)


def _hold_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        mark_dirty(variant_ids=[instance.variant_id])


def _certificate_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        mark_dirty(product_ids=[instance.product_id])


def _producer_saved(sender, instance, raw=False, created=False, **kwargs):
    if not raw and not created:
        mark_dirty(producer_ids=[instance.pk])


def _group_saved(sender, instance, raw=False, created=False, **kwargs):
    if not raw and not created:
        mark_dirty(group_ids=[instance.pk])


def _sales_point_changed(sender, instance, raw=False, **kwargs):
    """The facets name sales points from the in-memory copy of the index: have it reloaded."""
    import search

    if not raw:
        transaction.on_commit(search.embedded().new_generation, robust=True)


def connect() -> None:
    from catalog.models import Certification, Producer, Product, ProductGroup, ProductVariant
    from inventory.models import SaleHold, Stock
    from inventory.signals import availability_changed
    from shop.models import SalesPoint

    uid = "search.sync"
    availability_changed.connect(_availability_changed, dispatch_uid=f"{uid}.availability")
    for signal in (post_save, post_delete):
        signal.connect(_hold_changed, sender=SaleHold, dispatch_uid=f"{uid}.hold.{signal is post_save}")
    post_save.connect(_product_saved, sender=Product, dispatch_uid=f"{uid}.product")
    post_delete.connect(_product_deleted, sender=Product, dispatch_uid=f"{uid}.product.delete")
    for signal in (post_save, post_delete):
        name = "save" if signal is post_save else "delete"
        signal.connect(_variant_changed, sender=ProductVariant, dispatch_uid=f"{uid}.variant.{name}")
        signal.connect(_stock_changed, sender=Stock, dispatch_uid=f"{uid}.stock.{name}")
        signal.connect(_certificate_changed, sender=Certification, dispatch_uid=f"{uid}.cert.{name}")
    post_save.connect(_producer_saved, sender=Producer, dispatch_uid=f"{uid}.producer")
    post_save.connect(_group_saved, sender=ProductGroup, dispatch_uid=f"{uid}.group")
    post_save.connect(_sales_point_changed, sender=SalesPoint, dispatch_uid=f"{uid}.sales_point")
