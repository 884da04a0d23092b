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

from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from catalog.certification import today
from catalog.models import Product, ProductVariant
from inventory.models import SaleHold, Stock
from shop.models import SalesPoint


def open_points(day: datetime.date | None = None) -> QuerySet:
    """Sales points trading on `day`: active, and fair stalls only within their dates."""
    return SalesPoint.objects.filter(open_points_q(day, prefix=""))


def is_open(point: SalesPoint, day: datetime.date | None = None) -> bool:
    """`open_points`' rule for a point already read."""
    day = day or today()
    return (point.is_active and (point.starts_on is None or point.starts_on <= day)
            and (point.ends_on is None or point.ends_on >= day))


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


def with_checkout_state(variants: QuerySet, day: datetime.date | None = None) -> QuerySet:
    """Annotate a ProductVariant queryset with `is_held` (an open sale hold) and `units_sellable`, so
    checkout reads a variant and what it may sell in one query. `units_sellable` is the free units at
    the points open on `day`: `sellable_totals` of the variant once the rest of the rule holds, which
    is the variant's own row (it and its product published, `is_held` false) and the caller checks it
    (the subquery leaves those joins out: planning them cost more than the rest of the query)."""
    free = (
        Stock.objects.filter(open_points_q(day), variant=OuterRef("pk"), quantity_on_hand__gt=F("quantity_allocated"))
        .order_by().values("variant").annotate(free=Sum(F("quantity_on_hand") - F("quantity_allocated"))).values("free")
    )
    return variants.annotate(
        is_held=held_flag(),
        units_sellable=Coalesce(Subquery(free, output_field=IntegerField()), Value(0)),
    )


def held_flag(variant_ref: str = "pk") -> Exists:
    """An annotation: is there an open sale hold on the variant `variant_ref` names (in the outer query)?"""
    return Exists(open_holds().filter(variant=OuterRef(variant_ref)))


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



def sellable_rows(variant_ids, day: datetime.date | None = None) -> list[tuple[int, int, int]]:
    """[(variant id, point id, units sellable there)]: `sellable_stock`'s rule, every part of it,
    as one hand-written statement (tests/inventory/test_availability.py holds the two equal).

    For the API's stock field, asked for every variant of every page: building and compiling the
    ORM's version (four joins and an EXISTS) cost more Python than the rest of a product's answer."""
    ids = [int(v) for v in variant_ids]
    if not ids:
        return []
    day = day or today()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(_sellable_rows_sql(len(ids)), [*ids, day, day])
        return cursor.fetchall()


def _col(model, name: str) -> str:
    """A field's column, for the hand-written statements below."""
    return model._meta.get_field(name).column


# The statements' texts, one per count of placeholders (pages are at most 100 products).
_SELLABLE_ROWS: dict[int, str] = {}
_SELLABLE_AND_HELD: dict[tuple[int, int], str] = {}
TEXTS_KEPT = 512


def _sellable_rows_sql(n: int) -> str:
    sql = _SELLABLE_ROWS.get(n)
    if sql is None:
        stock, point, variant, product, hold = (m._meta.db_table for m in (Stock, SalesPoint, ProductVariant,
                                                                             Product, SaleHold))
        on_hand, allocated = f"s.{_col(Stock, 'quantity_on_hand')}", f"s.{_col(Stock, 'quantity_allocated')}"
        sql = (
            f"SELECT s.{_col(Stock, 'variant')}, s.{_col(Stock, 'sales_point')}, {on_hand} - {allocated} "
            f"FROM {stock} s "
            f"JOIN {point} p ON p.{SalesPoint._meta.pk.column} = s.{_col(Stock, 'sales_point')} "
            f"JOIN {variant} v ON v.{ProductVariant._meta.pk.column} = s.{_col(Stock, 'variant')} "
            f"JOIN {product} pr ON pr.{Product._meta.pk.column} = v.{_col(ProductVariant, 'product')} "
            f"WHERE s.{_col(Stock, 'variant')} IN ({', '.join(['%s'] * n)}) AND {on_hand} > {allocated} "
            f"AND p.{_col(SalesPoint, 'is_active')} "
            f"AND (p.{_col(SalesPoint, 'starts_on')} IS NULL OR p.{_col(SalesPoint, 'starts_on')} <= %s) "
            f"AND (p.{_col(SalesPoint, 'ends_on')} IS NULL OR p.{_col(SalesPoint, 'ends_on')} >= %s) "
            f"AND v.{_col(ProductVariant, 'is_published')} AND pr.{_col(Product, 'is_published')} "
            f"AND NOT EXISTS (SELECT 1 FROM {hold} h WHERE h.{_col(SaleHold, 'variant')} = s.{_col(Stock, 'variant')} "
            f"AND h.{_col(SaleHold, 'released_at')} IS NULL)"
        )
        if len(_SELLABLE_ROWS) < TEXTS_KEPT:
            _SELLABLE_ROWS[n] = sql
    return sql


def sellable_and_held(variant_ids, point_ids) -> tuple[dict[tuple[int, int], int], dict[int, SaleHold]]:
    """`sellable_quantities` and `held_variants` in one statement on two tables, for a caller that
    already holds the variants as published and the points as open today: the product page, whose
    kept facts (storefront/selectors.py `_facts`) were read under those rules and are retired by the
    catalogue's generation when a product, variant or point is saved. Stock and holds are read here,
    every time, from one snapshot; a held variant sells nothing (its rows are dropped, as the EXISTS
    of `sellable_stock` drops them), and free units count where on hand exceeds allocated.

    Why not the ORM pair: on the product page the two queries cost 3 ms of Python (building and
    compiling them) and the joins 0.4 ms of PostgreSQL planning, most of the page. The holds are
    SaleHold rows with the fields a page shows (id, variant, reason, reason_en), the oldest open
    one per variant."""
    from django.db import connection

    ids, points = [int(v) for v in variant_ids], [int(p) for p in point_ids]
    if not ids:
        return {}, {}
    with connection.cursor() as cursor:
        cursor.execute(_sellable_and_held_sql(len(ids), len(points)), [*ids, *points, *ids])
        rows = cursor.fetchall()
    stock: dict[tuple[int, int], int] = {}
    holds: list[tuple] = []
    for variant_id, point_id, free, hold_id, reason, reason_en, placed_at in rows:
        if hold_id is None:
            stock[(variant_id, point_id)] = free
        else:
            holds.append((placed_at, hold_id, variant_id, reason, reason_en))
    held: dict[int, SaleHold] = {}
    for _placed, hold_id, variant_id, reason, reason_en in sorted(holds, key=lambda h: (h[0], h[1])):
        held.setdefault(variant_id, SaleHold(id=hold_id, variant_id=variant_id, reason=reason, reason_en=reason_en or ""))
    if held:
        stock = {key: free for key, free in stock.items() if key[0] not in held}
    return stock, held


def _sellable_and_held_sql(n: int, m: int) -> str:
    sql = _SELLABLE_AND_HELD.get((n, m))
    if sql is None:
        variants = ", ".join(["%s"] * n)
        points = ", ".join(["%s"] * m) or "NULL"
        on_hand, allocated = _col(Stock, "quantity_on_hand"), _col(Stock, "quantity_allocated")
        sql = (
            f"SELECT {_col(Stock, 'variant')}, {_col(Stock, 'sales_point')}, {on_hand} - {allocated}, "
            f"NULL, NULL, NULL, NULL FROM {Stock._meta.db_table} "
            f"WHERE {_col(Stock, 'variant')} IN ({variants}) AND {_col(Stock, 'sales_point')} IN ({points}) "
            f"AND {on_hand} > {allocated} "
            f"UNION ALL "
            f"SELECT {_col(SaleHold, 'variant')}, NULL, NULL, {SaleHold._meta.pk.column}, {_col(SaleHold, 'reason')}, "
            f"{_col(SaleHold, 'reason_en')}, {_col(SaleHold, 'placed_at')} FROM {SaleHold._meta.db_table} "
            f"WHERE {_col(SaleHold, 'released_at')} IS NULL AND {_col(SaleHold, 'variant')} IN ({variants})"
        )
        if len(_SELLABLE_AND_HELD) < TEXTS_KEPT:
            _SELLABLE_AND_HELD[(n, m)] = sql
    return sql
