"""Two-stage stock: allocate at order time, consume at hand-over, release on cancel.

Every change locks the stock rows it touches in one fixed order (by id)
with `select_for_update`, then moves the numbers with `F()` updates, so two
buyers can never both get the last unit and two transactions never wait on
each other in a circle. The database's CHECK constraints (allocated ≤ on
hand, both ≥ 0) refuse an oversell even if this code were wrong.

The search index shows where a product is in stock: when a variant sells
out at a point, or comes back, its product is re-indexed once the
transaction commits (catalog.search.sync.mark_dirty).
"""
from django.db import transaction
from django.db.models import F

from catalog.models import Stock
from catalog.search import sync as search_sync
from orders.models import Fulfillment, FulfillmentLine, StockMovement
from shop.errors import ShopError


def lock_stock(variant_ids) -> dict[tuple[int, int], Stock]:
    """Lock every stock row of these variants (all points), in id order; {(point_id, variant_id): Stock}."""
    rows = Stock.objects.select_for_update().filter(variant_id__in=sorted(set(variant_ids))).order_by("id")
    return {(s.sales_point_id, s.variant_id): s for s in rows}


def _out_of_stock() -> ShopError:
    return ShopError(
        "out_of_stock", "Vừa hết hàng trong lúc đặt; hãy xem lại giỏ hàng và thử lại.",
        "Just sold out while you were ordering; review the cart and try again.", field="lines",
    )


def allocate(*, order, decision, stocks, order_lines, user=None) -> list[Fulfillment]:
    """Create one fulfilment per point of `decision` and reserve its units. Call inside a transaction
    after `lock_stock`."""
    assert transaction.get_connection().in_atomic_block, "allocate() must run inside a transaction"
    line_by_variant = {ol.variant_id: ol for ol in order_lines}
    fulfillments = {}
    for n, point_id in enumerate(decision.point_ids, start=1):
        fulfillments[point_id] = Fulfillment.objects.create(
            order=order, sales_point_id=point_id, number=f"{order.number}-{n}"
        )
    f_lines, movements, sold_out = [], [], []
    for a in sorted(decision.allocations, key=lambda a: stocks[(a.point_id, a.variant_id)].pk):
        stock = stocks[(a.point_id, a.variant_id)]
        # The guard makes the update a no-op rather than a CHECK violation if the row ran short.
        changed = Stock.objects.filter(
            pk=stock.pk, quantity_on_hand__gte=F("quantity_allocated") + a.quantity
        ).update(quantity_allocated=F("quantity_allocated") + a.quantity)
        if changed != 1:
            raise _out_of_stock()
        if stock.quantity_on_hand - stock.quantity_allocated <= a.quantity:
            sold_out.append(stock.variant_id)
        f_lines.append(FulfillmentLine(
            fulfillment=fulfillments[a.point_id], order_line=line_by_variant[a.variant_id], stock=stock, quantity=a.quantity
        ))
        movements.append(StockMovement(
            stock=stock, kind=StockMovement.Kind.ALLOCATE, allocated_change=a.quantity,
            on_hand_after=stock.quantity_on_hand, reason=f"Giữ cho đơn {order.number}", order=order,
            user=user if user is not None and getattr(user, "is_authenticated", False) else None,
        ))
    FulfillmentLine.objects.bulk_create(f_lines)
    StockMovement.objects.bulk_create(movements)
    if sold_out:
        search_sync.mark_dirty(variant_ids=sold_out)
    return list(fulfillments.values())


def _lines_with_locked_stock(fulfillment):
    lines = list(fulfillment.lines.all())
    ids = sorted({line.stock_id for line in lines if line.stock_id})
    locked = {s.pk: s for s in Stock.objects.select_for_update().filter(pk__in=ids).order_by("id")}
    return sorted(lines, key=lambda line: line.stock_id or 0), locked


def release(fulfillment, *, reason: str, user=None) -> None:
    """Give back the units a not-yet-handed-over fulfilment holds."""
    lines, locked = _lines_with_locked_stock(fulfillment)
    movements, back_in_stock = [], []
    for line in lines:
        stock = locked.get(line.stock_id)
        if stock is None:
            continue
        Stock.objects.filter(pk=stock.pk).update(quantity_allocated=F("quantity_allocated") - line.quantity)
        if stock.quantity_on_hand <= stock.quantity_allocated:
            back_in_stock.append(stock.variant_id)
        movements.append(StockMovement(
            stock=stock, kind=StockMovement.Kind.RELEASE, allocated_change=-line.quantity,
            on_hand_after=stock.quantity_on_hand, reason=reason[:300], order_id=fulfillment.order_id,
            user=user if user is not None and getattr(user, "is_authenticated", False) else None,
        ))
    StockMovement.objects.bulk_create(movements)
    if back_in_stock:
        search_sync.mark_dirty(variant_ids=back_in_stock)


def consume(fulfillment, *, reason: str, user=None) -> None:
    """Hand-over: the units leave the shop (on hand and allocated both go down, so what is
    available, and the search index, stay as they were)."""
    lines, locked = _lines_with_locked_stock(fulfillment)
    movements = []
    for line in lines:
        stock = locked.get(line.stock_id)
        if stock is None:
            continue
        Stock.objects.filter(pk=stock.pk).update(
            quantity_allocated=F("quantity_allocated") - line.quantity,
            quantity_on_hand=F("quantity_on_hand") - line.quantity,
        )
        movements.append(StockMovement(
            stock=stock, kind=StockMovement.Kind.CONSUME, on_hand_change=-line.quantity,
            allocated_change=-line.quantity, on_hand_after=stock.quantity_on_hand - line.quantity,
            reason=reason[:300], order_id=fulfillment.order_id,
            user=user if user is not None and getattr(user, "is_authenticated", False) else None,
        ))
    StockMovement.objects.bulk_create(movements)
