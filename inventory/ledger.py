"""Every change to stock, as a ledger row and its running total.

The one way stock changes: lock the row, write the movement, move the
row's numbers by the same amount (`F()` updates). Each movement carries the
row's running totals after it. The database refuses a movement whose totals
are not the previous movement's plus its change, a stock row that differs
from its latest movement's totals (so from the sum of its movements), and
any edit or delete of a movement (migrations 0002, 0005), so a writer that
skips this module fails loudly instead of drifting.

Locks are taken in one order (stock id) so two transactions never wait on
each other in a circle; the CHECK constraints (allocated ≤ on hand, both
≥ 0) refuse an oversell even if a caller got the arithmetic wrong.
"""
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, OuterRef, Subquery, Sum

from inventory.errors import StockErrorCode
from inventory.models import Stock, StockMovement
from inventory.signals import availability_changed
from shop.errors import ShopError

Kind = StockMovement.Kind
MAX_QUANTITY = 1_000_000


@dataclass(frozen=True)
class Change:
    """One movement to apply to a locked stock row."""

    stock: Stock
    kind: str
    on_hand: int = 0
    allocated: int = 0


def _actor(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def stock_row(*, variant_id: int, sales_point_id: int) -> Stock:
    """The locked stock row of a variant at a point, created empty when there is none."""
    Stock.objects.get_or_create(variant_id=variant_id, sales_point_id=sales_point_id)
    return Stock.objects.select_for_update().get(variant_id=variant_id, sales_point_id=sales_point_id)


def lock(variant_ids: Iterable[int], point_ids: Iterable[int] | None = None) -> dict[tuple[int, int], Stock]:
    """Lock every stock row of these variants (all points, or only `point_ids`), in id order;
    {(point_id, variant_id): Stock}."""
    rows = Stock.objects.select_for_update().filter(variant_id__in=sorted(set(variant_ids)))
    if point_ids is not None:
        rows = rows.filter(sales_point_id__in=sorted(set(point_ids)))
    return {(s.sales_point_id, s.variant_id): s for s in rows.order_by("id")}


def lock_ids(stock_ids: Iterable[int]) -> dict[int, Stock]:
    """Lock these stock rows, in id order; {stock_id: Stock}."""
    rows = Stock.objects.select_for_update().filter(pk__in=sorted(set(stock_ids))).order_by("id")
    return {s.pk: s for s in rows}


def short_of_stock() -> ShopError:
    return ShopError(
        StockErrorCode.OUT_OF_STOCK, "Vừa hết hàng trong lúc đặt; hãy xem lại giỏ hàng và thử lại.",
        "Just sold out while you were ordering; review the cart and try again.", field="lines",
    )


def apply(changes: Iterable[Change], *, reason: str, reference: str = "", actor=None) -> list[StockMovement]:
    """Apply movements to stock rows the caller has locked (`stock_row`, `lock`, `lock_ids`).

    Refuses (ShopError out_of_stock, nothing written) a change that would
    leave less on hand than allocated or either below zero.
    """
    assert transaction.get_connection().in_atomic_block, "inventory.ledger.apply() must run inside a transaction"
    changes = sorted(changes, key=lambda c: c.stock.pk)
    actor, reason = _actor(actor), " ".join((reason or "").split())[:300]
    # Every change is worked out before anything is written, so a refusal leaves nothing behind
    # (no savepoint); the row's running numbers carry from one change of it to the next.
    movements, flipped, after = [], [], {}
    for change in changes:
        stock = change.stock
        was_on_hand, was_allocated = after.get(stock.pk, (stock.quantity_on_hand, stock.quantity_allocated))
        on_hand, allocated = was_on_hand + change.on_hand, was_allocated + change.allocated
        if allocated < 0 or on_hand < allocated:
            raise short_of_stock()
        movements.append(StockMovement(
            stock=stock, kind=change.kind, on_hand_change=change.on_hand, allocated_change=change.allocated,
            on_hand_after=on_hand, allocated_after=allocated, reason=reason, reference=reference[:80], actor=actor,
        ))
        if (was_on_hand - was_allocated > 0) != (on_hand - allocated > 0):
            flipped.append(stock.variant_id)
        after[stock.pk] = (on_hand, allocated)
    # No savepoint: a database error here (a CHECK constraint) marks the caller's transaction for
    # rollback, so nothing half-written can commit.
    with transaction.atomic(savepoint=False):
        # The movements first (the database chains each on the row's previous one, even within this
        # one INSERT), then the rows, which the database checks against their latest movement.
        movements = StockMovement.objects.bulk_create(movements)
        written = set()
        for change in changes:  # one update per row, by the sum of its changes
            stock = change.stock
            if stock.pk in written:
                continue
            written.add(stock.pk)
            on_hand, allocated = after[stock.pk]
            # F() rather than the values above: the row's own numbers are the ones the database checks.
            Stock.objects.filter(pk=stock.pk).update(
                quantity_on_hand=F("quantity_on_hand") + (on_hand - stock.quantity_on_hand),
                quantity_allocated=F("quantity_allocated") + (allocated - stock.quantity_allocated),
            )
    for change in changes:
        change.stock.quantity_on_hand, change.stock.quantity_allocated = after[change.stock.pk]
    if flipped:
        availability_changed.send(sender=Stock, variant_ids=flipped)
    return movements


def _check_quantity(quantity, *, field: str, allow_zero: bool = False) -> None:
    low = 0 if allow_zero else 1
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not low <= quantity <= MAX_QUANTITY:
        what_vi, what_en = ("Tồn kho", "Stock") if field == "quantityOnHand" else ("Số lượng", "The quantity")
        raise ShopError(
            StockErrorCode.INVALID_QUANTITY, f"{what_vi} phải từ {low} đến 1.000.000.", f"{what_en} must be between {low} and 1,000,000.",
            field=field,
        )


def check_reason(reason: str, *, field: str = "reason") -> str:
    reason = " ".join((reason or "").split())
    if not 3 <= len(reason) <= 300:
        raise ShopError(StockErrorCode.REASON_REQUIRED, "Hãy ghi lý do thay đổi tồn kho (3–300 ký tự), ví dụ “kiểm kê cuối ngày”.",
                        "Give a reason for the change (3–300 characters), e.g. “end-of-day count”.", field=field)
    return reason


@transaction.atomic
def receive(*, variant_id: int, sales_point_id: int, quantity: int, reason: str = "Nhập kho",
            reference: str = "", actor=None, kind: str = Kind.RECEIPT) -> Stock:
    """Units arrive at a point (a delivery from the producer, a return, a transfer in)."""
    _check_quantity(quantity, field="quantity")
    stock = stock_row(variant_id=variant_id, sales_point_id=sales_point_id)
    apply([Change(stock, kind, on_hand=quantity)], reason=reason, reference=reference, actor=actor)
    return stock


@transaction.atomic
def count(*, variant_id: int, sales_point_id: int, quantity_on_hand: int, reason: str, actor=None,
          kind: str = Kind.RECOUNT) -> Stock:
    """Staff counted the units of a variant at a point: the ledger records the difference."""
    reason = check_reason(reason)
    _check_quantity(quantity_on_hand, field="quantityOnHand", allow_zero=True)
    stock = stock_row(variant_id=variant_id, sales_point_id=sales_point_id)
    if quantity_on_hand < stock.quantity_allocated:
        raise ShopError(
            StockErrorCode.BELOW_ALLOCATED,
            f"Đang giữ {stock.quantity_allocated} cho các đơn chưa giao; tồn kho không thể thấp hơn. "
            "Hãy huỷ hoặc giao các đơn đó trước.",
            f"{stock.quantity_allocated} units are reserved for open orders; stock cannot go below that. "
            "Hand over or cancel those orders first.",
            field="quantityOnHand",
        )
    change = quantity_on_hand - stock.quantity_on_hand
    if change or kind == Kind.RECOUNT:
        apply([Change(stock, kind, on_hand=change)], reason=reason, actor=actor)
    return stock


@transaction.atomic
def adjust(*, stock_id: int, change: int, reason: str, actor=None) -> Stock:
    """Add or remove units by hand (breakage, a found box), with a reason."""
    reason = check_reason(reason)
    if isinstance(change, bool) or not isinstance(change, int) or change == 0 or abs(change) > MAX_QUANTITY:
        raise ShopError(StockErrorCode.INVALID_QUANTITY, "Hãy nhập số lượng thay đổi khác 0 (âm để bớt, dương để thêm).",
                        "Enter a non-zero change (negative to remove, positive to add).", field="change")
    stock = lock_ids([stock_id]).get(stock_id)
    if stock is None:
        raise ShopError(StockErrorCode.STOCK_NOT_FOUND, "Không tìm thấy dòng tồn kho.", "Stock row not found.", field="stockId")
    if stock.quantity_on_hand + change < stock.quantity_allocated:
        raise ShopError(
            StockErrorCode.BELOW_ALLOCATED, "Không thể bớt nhiều hơn số chưa giữ cho đơn.",
            "You cannot remove more than the units not reserved for orders.", field="change",
        )
    apply([Change(stock, Kind.ADJUSTMENT, on_hand=change)], reason=reason, actor=actor)
    return stock


@transaction.atomic
def receive_many(rows: Iterable[tuple[int, int, int]], *, reason: str, reference: str = "", actor=None) -> int:
    """Bulk receipts into new stock rows, for loaders: [(variant_id, sales_point_id, quantity)].

    Three statements however many rows: the rows are created empty, their
    receipts written, then each row set to the sum of its movements (which
    the database checks, as for any other write). Rows that already exist
    are left alone (a loader run twice adds nothing). Returns how many rows
    it created.
    """
    wanted = {(v, p): q for v, p, q in rows}
    for quantity in wanted.values():
        _check_quantity(quantity, field="quantity", allow_zero=True)
    existing = set(Stock.objects.filter(variant_id__in={v for v, _ in wanted}).values_list("variant_id", "sales_point_id"))
    new = [Stock(variant_id=v, sales_point_id=p) for (v, p) in wanted if (v, p) not in existing]
    created = Stock.objects.bulk_create(new, batch_size=2000)
    actor, reason = _actor(actor), " ".join((reason or "").split())[:300]
    StockMovement.objects.bulk_create([
        StockMovement(stock=s, kind=Kind.RECEIPT, on_hand_change=q, on_hand_after=q, allocated_after=0,
                      reason=reason, reference=reference[:80], actor=actor)
        for s in created if (q := wanted[(s.variant_id, s.sales_point_id)])
    ], batch_size=2000)
    stocked = [s.pk for s in created if wanted[(s.variant_id, s.sales_point_id)]]
    for start in range(0, len(stocked), 2000):
        Stock.objects.filter(pk__in=stocked[start:start + 2000]).update(
            quantity_on_hand=Subquery(
                StockMovement.objects.filter(stock=OuterRef("pk")).values("stock")
                .annotate(total=Sum("on_hand_change")).values("total")
            )
        )
    if stocked:
        availability_changed.send(sender=Stock, variant_ids=sorted({s.variant_id for s in created}))
    return len(created)


def stock_up(variant, sales_point, quantity: int, *, reason: str = "Kiểm kê", actor=None) -> Stock:
    """Bring a variant's on-hand units at a point to `quantity` (a recount): for loaders,
    fixtures and scripts that start from known numbers."""
    return count(variant_id=getattr(variant, "pk", variant), sales_point_id=getattr(sales_point, "pk", sales_point),
                 quantity_on_hand=quantity, reason=reason, actor=actor)
