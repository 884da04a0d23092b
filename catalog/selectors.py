"""Reads of the catalogue that several callers share (GraphQL, admin, pages)."""
import datetime

from django.db.models import Exists, IntegerField, Max, Min, OuterRef, Q, QuerySet, Subquery

from catalog.certification import today
from catalog.models import Certification, Product, ProductVariant, Stock


def with_current_stars(products: QuerySet, day: datetime.date | None = None) -> QuerySet:
    """Annotate `current_stars`: the stars that may be shown on `day`, else None."""
    day = day or today()
    best = Certification.objects.valid_on(day).filter(product=OuterRef("pk")).order_by("-stars", "-decision_date")
    return products.annotate(current_stars=Subquery(best.values("stars")[:1], output_field=IntegerField()))


def with_price_range(products: QuerySet) -> QuerySet:
    published = Q(variants__is_published=True)
    return products.annotate(
        min_price=Min("variants__price_vnd", filter=published), max_price=Max("variants__price_vnd", filter=published)
    )


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
    every product in its sub-groups and product sets). `stars` match only a
    certificate valid on `day`, so an expired 4★ product is not a 4★ product.
    """
    day = day or today()
    if certified_only:
        products = products.certified_on(day)
    if search and search.strip():
        from catalog import search as catalog_search  # the search backend decides what matches

        products = products.filter(pk__in=catalog_search.matching_ids(search))
    if groups:
        products = products.filter(
            Q(group__code__in=groups) | Q(group__parent__code__in=groups) | Q(group__parent__parent__code__in=groups)
        )
    if stars:
        products = products.filter(
            Exists(Certification.objects.valid_on(day).filter(product=OuterRef("pk"), stars__in=stars))
        )
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
        products = products.filter(
            Exists(
                Stock.objects.available().filter(
                    variant__product=OuterRef("pk"), variant__is_published=True, sales_point_id__in=available_at
                )
            )
        )
    return products


SORT_FIELDS = {
    "NAME": ("name", "id"),
    "PRICE": ("min_price", "id"),
    "STARS": ("current_stars", "id"),
    "NEWEST": ("created_at", "id"),
}


def sort_products(products: QuerySet, field: str = "NAME", descending: bool = False) -> QuerySet:
    """Stable orderings (id breaks ties so cursors never skip or repeat)."""
    if field == "PRICE":
        products = with_price_range(products)
    elif field == "STARS":
        products = with_current_stars(products)
    keys = SORT_FIELDS.get(field, SORT_FIELDS["NAME"])
    from django.db.models import F

    ordering = [F(k).desc(nulls_last=True) if descending else F(k).asc(nulls_last=True) for k in keys]
    return products.order_by(*ordering)


def storefront_products() -> QuerySet:
    return Product.objects.published().select_related("producer", "group", "district")
