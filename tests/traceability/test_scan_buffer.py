"""The scan buffer and the lot cache of the trace page's fast path.

With Redis the page only queues its scan and a task writes the queue in
bulk, under the same caps as the inline log; lot-level codes come from a
cache that a recall or a certificate change retires at once. Without Redis,
or with Redis down, every scan is written at once. The Redis tests use
TEST_REDIS_URL (default: database 14 of a local server, emptied before and
after each test) and are skipped when nothing answers there.
"""
import os
import re
import socket
import time
from unittest import mock
from urllib.parse import urlsplit

import pytest
import redis
from django.db import OperationalError

from catalog import certification
from traceability import codes, lotcache, scans, scanwrite, services, shared, tally, tasks, views
from traceability.models import Batch, Scan

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def path_of(url: str) -> str:
    return urlsplit(url).path


def verdict_of(response) -> str:
    """From the page itself: a lot's page is served from the page cache, with no template context."""
    return re.search(r'<section class="v \w+" role="status" data-verdict="(\w+)">', response.content.decode()).group(1)


def redis_fast_path(settings, batch_seconds: float):
    conn = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
    try:
        conn.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL} (set TEST_REDIS_URL)")
    conn.flushdb()
    settings.REDIS_URL = REDIS_URL
    settings.TRACE_SCAN_BUFFER = settings.TRACE_CACHE_LOTS = True
    settings.TRACE_SCAN_BATCH_SECONDS = batch_seconds
    shared.reset()
    lotcache.forget()
    yield conn
    conn.flushdb()
    shared.reset()
    lotcache.forget()


@pytest.fixture(params=["batched", "exact"])
def fast_path(request, settings):
    """Redis configured and answering: scans buffered, lots cached; lot-level scans counted in
    this process and sent in batches (traceability/tally.py), or counted in Redis one by one."""
    yield from redis_fast_path(settings, 60 if request.param == "batched" else 0)  # batches go when a test says


@pytest.fixture
def batched(settings):
    yield from redis_fast_path(settings, 60)


def sent() -> None:
    """This process's batched lot scans, sent to Redis (as its sender thread does)."""
    tally.send()


def flush() -> int:
    """The worker's flush, of what this process has sent."""
    sent()
    return scans.flush()


@pytest.fixture
def redis_down(settings):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    settings.TRACE_SCAN_BUFFER = settings.TRACE_CACHE_LOTS = True
    shared.reset()
    yield
    shared.reset()


def test_without_redis_each_scan_is_written_at_once(client, lot, settings):
    settings.REDIS_URL = ""
    settings.TRACE_SCAN_BUFFER = True
    response = client.get(path_of(codes.link_for_batch(lot)), REMOTE_ADDR="192.0.2.1")
    assert verdict_of(response) == "AUTHENTIC_FIRST_SCAN"
    assert Scan.objects.get().batch == lot


def test_a_redis_that_is_down_sends_scans_to_the_database(client, lot, redis_down, caplog):
    path = path_of(codes.link_for_batch(lot))
    first = client.get(path, REMOTE_ADDR="192.0.2.1")
    second = client.get(path, REMOTE_ADDR="192.0.2.2")
    assert first.status_code == second.status_code == 200
    assert (verdict_of(first), verdict_of(second)) == ("AUTHENTIC_FIRST_SCAN", "AUTHENTIC_SEEN_BEFORE")
    assert Scan.objects.count() == 2
    # The breaker: one warning, then the database path without trying Redis on every scan.
    assert len([r for r in caplog.records if "Redis unavailable" in r.getMessage()]) == 1


def test_scans_wait_in_redis_and_one_flush_writes_them_in_bulk(client, lot, fast_path,
                                                                django_assert_max_num_queries):
    serials = services.mint_serials(batch=lot, count=120)
    for i, serial in enumerate(serials):
        client.get(path_of(codes.link_for_serial(lot, serial)), REMOTE_ADDR=f"198.51.{i // 200}.{i % 200 + 1}")
    for i in range(30):
        client.get(path_of(codes.link_for_batch(lot)) + "?lat=21.38567&lon=103.01734", REMOTE_ADDR=f"203.0.113.{i + 1}")
    assert not Scan.objects.exists()
    sent()
    assert fast_path.llen(scans.BUFFER_KEY) == 150

    with django_assert_max_num_queries(10):  # a read of the clients' rows, a few INSERTs: not one per scan
        assert flush() == 150
    assert fast_path.llen(scans.BUFFER_KEY) == 0
    assert Scan.objects.filter(serial__isnull=False).count() == 120
    assert set(Scan.objects.values_list("serial__serial", flat=True).exclude(serial=None)) == set(serials)
    lot_scans = Scan.objects.filter(batch=lot, serial=None)
    assert lot_scans.count() == 30
    assert {(float(s.latitude), float(s.longitude)) for s in lot_scans} == {(21.4, 103.0)}
    assert set(Scan.objects.values_list("verdict", flat=True)) == {"AUTHENTIC_FIRST_SCAN", "AUTHENTIC_SEEN_BEFORE"}
    assert flush() == 0  # nothing written twice


def test_the_flush_keeps_the_caps_of_the_inline_log(client, lot, fast_path, settings):
    settings.TRACE_SCAN_CLIENT_MAX_ROWS = 5
    serials = services.mint_serials(batch=lot, count=40)
    for serial in serials:
        client.get(path_of(codes.link_for_serial(lot, serial)), REMOTE_ADDR="192.0.2.9")
    for _ in range(20):  # the same code again and again
        client.get(path_of(codes.link_for_batch(lot)), REMOTE_ADDR="192.0.2.10")
    flush()
    assert Scan.objects.count() == 5 + 1  # the same numbers as the inline log's flood test
    assert sum(Scan.objects.values_list("hits", flat=True)) == 60
    # A later flush merges into the rows already written.
    client.get(path_of(codes.link_for_batch(lot)), REMOTE_ADDR="192.0.2.10")
    flush()
    assert Scan.objects.count() == 6 and Scan.objects.get(serial=None).hits == 21


def test_a_failed_flush_loses_nothing(client, lot, fast_path):
    for i in range(10):
        client.get(path_of(codes.link_for_batch(lot)), REMOTE_ADDR=f"192.0.2.{i + 1}")
    with mock.patch.object(scanwrite, "_insert", side_effect=OperationalError("server closed the connection")):
        with pytest.raises(OperationalError):
            flush()
    assert fast_path.llen(scans.BUFFER_KEY) == 10 and not Scan.objects.exists()
    assert flush() == 10  # the retry (the lock was released)
    assert Scan.objects.count() == 10


def test_a_backlog_longer_than_one_flush_goes_on_in_another(client, lot, fast_path, monkeypatch):
    for i in range(3):
        client.get(path_of(codes.link_for_batch(lot)), REMOTE_ADDR=f"192.0.2.{i + 1}")
    sent()
    monkeypatch.setattr(scanwrite, "FLUSH_TIME_BUDGET", 0)  # the run's time is up before its first chunk
    with mock.patch.object(tasks, "enqueue_later") as later:
        assert tasks.flush_scans() == 0
    later.assert_called_once_with(tasks.flush_scans, 0)
    assert fast_path.llen(scans.BUFFER_KEY) == 3
    monkeypatch.setattr(scanwrite, "FLUSH_TIME_BUDGET", 60)
    with mock.patch.object(tasks, "enqueue_later") as later:
        assert tasks.flush_scans() == 3
    assert not later.called and Scan.objects.count() == 3


def test_the_first_buffered_scan_schedules_its_flush(client, lot, fast_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.get(path_of(codes.link_for_batch(lot)), REMOTE_ADDR="192.0.2.1")
        client.get(path_of(codes.link_for_batch(lot)), REMOTE_ADDR="192.0.2.2")
        sent()
        sent()  # an empty batch schedules nothing
    assert len(callbacks) == 1  # one flush for the scans it will find, not one per scan
    assert Scan.objects.count() == 2 and fast_path.llen(scans.BUFFER_KEY) == 0  # inline here: no worker


def test_buffered_verdicts_count_other_visitors_at_once_and_a_reload_shows_its_first_verdict(
        client, lot, fast_path):
    path = path_of(codes.link_for_batch(lot))
    assert verdict_of(client.get(path, REMOTE_ADDR="192.0.2.1")) == "AUTHENTIC_FIRST_SCAN"
    second = client.get(path, REMOTE_ADDR="192.0.2.2")
    assert verdict_of(second) == "AUTHENTIC_SEEN_BEFORE" and "quét 2 lần" in second.content.decode()
    assert verdict_of(client.get(path, REMOTE_ADDR="192.0.2.1")) == "AUTHENTIC_FIRST_SCAN"  # the same visit
    third = client.get(path, REMOTE_ADDR="192.0.2.3")
    assert "quét 3 lần" in third.content.decode()
    flush()
    assert sorted(Scan.objects.values_list("hits", flat=True)) == [1, 1, 2]


def test_a_lot_counter_starts_from_the_scans_already_logged(client, lot, fast_path, settings):
    path = path_of(codes.link_for_batch(lot))
    settings.TRACE_SCAN_BUFFER = False
    for i in range(3):
        client.get(path, REMOTE_ADDR=f"192.0.2.{i + 1}")
    settings.TRACE_SCAN_BUFFER = True
    assert "quét 4 lần" in client.get(path, REMOTE_ADDR="192.0.2.9").content.decode()
    assert "quét 5 lần" in client.get(path, REMOTE_ADDR="192.0.2.10").content.decode()


def test_a_cached_lot_answers_without_the_database_and_a_recall_shows_at_once(
        client, lot, fast_path, django_assert_num_queries, django_capture_on_commit_callbacks):
    path = path_of(codes.link_for_batch(lot))
    assert "★★★★" in client.get(path, REMOTE_ADDR="192.0.2.1").content.decode()
    with django_assert_num_queries(0):
        assert verdict_of(client.get(path, REMOTE_ADDR="192.0.2.2")) == "AUTHENTIC_SEEN_BEFORE"

    with django_capture_on_commit_callbacks(execute=True):
        certification.revoke(certificate=lot.variant.product.certifications.get(), reason="Vi phạm tiêu chí")
    assert "★★★★" not in client.get(path, REMOTE_ADDR="192.0.2.3").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        services.recall_batch(batch=lot, reason="Nhiễm ẩm khi vận chuyển")
    recalled = client.get(path, REMOTE_ADDR="192.0.2.4")
    assert verdict_of(recalled) == "RECALLED" and "Nhiễm ẩm khi vận chuyển" in recalled.content.decode()


def test_a_lot_page_from_the_page_cache_is_the_page_a_fresh_render_gives(client, lot):
    path = path_of(codes.link_for_batch(lot))
    for address in ("192.0.2.1", "192.0.2.2"):
        client.get(path, REMOTE_ADDR=address)
    cached = client.get(path, REMOTE_ADDR="192.0.2.3")  # the third visitor: "quét 3 lần"
    assert cached.context is None  # no template was rendered: the page came from the cache
    views._pages.clear()
    fresh = client.get(path, REMOTE_ADDR="192.0.2.3")  # the same visit again: the same verdict and note
    assert fresh.context is not None and "quét 3 lần" in fresh.content.decode()
    assert cached.content == fresh.content


def test_a_change_made_by_another_web_process_shows_within_a_quarter_second(client, lot, fast_path):
    path = path_of(codes.link_for_batch(lot))
    assert verdict_of(client.get(path, REMOTE_ADDR="192.0.2.1")) == "AUTHENTIC_FIRST_SCAN"
    # Another process recalls the lot: the row changes and that process sets a new generation.
    Batch.objects.filter(pk=lot.pk).update(status=Batch.Status.RECALLED, recall_reason="Nhiễm ẩm")
    fast_path.set(lotcache.GENERATION_KEY, "set-by-another-process")
    time.sleep(lotcache.GENERATION_SECONDS + 0.05)
    assert verdict_of(client.get(path, REMOTE_ADDR="192.0.2.2")) == "RECALLED"


# -- lot-level scans counted in the process and sent in batches (traceability/tally.py) ---------

def commands(conn) -> dict[str, int]:
    return {name.removeprefix("cmdstat_"): stats["calls"] for name, stats in conn.info("commandstats").items()}


def test_a_batched_lot_scan_asks_redis_nothing_and_its_batch_is_one_round_trip(client, lot, batched):
    path = path_of(codes.link_for_batch(lot))
    client.get(path, REMOTE_ADDR="192.0.2.1")  # the first reads the lot and its counter
    batched.config_resetstat()
    for i in range(20):
        assert client.get(path, REMOTE_ADDR=f"198.51.100.{i + 1}").status_code == 200
    writes = {"evalsha", "eval", "hmget", "rpush", "set", "hincrby"}
    assert not writes & set(commands(batched))  # at most the lot cache's generation read
    assert "quét 22 lần" in client.get(path, REMOTE_ADDR="198.51.100.99").content.decode()

    batched.config_resetstat()
    with mock.patch.object(scans, "schedule_flush") as scheduled:
        assert tally.send() == 22
    sent_commands = commands(batched)
    assert sent_commands.get("evalsha", 0) == 1 and sent_commands.get("hmget", 0) == 1
    assert batched.llen(scans.BUFFER_KEY) == 22 and int(batched.hget(scans.counter_key(lot.pk), "n")) == 22
    scheduled.assert_called_once()
    assert tally.send() == 0  # nothing twice


def test_other_processes_scans_show_once_a_batch_has_read_the_counter_back(client, lot, batched):
    path = path_of(codes.link_for_batch(lot))
    for i in range(3):
        client.get(path, REMOTE_ADDR=f"192.0.2.{i + 1}")
    batched.hincrby(scans.counter_key(lot.pk), "n", 5)  # five visits counted by other processes
    assert "quét 4 lần" in client.get(path, REMOTE_ADDR="192.0.2.10").content.decode()  # not read yet
    sent()
    assert "quét 10 lần" in client.get(path, REMOTE_ADDR="192.0.2.11").content.decode()


def test_a_visit_another_process_counted_is_not_counted_again(client, lot, batched):
    path = path_of(codes.link_for_batch(lot))
    client.get(path, REMOTE_ADDR="192.0.2.1")
    sent()
    tally.forget()  # the visitor's reload lands on another process, which has no mark of them
    reload = client.get(path, REMOTE_ADDR="192.0.2.1")
    assert verdict_of(reload) == "AUTHENTIC_SEEN_BEFORE"  # the trade-off: their own first visit counts
    sent()
    assert int(batched.hget(scans.counter_key(lot.pk), "n")) == 1  # one visit, however many processes saw it
    assert flush() == 2
    assert list(Scan.objects.values_list("hits", flat=True)) == [2]  # the log merges it as before


def test_a_batched_visitor_reload_in_the_same_process_is_the_same_visit(client, lot, batched):
    path = path_of(codes.link_for_batch(lot))
    assert verdict_of(client.get(path, REMOTE_ADDR="192.0.2.1")) == "AUTHENTIC_FIRST_SCAN"
    client.get(path, REMOTE_ADDR="192.0.2.2")
    sent()
    assert verdict_of(client.get(path, REMOTE_ADDR="192.0.2.1")) == "AUTHENTIC_FIRST_SCAN"
    assert int(batched.hget(scans.counter_key(lot.pk), "n")) == 2


def test_the_ladder_past_the_lots_size_gives_the_same_verdict_in_the_page_and_the_log(
        client, lot_factory, fast_path, settings):
    small = lot_factory(quantity=2)  # suspicious from 2 × TRACE_LOT_SCANS_PER_UNIT earlier scans
    path = path_of(codes.link_for_batch(small))
    verdicts = [verdict_of(client.get(path, REMOTE_ADDR=f"192.0.2.{i + 1}")) for i in range(6)]
    many = 2 * settings.TRACE_LOT_SCANS_PER_UNIT
    assert verdicts == ["AUTHENTIC_FIRST_SCAN"] + ["AUTHENTIC_SEEN_BEFORE"] * (many - 1) + ["SUSPICIOUS"] * (6 - many)
    flush()
    logged = list(Scan.objects.order_by("scanned_at", "id").values_list("verdict", flat=True))
    assert logged == verdicts


def test_a_batch_that_redis_refuses_goes_to_the_database(client, lot, batched, caplog):
    path = path_of(codes.link_for_batch(lot))
    for i in range(4):
        client.get(path, REMOTE_ADDR=f"192.0.2.{i + 1}")
    with mock.patch.object(redis.client.Pipeline, "execute", side_effect=redis.ConnectionError("gone")):
        assert tally.send() == 4
    assert Scan.objects.count() == 4 and batched.llen(scans.BUFFER_KEY) == 0
    assert any("Redis unavailable" in r.getMessage() for r in caplog.records)
    # Meanwhile (the breaker is open) scans take the database path.
    client.get(path, REMOTE_ADDR="192.0.2.9")
    assert Scan.objects.count() == 5


def test_the_sender_thread_sends_without_being_asked(client, lot, batched, settings):
    settings.TRACE_SCAN_SEND_THREAD = True
    settings.TRACE_SCAN_BATCH_SECONDS = 0.05
    tally.forget()
    with mock.patch.object(scans, "schedule_flush"):
        client.get(path_of(codes.link_for_batch(lot)), REMOTE_ADDR="192.0.2.1")
        deadline = time.monotonic() + 5
        while batched.llen(scans.BUFFER_KEY) == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
    assert batched.llen(scans.BUFFER_KEY) == 1
    settings.TRACE_SCAN_BATCH_SECONDS = 60  # the thread goes quiet before the fixture empties Redis


def test_a_forked_process_starts_with_nothing_of_its_parent(client, lot, batched):
    client.get(path_of(codes.link_for_batch(lot)), REMOTE_ADDR="192.0.2.1")
    with mock.patch.object(tally.os, "getpid", return_value=-1):  # the child
        client.get(path_of(codes.link_for_batch(lot)), REMOTE_ADDR="192.0.2.2")
        assert tally.send() == 1  # its own scan only; the parent sends its own


def test_a_lot_not_scanned_here_for_a_while_is_read_again_before_its_count_is_shown(
        client, lot, batched, monkeypatch):
    path = path_of(codes.link_for_batch(lot))
    client.get(path, REMOTE_ADDR="192.0.2.1")
    sent()
    batched.hincrby(scans.counter_key(lot.pk), "n", 3)  # other processes' visits since
    monkeypatch.setattr(tally, "REFRESH_SECONDS", 0)  # "a while" has passed
    assert "quét 5 lần" in client.get(path, REMOTE_ADDR="192.0.2.2").content.decode()


def test_the_visitor_marks_stay_bounded_and_the_newest_are_kept(client, lot, batched, monkeypatch):
    monkeypatch.setattr(tally, "MARKS_MAX", 10)
    path = path_of(codes.link_for_batch(lot))
    for i in range(25):
        client.get(path, REMOTE_ADDR=f"192.0.2.{i + 1}")
    assert len(tally._marks) <= 10
    assert verdict_of(client.get(path, REMOTE_ADDR="192.0.2.25")) == "AUTHENTIC_SEEN_BEFORE"
    assert "quét 25 lần" in client.get(path, REMOTE_ADDR="192.0.2.25").content.decode()  # the same visit
