"""What the staff console and the province dashboard read about orders.

- For one sales point: its fulfilment queue by status, its stock, today's
  totals. Each asks `shop.permissions` first, so a clerk only ever reads
  the points they work at.
- For the province: sales over time by sales point, by district and by
  product group, and the top products.

A *sale* is a line of a fulfilment that was not cancelled, of an order that
is confirmed or completed (an unpaid card order is not a sale yet), dated by
when the order was placed, in the shop's time zone. The district of a sale
is the district the product comes from (the OCOP programme is run per
district), not the buyer's.

Every function costs a fixed number of queries, whatever the number of
orders (tests assert it).
"""
import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, Prefetch, Q, Sum
from django.db.models.functions import Coalesce, TruncDate

from catalog.models import ProductVariant
from inventory import availability
from inventory.models import Stock
from orders import fulfilment, payments
from orders.models import Fulfillment, FulfillmentLine, Order, OrderEvent, PaymentMethod
from shop.errors import CommonErrorCode, ShopError
from shop.models import SalesPoint
from shop.periods import DateRange, day_bounds
from shop.permissions import require_point, require_staff, visible_points
from shop.text import fold

S = Fulfillment.Status
SOLD = (Order.Status.CONFIRMED, Order.Status.COMPLETED)
OPEN = (S.NEW, S.PICKING, S.PACKED, S.READY_FOR_PICKUP, S.SHIPPED)
DONE = (S.PICKED_UP, S.DELIVERED, S.CANCELLED)
QUEUE_LIMIT = 200  # a point's screen, not an archive: older finished work is in the admin
CASH_METHODS = (PaymentMethod.CASH_ON_DELIVERY, PaymentMethod.PAY_AT_PICKUP)
CASH_AT = (S.READY_FOR_PICKUP, S.PICKED_UP, S.SHIPPED, S.DELIVERED)
LINE_VALUE = F("quantity") * F("order_line__unit_price_vnd")


# -- one sales point ------------------------------------------------------------------------

def staff_point(user, code: str) -> SalesPoint:
    """The point with this code, if `user` works there (the same refusal whether it exists or not)."""
    require_staff(user)
    point = visible_points(user).select_related("district").filter(code=code).first()
    if point is None:
        raise ShopError(
            CommonErrorCode.PERMISSION_DENIED, "Bạn không được phân công ở điểm bán này; hãy liên hệ quản lý điểm bán đó.",
            "You are not assigned to this sales point; contact that point's manager.", field="point",
        )
    return point


@dataclass
class QueueCard:
    """One fulfilment as the point's staff work on it."""

    fulfillment: Fulfillment
    order: Order
    lines: list
    moves: list[str]  # the next statuses offered as buttons (cancelling has its own form)
    can_cancel: bool
    awaiting_payment: bool  # a card order not paid yet: do not prepare it
    cash_due: int | None  # đồng to collect in cash, once the goods are about to change hands
    payment_review: bool = False  # Stripe reported a payment that does not match: check it, do not prepare


@dataclass
class QueueGroup:
    status: str
    cards: list[QueueCard] = field(default_factory=list)


def fulfilment_queue(*, user, point: SalesPoint, day: datetime.date | None = None) -> list[QueueGroup]:
    """The point's open fulfilments (oldest first) and those finished today, grouped by status in
    the order of the work."""
    require_point(user, point.pk, field="point")
    today_start, _ = day_bounds(day)
    rows = list(
        Fulfillment.objects.filter(sales_point=point)
        .filter(Q(status__in=OPEN) | Q(status__in=DONE, updated_at__gte=today_start))
        .select_related("order", "order__ship_commune__province", "order__pickup_point")
        .prefetch_related(Prefetch("lines", FulfillmentLine.objects.select_related("order_line").order_by("id")))
        .order_by("created_at", "id")[:QUEUE_LIMIT]
    )
    owing = [f.order for f in rows if _owes_cash(f)]
    due = payments.amounts_due(owing) if owing else {}
    groups = {status: QueueGroup(status) for status in OPEN + DONE}
    for f in rows:
        allowed = fulfilment.allowed_next(f, f.order.delivery_kind)
        confirmed = f.order.status == Order.Status.CONFIRMED
        groups[f.status].cards.append(QueueCard(
            fulfillment=f, order=f.order, lines=list(f.lines.all()),
            moves=[s for s in allowed if s != S.CANCELLED] if confirmed else [],
            can_cancel=S.CANCELLED in allowed,
            awaiting_payment=(f.order.status == Order.Status.UNCONFIRMED
                              and f.order.payment_status != Order.PaymentStatus.REVIEW),
            cash_due=due.get(f.order_id),
            payment_review=f.order.payment_status == Order.PaymentStatus.REVIEW,
        ))
    return [g for g in groups.values() if g.cards]


def _owes_cash(f: Fulfillment) -> bool:
    """Ask for the cash when the goods are about to change hands (ready at the counter, or out with the
    courier) and `payments.mark_collected` would accept it: a cash order, not cancelled, not yet paid."""
    order = f.order
    return (f.status in CASH_AT and order.payment_method in CASH_METHODS
            and order.status != Order.Status.CANCELLED and order.payment_status != Order.PaymentStatus.PAID)


@dataclass
class PickLine:
    sku: str
    product_name: str
    product_name_en: str
    variant_name: str
    quantity: int
    variant_name_en: str = ""


def pick_list(*, user, point: SalesPoint) -> tuple[list[QueueCard], list[PickLine]]:
    """What to take off the shelves: the confirmed fulfilments not packed yet, and the units per SKU."""
    cards = [c for g in fulfilment_queue(user=user, point=point) if g.status in (S.NEW, S.PICKING)
             for c in g.cards if not c.awaiting_payment]
    totals: dict[str, PickLine] = {}
    for card in cards:
        for line in card.lines:
            ol = line.order_line
            entry = totals.setdefault(ol.sku, PickLine(ol.sku, ol.product_name, ol.product_name_en, ol.variant_name, 0,
                                                         ol.variant_name_en))
            entry.quantity += line.quantity
    return cards, sorted(totals.values(), key=lambda p: (p.product_name, p.variant_name))


STOCK_SHOW = ("", "low_first", "low", "out")  # every row; low stock first; only low stock; only out of stock


def point_stock(*, user, point: SalesPoint, q: str = "", show: str = "") -> list[Stock]:
    """The point's stock rows in one query, each with `quantity_sellable` and `is_held` (the
    availability rule, inventory/availability.py), `is_out` (nothing sellable here) and `is_low`
    (free units at or below its low-stock threshold, as inventory.transfers.low_stock says).

    `q` keeps the rows whose product, variant or SKU holds every word, with or without diacritics
    ("mat ong", "MAT-ONG"); `show` (STOCK_SHOW) puts the out-of-stock and low rows first, or keeps
    only the low (out of stock included) or only the out-of-stock ones. Anything else shows all."""
    require_point(user, point.pk, field="point")
    rows = list(
        availability.with_sellable(Stock.objects.filter(sales_point=point)).select_related("variant__product")
        .order_by("variant__product__name", "variant__position", "variant__id")
    )
    for s in rows:
        s.is_out = s.quantity_sellable <= 0
        s.is_low = s.is_out or (s.low_stock_threshold is not None and s.quantity_available <= s.low_stock_threshold)
    return filter_stock(rows, q=q, show=show)


def filter_stock(rows: list[Stock], *, q: str = "", show: str = "") -> list[Stock]:
    """`point_stock`'s search and filter, on rows it returned (no query)."""
    rows = list(rows)
    words = fold(q).replace("-", " ").split()[:8]
    if words:
        def haystack(s):
            v = s.variant
            return fold(" ".join((v.product.name, v.product.name_en, v.name, v.name_en, v.sku))).replace("-", " ")

        rows = [s for s in rows if all(w in haystack(s) for w in words)]
    if show == "low":
        rows = [s for s in rows if s.is_low]
    elif show == "out":
        rows = [s for s in rows if s.is_out]
    elif show == "low_first":  # out of stock, then furthest below the threshold, then the rest as listed
        rows.sort(key=lambda s: (not s.is_out, not s.is_low,
                                 s.quantity_available - (s.low_stock_threshold or 0) if s.is_low else 0))
    return rows


def stock_choices() -> list[ProductVariant]:
    """The variants a stock count may be recorded for."""
    return list(ProductVariant.objects.select_related("product").order_by("product__name", "position", "id"))


@dataclass
class DayTotals:
    orders: int  # fulfilments of orders placed today, not cancelled
    revenue_vnd: int  # their value
    cash_collected_vnd: int  # cash recorded today on orders this point serves
    handed_over: int  # fulfilments picked up or shipped today


def today_totals(*, user, point: SalesPoint, day: datetime.date | None = None) -> DayTotals:
    require_point(user, point.pk, field="point")
    start, end = day_bounds(day)
    placed = (
        Fulfillment.objects.filter(sales_point=point, order__created_at__gte=start, order__created_at__lt=end,
                                   order__status__in=SOLD)
        .exclude(status=S.CANCELLED)
        .aggregate(n=Count("id", distinct=True), v=Sum(F("lines__quantity") * F("lines__order_line__unit_price_vnd")))
    )
    cash_orders = OrderEvent.objects.filter(
        kind=OrderEvent.Kind.CASH_COLLECTED, created_at__gte=start, created_at__lt=end,
        order__fulfillments__sales_point=point,
    ).values("order_id")
    cash = Order.objects.filter(pk__in=cash_orders).aggregate(v=Sum("paid_vnd"))["v"] or 0
    handed = OrderEvent.objects.filter(
        kind=OrderEvent.Kind.FULFILLMENT_STATUS, fulfillment__sales_point=point, created_at__gte=start,
        created_at__lt=end, data__to__in=[S.PICKED_UP.value, S.SHIPPED.value],
    ).count()
    return DayTotals(placed["n"] or 0, int(placed["v"] or 0), int(cash), handed)


# -- the province ---------------------------------------------------------------------------

@dataclass
class SeriesRow:
    """One sales point, district or product group: revenue per period of the range."""

    key: int | None
    name: str
    name_en: str
    values: list[int]
    quantity: int = 0

    @property
    def total(self) -> int:
        return sum(self.values)


@dataclass
class Breakdown:
    periods: list[datetime.date]
    rows: list[SeriesRow]  # largest total first

    @property
    def total(self) -> int:
        return sum(r.total for r in self.rows)


_PRODUCT = "order_line__variant__product__"
DIMENSIONS = {
    # key, Vietnamese name, English name: one grouped query, no second lookup for names.
    "point": (F("fulfillment__sales_point_id"), F("fulfillment__sales_point__name"),
              F("fulfillment__sales_point__name_en")),
    "district": (F(_PRODUCT + "district_id"), F(_PRODUCT + "district__name"), F(_PRODUCT + "district__name_en")),
    # The top of the classification: a product set's grandparent, a sub-group's parent, or the group itself.
    "group": tuple(
        Coalesce(F(_PRODUCT + f"group__parent__parent__{a}"), F(_PRODUCT + f"group__parent__{a}"), F(_PRODUCT + f"group__{a}"))
        for a in ("id", "name", "name_en")
    ),
}
UNKNOWN = ("Không rõ", "Unknown")


def sold_lines(rng: DateRange):
    start, end = rng.bounds
    return FulfillmentLine.objects.filter(
        fulfillment__order__created_at__gte=start, fulfillment__order__created_at__lt=end,
        fulfillment__order__status__in=SOLD,
    ).exclude(fulfillment__status=S.CANCELLED)


def sales_by(dimension: str, rng: DateRange) -> Breakdown:
    """Revenue per period of `rng` for each sales point, district of origin or product group."""
    key, name, name_en = DIMENSIONS[dimension]
    rows = (
        sold_lines(rng)
        .annotate(day=TruncDate("fulfillment__order__created_at"), k=key, n=name, n_en=name_en)
        .values("day", "k", "n", "n_en")
        .annotate(revenue=Sum(LINE_VALUE), units=Sum("quantity"))
        .order_by()
    )
    periods = rng.buckets
    index = {p: i for i, p in enumerate(periods)}
    series: dict = {}
    for r in rows:
        row = series.get(r["k"])
        if row is None:
            vi, en = (r["n"], r["n_en"]) if r["k"] is not None else UNKNOWN
            row = series[r["k"]] = SeriesRow(r["k"], vi, en or vi, [0] * len(periods))
        row.values[index[rng.bucket(r["day"])]] += int(r["revenue"] or 0)
        row.quantity += int(r["units"] or 0)
    return Breakdown(periods, sorted(series.values(), key=lambda s: (-s.total, s.name)))


@dataclass
class TopProduct:
    product_id: int | None
    name: str
    name_en: str
    quantity: int
    revenue_vnd: int


def top_products(rng: DateRange, limit: int = 10) -> list[TopProduct]:
    rows = (
        sold_lines(rng)
        .values(pid=F(_PRODUCT + "id"), n=F(_PRODUCT + "name"), n_en=F(_PRODUCT + "name_en"))
        .annotate(revenue=Sum(LINE_VALUE), units=Sum("quantity"))
        .order_by("-revenue", "n")[:limit]
    )
    out = []
    for r in rows:
        vi, en = (r["n"], r["n_en"]) if r["pid"] is not None else UNKNOWN
        out.append(TopProduct(r["pid"], vi, en or vi, int(r["units"] or 0), int(r["revenue"] or 0)))
    return out

