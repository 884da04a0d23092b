"""The Redis that the trace page's fast path shares between web processes.

The scan buffer, the lot-level scan counters and the lot cache live there
(REDIS_URL). Redis is never in the way: `client()` answers None when it is
not configured or failed a moment ago (for TRACE_REDIS_RETRY_AFTER seconds
after `failed()`), and every caller then takes its database path.
"""
from __future__ import annotations

import logging
import time

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

Error = redis.RedisError  # what callers catch

_clients: dict[str, redis.Redis] = {}
_down_until = 0.0


def client() -> redis.Redis | None:
    url = settings.REDIS_URL
    if not url or time.monotonic() < _down_until:
        return None
    if url not in _clients:
        # Short timeouts: a Redis that hangs costs a scan half a second once, then the breaker opens.
        _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    return _clients[url]


def failed(exc: Exception) -> None:
    """Stop using Redis for a while; the database answers meanwhile."""
    global _down_until
    _down_until = time.monotonic() + settings.TRACE_REDIS_RETRY_AFTER
    logger.warning("Redis unavailable for the trace fast path (%s: %s); using the database for %.0f s",
                   exc.__class__.__name__, exc, settings.TRACE_REDIS_RETRY_AFTER)


def reset() -> None:
    """Forget a failure (tests, and a worker that knows Redis is back)."""
    global _down_until
    _down_until = 0.0
