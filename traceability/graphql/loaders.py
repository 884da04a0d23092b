from collections import defaultdict

from django.conf import settings
from django.db.models import F, Window
from django.db.models.functions import RowNumber

from shop.graphql.loaders import BatchLoader, prime_all
from traceability.models import Batch, TraceEvent

BATCH_RELATED = ("variant", "origin_commune__district", "origin_commune__successor")


class BatchesByProduct(BatchLoader):
    """The newest lots of each product (at most a page's worth per product), in one query."""

    key_kind = "product"
    many = True

    def batch_load(self, keys):
        cap = settings.GRAPHQL_MAX_PAGE_SIZE
        ranked = (
            Batch.objects.filter(variant__product_id__in=keys)
            .select_related(*BATCH_RELATED)
            .annotate(product_key=F("variant__product_id"), rank=Window(
                RowNumber(), partition_by=[F("variant__product_id")],
                order_by=[F("production_date").desc(), F("id").desc()],
            ))
            .filter(rank__lte=cap)
            .order_by("product_key", "rank")
        )
        found = defaultdict(list)
        for batch in ranked:
            found[batch.product_key].append(batch)
        prime_all(self.context, "batch", [b.pk for bs in found.values() for b in bs])
        return found


class EventsByBatch(BatchLoader):
    key_kind = "batch"
    many = True

    def batch_load(self, keys):
        found = defaultdict(list)
        for event in TraceEvent.objects.filter(batch_id__in=keys).select_related("sales_point", "commune").order_by(
            "event_time", "id"
        ):
            found[event.batch_id].append(event)
        return found
