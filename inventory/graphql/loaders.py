from inventory import availability
from shop.graphql.loaders import BatchLoader
from shop.models import SalesPoint


class SellableStockByVariant(BatchLoader):
    """[(sales point, units sellable there)] per variant, by the availability policy; catalog's
    ProductVariant.stock asks for it by name ("variant_stock").

    The stock rows come as plain tuples and each point as one model instance shared by its rows:
    a page of 20 products has ~200 stock rows but a dozen points, and building a Stock, a
    SalesPoint and a District per row was a third of the product list's time (bench/README.md)."""

    key_kind = "variant"
    provides = "variant_stock"
    many = True

    def batch_load(self, keys):
        rows = availability.sellable_rows(keys)
        points = SalesPoint.objects.select_related("district").in_bulk({point_id for _, point_id, _ in rows})
        rows.sort(key=lambda r: (points[r[1]].priority, points[r[1]].code))
        found: dict[int, list] = {}
        for variant_id, point_id, units in rows:
            found.setdefault(variant_id, []).append((points[point_id], units))
        return found
