from collections import defaultdict

from catalog.models import Certification, ProductImage, ProductVariant, Stock
from shop.graphql.loaders import BatchLoader, prime_all


class CertificationsByProduct(BatchLoader):
    key_kind = "product"
    many = True

    def batch_load(self, keys):
        found = defaultdict(list)
        for cert in Certification.objects.filter(product_id__in=keys):
            found[cert.product_id].append(cert)
        return found


class VariantsByProduct(BatchLoader):
    key_kind = "product"
    many = True

    def batch_load(self, keys):
        found = defaultdict(list)
        variants = list(ProductVariant.objects.filter(product_id__in=keys, is_published=True))
        for variant in variants:
            found[variant.product_id].append(variant)
        prime_all(self.context, "variant", [v.pk for v in variants])
        return found


class ImagesByProduct(BatchLoader):
    key_kind = "product"
    many = True

    def batch_load(self, keys):
        found = defaultdict(list)
        for image in ProductImage.objects.filter(product_id__in=keys):
            found[image.product_id].append(image)
        return found


class StockByVariant(BatchLoader):
    key_kind = "variant"
    many = True

    def batch_load(self, keys):
        found = defaultdict(list)
        stocks = Stock.objects.filter(variant_id__in=keys, sales_point__is_active=True).select_related("sales_point__district")
        for stock in stocks:
            found[stock.variant_id].append(stock)
        return found
