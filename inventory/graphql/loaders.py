from inventory import availability
from shop.graphql.loaders import BatchLoader


class SellableStockByVariant(BatchLoader):
    """[(sales point, units sellable there)] per variant, by the availability policy; catalog's
    ProductVariant.stock asks for it by name ("variant_stock")."""

    key_kind = "variant"
    provides = "variant_stock"
    many = True

    def batch_load(self, keys):
        found: dict[int, list] = {}
        rows = availability.sellable_stock().filter(variant_id__in=keys).select_related("sales_point__district")
        for s in rows.order_by("sales_point__priority", "sales_point__code"):
            found.setdefault(s.variant_id, []).append((s.sales_point, s.quantity_available))
        return found
