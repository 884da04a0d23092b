"""The order's event log: who did what, when — one row per change."""
from orders.models import OrderEvent


def actor_of(user, default: str = "system") -> str:
    if user is not None and getattr(user, "is_authenticated", False):
        return user.email or user.get_username()
    return default


def log(order, kind: str, message: str, message_en: str = "", *, user=None, actor: str | None = None,
        fulfillment=None, data: dict | None = None) -> OrderEvent:
    return OrderEvent.objects.create(
        order=order, fulfillment=fulfillment, kind=kind, message=message, message_en=message_en or message,
        user=user if user is not None and getattr(user, "is_authenticated", False) else None,
        actor=(actor or actor_of(user))[:120], data=data or {},
    )
