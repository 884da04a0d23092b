from django.db.models import Q

from catalog.models import Certification, Producer, ProductImage, ProductVariant
from shop.graphql.loaders import BatchLoader, group_by, prime_all
from shop.models import Commune, District


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


class DistrictsById(BatchLoader):
    """Every district, once per request: a dozen rows cost less than a join.
    (Each join of a list query adds planning time; PostgreSQL spent 20-40 ms
    planning the product list when producers came with three more joins.)"""

    def batch_load(self, keys):
        return {d.pk: d for d in District.objects.all()}


class CommunesById(BatchLoader):
    """The communes producers are in (now and before the 2025 merger) and any asked for, once per
    request and only when a commune is asked for: a list of producers never costs a query per
    commune (no N+1 without priming), and a product never loads the province's hundred communes
    to show one (a tenth of a cold product answer did, bench/README.md)."""

    def batch_load(self, keys):
        producers = Producer.objects.all()
        wanted = (Q(pk__in=keys) | Q(pk__in=producers.values("commune_id"))
                  | Q(pk__in=producers.values("former_commune_id")))
        return {c.pk: c for c in Commune.objects.filter(wanted)}
