"""Units of the producer's products sold per sales point and month, from orders.

What counts as sold is the staff dashboard's rule (orders.reports.sold_lines): a line of a
fulfilment that was not cancelled, of an order confirmed or completed, dated by when the
order was placed, in the shop's time zone. One grouped query.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import F, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from orders.reports import sold_lines
from producers.access import Acting
from shop.periods import DateRange

MONTHS_SHOWN = 12


@dataclass
class PointRow:
    point_id: int
    name: str
    name_en: str
    units: list[int]  # one per month of the table

    @property
    def total(self) -> int:
        return sum(self.units)


@dataclass
class SalesTable:
    months: list[datetime.date]  # first day of each month
    rows: list[PointRow]  # most units first

    @property
    def totals(self) -> list[int]:
        return [sum(r.units[i] for r in self.rows) for i in range(len(self.months))]

    @property
    def total(self) -> int:
        return sum(r.total for r in self.rows)


def months_of(rng: DateRange) -> list[datetime.date]:
    first, out = rng.start.replace(day=1), []
    while first <= rng.end:
        out.append(first)
        first = (first + datetime.timedelta(days=32)).replace(day=1)
    return out


def last_months(count: int = MONTHS_SHOWN, today: datetime.date | None = None) -> DateRange:
    """From the first day of the month `count - 1` months ago to today."""
    today = today or timezone.localdate()
    start = today.replace(day=1)
    for _ in range(count - 1):
        start = (start - datetime.timedelta(days=1)).replace(day=1)
    return DateRange(start, today)


def units_by_point(acting: Acting, rng: DateRange) -> SalesTable:
    rows = (
        sold_lines(rng)
        .filter(order_line__variant__product__producer=acting.producer)
        .annotate(month=TruncMonth("fulfillment__order__created_at"), point=F("fulfillment__sales_point_id"),
                  n=F("fulfillment__sales_point__name"), n_en=F("fulfillment__sales_point__name_en"))
        .values("month", "point", "n", "n_en")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    months = months_of(rng)
    index = {m: i for i, m in enumerate(months)}
    table: dict[int, PointRow] = {}
    for r in rows:
        month = r["month"].date() if isinstance(r["month"], datetime.datetime) else r["month"]
        row = table.setdefault(r["point"], PointRow(r["point"], r["n"], r["n_en"] or r["n"], [0] * len(months)))
        row.units[index[month.replace(day=1)]] += int(r["units"] or 0)
    return SalesTable(months, sorted(table.values(), key=lambda p: (-p.total, p.name)))
