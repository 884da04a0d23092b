"""Does every stock row equal the sum of its ledger? (The database checks each write; this
checks the whole, e.g. after a restore, a raw SQL fix or a concurrency test.)"""
from dataclasses import dataclass

from django.db.models import Count, Sum

from inventory.models import Stock, StockMovement


@dataclass(frozen=True)
class Drift:
    stock_id: int
    label: str
    on_hand: int
    allocated: int
    ledger_on_hand: int
    ledger_allocated: int


@dataclass(frozen=True)
class Report:
    rows: int
    movements: int
    drifts: list[Drift]

    @property
    def clean(self) -> bool:
        return not self.drifts


def audit() -> Report:
    """Two queries, whatever the size: the stock rows, and the ledger summed per row."""
    sums = {
        r["stock_id"]: r for r in StockMovement.objects.values("stock_id").annotate(
            on_hand=Sum("on_hand_change"), allocated=Sum("allocated_change"), n=Count("id")
        ).order_by()
    }
    drifts, movements, rows = [], 0, 0
    for stock in Stock.objects.select_related("variant", "sales_point").order_by("pk").iterator(2000):
        rows += 1
        total = sums.get(stock.pk, {"on_hand": 0, "allocated": 0, "n": 0})
        movements += total["n"]
        if (stock.quantity_on_hand, stock.quantity_allocated) != (total["on_hand"], total["allocated"]):
            drifts.append(Drift(stock.pk, f"{stock.variant.sku} @ {stock.sales_point.code}", stock.quantity_on_hand,
                                stock.quantity_allocated, total["on_hand"], total["allocated"]))
    return Report(rows, movements, drifts)
