"""Reads of the catalogue that several callers share (GraphQL, admin, pages)."""
import datetime

from django.db.models import F, Max, Min, Q, QuerySet

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
NULLABLE_SORT_KEYS = {"min_price", "current_stars"}  # a product without a price or stars sorts last


def sort_products(products: QuerySet, field: str = "NAME", descending: bool = False) -> QuerySet:
    """Stable orderings (id breaks ties so cursors never skip or repeat).

    NULLS LAST only on the keys that can be NULL: on a NOT NULL column it changes nothing but
    stops SQLite from reading the order from an index (name, id), so every product was sorted
    for each page."""
    if field == "PRICE":
        products = with_price_range(products)
    elif field == "STARS":
        products = with_current_stars(products)
    keys = SORT_FIELDS.get(field, SORT_FIELDS["NAME"])
    ordering = []
    for key in keys:
        nulls_last = True if key in NULLABLE_SORT_KEYS else None
        ordering.append(F(key).desc(nulls_last=nulls_last) if descending else F(key).asc(nulls_last=nulls_last))
    return products.order_by(*ordering)


def storefront_products() -> QuerySet:
    return Product.objects.published().select_related("producer", "group", "district")
