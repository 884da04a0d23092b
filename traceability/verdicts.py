"""What a scan means: the authenticity verdict, decided from plain facts.

No database here: `decide()` takes what the resolver found (was the code's
signature right, is the item known, is its lot recalled, what earlier scans
of the same code looked like) and returns a verdict, so the policy is
tested on its own and reused by the page, the linkset and the API.
"""
from __future__ import annotations

import datetime
import enum
import math
from dataclasses import dataclass, field

from django.conf import settings


class Verdict(enum.StrEnum):
    AUTHENTIC_FIRST_SCAN = "AUTHENTIC_FIRST_SCAN"
    AUTHENTIC_SEEN_BEFORE = "AUTHENTIC_SEEN_BEFORE"
    SUSPICIOUS = "SUSPICIOUS"
    NOT_AUTHENTIC = "NOT_AUTHENTIC"
    UNKNOWN = "UNKNOWN"
    RECALLED = "RECALLED"

    @property
    def is_authentic(self) -> bool:
        return self in (Verdict.AUTHENTIC_FIRST_SCAN, Verdict.AUTHENTIC_SEEN_BEFORE)


@dataclass(frozen=True)
class EarlierScan:
    at: datetime.datetime
    latitude: float | None = None
    longitude: float | None = None


@dataclass
class Facts:
    """What the resolver knows about one scan."""

    signature_ok: bool | None  # None: the code carries no signature (a Digital Link lot path)
    found: bool  # the lot (and serial, if any) exists and matches the code
    recalled: bool = False
    is_serial: bool = False
    lot_quantity: int = 0
    earlier_count: int = 0  # scans of this code before this one
    recent: list[EarlierScan] = field(default_factory=list)  # earlier scans within the look-back window
    now: datetime.datetime | None = None
    latitude: float | None = None  # where this scan is, if the visitor shared it (coarse)
    longitude: float | None = None


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: str = ""  # for SUSPICIOUS: "many_scans", "far_apart", "more_scans_than_units"


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))


def lookback_hours() -> int:
    """How far back `Facts.recent` must reach for `decide()`."""
    return max(settings.TRACE_SUSPICIOUS_WINDOW_HOURS, settings.TRACE_FAR_APART_HOURS)


def _far_apart(facts: Facts) -> bool:
    if facts.latitude is None or facts.longitude is None or facts.now is None:
        return False
    since = facts.now - datetime.timedelta(hours=settings.TRACE_FAR_APART_HOURS)
    return any(
        s.at >= since and s.latitude is not None and s.longitude is not None
        and distance_km(facts.latitude, facts.longitude, s.latitude, s.longitude) >= settings.TRACE_FAR_APART_KM
        for s in facts.recent
    )


def _many_recent(facts: Facts) -> bool:
    if facts.now is None:
        return False
    since = facts.now - datetime.timedelta(hours=settings.TRACE_SUSPICIOUS_WINDOW_HOURS)
    return sum(1 for s in facts.recent if s.at >= since) >= settings.TRACE_SUSPICIOUS_SCANS


@dataclass(frozen=True)
class Ladder:
    """A lot-level code's verdict as a function of its earlier scans alone.

    Everything else a lot-level verdict depends on is known before the scan log
    is read, so the log can pick the verdict in the same step that counts the
    scan (scans.scan_lot: one Redis round trip). `decide()` uses it too, so
    there is one rule."""

    first: Decision  # no earlier scan
    again: Decision  # some earlier scans
    many: Decision  # `many_from` earlier scans or more
    many_from: int = 0  # 0: never

    def pick(self, earlier: int) -> Decision:
        if self.many_from and earlier >= self.many_from:
            return self.many
        return self.again if earlier else self.first


def _same(decision: Decision) -> Ladder:
    return Ladder(decision, decision, decision)


def _settled(facts: Facts) -> Decision | None:
    """A verdict no scan history can change. The order matters: a bad signature says
    more than anything in the database; an unknown code has nothing to be recalled;
    a recall outranks the scan history, which is about copies of a genuine code."""
    if facts.signature_ok is False:
        return Decision(Verdict.NOT_AUTHENTIC, "bad_signature")
    if not facts.found:
        return Decision(Verdict.UNKNOWN)
    if facts.recalled:
        return Decision(Verdict.RECALLED)
    return None


def lot_ladder(facts: Facts) -> Ladder:
    """The verdicts of a lot-level code (facts.earlier_count is not read)."""
    settled = _settled(facts)
    if settled is not None:
        return _same(settled)
    # A lot-level code is on every package of the lot: only far more scans than packages is odd.
    return Ladder(Decision(Verdict.AUTHENTIC_FIRST_SCAN), Decision(Verdict.AUTHENTIC_SEEN_BEFORE),
                  Decision(Verdict.SUSPICIOUS, "more_scans_than_units"),
                  many_from=facts.lot_quantity * settings.TRACE_LOT_SCANS_PER_UNIT if facts.lot_quantity else 0)


def decide(facts: Facts) -> Decision:
    if not facts.is_serial:
        return lot_ladder(facts).pick(facts.earlier_count)
    settled = _settled(facts)
    if settled is not None:
        return settled
    if _many_recent(facts):
        return Decision(Verdict.SUSPICIOUS, "many_scans")
    if _far_apart(facts):
        return Decision(Verdict.SUSPICIOUS, "far_apart")
    if facts.earlier_count == 0:
        return Decision(Verdict.AUTHENTIC_FIRST_SCAN)
    return Decision(Verdict.AUTHENTIC_SEEN_BEFORE)
