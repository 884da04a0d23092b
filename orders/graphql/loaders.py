"""Batch loaders of orders: a list primes them with its page's keys, so its
query count does not grow with its length."""
from collections import defaultdict

from orders.models import Fulfillment, FulfillmentLine, Order, OrderEvent, OrderLine
from shop.graphql.loaders import BatchLoader
from shop.models import SalesPoint


class OrderLinesByOrder(BatchLoader):
    key_kind = "order"
    many = True

    def batch_load(self, keys):
        found = defaultdict(list)
        for line in OrderLine.objects.filter(order_id__in=keys):
            found[line.order_id].append(line)
        return found


class FulfillmentsByOrder(BatchLoader):
    key_kind = "order"
    many = True

    def batch_load(self, keys):
        found = defaultdict(list)
        rows = list(Fulfillment.objects.filter(order_id__in=keys).order_by("id"))
        for f in rows:
            found[f.order_id].append(f)
        from shop.graphql.loaders import prime_all

        prime_all(self.context, "fulfillment", [f.pk for f in rows])
        SalesPointById.of(self.context).prime([f.sales_point_id for f in rows])
        return found


class EventsByOrder(BatchLoader):
    key_kind = "order"
    many = True

    def batch_load(self, keys):
        found = defaultdict(list)
        for event in OrderEvent.objects.filter(order_id__in=keys).select_related("fulfillment").order_by("created_at", "id"):
            found[event.order_id].append(event)
        return found


class LinesByFulfillment(BatchLoader):
    key_kind = "fulfillment"
    many = True

    def batch_load(self, keys):
        found = defaultdict(list)
        for line in FulfillmentLine.objects.filter(fulfillment_id__in=keys).select_related("order_line"):
            found[line.fulfillment_id].append(line)
        return found


class OrderById(BatchLoader):
    def batch_load(self, keys):
        return {o.pk: o for o in Order.objects.filter(pk__in=keys)}


class SalesPointById(BatchLoader):
    def batch_load(self, keys):
        return {p.pk: p for p in SalesPoint.objects.filter(pk__in=keys).select_related("district")}
