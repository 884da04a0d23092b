"""Unpaid orders hold stock, so they are bounded: how many at once, and for how long.

- Open unpaid orders (a cash order not yet paid, a card order not yet paid)
  are limited per customer contact (e-mail, phone) and per client address.
  Completions for the same contact or address are serialised on PostgreSQL
  by transaction-scoped advisory locks taken in a fixed order (sorted), so
  two simultaneous orders cannot both slip past the limit; SQLite runs one
  write transaction at a time (IMMEDIATE) and needs nothing more.
- The client address is kept only as a keyed hash (HMAC, ORDER_CLIENT_SALT;
  an IPv6 address by its /64, which one subscriber holds), and only while
  the order is open and unpaid (Decree 13/2023: never the raw IP).
- A cash order's hold has a deadline (`hold_until`): pay-at-pickup, the end
  of the ORDER_PICKUP_HOLD_DAYS-th day; cash on delivery, the end of the
  ORDER_DELIVERY_HOLD_DAYS-th day. An order still unpaid and not handed over
  then is cancelled and its stock released (`release_expired_holds`, a
  periodic task and the release_expired_reservations command). Once goods
  have gone out, the hold is over: the rest is the staff's to finish.
  Card orders keep their own short reservation (`reserved_until`). A
  bank-transfer order (UNCONFIRMED, AWAITING its transfer) waits
  ORDER_TRANSFER_HOLD_HOURS, then is cancelled the same way.
- Staff of a point serving the order can extend the deadline
  (`extend_hold`), logged with who and how long.
"""
import datetime
import functools
import hashlib
import hmac
import ipaddress
import operator

from babel.dates import format_date
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from orders import events
from orders.errors import CheckoutErrorCode, OrderErrorCode
from orders.models import Fulfillment, Order, PaymentMethod
from shop.errors import ShopError
from shop.permissions import can_act_on, is_staff_member, require_staff

CASH_METHODS = (PaymentMethod.PAY_AT_PICKUP, PaymentMethod.CASH_ON_DELIVERY)
HANDED_OVER = (Fulfillment.Status.PICKED_UP, Fulfillment.Status.SHIPPED, Fulfillment.Status.DELIVERED)
# Orders that hold stock and have not been paid: card orders awaiting payment, cash orders not yet paid.
OPEN_UNPAID = Q(status=Order.Status.UNCONFIRMED) | Q(status=Order.Status.CONFIRMED,
                                                      payment_status=Order.PaymentStatus.NOT_PAID)


# -- the client's address -------------------------------------------------------------------

def client_hash(address: str) -> str | None:
    """A keyed hash of the client's address (of its /64 for IPv6), or None when there is none."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    key = str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)
    return hmac.new(settings.ORDER_CLIENT_SALT.encode(), key.encode(), hashlib.sha256).hexdigest()[:32]


# -- how many open unpaid orders ----------------------------------------------------------------

def _lock(keys) -> None:
    """Serialise the transactions that count orders for these keys (PostgreSQL; released at commit)."""
    if connection.vendor != "postgresql":
        return
    numbers = sorted({int.from_bytes(hashlib.sha256(f"orders.unpaid:{k}".encode()).digest()[:8], "big", signed=True)
                      for k in keys})
    # One statement: a target list is evaluated left to right, so the locks are still taken in this order.
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(["pg_advisory_xact_lock(%s)"] * len(numbers)), numbers)


def check_open_orders(*, email: str, phones, client: str | None, user=None) -> None:
    """Refuse a new order when its contact or its client address already has the most open unpaid
    orders allowed. Call inside the completion's transaction, before the order is written."""
    assert transaction.get_connection().in_atomic_block, "check_open_orders() must run inside a transaction"
    email = (email or "").strip().lower()
    phones = sorted({p for p in phones if p})
    per_contact, per_client = settings.ORDER_MAX_OPEN_UNPAID_PER_CONTACT, settings.ORDER_MAX_OPEN_UNPAID_PER_CLIENT
    # A point's counter PC places orders for walk-in customers: its address is not one customer's.
    if not per_client or is_staff_member(user):
        client = None
    contact = Q(email__iexact=email) if email else Q()
    for phone in phones:
        contact |= Q(phone=phone) | Q(ship_phone=phone)
    keys = [f"phone:{p}" for p in phones]
    if email:
        keys.append(f"email:{email}")
    if client:
        keys.append(f"client:{client}")
    if not keys or not (per_contact or client):
        return
    _lock(keys)
    # Both counts in one query (each a FILTER of the open unpaid orders of the contact or the address).
    by_contact = contact if per_contact and contact else None
    by_client = Q(client_hash=client) if client else None
    wanted = {name: q for name, q in (("contact", by_contact), ("client", by_client)) if q is not None}
    counts = Order.objects.filter(OPEN_UNPAID).filter(functools.reduce(operator.or_, wanted.values())).aggregate(
        **{name: Count("pk", filter=q) for name, q in wanted.items()}
    )
    if by_contact is not None and counts["contact"] >= per_contact:
        raise ShopError(
            CheckoutErrorCode.TOO_MANY_OPEN_ORDERS,
            f"Bạn đang có {per_contact} đơn chưa thanh toán đang giữ hàng. Hãy nhận hàng, trả tiền hoặc huỷ một đơn "
            "(theo đường dẫn trong e-mail) trước khi đặt thêm; cần gấp, hãy gọi điểm bán.",
            f"You already have {per_contact} unpaid orders holding items. Collect, pay for or cancel one "
            "(with the link in its e-mail) before placing another; if it is urgent, call a sales point.",
            field="email",
        )
    if by_client is not None and counts["client"] >= per_client:
        raise ShopError(
            CheckoutErrorCode.TOO_MANY_OPEN_ORDERS,
            f"Đã có {per_client} đơn chưa thanh toán được đặt từ mạng của bạn. Hãy nhận hàng, trả tiền hoặc huỷ "
            "bớt trước khi đặt thêm, hoặc gọi điểm bán để đặt.",
            f"{per_client} unpaid orders were already placed from your network. Collect, pay for or cancel some "
            "before placing another, or call a sales point to order.",
            field="paymentMethod",
        )


# -- the deadline ---------------------------------------------------------------------------------

def _end_of_day(moment: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(moment).replace(hour=23, minute=59, second=59, microsecond=0)


def hold_deadline(payment_method: str, now: datetime.datetime | None = None) -> datetime.datetime | None:
    """When a new order paid this way stops holding its stock unpaid (None: card orders, see reserved_until).
    A bank-transfer order waits ORDER_TRANSFER_HOLD_HOURS for its transfer."""
    if payment_method == PaymentMethod.BANK_TRANSFER:
        return (now or timezone.now()) + datetime.timedelta(hours=settings.ORDER_TRANSFER_HOLD_HOURS)
    days = {PaymentMethod.PAY_AT_PICKUP: settings.ORDER_PICKUP_HOLD_DAYS,
            PaymentMethod.CASH_ON_DELIVERY: settings.ORDER_DELIVERY_HOLD_DAYS}.get(payment_method)
    if days is None:
        return None
    return _end_of_day((now or timezone.now()) + datetime.timedelta(days=days))


def holds_stock(order: Order, fulfillment_statuses) -> bool:
    """Is the order an unpaid cash order, or a bank-transfer order awaiting its transfer, holding stock
    until its deadline?"""
    if order.payment_method == PaymentMethod.BANK_TRANSFER:
        waiting = order.status == Order.Status.UNCONFIRMED and order.payment_status == Order.PaymentStatus.AWAITING
    else:
        waiting = order.status == Order.Status.CONFIRMED and order.payment_status == Order.PaymentStatus.NOT_PAID
    return bool(order.hold_until and waiting and not any(s in HANDED_OVER for s in fulfillment_statuses))


def deadline_words(moment: datetime.datetime, language: str) -> str:
    """'23:59 ngày 08/03/2026' / '23:59 on 8 March 2026'."""
    local = timezone.localtime(moment)
    if language == "en":
        return f"{local:%H:%M} on {format_date(local.date(), 'd MMMM y', locale='en')}"
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"


def deadline_notice(order: Order, language: str) -> str:
    """What the customer is told about the deadline (the status page; fit for the order e-mail)."""
    when = deadline_words(order.hold_until, language)
    if order.payment_method == PaymentMethod.BANK_TRANSFER:
        if language == "en":
            return (f"Please make the transfer by {when}. If it has not arrived by then, the order is cancelled "
                    "automatically and the items go back on sale.")
        return (f"Hãy chuyển khoản trước {when}. Nếu đến lúc đó cửa hàng chưa nhận được tiền, đơn sẽ tự huỷ và hàng "
                "được bán cho khách khác.")
    if order.payment_method == PaymentMethod.PAY_AT_PICKUP:
        if language == "en":
            return (f"Please collect your order by {when}. After that it is cancelled automatically and the items "
                    "go back on sale; if you need more time, call the sales point.")
        return (f"Hãy đến nhận hàng trước {when}. Sau thời hạn này đơn sẽ tự huỷ và hàng được bán cho khách khác; "
                "cần thêm thời gian, hãy gọi điểm bán.")
    if language == "en":
        return (f"The sales point holds your items until {when}. If they have not been sent out by then, the order "
                "is cancelled automatically and you pay nothing; to change the date, call the sales point.")
    return (f"Điểm bán giữ hàng cho bạn đến {when}. Nếu đến lúc đó hàng chưa được gửi đi, đơn sẽ tự huỷ và bạn không "
            "phải trả gì; muốn đổi ngày, hãy gọi điểm bán.")


def _order_not_found() -> ShopError:
    return ShopError(OrderErrorCode.ORDER_NOT_FOUND, "Không tìm thấy đơn hàng.", "Order not found.", field="orderId")


@transaction.atomic
def extend_hold(*, order_id: int, days: int, user) -> Order:
    """Staff of a point serving the order move its deadline `days` days later (from now, if it has passed)."""
    require_staff(user)
    cap = settings.ORDER_HOLD_EXTEND_MAX_DAYS
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= cap:
        raise ShopError(OrderErrorCode.INVALID_DAYS, f"Số ngày gia hạn phải từ 1 đến {cap}.",
                        f"Extend by 1 to {cap} days.", field="days")
    order = Order.objects.select_for_update().filter(pk=order_id).first() if isinstance(order_id, int) else None
    statuses = list(order.fulfillments.values_list("sales_point_id", "status")) if order else []
    # A foreign order gets the same answer as a missing one: no probing of order ids.
    if order is None or not any(can_act_on(user, point_id) for point_id, _ in statuses):
        raise _order_not_found()
    if not holds_stock(order, [status for _, status in statuses]):
        raise ShopError(
            OrderErrorCode.HOLD_NOT_EXTENDABLE, "Đơn này không còn giữ hàng chờ thanh toán (đã trả, đã gửi đi hoặc đã huỷ).",
            "This order no longer holds items awaiting payment (paid, sent out or cancelled).", field="orderId",
        )
    previous = order.hold_until
    order.hold_until = max(previous, _end_of_day(timezone.now())) + datetime.timedelta(days=days)
    order.save(update_fields=["hold_until", "updated_at"])
    events.log(
        order, "HOLD_EXTENDED",
        f"Điểm bán gia hạn giữ hàng thêm {days} ngày, đến {deadline_words(order.hold_until, 'vi')}.",
        f"The sales point extended the hold by {days} days, until {deadline_words(order.hold_until, 'en')}.",
        user=user, data={"days": days, "from": previous.isoformat(), "to": order.hold_until.isoformat()},
    )
    return order


# -- the periodic sweep -------------------------------------------------------------------------

def release_expired_holds(*, now: datetime.datetime | None = None) -> list[str]:
    """Cancel the unpaid cash orders past their deadline and free their stock; returns their numbers.

    An order whose goods have (partly) gone out is not cancelled: its hold ends. Also forgets the
    client hash of every order that is no longer open and unpaid.
    """
    from orders import services

    now = now or timezone.now()
    cancelled = []
    due = Order.objects.filter(hold_until__lte=now).order_by("hold_until", "id").values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            order = Order.objects.select_for_update().filter(pk=pk, hold_until__lte=now).first()
            if order is None:
                continue
            statuses = list(order.fulfillments.values_list("status", flat=True))
            if not holds_stock(order, statuses):
                order.hold_until = None
                order.save(update_fields=["hold_until", "updated_at"])
                continue
            reason_vi, reason_en = {
                PaymentMethod.PAY_AT_PICKUP: ("quá hạn nhận hàng mà chưa nhận", "not collected before the hold ran out"),
                PaymentMethod.BANK_TRANSFER: ("quá hạn mà chưa nhận được tiền chuyển khoản",
                                              "no bank transfer arrived before the hold ran out"),
            }.get(order.payment_method, ("quá hạn giữ hàng mà chưa gửi đi được", "not sent out before the hold ran out"))
            services.cancel_locked_order(order, reason_vi=reason_vi, reason_en=reason_en, actor="system",
                                         kind="EXPIRED")
            cancelled.append(order.number)
    forget_client_hashes()
    return cancelled


def forget_client_hashes() -> int:
    """Drop the address hash of orders that no longer hold stock unpaid (it is kept for nothing else)."""
    return Order.objects.filter(client_hash__isnull=False).exclude(OPEN_UNPAID).update(client_hash=None)
