
from catalog.models import Certification, ProductImage, ProductVariant, Stock
from shop.graphql.loaders import BatchLoader, group_by, prime_all


class CertificationsByProduct(BatchLoader):
    key_kind = "product"
    many = True

    def batch_load(self, keys):
        return group_by(Certification.objects.filter(product_id__in=keys), "product_id")


class VariantsByProduct(BatchLoader):
    key_kind = "product"
    many = True

    def batch_load(self, keys):
        variants = list(ProductVariant.objects.filter(product_id__in=keys, is_published=True))
        found = group_by(variants, "product_id")
        prime_all(self.context, "variant", [v.pk for v in variants])
        return found


class ImagesByProduct(BatchLoader):
    key_kind = "product"
    many = True

    def batch_load(self, keys):
        return group_by(ProductImage.objects.filter(product_id__in=keys), "product_id")


class StockByVariant(BatchLoader):
    key_kind = "variant"
    many = True

    def batch_load(self, keys):
        stocks = Stock.objects.filter(variant_id__in=keys, sales_point__is_active=True).select_related("sales_point__district")
        found = group_by(stocks, "variant_id")
        return found
