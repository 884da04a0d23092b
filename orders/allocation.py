"""An order's stock: allocate at order time, consume at hand-over, release on cancel.

The numbers move through `inventory.ledger` (locks in id order, one
movement per line, the database checking the totals); this module ties them
to the order's fulfilments.
"""
from django.db import transaction

from inventory import ledger
from inventory.models import Stock, StockMovement
from orders.models import Fulfillment, FulfillmentLine

Kind = StockMovement.Kind


def lock_stock(variant_ids, point_ids=None) -> dict[tuple[int, int], Stock]:
    """Lock every stock row of these variants (all points, or only `point_ids`: a pickup locks its point's
    rows alone), in id order; {(point_id, variant_id): Stock}."""
    return ledger.lock(variant_ids, point_ids)


def stock_rows(variant_ids) -> dict[tuple[int, int], Stock]:
    """Every stock row of these variants, unlocked (what other points hold, for a message)."""
    return {(s.sales_point_id, s.variant_id): s for s in Stock.objects.filter(variant_id__in=sorted(set(variant_ids)))}


def order_reference(order_number: str) -> str:
    return f"order:{order_number}"


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
    changes, f_lines = [], []
    for a in decision.allocations:
        stock = stocks[(a.point_id, a.variant_id)]
        changes.append(ledger.Change(stock, Kind.ALLOCATE, allocated=a.quantity))
        f_lines.append(FulfillmentLine(
            fulfillment=fulfillments[a.point_id], order_line=line_by_variant[a.variant_id], stock=stock, quantity=a.quantity
        ))
    ledger.apply(changes, reason=f"Giữ cho đơn {order.number}", reference=order_reference(order.number), actor=user)
    FulfillmentLine.objects.bulk_create(f_lines)
    return list(fulfillments.values())


def _changes(fulfillment, kind: str, *, consume: bool) -> list[ledger.Change]:
    lines = list(fulfillment.lines.all())
    locked = ledger.lock_ids(line.stock_id for line in lines if line.stock_id)
    return [
        ledger.Change(locked[line.stock_id], kind, allocated=-line.quantity, on_hand=-line.quantity if consume else 0)
        for line in lines if line.stock_id in locked
    ]


def release(fulfillment, *, reason: str, user=None) -> None:
    """Give back the units a not-yet-handed-over fulfilment holds."""
    ledger.apply(_changes(fulfillment, Kind.RELEASE, consume=False), reason=reason,
                 reference=order_reference(fulfillment.order.number), actor=user)


def consume(fulfillment, *, reason: str, user=None) -> None:
    """Hand-over: the units leave the shop (on hand and allocated both go down, so what is
    available, and the search index, stay as they were)."""
    ledger.apply(_changes(fulfillment, Kind.SALE, consume=True), reason=reason,
                 reference=order_reference(fulfillment.order.number), actor=user)
