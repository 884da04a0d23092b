"""The scans CSV of the province dashboard: scans per period, verdict and channel, in words.

Beside traceability/reports.py (the chart's per-verdict counts): the export also says how the
code was read (the trace page, a scanner app asking for the linkset, the API). One query.
"""
import datetime
from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import TruncDate

from shop.periods import DateRange
from traceability.models import Scan
from traceability.texts import VERDICT_TEXT
from traceability.verdicts import Verdict

# How a scan reached the shop, as a person says it (vi, en); Scan.Channel holds the codes.
CHANNEL_TEXT = {
    Scan.Channel.PAGE: ("Trang truy xuất (quét mã QR)", "Trace page (QR code scanned)"),
    Scan.Channel.LINKSET: ("Ứng dụng đọc mã (linkset)", "Scanner app (linkset)"),
    Scan.Channel.API: ("API", "API"),
}


def verdict_words(verdict: str) -> tuple[str, str]:
    try:
        return VERDICT_TEXT[Verdict(verdict)][0]
    except ValueError:  # a verdict logged by an older version of the rules
        return verdict, verdict


def channel_words(channel: str) -> tuple[str, str]:
    return CHANNEL_TEXT.get(channel, (channel, channel))


@dataclass
class ScanLine:
    period: datetime.date
    verdict: str
    verdict_name: tuple[str, str]
    channel: str
    channel_name: tuple[str, str]
    scans: int


def scan_lines(rng: DateRange) -> list[ScanLine]:
    """Scans in `rng` per period, verdict and channel (only the combinations that occurred), in
    period order, then the order of `Verdict`, then the channel's."""
    start, end = rng.bounds
    grouped = (
        Scan.objects.filter(scanned_at__gte=start, scanned_at__lt=end)
        .annotate(day=TruncDate("scanned_at"))
        .values("day", "verdict", "channel")
        .annotate(n=Count("id"))
        .order_by()
    )
    totals: dict[tuple, int] = {}
    for r in grouped:
        key = (rng.bucket(r["day"]), r["verdict"], r["channel"])
        totals[key] = totals.get(key, 0) + r["n"]
    verdicts = {v.value: i for i, v in enumerate(Verdict)}
    channels = {c.value: i for i, c in enumerate(Scan.Channel)}
    keys = sorted(totals, key=lambda k: (k[0], verdicts.get(k[1], len(verdicts)), k[1],
                                         channels.get(k[2], len(channels)), k[2]))
    return [ScanLine(p, v, verdict_words(v), c, channel_words(c), totals[(p, v, c)]) for p, v, c in keys]
