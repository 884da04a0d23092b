"""The verdict policy, without a database."""
import datetime

from django.test import override_settings

from traceability.verdicts import EarlierScan, Facts, Verdict, decide, distance_km

NOW = datetime.datetime(2026, 5, 1, 12, tzinfo=datetime.UTC)
DIEN_BIEN_PHU = (21.4, 103.0)
HANOI = (21.0, 105.8)


def facts(**kw):
    base = {"signature_ok": True, "found": True, "is_serial": True, "now": NOW}
    return Facts(**{**base, **kw})


def test_bad_signature_outranks_everything():
    assert decide(facts(signature_ok=False, recalled=True)).verdict == Verdict.NOT_AUTHENTIC


def test_a_validly_signed_code_that_is_not_in_the_database_is_unknown():
    assert decide(facts(found=False)).verdict == Verdict.UNKNOWN


def test_recall_outranks_the_scan_history():
    assert decide(facts(recalled=True, earlier_count=0)).verdict == Verdict.RECALLED


def test_first_then_seen_before():
    assert decide(facts(earlier_count=0)).verdict == Verdict.AUTHENTIC_FIRST_SCAN
    assert decide(facts(earlier_count=3, recent=[EarlierScan(NOW)] * 3)).verdict == Verdict.AUTHENTIC_SEEN_BEFORE


@override_settings(TRACE_SUSPICIOUS_SCANS=5, TRACE_SUSPICIOUS_WINDOW_HOURS=24)
def test_too_many_recent_scans_of_one_serial_are_suspicious():
    recent = [EarlierScan(NOW - datetime.timedelta(hours=i)) for i in range(5)]
    decision = decide(facts(earlier_count=5, recent=recent))
    assert (decision.verdict, decision.reason) == (Verdict.SUSPICIOUS, "many_scans")
    old = [EarlierScan(NOW - datetime.timedelta(days=3, hours=i)) for i in range(5)]
    assert decide(facts(earlier_count=5, recent=old)).verdict == Verdict.AUTHENTIC_SEEN_BEFORE


@override_settings(TRACE_FAR_APART_KM=100, TRACE_FAR_APART_HOURS=12)
def test_far_apart_places_in_a_short_time_are_suspicious():
    assert distance_km(*DIEN_BIEN_PHU, *HANOI) > 250
    earlier = [EarlierScan(NOW - datetime.timedelta(hours=2), *DIEN_BIEN_PHU)]
    decision = decide(facts(earlier_count=1, recent=earlier, latitude=HANOI[0], longitude=HANOI[1]))
    assert (decision.verdict, decision.reason) == (Verdict.SUSPICIOUS, "far_apart")
    # Same place, or far apart but days later: nothing odd.
    near = facts(earlier_count=1, recent=earlier, latitude=21.4, longitude=103.1)
    assert decide(near).verdict == Verdict.AUTHENTIC_SEEN_BEFORE
    later = [EarlierScan(NOW - datetime.timedelta(hours=30), *DIEN_BIEN_PHU)]
    assert decide(facts(earlier_count=1, recent=later, latitude=HANOI[0], longitude=HANOI[1])).verdict == \
        Verdict.AUTHENTIC_SEEN_BEFORE


@override_settings(TRACE_LOT_SCANS_PER_UNIT=2, TRACE_SUSPICIOUS_SCANS=5)
def test_lot_level_codes_are_suspicious_only_past_the_number_of_packs():
    many = [EarlierScan(NOW)] * 50
    assert decide(facts(is_serial=False, lot_quantity=100, earlier_count=50, recent=many)).verdict == \
        Verdict.AUTHENTIC_SEEN_BEFORE
    assert decide(facts(is_serial=False, lot_quantity=10, earlier_count=20)).reason == "more_scans_than_units"
