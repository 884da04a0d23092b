"""Lot-level scans counted in this process and sent to Redis in batches.

A lot-level code (/01/{gtin}/10/{lot}, /q/{lot code}) is printed on every
package of its lot, so its page is the shop's most requested. Asking Redis on
every scan (scans.scan_lot, exact) costs about a third of that page's
throughput (bench/README.md). Here a scan costs no round trip:

- its count of earlier scans is the lot's shared counter as this process last
  read it, plus the visits this process counted since;
- a visitor's repeat within TRACE_SCAN_REPEAT_MINUTES is recognised by this
  process's marks and sees what its first scan saw;
- the scan waits in this process's queue.

A thread sends the queue every TRACE_SCAN_BATCH_SECONDS in one round trip: it
marks the visitors in Redis (a visit another process marked first is not
counted again), adds the visits to the lots' counters, pushes the scans onto
the buffer that traceability.tasks.flush_scans writes to the database, and
reads the counters back. Against the exact path this gives up:

- two visitors of one lot within the same quarter second, served by different
  processes, may be shown the same count (for a brand-new lot, both "first scan");
- a visitor whose reload lands on another process sees their own first visit counted;
- a process killed outright (SIGKILL, out of memory) loses the scans of its
  last quarter second; a normal stop sends them (atexit).

The log in the database stays exact: the flush merges a visitor's repeats into
one row (scanwrite.write). With Redis failing, the queue goes to the database at
once and scans take the database path until Redis is back.
"""
from __future__ import annotations

import atexit
import datetime
import itertools
import logging
import os
import threading
import time
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import connection

from traceability import scans, scanwrite, shared
from traceability.verdicts import Ladder

logger = logging.getLogger(__name__)

MARKS_MAX = 50_000  # visitors this process remembers (each expires after the repeat window)
QUEUE_MAX = 2_000  # scans queued before the request itself sends them
REFRESH_SECONDS = 10  # a batch reads back the counters of the lots scanned here this recently;
# a lot scanned after a longer pause is read again first (one round trip), so no count is older than this

# One batch. KEYS: the buffer, the flush-pending flag, then per new visit its
# seen key and its lot's counter. ARGV: the repeat window and the counter's
# lifetime (seconds), the flag's lifetime, the number of visits, per visit its
# mark and time stamp, then the scans. Returns 1 when no flush is scheduled yet.
_SEND = """
local visits = tonumber(ARGV[4])
for i = 1, visits do
  if redis.call('SET', KEYS[1 + 2 * i], ARGV[3 + 2 * i], 'NX', 'EX', ARGV[1]) then
    local counter = KEYS[2 + 2 * i]
    redis.call('HINCRBY', counter, 'n', 1)
    redis.call('HSETNX', counter, 'first', ARGV[4 + 2 * i])
    redis.call('EXPIRE', counter, ARGV[2])
  end
end
local first = 5 + 2 * visits
if first > #ARGV then return 0 end
for i = first, #ARGV, 500 do
  redis.call('RPUSH', KEYS[1], unpack(ARGV, i, math.min(i + 499, #ARGV)))
end
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[3]) then return 1 end
return 0
"""


@dataclass
class _Lot:
    count: int  # the shared counter as last read
    first: datetime.datetime | None
    read_at: float  # when (monotonic)
    local: int = 0  # visits counted here since that read
    used: float = 0.0  # when this process last saw a scan of it (monotonic)


@dataclass(frozen=True)
class _Mark:
    until: float  # monotonic
    at: datetime.datetime
    earlier: int
    first: datetime.datetime | None


_lock = threading.Lock()  # the state below
_send_lock = threading.Lock()  # one batch in flight at a time
_pid = 0
_thread: threading.Thread | None = None
_lots: dict[int, _Lot] = {}
_marks: dict[tuple[str, str], _Mark] = {}
_queue: list[str] = []  # scans, as the buffer holds them
_visits: list[tuple[str, str, str, str]] = []  # seen key, counter key, mark, time stamp
_oldest = 0.0  # when the oldest queued scan came (monotonic)


def enabled() -> bool:
    return settings.TRACE_SCAN_BATCH_SECONDS > 0 and scans.buffer() is not None


def scan(pending: scanwrite.PendingScan, ladder: Ladder) -> scans.LotScan | None:
    """Count and queue a lot-level code's scan; its verdict is picked off `ladder`.
    None when Redis is not there or failing: the caller takes another path."""
    if not enabled():
        return None
    _own_process()
    now = time.monotonic()
    lot = _lots.get(pending.batch_id)
    if lot is None or (now - lot.read_at > REFRESH_SECONDS and not lot.local):
        counted = scans.lot_counter(pending.batch_id)  # built from the database for a new lot
        if counted is None:
            return None
        fresh = _Lot(count=counted.count, first=counted.first_at, read_at=now)
        with _lock:
            lot = _lots.get(pending.batch_id)
            if lot is None or not lot.local:  # unsent visits of this process are not in the counter yet
                lot = _lots[pending.batch_id] = fresh
    key = (pending.client, pending.code)
    with _lock:
        lot = _lots.setdefault(pending.batch_id, lot)  # the sender may have dropped it meanwhile
        lot.used = now
        mark = _marks.get(key)
        if mark is not None and mark.until > now:
            repeat_at = mark.at
        else:
            repeat_at = None
            mark = _Mark(now + settings.TRACE_SCAN_REPEAT_MINUTES * 60, pending.at, lot.count + lot.local, lot.first)
            lot.local += 1
            lot.first = lot.first or pending.at
            _remember(key, mark)
            _visits.append((scans.seen_key(pending.client, pending.code), scans.counter_key(pending.batch_id),
                            f"{pending.at.isoformat()}|{mark.earlier}|{scans.stamp(mark.first)}",
                            scans.stamp(pending.at)))
        decision = ladder.pick(mark.earlier)
        global _oldest
        if not _queue:
            _oldest = now
        _queue.append(replace(pending, verdict=decision.verdict.value).dumps())
        due = len(_queue) >= QUEUE_MAX or (
            _thread is None and now - _oldest >= settings.TRACE_SCAN_BATCH_SECONDS)
    if due:
        send()
    return scans.LotScan(decision=decision, seen=scans.History(count=mark.earlier, first_at=mark.first),
                         repeat_at=repeat_at)


def _remember(key: tuple[str, str], mark: _Mark) -> None:
    """Keep a visitor's mark, within MARKS_MAX: expired marks go first, then the oldest half."""
    if len(_marks) >= MARKS_MAX:
        now = time.monotonic()
        for stale in [k for k, m in _marks.items() if m.until <= now]:
            del _marks[stale]
        if len(_marks) >= MARKS_MAX:
            for oldest in list(itertools.islice(_marks, MARKS_MAX // 2)):
                del _marks[oldest]
    _marks.pop(key, None)  # to the end of the order: the newest
    _marks[key] = mark


def send() -> int:
    """Send the queued scans and read the counters back (one round trip). Returns the
    scans sent. On a Redis failure they are written to the database instead."""
    with _send_lock:
        now = time.monotonic()
        with _lock:
            batch, visits = _queue[:], _visits[:]
            _queue.clear()
            _visits.clear()
            for idle in [b for b, lot in _lots.items() if now - lot.used > REFRESH_SECONDS and not lot.local]:
                del _lots[idle]  # read again when scanned again
            sent = {batch_id: lot.local for batch_id, lot in _lots.items()}
        if not batch and not sent:
            return 0
        redis = shared.client()
        try:
            if redis is None:
                raise shared.Error("Redis is marked down")
            pipe = redis.pipeline(transaction=False)
            if batch:
                keys = [scanwrite.BUFFER_KEY, scanwrite.FLUSH_PENDING_KEY, *itertools.chain.from_iterable(v[:2] for v in visits)]
                args = [settings.TRACE_SCAN_REPEAT_MINUTES * 60, scans.COUNTER_SECONDS, scans.FLUSH_PENDING_SECONDS,
                        len(visits), *itertools.chain.from_iterable(v[2:] for v in visits), *batch]
                scanwrite.script(redis, _SEND)(keys=keys, args=args, client=pipe)
            for batch_id in sent:
                pipe.hmget(scans.counter_key(batch_id), "n", "first", "seeded")
            answers = pipe.execute()
        except shared.Error as exc:
            shared.failed(exc)
            _fall_back(batch)
            return len(batch)
        if batch and answers.pop(0):
            scans.schedule_flush(settings.TRACE_SCAN_FLUSH_SECONDS)
        with _lock:
            for (batch_id, local), (count, first, seeded) in zip(sent.items(), answers, strict=True):
                lot = _lots.get(batch_id)
                if lot is None:
                    continue
                if not seeded:  # the counter expired or Redis lost it: built again at the next scan
                    del _lots[batch_id]
                    continue
                lot.count, lot.first, lot.local = int(count or 0), scans.moment(first) or lot.first, lot.local - local
                lot.read_at = now
        return len(batch)


def _fall_back(batch: list[str]) -> None:
    """Redis failed: write the batch to the database now, and read every lot again once it is back."""
    with _lock:
        _lots.clear()
    if not batch:
        return
    try:
        scanwrite.write(scanwrite.decode(batch))
    except Exception:  # noqa: BLE001 - the page never waits on this; the log says what was lost
        logger.exception("could not log %d scans (Redis and the database both failed)", len(batch))
    finally:
        if threading.current_thread() is _thread:
            connection.close()  # the sender thread's own connection


def _own_process() -> None:
    """State is per process: a forked child starts empty, with its own sender thread."""
    global _pid, _thread
    if _pid == os.getpid():
        return
    with _lock:
        if _pid == os.getpid():
            return
        _lots.clear()
        _marks.clear()
        _queue.clear()
        _visits.clear()
        _thread = None
        if settings.TRACE_SCAN_SEND_THREAD:
            _thread = threading.Thread(target=_sender, name="trace-scan-sender", daemon=True)
            _thread.start()
        _pid = os.getpid()


def _sender() -> None:
    while True:
        time.sleep(settings.TRACE_SCAN_BATCH_SECONDS)
        try:
            send()
        except Exception:  # noqa: BLE001 - keep sending; each failure is logged
            logger.exception("sending the queued scans failed")


@atexit.register
def _at_exit() -> None:
    if _pid == os.getpid() and (_queue or _visits):
        try:
            send()
        except Exception:  # noqa: BLE001
            logger.exception("could not send the last queued scans")


def forget() -> None:
    """Drop this process's counts, marks and queue (tests)."""
    global _pid
    with _lock:
        _lots.clear()
        _marks.clear()
        _queue.clear()
        _visits.clear()
        _pid = 0 if _thread is None else _pid
