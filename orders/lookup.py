"""Finding one's order by its number and phone: for buyers who gave a phone and no e-mail, and
anyone who lost the link. The answer is the order (its status page is keyed by its secret token).

Against guessing: a wrong number and a wrong phone get the same answer, and failed tries are
counted per client address (ORDER_LOOKUP_FAILURES_PER_ADDRESS) and per order number
(ORDER_LOOKUP_FAILURES_PER_ORDER, so many addresses cannot guess one order's phone together),
each for ORDER_LOOKUP_WINDOW_MINUTES after the first failure. Past a limit every try is
refused, right or wrong, until the window ends. The counters live in the cache the login
throttle uses (Redis when REDIS_URL is set, shared by every worker; the process's memory otherwise).
"""
from __future__ import annotations

import hashlib
import logging
import math
import re

from django.conf import settings
from django.core.cache import cache, caches

from orders.checkout import normalize_phone
from orders.errors import OrderErrorCode
from orders.models import Order
from shop.errors import ShopError

logger = logging.getLogger("orders.lookup")

_NUMBER_JUNK = re.compile(r"[\s#.\-]")


def _cache():
    return caches["axes"] if "axes" in settings.CACHES else cache


def _key(kind: str, value: str) -> str:
    return f"order-lookup-{kind}-{hashlib.sha256(value.encode()).hexdigest()[:32]}"


def clean_number(value: str) -> str:
    """'db 000123', '#DB-000123' -> 'DB000123'."""
    return _NUMBER_JUNK.sub("", value or "").upper()[:20]


def _counters(number: str, address: str) -> list[tuple[str, int]]:
    found = [(_key("order", number), settings.ORDER_LOOKUP_FAILURES_PER_ORDER)] if number else []
    if address:
        found.append((_key("address", address), settings.ORDER_LOOKUP_FAILURES_PER_ADDRESS))
    return found


def _window() -> int:
    return settings.ORDER_LOOKUP_WINDOW_MINUTES * 60


def _refuse_if_throttled(number: str, address: str) -> None:
    store = _cache()
    for key, limit in _counters(number, address):
        if (store.get(key) or 0) >= limit:
            minutes = math.ceil(_window() / 60)
            raise ShopError(
                OrderErrorCode.LOOKUP_THROTTLED,
                f"Đã thử tra cứu sai quá nhiều lần. Hãy thử lại sau {minutes} phút, hoặc gọi điểm bán để được giúp.",
                f"Too many failed lookups. Try again in {minutes} minutes, or call the sales point for help.",
            )


def _count_failure(number: str, address: str) -> None:
    store = _cache()
    for key, _limit in _counters(number, address):
        if not store.add(key, 1, _window()):
            try:
                store.incr(key)
            except ValueError:  # expired between add and incr
                store.add(key, 1, _window())


def find(number: str, phone: str, *, address: str = "") -> Order:
    """The order with this number whose buyer's or recipient's phone is `phone`; ShopError otherwise.

    `address` is the client's IP address (shop.net.client_ip), for the throttle. An invalid phone is
    said so (it tells nothing about any order) and not counted; a valid one that does not match, or an
    unknown number, is `lookup_not_found`, in the same words.
    """
    number = clean_number(number)
    phone = normalize_phone(phone)  # ShopError invalid_phone, field "phone"
    _refuse_if_throttled(number, address)
    order = Order.objects.filter(number__iexact=number).first() if number else None
    if order is None or phone not in {order.phone, order.ship_phone}:
        _count_failure(number, address)
        logger.info("order lookup failed (number %s)", number[:20])
        raise ShopError(
            OrderErrorCode.LOOKUP_NOT_FOUND,
            "Không tìm thấy đơn hàng có số đơn và số điện thoại này. Hãy kiểm tra lại số đơn (ví dụ DB000123) "
            "và số điện thoại đã dùng khi đặt hàng.",
            "No order has this order number and phone number. Check the order number (e.g. DB000123) and the "
            "phone number you gave when ordering.",
        )
    return order
