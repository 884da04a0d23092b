"""The catalogue as buyers filter it: certificates (catalog), availability
(inventory) and full-text matches (this app's backends), applied in SQL.
The API's `products` and the catalogue pages both call `filter_products`;
sorting is the catalogue's own (`catalog.selectors.sort_products`)."""
import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

import search as search_api
from catalog import certification
from catalog.models import ProductVariant
from inventory import availability


def filter_products(
    products: QuerySet,
    *,
    search: str | None = None,
    groups: list[str] | None = None,
    stars: list[int] | None = None,
    districts: list[str] | None = None,
    producers: list[int] | None = None,
    price_gte: int | None = None,
    price_lte: int | None = None,
    available_at: list[int] | None = None,
    certified_only: bool = True,
    day: datetime.date | None = None,
) -> QuerySet:
    """The catalogue filters of the API and the pages, applied in SQL.

    `groups` match any level of the classification (a group code matches
    every product in its sub-groups and product sets). `stars` match the stars
    shown on `day` (catalog.certification.shown_stars), so an expired 4★
    product is not a 4★ product.
    """
    day = day or certification.today()
    if certified_only:
        products = products.certified_on(day)
    if search and search.strip():
        products = products.filter(pk__in=search_api.matching_ids(search))  # the search backend decides what matches
    if groups:
        products = products.filter(
            Q(group__code__in=groups) | Q(group__parent__code__in=groups) | Q(group__parent__parent__code__in=groups)
        )
    if stars:
        products = products.alias(ocop_stars=certification.shown_stars(day)).filter(ocop_stars__in=stars)
    if districts:
        products = products.filter(Q(district__code__in=districts) | Q(producer__district__code__in=districts))
    if producers:
        products = products.filter(producer_id__in=producers)
    if price_gte is not None or price_lte is not None:
        variants = ProductVariant.objects.filter(product=OuterRef("pk"), is_published=True)
        if price_gte is not None:
            variants = variants.filter(price_vnd__gte=price_gte)
        if price_lte is not None:
            variants = variants.filter(price_vnd__lte=price_lte)
        products = products.filter(Exists(variants))
    if available_at:
        products = products.filter(availability.products_sellable_at(available_at, day))
    return products
