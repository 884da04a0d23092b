"""The scan log: cheap, private, bounded, and never in the way of the page.

- Private: a scan keeps a salted hash of the client address that changes
  every day (so scans cannot be linked across days), never the address
  (Decree 13/2023); a place only if the visitor shares it, rounded to
  0.1° (about 11 km).
- Bounded: the same client scanning the same code again within
  TRACE_SCAN_REPEAT_MINUTES is the same scan (its row's `hits` goes up);
  past TRACE_SCAN_CLIENT_MAX_ROWS rows in TRACE_SCAN_CLIENT_WINDOW_MINUTES a
  client's scans only raise the counter of its latest row. A flood from
  one client therefore adds at most that many rows per window.
- Cheap: without Redis a scan is written at once. With Redis
  (TRACE_SCAN_BUFFER) a lot-level code's scan is counted in the web
  process and sent to Redis with others every TRACE_SCAN_BATCH_SECONDS
  (traceability/tally.py, no round trip of its own), or, with that set to
  0, is one script call (`scan_lot`): it reads the visitor's repeat key and
  the code's counter, marks the visitor, counts, picks the verdict off the
  ladder the caller passed and pushes the scan onto a Redis list. Either
  way the scans wait on that list. A serial's scan takes two
  round trips (the visitor's key, then the push) around a read of its
  history in the database. `scanwrite.flush()`
  (the task traceability.tasks.flush_scans, scheduled by the first scan it
  will carry) writes the list in bulk about TRACE_SCAN_FLUSH_SECONDS later
  under the same caps; a web process that dies loses nothing. A lot-level
  code can be scanned 100,000 times, so its count is a Redis counter rather
  than a COUNT on every scan. Staleness: a verdict sees other visitors'
  serial scans once they are flushed (about a second); lot counts and the
  same visitor's repeats at once with `scan_lot`, within a batch (a quarter
  of a second) with the tally.
- Never in the way: reads and writes here swallow and log their failures;
  the caller gets an empty history or nothing written, not an exception.
  A Redis that fails sends scans to the database path.
"""
from __future__ import annotations

import contextlib
import datetime
import hashlib
import logging
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Min
from django.utils import timezone

from shop import net
from shop.tasks import enqueue_later
from traceability import scanwrite, shared
from traceability.models import Scan
from traceability.scanwrite import BUFFER_KEY, FLUSH_PENDING_KEY, PendingScan, script, write
from traceability.tasks import flush_scans
from traceability.verdicts import Decision, EarlierScan, Ladder, lookback_hours

logger = logging.getLogger(__name__)

RECENT_LIMIT = 500  # earlier scans looked at for the SUSPICIOUS rules

FLUSH_PENDING_SECONDS = 30  # a lost flush task is replaced after this (and the beat runs one anyway)
COUNTER_SECONDS = 30 * 24 * 3600  # an idle lot's counter is rebuilt from the database after this

# Builds a lot's counter once from the database count, adding the scans
# counted meanwhile; keeps the earliest first-scan time.
_SEED_COUNTER = """
if redis.call('HSETNX', KEYS[1], 'seeded', '1') == 1 then
  redis.call('HINCRBY', KEYS[1], 'n', ARGV[1])
  local first = redis.call('HGET', KEYS[1], 'first')
  if ARGV[2] ~= '' and (not first or tonumber(ARGV[2]) < tonumber(first)) then
    redis.call('HSET', KEYS[1], 'first', ARGV[2])
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return redis.call('HMGET', KEYS[1], 'n', 'first')
"""
# A scan into the buffer; a new visit (not a repeat) also marks the client and, for
# a lot-level code, counts. Returns 1 when no flush is scheduled yet (this scan's caller schedules it).
_PUSH = """
if ARGV[1] == '1' then
  redis.call('SET', KEYS[1], ARGV[3], 'NX', 'EX', ARGV[4])
  if ARGV[2] == '1' then
    redis.call('HINCRBY', KEYS[2], 'n', 1)
    redis.call('HSETNX', KEYS[2], 'first', ARGV[5])
    redis.call('EXPIRE', KEYS[2], ARGV[6])
  end
end
redis.call('RPUSH', KEYS[3], ARGV[7])
if redis.call('SET', KEYS[4], '1', 'NX', 'EX', ARGV[8]) then return 1 end
return 0
"""
# A lot-level code's scan in one round trip: a new visit marks the client with what
# it saw (a repeat within the window is the same visit and sees that again) and
# counts; the verdict is picked off the ladder (verdicts.Ladder) by the earlier
# scans; the scan, with it, is queued. Returns {repeat mark time, earlier scans,
# first scan stamp, rung (1-3), 1 when no flush is scheduled yet}, or {'unseeded'}
# when the lot's counter must first be built, or {'unmarked'} for a repeat whose
# mark holds no snapshot (the caller then takes the general path).
_SCAN_LOT = """
local counter = redis.call('HMGET', KEYS[2], 'n', 'first', 'seeded')
if not counter[3] then return {'unseeded'} end
local mark = redis.call('GET', KEYS[1])
local at, earlier, first = '', 0, ''
if mark then
  local n
  at, n, first = string.match(mark, '^([^|]*)|([^|]*)|(.*)$')
  if not n then return {'unmarked'} end
  earlier = tonumber(n)
else
  earlier, first = tonumber(counter[1] or '0'), counter[2] or ''
  redis.call('SET', KEYS[1], ARGV[1] .. '|' .. earlier .. '|' .. first, 'EX', ARGV[2])
  redis.call('HINCRBY', KEYS[2], 'n', 1)
  redis.call('HSETNX', KEYS[2], 'first', ARGV[3])
  redis.call('EXPIRE', KEYS[2], ARGV[4])
end
local rung, many_from = 1, tonumber(ARGV[6])
if many_from > 0 and earlier >= many_from then rung = 3 elseif earlier > 0 then rung = 2 end
redis.call('RPUSH', KEYS[3], ARGV[6 + rung])
local schedule = 0
if redis.call('SET', KEYS[4], '1', 'NX', 'EX', ARGV[5]) then schedule = 1 end
return {at, earlier, first, rung, schedule}
"""


def client_address(request) -> str:
    return net.client_ip(request)


def client_hash(address: str, now: datetime.datetime | None = None) -> str:
    day = timezone.localdate(now or timezone.now()).isoformat()
    raw = f"{settings.TRACE_CLIENT_SALT}|{day}|{address}".encode()
    return hashlib.sha256(raw).hexdigest()[:32]


def coarse(latitude, longitude) -> tuple[Decimal | None, Decimal | None]:
    """A shared position rounded to 0.1°, or (None, None) if absent or nonsense."""
    try:
        lat, lon = Decimal(str(latitude)), Decimal(str(longitude))
    except (InvalidOperation, ValueError, TypeError):
        return None, None
    if not (lat.is_finite() and lon.is_finite() and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    tenth = Decimal("0.1")
    return lat.quantize(tenth, ROUND_HALF_UP), lon.quantize(tenth, ROUND_HALF_UP)


@dataclass
class History:
    """Earlier scans of one code (a serial, or a lot-level code)."""

    count: int = 0
    first_at: datetime.datetime | None = None
    recent: list[EarlierScan] = field(default_factory=list)
    available: bool = True  # False when the log could not be read


@dataclass
class ClientState:
    repeat_at: datetime.datetime | None = None  # this client's scan of the same code within the repeat window
    seen: History | None = None  # what that scan saw of a lot-level code (buffered mode), shown again
    counted: History | None = None  # the lot-level code's counter, read in the same round trip


def _guarded():
    """A savepoint when inside a transaction, so a failed read does not poison it
    (PostgreSQL); nothing extra in autocommit mode."""
    return transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()


def buffer():
    """The Redis holding the buffer, the counters and the repeat keys, or None: the database path."""
    return shared.client() if settings.TRACE_SCAN_BUFFER else None


def seen_key(client: str, code: str) -> str:
    return f"trace:scans:seen:{client}:{code}"


def counter_key(batch_id: int) -> str:
    return f"trace:scans:lot:{batch_id}"


def stamp(at: datetime.datetime | None) -> str:
    """A moment as Redis keeps it (seconds since the epoch), '' for none."""
    return "" if at is None else repr(at.timestamp())


def moment(text: bytes | str | None) -> datetime.datetime | None:
    if not text:
        return None
    return datetime.datetime.fromtimestamp(float(text), datetime.UTC)


# -- reading: what earlier scans say ----------------------------------------------------

def client_state(client: str, code: str, now: datetime.datetime, *, batch_id: int | None = None,
                 serial_id: int | None = None) -> ClientState:
    """Has this client scanned this code within the repeat window? With Redis one round
    trip, which for a lot-level code also reads its counter; else one query."""
    code = code[:64]
    redis = buffer()
    if redis is not None:
        try:
            pipe = redis.pipeline(transaction=False)
            pipe.get(seen_key(client, code))
            if batch_id and not serial_id:
                pipe.hmget(counter_key(batch_id), "n", "first", "seeded")
            value, *counter = pipe.execute()
        except shared.Error as exc:
            shared.failed(exc)
        else:
            state = ClientState()
            if counter and counter[0][2]:  # built from the database already
                state.counted = History(count=int(counter[0][0] or 0), first_at=moment(counter[0][1]))
            if value:
                at, _, snapshot = value.decode().partition("|")
                state.repeat_at = datetime.datetime.fromisoformat(at)
                if snapshot:
                    count, _, first = snapshot.partition("|")
                    state.seen = History(count=int(count), first_at=moment(first))
            return state
    try:
        since = now - datetime.timedelta(minutes=settings.TRACE_SCAN_REPEAT_MINUTES)
        with _guarded():
            at = (Scan.objects.filter(client_hash=client, code=code, scanned_at__gte=since)
                  .order_by("-scanned_at").values_list("scanned_at", flat=True).first())
    except Exception:  # noqa: BLE001
        logger.exception("scan log unavailable")
        return ClientState()
    return ClientState(repeat_at=at)


def _target(batch_id: int | None, serial_id: int | None):
    if serial_id:
        return Scan.objects.filter(serial_id=serial_id)
    return Scan.objects.filter(batch_id=batch_id, serial__isnull=True)


def history(*, batch_id: int | None, serial_id: int | None, now: datetime.datetime,
            state: ClientState | None = None) -> History:
    """Scans of the code so far, or, for a repeat, those before the client's first
    scan of it (so a reload shows what the first visit showed)."""
    if not batch_id and not serial_id:
        return History()
    before = state.repeat_at if state else None
    try:
        if not serial_id:
            if state is not None and state.seen is not None:
                return state.seen
            if before is None:
                counted = (state.counted if state else None) or lot_counter(batch_id)
                if counted is not None:
                    return counted
        scans = _target(batch_id, serial_id)
        if before is not None:
            scans = scans.filter(scanned_at__lt=before)
        with _guarded():
            totals = scans.aggregate(n=Count("id"), first=Min("scanned_at"))
            rows = []
            if totals["n"] and serial_id:  # only a serial's verdict looks at when and where (verdicts.decide)
                since = now - datetime.timedelta(hours=lookback_hours())
                rows = list(scans.filter(scanned_at__gte=since).order_by("-scanned_at").values_list(
                    "scanned_at", "latitude", "longitude"
                )[:RECENT_LIMIT])
        recent = [
            EarlierScan(at, float(lat) if lat is not None else None, float(lon) if lon is not None else None)
            for at, lat, lon in rows
        ]
        return History(count=totals["n"], first_at=totals["first"], recent=recent)
    except Exception:  # noqa: BLE001 - the page must not break on the log
        logger.exception("scan history unavailable")
        return History(available=False)


def lot_counter(batch_id: int) -> History | None:
    """A lot-level code's scans from its Redis counter (built from the database the
    first time), or None without Redis."""
    redis = buffer()
    if redis is None:
        return None
    key = counter_key(batch_id)
    try:
        count, first, seeded = redis.hmget(key, "n", "first", "seeded")
        if not seeded:
            with _guarded():
                totals = _target(batch_id, None).aggregate(n=Count("id"), first=Min("scanned_at"))
            count, first = script(redis, _SEED_COUNTER)(
                keys=[key], args=[totals["n"], stamp(totals["first"]), COUNTER_SECONDS], client=redis)
    except shared.Error as exc:
        shared.failed(exc)
        return None
    return History(count=int(count or 0), first_at=moment(first))


# -- writing ---------------------------------------------------------------------------

def record(*, scan: PendingScan, state: ClientState, seen: History | None = None) -> None:
    """Log the scan (`seen`: the history its verdict was given). Never raises."""
    if _push(scan, state, seen):
        return
    try:
        write([scan])
    except Exception:  # noqa: BLE001 - logging a scan never breaks the page
        logger.exception("could not log a scan of %s", scan.code)


@dataclass
class LotScan:
    """What `scan_lot` logged: the verdict and the history it was picked by."""

    decision: Decision
    seen: History
    repeat_at: datetime.datetime | None


def scan_lot(scan: PendingScan, ladder: Ladder) -> LotScan | None:
    """Log a lot-level code's scan and pick its verdict off `ladder` by the code's
    earlier scans, in one Redis round trip. None without Redis (or with Redis
    failing, or an old-style mark): the caller takes the general path."""
    redis = buffer()
    if redis is None:
        return None
    rungs = (ladder.first, ladder.again, ladder.many)
    keys = [seen_key(scan.client, scan.code), counter_key(scan.batch_id), BUFFER_KEY, FLUSH_PENDING_KEY]
    args = [scan.at.isoformat(), settings.TRACE_SCAN_REPEAT_MINUTES * 60, stamp(scan.at), COUNTER_SECONDS,
            FLUSH_PENDING_SECONDS, ladder.many_from,
            *(replace(scan, verdict=d.verdict.value).dumps() for d in rungs)]
    try:
        answer = script(redis, _SCAN_LOT)(keys=keys, args=args, client=redis)
        if answer == [b"unseeded"]:
            if lot_counter(scan.batch_id) is None:  # builds the counter from the database
                return None
            answer = script(redis, _SCAN_LOT)(keys=keys, args=args, client=redis)
    except shared.Error as exc:
        shared.failed(exc)
        return None
    if len(answer) != 5:
        return None
    at, earlier, first, rung, schedule = answer
    if schedule:
        schedule_flush(settings.TRACE_SCAN_FLUSH_SECONDS)
    return LotScan(decision=rungs[int(rung) - 1], seen=History(count=int(earlier), first_at=moment(first)),
                   repeat_at=datetime.datetime.fromisoformat(at.decode()) if at else None)


def _push(scan: PendingScan, state: ClientState, seen: History | None) -> bool:
    """Buffer the scan in Redis (one script call); False when it must be written now."""
    redis = buffer()
    if redis is None:
        return False
    lot_level = bool(scan.batch_id and not scan.serial_id)
    mark = scan.at.isoformat()
    if lot_level and seen is not None and seen.available:
        mark += f"|{seen.count}|{stamp(seen.first_at)}"
    try:
        first_of_flush = script(redis, _PUSH)(
            keys=[seen_key(scan.client, scan.code), counter_key(scan.batch_id or 0), BUFFER_KEY, FLUSH_PENDING_KEY],
            args=[int(state.repeat_at is None), int(lot_level), mark, settings.TRACE_SCAN_REPEAT_MINUTES * 60,
                  stamp(scan.at), COUNTER_SECONDS, scan.dumps(), FLUSH_PENDING_SECONDS],
            client=redis)
    except shared.Error as exc:
        shared.failed(exc)
        return False
    if first_of_flush:
        schedule_flush(settings.TRACE_SCAN_FLUSH_SECONDS)
    return True


def schedule_flush(seconds: float) -> None:
    enqueue_later(flush_scans, seconds)


def flush() -> int:
    """The flush task's work, here and now (tests, the bench): returns the scans written."""
    flushed = scanwrite.flush()
    if flushed.backlog:
        schedule_flush(0)
    return flushed.moved
