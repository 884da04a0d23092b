"""The one availability policy: what "open point", "in stock" and "sellable here" mean.

Checkout, the product page, the catalogue filters and facets, the search
index, the API's stock fields, the staff console, the trace page and the
admin all ask here, so a sale hold or a closed fair stall means the same
thing everywhere:

- a sales point is **open** on day D when it is active and, for a fair
  stall, D is within its dates;
- a variant is **held** while a sale hold on it is open (a lot recall);
- units are **sellable** at a point on day D when the variant and its
  product are published, the variant is not held, the point is open, and
  on hand exceeds what orders have allocated. Certificates are the
  catalogue's rule (`catalog.certification`), applied on top by callers
  that sell only certified products.
"""
import datetime

from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Sum, Value, When

from catalog.certification import today
from inventory.models import SaleHold, Stock
from shop.models import SalesPoint


def open_points(day: datetime.date | None = None) -> QuerySet:
    """Sales points trading on `day`: active, and fair stalls only within their dates."""
    return SalesPoint.objects.filter(open_points_q(day, prefix=""))


def open_holds() -> QuerySet:
    return SaleHold.objects.filter(released_at__isnull=True)


def sellable_stock(day: datetime.date | None = None) -> QuerySet:
    """Stock rows with units that may be sold on `day` (see the module's rule)."""
    return Stock.objects.filter(
        open_points_q(day), variant__is_published=True, variant__product__is_published=True,
        quantity_on_hand__gt=F("quantity_allocated"),
    ).exclude(Exists(open_holds().filter(variant=OuterRef("variant"))))


def open_points_q(day: datetime.date | None = None, prefix: str = "sales_point__") -> Q:
    """`open_points` as a condition on a related sales point (no subquery)."""
    day = day or today()
    return (
        Q(**{f"{prefix}is_active": True})
        & (Q(**{f"{prefix}starts_on__isnull": True}) | Q(**{f"{prefix}starts_on__lte": day}))
        & (Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gte": day}))
    )


def sellable_quantities(variant_ids, day: datetime.date | None = None) -> dict[tuple[int, int], int]:
    """{(variant_id, sales_point_id): units sellable there} for these variants; absent means none."""
    rows = sellable_stock(day).filter(variant_id__in=list(variant_ids)).values_list(
        "variant_id", "sales_point_id", "quantity_on_hand", "quantity_allocated"
    )
    return {(v, p): on_hand - allocated for v, p, on_hand, allocated in rows}


def sellable_totals(variant_ids, day: datetime.date | None = None) -> dict[int, int]:
    """{variant_id: units sellable at all open points together}."""
    rows = (
        sellable_stock(day).filter(variant_id__in=list(variant_ids))
        .values("variant_id").annotate(free=Sum(F("quantity_on_hand") - F("quantity_allocated")))
    )
    return {r["variant_id"]: r["free"] for r in rows}


def products_sellable_at(point_ids=None, day: datetime.date | None = None) -> Q:
    """A condition for a Product queryset: some variant is sellable (at one of `point_ids`).

    `pk IN (the products with sellable stock)`, not a correlated EXISTS: the set is read once
    (PostgreSQL hashes it, SQLite indexes it), where SQLite, without statistics, answered the
    EXISTS per product by reading every stock row of the point (minutes at 10,000 products)."""
    stock = sellable_stock(day)
    if point_ids is not None:
        stock = stock.filter(sales_point_id__in=list(point_ids))
    return Q(pk__in=stock.values("variant__product_id"))


def points_with_stock(product_ids=None, day: datetime.date | None = None) -> dict[int, set[int]]:
    """{product_id: ids of the points where some variant of it is sellable} (the search index's
    field), for `product_ids` or every product."""
    found: dict[int, set[int]] = {}
    rows = sellable_stock(day)
    if product_ids is not None:
        rows = rows.filter(variant__product_id__in=list(product_ids))
    rows = rows.values_list(
        "variant__product_id", "sales_point_id"
    ).distinct()
    for product_id, point_id in rows:
        found.setdefault(product_id, set()).add(point_id)
    return found


def held_variants(variant_ids) -> dict[int, SaleHold]:
    """The oldest open hold of each held variant among `variant_ids` (one query)."""
    held: dict[int, SaleHold] = {}
    for hold in open_holds().filter(variant_id__in=list(variant_ids)).order_by("placed_at", "id"):
        held.setdefault(hold.variant_id, hold)
    return held


def with_sellable(stock: QuerySet, day: datetime.date | None = None) -> QuerySet:
    """Annotate stock rows with `quantity_sellable` (the free units when the row is sellable by
    the rule above, else 0) and `is_held` (an open sale hold on the variant), for lists that show
    every row (the staff console, the admin) in one query."""
    return stock.annotate(
        is_held=Exists(open_holds().filter(variant=OuterRef("variant"))),
        quantity_sellable=Case(
            When(Exists(sellable_stock(day).filter(pk=OuterRef("pk"))),
                 then=F("quantity_on_hand") - F("quantity_allocated")),
            default=Value(0),
        ),
    )
