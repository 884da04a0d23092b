"""Does every stock row equal the sum of its ledger, and its latest movement's running totals?
(The database checks each write; this checks the whole, e.g. after a restore, a raw SQL fix or
a concurrency test. A running total that drifted from the sum would refuse the row's next
change: the database chains each movement on the previous one's totals.)"""
from dataclasses import dataclass

from django.db.models import Count, Max, Sum

from inventory.models import Stock, StockMovement


@dataclass(frozen=True)
class Drift:
    stock_id: int
    label: str
    on_hand: int
    allocated: int
    ledger_on_hand: int
    ledger_allocated: int
    running_on_hand: int = 0  # the latest movement's totals
    running_allocated: int = 0

    @property
    def running_totals_drift(self) -> bool:
        return (self.running_on_hand, self.running_allocated) != (self.ledger_on_hand, self.ledger_allocated)


@dataclass(frozen=True)
class Report:
    rows: int
    movements: int
    drifts: list[Drift]

    @property
    def clean(self) -> bool:
        return not self.drifts


def audit() -> Report:
    """Three queries, whatever the size: the stock rows, the ledger summed per row, and each
    row's latest movement."""
    sums = {
        r["stock_id"]: r for r in StockMovement.objects.values("stock_id").annotate(
            on_hand=Sum("on_hand_change"), allocated=Sum("allocated_change"), n=Count("id")
        ).order_by()
    }
    latest = StockMovement.objects.values("stock_id").annotate(last=Max("id")).order_by().values("last")
    running = {
        stock_id: (on_hand, allocated) for stock_id, on_hand, allocated
        in StockMovement.objects.filter(pk__in=latest).values_list("stock_id", "on_hand_after", "allocated_after")
        .order_by()
    }
    drifts, movements, rows = [], 0, 0
    for stock in Stock.objects.select_related("variant", "sales_point").order_by("pk").iterator(2000):
        rows += 1
        total = sums.get(stock.pk, {"on_hand": 0, "allocated": 0, "n": 0})
        movements += total["n"]
        ledger = (total["on_hand"], total["allocated"])
        if (stock.quantity_on_hand, stock.quantity_allocated) != ledger or running.get(stock.pk, (0, 0)) != ledger:
            drifts.append(Drift(stock.pk, f"{stock.variant.sku} @ {stock.sales_point.code}", stock.quantity_on_hand,
                                stock.quantity_allocated, *ledger, *running.get(stock.pk, (0, 0))))
    return Report(rows, movements, drifts)
