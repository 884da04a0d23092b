"""Batch loaders of orders: a list primes them with its page's keys, so its
query count does not grow with its length."""

from orders.models import Fulfillment, FulfillmentLine, Order, OrderEvent, OrderLine
from shop.graphql.loaders import BatchLoader, group_by
from shop.models import SalesPoint


class OrderLinesByOrder(BatchLoader):
    key_kind = "order"
    many = True

    def batch_load(self, keys):
        return group_by(OrderLine.objects.filter(order_id__in=keys), "order_id")


class FulfillmentsByOrder(BatchLoader):
    key_kind = "order"
    many = True

    def batch_load(self, keys):
        rows = list(Fulfillment.objects.filter(order_id__in=keys).order_by("id"))
        found = group_by(rows, "order_id")
        from shop.graphql.loaders import prime_all

        prime_all(self.context, "fulfillment", [f.pk for f in rows])
        SalesPointById.of(self.context).prime([f.sales_point_id for f in rows])
        return found


class EventsByOrder(BatchLoader):
    key_kind = "order"
    many = True

    def batch_load(self, keys):
        return group_by(OrderEvent.objects.filter(order_id__in=keys).select_related("fulfillment").order_by("created_at", "id"), "order_id")


class LinesByFulfillment(BatchLoader):
    key_kind = "fulfillment"
    many = True

    def batch_load(self, keys):
        return group_by(FulfillmentLine.objects.filter(fulfillment_id__in=keys).select_related("order_line"), "fulfillment_id")


class OrderById(BatchLoader):
    def batch_load(self, keys):
        return {o.pk: o for o in Order.objects.filter(pk__in=keys)}


class SalesPointById(BatchLoader):
    def batch_load(self, keys):
        return {p.pk: p for p in SalesPoint.objects.filter(pk__in=keys).select_related("district")}
