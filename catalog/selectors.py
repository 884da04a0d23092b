"""Reads of the catalogue that several callers share (GraphQL, admin, pages)."""
import datetime

from django.db.models import Max, Min, Q, QuerySet

from catalog import certification
from catalog.models import Product


def with_current_stars(products: QuerySet, day: datetime.date | None = None) -> QuerySet:
    """Annotate `current_stars`: the stars that may be shown on `day`, else None
    (catalog.certification.shown_stars, the SQL of `displayable`)."""
    return products.annotate(current_stars=certification.shown_stars(day or certification.today()))


def with_price_range(products: QuerySet) -> QuerySet:
    published = Q(variants__is_published=True)
    return products.annotate(
        min_price=Min("variants__price_vnd", filter=published), max_price=Max("variants__price_vnd", filter=published)
    )


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
