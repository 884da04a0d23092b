"""E-mails about orders, to the customer and to the staff of each serving point.

Sent with Django's mail (the console backend by default) by a background
task (shop.tasks.send_email, inline without a worker) once the transaction
commits, so a rolled-back change never mails anyone, and a mail server that
fails never undoes an order: the task retries, then logs the message it
could not send.

Not a relay: a customer mail goes only to the order's own e-mail, each
message at most once per order (once per fulfilment for "ready" and
"shipped"), and one address gets at most ORDER_EMAILS_PER_ADDRESS_PER_DAY
customer mails in 24 hours whatever the orders (placing and cancelling orders
in a loop with someone else's address stops there). Each mail, sent or held
back, is a line in the order's log. Every customer mail links to the order's
status page.

A customer with a phone number gets a text message (orders/sms.py) at the
same moments, once per order and message, within ORDER_SMS_PER_PHONE_PER_DAY
per number; ORDER_SMS chooses who: "all" orders with a phone, only those
"without_email", or "off". It is logged on the order as a staff note.
"""
import datetime
import logging

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from orders import events, unpaid
from orders.models import OrderEvent
from orders.tasks import send_sms
from shop.errors import pick
from shop.models import StaffAssignment
from shop.money import format_vnd
from shop.tasks import enqueue, send_email

logger = logging.getLogger("orders.notifications")


def _send(subject: str, body: str, recipients) -> None:
    recipients = sorted({r for r in recipients if r})
    if recipients:
        enqueue(send_email, subject, body, recipients)


def _tell_customer(order, key: str, subject: str, body: str, sms: str = "", *, new: bool = False) -> None:
    """Mail `order`'s own e-mail once per `key`, within the address's daily cap; logged on the order;
    and text `sms` to its phone (`_text_customer`). Callers hold the order's row lock (or just made it),
    so a message is logged, and sent, once. `new`: the order was made in this transaction, so it has
    sent nothing yet (the once-per-key look-ups are skipped; the daily caps are still counted)."""
    if sms:
        _text_customer(order, key, sms, new=new)
    _mail_customer(order, key, subject, body, new=new)


def sms_phone(order) -> str:
    """The number a text about `order` goes to: the buyer's, else the delivery's recipient's."""
    return order.phone or order.ship_phone or ""


def _text_customer(order, key: str, text: str, *, new: bool = False) -> None:
    """Text `order`'s phone once per `key`, within the number's daily cap, when settings.ORDER_SMS says so."""
    phone, policy = sms_phone(order), settings.ORDER_SMS
    if not phone or policy == "off" or (policy == "without_email" and order.email):
        return
    if not new and order.events.filter(kind=OrderEvent.Kind.NOTE, data__sms=key).exists():
        return
    since = timezone.now() - datetime.timedelta(hours=24)
    sent = OrderEvent.objects.filter(kind=OrderEvent.Kind.NOTE, data__has_key="sms", created_at__gte=since,
                                     data__sms_to=phone).count()
    cap = settings.ORDER_SMS_PER_PHONE_PER_DAY
    if sent >= cap:
        logger.warning("order %s: not texted (%s): the number had %s messages in 24 hours", order.number, key, sent)
        events.log(order, OrderEvent.Kind.NOTE,
                   f"Không gửi SMS: số này đã nhận {cap} tin trong 24 giờ. Hãy gọi khách nếu cần.",
                   f"Not texted: this number had {cap} messages in 24 hours. Call the customer if needed.",
                   actor="system", data={"sms_skipped": key})
        return
    shown = text.replace(_status_url(order), "[link]")  # the log is not where the order's secret link lives
    events.log(order, OrderEvent.Kind.NOTE, f"Gửi SMS cho khách: {shown}", f"Texted the customer: {shown}",
               actor="system", data={"sms": key, "sms_to": phone})
    enqueue(send_sms, phone, text)


def _mail_customer(order, key: str, subject: str, body: str, *, new: bool = False) -> None:
    address = order.email
    if not address or not new and order.events.filter(kind=OrderEvent.Kind.EMAIL, data__mail=key).exists():
        return
    cap = settings.ORDER_EMAILS_PER_ADDRESS_PER_DAY
    since = timezone.now() - datetime.timedelta(hours=24)
    sent = OrderEvent.objects.filter(kind=OrderEvent.Kind.EMAIL, created_at__gte=since,
                                     order__email__iexact=address).count()
    if sent >= cap:
        logger.warning("order %s: not e-mailed (%s): the address had %s customer mails in 24 hours",
                       order.number, key, sent)
        events.log(order, OrderEvent.Kind.NOTE,
                   f"Không gửi e-mail “{subject}”: địa chỉ này đã nhận {cap} e-mail trong 24 giờ. Hãy gọi khách nếu cần.",
                   f"Not e-mailed “{subject}”: this address had {cap} e-mails in 24 hours. Call the customer if needed.",
                   actor="system", data={"mail_skipped": key})
        return
    events.log(order, OrderEvent.Kind.EMAIL, f"Gửi e-mail cho khách: {subject}", f"E-mailed the customer: {subject}",
               actor="system", data={"mail": key})
    _send(subject, body, [address])


def staff_emails(point_ids) -> list[str]:
    return list(
        StaffAssignment.objects.filter(sales_point_id__in=list(point_ids), user__is_active=True)
        .exclude(user__email="").values_list("user__email", flat=True)
    )


def _status_url(order) -> str:
    """The customer's status page in the order's language (`/don-hang/…` or `/en/orders/…`); worked out
    once per order object (a mail and its text message name it several times)."""
    key = (order.language or "vi", order.token, settings.SITE_URL)
    cached = order.__dict__.get("_status_url")
    if cached is None or cached[0] != key:
        with translation.override(key[0]):
            cached = (key, settings.SITE_URL + reverse("storefront:order_status", kwargs={"token": order.token}))
        order.__dict__["_status_url"] = cached
    return cached[1]


def _lines_text(order, lang, lines=None) -> str:
    rows = []
    for line in order.lines.all() if lines is None else lines:
        name = (line.product_name_en or line.product_name) if lang == "en" else line.product_name
        pack = (line.variant_name_en or line.variant_name) if lang == "en" else line.variant_name
        rows.append(f"  {line.quantity} × {name} — {pack}: {format_vnd(line.total_vnd, lang)}")
    return "\n".join(rows)


def _follow(order, lang) -> str:
    """The status page line every customer mail ends with."""
    return pick(f"\nTheo dõi đơn: {_status_url(order)}\n", f"\nFollow your order: {_status_url(order)}\n", lang)


def _point_name(point, lang) -> str:
    return (point.name_en or point.name) if lang == "en" else point.name


def _point_hours(point, lang) -> str:
    return point.opening_hours_en if lang == "en" else point.opening_hours


def _point_ids(order) -> list[int]:
    return list(order.fulfillments.values_list("sales_point_id", flat=True))


def order_confirmed(order, *, lines=None, point_ids=None, new: bool = False) -> None:
    """A cash order placed, or a card order paid: the customer and the staff are told.

    Checkout, which has just made the order (`new`), passes its lines and serving points rather
    than have them read back."""
    lang = order.language
    lines = list(order.lines.all()) if lines is None else lines
    body = pick(
        f"Cảm ơn bạn đã đặt hàng OCOP Điện Biên.\n\nĐơn {order.number}\n{_lines_text(order, lang, lines)}\n"
        f"Phí giao hàng: {format_vnd(order.shipping_vnd, lang)}\nTổng cộng: {format_vnd(order.total_vnd, lang)}\n\n"
        f"Theo dõi đơn: {_status_url(order)}\n",
        f"Thank you for your order from OCOP Điện Biên.\n\nOrder {order.number}\n{_lines_text(order, lang, lines)}\n"
        f"Delivery: {format_vnd(order.shipping_vnd, lang)}\nTotal: {format_vnd(order.total_vnd, lang)}\n\n"
        f"Follow your order: {_status_url(order)}\n",
        lang,
    )
    if order.hold_until:  # an unpaid cash order: the customer is told when it is cancelled if not collected
        body += "\n" + unpaid.deadline_notice(order, lang) + "\n"
    sms = pick(f"OCOP Điện Biên: đơn {order.number} đã xác nhận, tổng {format_vnd(order.total_vnd, lang)}. "
               f"Theo dõi: {_status_url(order)}",
               f"OCOP Dien Bien: order {order.number} confirmed, total {format_vnd(order.total_vnd, lang)}. "
               f"Follow it: {_status_url(order)}", lang)
    _tell_customer(order, "confirmed", pick(f"Đơn hàng {order.number} đã được xác nhận", f"Order {order.number} confirmed",
                                            lang), body, sms, new=new)
    _send(
        f"[OCOP] Đơn mới {order.number}",
        f"Đơn {order.number} cần chuẩn bị tại điểm của bạn.\n{_lines_text(order, 'vi', lines)}\n"
        f"Lý do chọn điểm: {order.routing_reason}\nMở bảng điều khiển: {settings.SITE_URL}/staff/\n",
        staff_emails(_point_ids(order) if point_ids is None else point_ids),
    )


def order_cancelled(order, reason_vi: str, reason_en: str) -> None:
    lang = order.language
    _tell_customer(
        order, "cancelled",
        pick(f"Đơn hàng {order.number} đã huỷ", f"Order {order.number} cancelled", lang),
        pick(f"Đơn {order.number} đã huỷ: {reason_vi}\n", f"Order {order.number} was cancelled: {reason_en}\n", lang)
        + _follow(order, lang),
        pick(f"OCOP Điện Biên: đơn {order.number} đã huỷ. Chi tiết: {_status_url(order)}",
             f"OCOP Dien Bien: order {order.number} was cancelled. Details: {_status_url(order)}", lang),
    )
    _send(f"[OCOP] Đơn {order.number} đã huỷ", f"Đơn {order.number} đã huỷ: {reason_vi}\nKhông cần chuẩn bị nữa.\n"
          f"Mở bảng điều khiển: {settings.SITE_URL}/staff/\n", staff_emails(_point_ids(order)))


def fulfillment_ready(fulfillment) -> None:
    order, point = fulfillment.order, fulfillment.sales_point
    lang = order.language
    _tell_customer(
        order, f"ready:{fulfillment.pk}",
        pick(f"Đơn {order.number} sẵn sàng để nhận", f"Order {order.number} is ready for pickup", lang),
        pick(f"Mời bạn đến {point.name} ({point.address}, {point.opening_hours}) để nhận đơn {order.number}.\n",
             f"Please collect order {order.number} at {_point_name(point, lang)} ({point.address}, "
             f"{_point_hours(point, lang)}).\n", lang)
        + _follow(order, lang),
        pick(f"OCOP Điện Biên: đơn {order.number} đã sẵn sàng tại {point.name} ({point.opening_hours}). "
             f"Chi tiết: {_status_url(order)}",
             f"OCOP Dien Bien: order {order.number} is ready at {_point_name(point, lang)} ({_point_hours(point, lang)}). "
             f"Details: {_status_url(order)}", lang),
    )


def fulfillment_shipped(fulfillment) -> None:
    order, point = fulfillment.order, fulfillment.sales_point
    lang = order.language
    body = pick(f"{point.name} đã gửi hàng của đơn {order.number}. Theo dõi: {_status_url(order)}\n",
                f"{_point_name(point, lang)} has shipped part of order {order.number}. Follow it: {_status_url(order)}\n",
                lang)
    if fulfillment.tracking_number:  # the carrier and tracking number kept at hand-over (orders/carriers.py)
        body += pick(f"\nĐơn vị vận chuyển: {fulfillment.carrier_name}\nMã vận đơn: {fulfillment.tracking_number}\n",
                     f"\nCarrier: {fulfillment.carrier_name}\nTracking number: {fulfillment.tracking_number}\n", lang)
        if fulfillment.tracking_url:
            body += pick(f"Tra cứu hành trình: {fulfillment.tracking_url}\n", f"Track the parcel: {fulfillment.tracking_url}\n",
                         lang)
    tracking = pick(f", mã vận đơn {fulfillment.carrier_name} {fulfillment.tracking_number}",
                    f", {fulfillment.carrier_name} tracking number {fulfillment.tracking_number}",
                    lang) if fulfillment.tracking_number else ""
    _tell_customer(
        order, f"shipped:{fulfillment.pk}",
        pick(f"Đơn {order.number} đang được giao", f"Order {order.number} is on its way", lang), body,
        pick(f"OCOP Điện Biên: đơn {order.number} đang được giao{tracking}. Theo dõi: {_status_url(order)}",
             f"OCOP Dien Bien: order {order.number} is on its way{tracking}. Follow it: {_status_url(order)}", lang),
    )


def transfer_requested(order, transfer) -> None:
    """A bank-transfer order placed: what to pay, into which account, with which content, by when
    (the QR code itself is on the status page, linked)."""
    lang = order.language
    if transfer is not None:
        bank = transfer.bank.short_name
        how = pick(
            f"Hãy chuyển khoản (hoặc quét mã VietQR trên trang đơn hàng bằng ứng dụng ngân hàng):\n"
            f"  Ngân hàng: {bank} — {transfer.bank.name}\n  Số tài khoản: {transfer.account_number}\n"
            f"  Chủ tài khoản: {transfer.account_name}\n  Số tiền: {format_vnd(transfer.amount_vnd, lang)}\n"
            f"  Nội dung chuyển khoản: {transfer.content}\n"
            "Hãy ghi đúng nội dung và số tiền để đơn được xác nhận tự động.\n",
            f"Please make a bank transfer (or scan the VietQR code on your order page with your banking app):\n"
            f"  Bank: {bank} — {transfer.bank.name}\n  Account number: {transfer.account_number}\n"
            f"  Account holder: {transfer.account_name}\n  Amount: {format_vnd(transfer.amount_vnd, lang)}\n"
            f"  Transfer content: {transfer.content}\n"
            "Enter exactly this content and amount so the order is confirmed automatically.\n",
            lang,
        )
    else:
        how = pick("Thông tin chuyển khoản có trên trang đơn hàng.\n", "The transfer details are on your order page.\n",
                   lang)
    body = pick(
        f"Cảm ơn bạn đã đặt hàng OCOP Điện Biên.\n\nĐơn {order.number}\n{_lines_text(order, lang)}\n"
        f"Phí giao hàng: {format_vnd(order.shipping_vnd, lang)}\nTổng cộng: {format_vnd(order.total_vnd, lang)}\n\n",
        f"Thank you for your order from OCOP Điện Biên.\n\nOrder {order.number}\n{_lines_text(order, lang)}\n"
        f"Delivery: {format_vnd(order.shipping_vnd, lang)}\nTotal: {format_vnd(order.total_vnd, lang)}\n\n",
        lang,
    ) + how
    if order.hold_until:
        body += "\n" + unpaid.deadline_notice(order, lang) + "\n"
    body += pick(f"\nMã QR và tình trạng đơn: {_status_url(order)}\n", f"\nQR code and order status: {_status_url(order)}\n",
                 lang)
    if transfer is not None:
        sms = pick(f"OCOP Điện Biên: đơn {order.number} chờ chuyển khoản {format_vnd(transfer.amount_vnd, lang)} tới "
                   f"{transfer.bank.short_name} {transfer.account_number}, nội dung {transfer.content}. "
                   f"Mã QR: {_status_url(order)}",
                   f"OCOP Dien Bien: order {order.number} awaits your transfer of {format_vnd(transfer.amount_vnd, lang)} to "
                   f"{transfer.bank.short_name} {transfer.account_number}, content {transfer.content}. "
                   f"QR code: {_status_url(order)}", lang)
    else:
        sms = pick(f"OCOP Điện Biên: đơn {order.number} chờ chuyển khoản. Mã QR: {_status_url(order)}",
                   f"OCOP Dien Bien: order {order.number} awaits your bank transfer. QR code: {_status_url(order)}", lang)
    _tell_customer(order, "transfer", pick(f"Đơn hàng {order.number}: chờ chuyển khoản",
                                           f"Order {order.number}: waiting for your bank transfer", lang), body, sms)


def province_emails() -> list[str]:
    return list(
        StaffAssignment.objects.filter(role=StaffAssignment.Role.PROVINCE, user__is_active=True)
        .exclude(user__email="").values_list("user__email", flat=True)
    )


def transfer_needs_review(*, number: str, amount_vnd: int, reason_vi: str, content: str, point_ids) -> None:
    """A bank transfer waits for staff: the serving points' staff are told (the province's admins when
    it names no order)."""
    recipients = staff_emails(point_ids) if point_ids else province_emails()
    what = f"đơn {number}" if number else "chưa rõ đơn"
    _send(
        f"[OCOP] Chuyển khoản cần kiểm tra: {format_vnd(amount_vnd, 'vi')} ({what})",
        f"Khoản chuyển {format_vnd(amount_vnd, 'vi')}, nội dung “{content}”: {reason_vi}.\n"
        f"Xử lý tại: {settings.SITE_URL}/staff/bank-transfers/\n",
        recipients,
    )


def transfer_refund_owed(order, amount_vnd: int) -> None:
    """A cancelled order paid by transfer: its serving points must send the money back."""
    _send(
        f"[OCOP] Cần hoàn tiền chuyển khoản đơn {order.number}",
        f"Đơn {order.number} đã trả {format_vnd(amount_vnd, 'vi')} bằng chuyển khoản và đã huỷ: hãy chuyển khoản hoàn "
        f"lại cho khách ({order.email or order.phone}).\nMở bảng điều khiển: {settings.SITE_URL}/staff/\n",
        staff_emails(_point_ids(order)),
    )
