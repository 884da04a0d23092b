"""The order's event log: who did what, when — one row per change."""
import threading
from contextlib import contextmanager

from orders.models import OrderEvent

_batches = threading.local()


def actor_of(user, default: str = "system") -> str:
    if user is not None and getattr(user, "is_authenticated", False):
        return user.email or user.get_username()
    return default


def log(order, kind: str, message: str, message_en: str = "", *, user=None, actor: str | None = None,
        fulfillment=None, data: dict | None = None) -> OrderEvent:
    event = OrderEvent(
        order=order, fulfillment=fulfillment, kind=kind, message=message, message_en=message_en or message,
        user=user if user is not None and getattr(user, "is_authenticated", False) else None,
        actor=(actor or actor_of(user))[:120], data=data or {},
    )
    pending = getattr(_batches, "pending", None)
    if pending is not None:
        pending.append(event)
    else:
        event.save(force_insert=True)
    return event


@contextmanager
def batch():
    """Write the events logged inside in one INSERT when the block ends (in the order they were
    logged), for a caller that logs several at once and reads none of them back before the end.
    Nothing is written if the block raises."""
    if getattr(_batches, "pending", None) is not None:  # already inside one: it writes them
        yield
        return
    _batches.pending = pending = []
    try:
        yield
    finally:
        _batches.pending = None
    OrderEvent.objects.bulk_create(pending)
