"""Scans of a producer's codes: how often (per day or week), where (the district, or the province,
nearest to the coarse position a visitor shared), the suspicious ones, and buyers' problem reports.

Counted in the database (grouped queries; the number of queries does not grow with the scans):
a scan is a row of traceability.Scan (a visitor's repeats within minutes are one row, as on
the province dashboard), of a lot of the producer's products. Positions are kept to 0.1° (about
11 km) by the trace page; they are grouped by that cell and each cell is named after the nearest
district with a known centre within NEAR_KM, else "elsewhere".
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count
from django.db.models.functions import TruncDate

from producers.access import Acting
from shop.models import District, Province
from shop.periods import DateRange
from traceability.models import ProblemReport, Scan
from traceability.scan_exports import verdict_words
from traceability.verdicts import Verdict, distance_km

NEAR_KM = 30.0  # a cell farther than this from every district centre is "elsewhere"
LISTED = 100  # suspicious scans and reports shown (newest first); the CSV has them all
SUSPICIOUS = (Verdict.SUSPICIOUS.value, Verdict.NOT_AUTHENTIC.value, Verdict.RECALLED.value)
NOT_SHARED = ("Không rõ vị trí (người quét không chia sẻ)", "Position not shared")
ELSEWHERE = ("Nơi khác (ngoài các huyện đã biết)", "Elsewhere (outside the known districts)")
KIND_TEXT = {
    ProblemReport.Kind.FAKE: ("Nghi hàng giả", "Suspected fake"),
    ProblemReport.Kind.QUALITY: ("Chất lượng", "Quality"),
    ProblemReport.Kind.INFO: ("Thông tin sai", "Wrong information"),
    ProblemReport.Kind.OTHER: ("Khác", "Other"),
}


@dataclass
class Place:
    name: str
    name_en: str
    scans: int = 0


@dataclass
class ScanReport:
    periods: list[tuple[datetime.date, int]]
    verdicts: list[tuple[tuple[str, str], int]]
    places: list[Place]
    suspicious: list  # Scan rows, each with .place (vi, en) and .verdict_name (vi, en)
    reports: list  # ProblemReport rows, each with .kind_name (vi, en)
    suspicious_total: int = 0
    reports_total: int = 0
    total: int = field(default=0)


def own_scans(acting: Acting, rng: DateRange):
    start, end = rng.bounds
    return Scan.objects.filter(batch__variant__product__producer=acting.producer,
                               scanned_at__gte=start, scanned_at__lt=end)


def own_reports(acting: Acting, rng: DateRange):
    start, end = rng.bounds
    return ProblemReport.objects.filter(batch__variant__product__producer=acting.producer,
                                        created_at__gte=start, created_at__lt=end)


class Gazetteer:
    """Names a coarse position after the nearest district centre (two queries, once)."""

    def __init__(self):
        districts = list(District.objects.exclude(latitude=None).exclude(longitude=None)
                         .values("name", "name_en", "province_code", "latitude", "longitude"))
        provinces = {p["code"]: p for p in Province.objects.filter(
            code__in={d["province_code"] for d in districts}).values("code", "name", "name_en")}
        self.centres = []
        for d in districts:
            short = d["name"]
            for prefix in ("Thành phố ", "Thị xã ", "Huyện "):
                short = short.removeprefix(prefix)
            province = provinces.get(d["province_code"])
            vi = f"{short}, {province['name'].removeprefix('Thành phố ')}" if province else d["name"]
            en = f"{d['name_en'] or short}, {province['name_en']}" if province else (d["name_en"] or d["name"])
            self.centres.append((float(d["latitude"]), float(d["longitude"]), vi, en))

    def name(self, latitude, longitude) -> tuple[str, str]:
        if latitude is None or longitude is None:
            return NOT_SHARED
        lat, lon = float(latitude), float(longitude)
        best = min(self.centres, key=lambda c: distance_km(lat, lon, c[0], c[1]), default=None)
        if best is None or distance_km(lat, lon, best[0], best[1]) > NEAR_KM:
            return ELSEWHERE
        return best[2], best[3]


def places(acting: Acting, rng: DateRange, gazetteer: Gazetteer | None = None) -> list[Place]:
    """Scans per district (or elsewhere, or not shared), most first: one grouped query."""
    gazetteer = gazetteer or Gazetteer()
    cells = (own_scans(acting, rng).values("latitude", "longitude").annotate(n=Count("id")).order_by())
    by_name: dict[tuple[str, str], Place] = {}
    for cell in cells:  # one row per 0.1° cell, not per scan
        key = gazetteer.name(cell["latitude"], cell["longitude"])
        by_name.setdefault(key, Place(*key)).scans += cell["n"]
    return sorted(by_name.values(), key=lambda p: (p.name in (NOT_SHARED[0], ELSEWHERE[0]), -p.scans, p.name))


def per_period(acting: Acting, rng: DateRange) -> list[tuple[datetime.date, int]]:
    rows = (own_scans(acting, rng).annotate(day=TruncDate("scanned_at")).values("day")
            .annotate(n=Count("id")).order_by())
    counts = dict.fromkeys(rng.buckets, 0)
    for r in rows:
        counts[rng.bucket(r["day"])] += r["n"]
    return list(counts.items())


def suspicious(acting: Acting, rng: DateRange, limit: int | None = LISTED, gazetteer: Gazetteer | None = None):
    gazetteer = gazetteer or Gazetteer()
    rows = (own_scans(acting, rng).filter(verdict__in=SUSPICIOUS).select_related("batch__variant__product")
            .order_by("-scanned_at", "-id"))
    rows = list(rows[:limit] if limit else rows)
    for s in rows:
        s.place = gazetteer.name(s.latitude, s.longitude)
        s.verdict_name = verdict_words(s.verdict)
    return rows


def reports(acting: Acting, rng: DateRange, limit: int | None = LISTED):
    rows = own_reports(acting, rng).select_related("batch__variant__product").order_by("-created_at", "-id")
    rows = list(rows[:limit] if limit else rows)
    for r in rows:
        r.kind_name = KIND_TEXT.get(r.kind, (r.kind, r.kind))
    return rows


def report(acting: Acting, rng: DateRange) -> ScanReport:
    """The page's figures: a fixed number of queries whatever the number of scans."""
    gazetteer = Gazetteer()
    periods = per_period(acting, rng)
    order = {v.value: i for i, v in enumerate(Verdict)}
    verdict_rows = sorted(own_scans(acting, rng).values("verdict").annotate(n=Count("id")).order_by(),
                          key=lambda r: order.get(r["verdict"], len(order)))
    return ScanReport(
        periods=periods,
        verdicts=[(verdict_words(r["verdict"]), r["n"]) for r in verdict_rows],
        places=places(acting, rng, gazetteer),
        suspicious=suspicious(acting, rng, gazetteer=gazetteer),
        reports=reports(acting, rng),
        suspicious_total=sum(r["n"] for r in verdict_rows if r["verdict"] in SUSPICIOUS),
        reports_total=own_reports(acting, rng).count(),
        total=sum(n for _, n in periods),
    )
