"""What the province dashboard reads about scans: how many per day, and what they were told.

A scan is one row of the scan log (traceability/scans.py): repeats of the
same code by the same visitor within minutes are one scan, so the counts
measure people checking packages, not page reloads. Scans buffered in Redis
(scans.py) count once they are flushed, about a second later. One query per
report.
"""
import datetime
from dataclasses import dataclass

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate

from shop.periods import DateRange
from traceability.models import Scan
from traceability.texts import VERDICT_TEXT
from traceability.verdicts import Verdict


@dataclass
class VerdictRow:
    verdict: str
    name: str
    name_en: str
    values: list[int]  # scans per period of the range
    hits: int = 0  # every resolution, repeats included

    @property
    def total(self) -> int:
        return sum(self.values)


@dataclass
class ScanReport:
    periods: list[datetime.date]
    rows: list[VerdictRow]  # in the order of `Verdict`, only verdicts that occurred

    @property
    def per_period(self) -> list[int]:
        return [sum(r.values[i] for r in self.rows) for i in range(len(self.periods))]

    @property
    def total(self) -> int:
        return sum(r.total for r in self.rows)


def scans_by_verdict(rng: DateRange) -> ScanReport:
    start, end = rng.bounds
    grouped = (
        Scan.objects.filter(scanned_at__gte=start, scanned_at__lt=end)
        .annotate(day=TruncDate("scanned_at"))
        .values("day", "verdict")
        .annotate(n=Count("id"), hits=Sum("hits"))
        .order_by()
    )
    periods = rng.buckets
    index = {p: i for i, p in enumerate(periods)}
    rows: dict[str, VerdictRow] = {}
    for r in grouped:
        row = rows.get(r["verdict"])
        if row is None:
            vi, en = _verdict_name(r["verdict"])
            row = rows[r["verdict"]] = VerdictRow(r["verdict"], vi, en, [0] * len(periods))
        row.values[index[rng.bucket(r["day"])]] += r["n"]
        row.hits += r["hits"] or 0
    order = {v.value: i for i, v in enumerate(Verdict)}
    return ScanReport(periods, sorted(rows.values(), key=lambda r: (order.get(r.verdict, len(order)), r.verdict)))


def _verdict_name(verdict: str) -> tuple[str, str]:
    try:
        return VERDICT_TEXT[Verdict(verdict)][0]
    except ValueError:  # a verdict logged by an older version of the rules
        return verdict, verdict
