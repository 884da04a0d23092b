"""Scans per day and verdict, for the province dashboard."""
import datetime

from django.utils import timezone

from shop.periods import DAY, WEEK, DateRange
from traceability import reports
from traceability.models import Scan


def scan(when, verdict, hits=1):
    return Scan.objects.create(scanned_at=when, last_seen_at=when, code="Q1", verdict=verdict, client_hash="c" * 32,
                               hits=hits)


def local(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone())


def test_scans_are_counted_per_local_day_and_verdict(db, django_assert_num_queries):
    day = datetime.date(2026, 11, 23)  # a Monday
    scan(local(day, 0, 10), "AUTHENTIC_FIRST_SCAN")  # 17:10 UTC the day before: still Monday in Điện Biên
    scan(local(day, 23, 50), "AUTHENTIC_FIRST_SCAN", hits=3)  # one visitor reloading: one scan, three hits
    scan(local(day + datetime.timedelta(days=1), 9), "NOT_AUTHENTIC")
    scan(local(day + datetime.timedelta(days=1), 10), "SOMETHING_OLD")  # a verdict the rules no longer give
    scan(local(day - datetime.timedelta(days=1), 23, 59), "SUSPICIOUS")  # before the range
    with django_assert_num_queries(1):
        report = reports.scans_by_verdict(DateRange(day, day + datetime.timedelta(days=1), DAY))
    assert report.periods == [day, day + datetime.timedelta(days=1)]
    assert [(r.verdict, r.values, r.hits) for r in report.rows] == [
        ("AUTHENTIC_FIRST_SCAN", [2, 0], 4), ("NOT_AUTHENTIC", [0, 1], 1), ("SOMETHING_OLD", [0, 1], 1),
    ]
    assert report.rows[0].name == "Hàng thật — lần quét đầu tiên" and report.rows[0].name_en == "Genuine — first scan"
    assert report.rows[2].name == "SOMETHING_OLD"
    assert report.per_period == [2, 2] and report.total == 4


def test_scans_by_week(db):
    monday = datetime.date(2026, 11, 23)
    for offset in (-6, -1, 0, 6):
        scan(local(monday + datetime.timedelta(days=offset), 12), "AUTHENTIC_SEEN_BEFORE")
    report = reports.scans_by_verdict(DateRange(monday - datetime.timedelta(days=6), monday + datetime.timedelta(days=6), WEEK))
    assert report.periods == [monday - datetime.timedelta(days=7), monday]
    assert report.rows[0].values == [2, 2]


def test_no_scans_no_rows(db):
    report = reports.scans_by_verdict(DateRange(datetime.date(2026, 1, 1), datetime.date(2026, 1, 31)))
    assert report.rows == [] and report.total == 0 and len(report.periods) == 31
