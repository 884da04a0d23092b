"""Paying by bank transfer (VietQR): where it is offered, what the buyer is told to pay, and
reconciling what the bank says arrived.

Offering. The method is offered when an active receiving account serves the order (the pickup
point's own, else the province's default; a delivery, before routing, the default) and the total
fits one transfer (vietqr.MAX_AMOUNT_VND). At completion the account is fixed from the points
routing chose (vietqr.account_for_points) and copied onto the order (bank, account, holder, the
transfer content): what the QR said stays what the order says, whatever the admin edits later.

Waiting. The order is UNCONFIRMED with payment status AWAITING — the same pair as a card order
waiting for Stripe, so everything that treats an unpaid order (the open-order limits, the staff
queue's "do not prepare", cancelling, voiding) already does the right thing; the payment method
tells the two apart. Its hold (`hold_until`, ORDER_TRANSFER_HOLD_HOURS) is released by
orders/unpaid.py's periodic sweep, which cancels it, frees the stock and e-mails the customer.

Reconciling (`record`). Each incoming transaction — from a bank feed (orders/bank_feeds.py) or
recorded by staff — is stored once per (provider, transaction id); a replay finds its row and
changes nothing. It is matched by the order code in its content (vietqr.order_codes_in) and its
amount against what the order still owes:

- exactly that (alone, or with earlier short transfers for the order still waiting): the order
  is paid — PAID and CONFIRMED, its hold over, a PAID event, the "confirmed" e-mails to the
  customer and the serving points, the same path a card payment takes;
- less (PARTIAL) or more (EXCESS): waits for staff (NEEDS_REVIEW); the order goes to REVIEW and
  its hold pauses (money has arrived, the order is not cancelled under the buyer's feet);
- for a cancelled or expired order (LATE), an order already paid (ALREADY_PAID), an order paid
  another way (NOT_TRANSFER), no known order code (UNMATCHED) or several (AMBIGUOUS): waits for
  staff.

Nothing is accepted silently and nothing is dropped: staff of a serving point (province admins:
all, and the unmatched ones) resolve each waiting transaction in the console — accept it as the
order's payment (less than owed: province admins only, with a note), record that it was sent
back (a note with the refund's reference), mark it a duplicate of one already recorded, or link
an unmatched one to an order (then it is matched again).
"""
import datetime
import logging
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Subquery, Sum
from django.utils import timezone

from orders import events, notifications, payments, services, unpaid, vietqr
from orders.errors import OrderErrorCode, PaymentErrorCode
from orders.models import BankTransaction, Fulfillment, Order, PaymentAccount, PaymentMethod
from shop.errors import ShopError
from shop.money import format_vnd
from shop.permissions import can_act_on, is_province_admin, point_ids_for, require_staff
from shop.text import clean_text

logger = logging.getLogger("orders.bank_transfers")

BT = BankTransaction
PAID_STATES = (Order.PaymentStatus.PAID, Order.PaymentStatus.PARTIALLY_REFUNDED, Order.PaymentStatus.REFUND_PENDING,
               Order.PaymentStatus.REFUNDED)
# Transfers for an order that wait for staff and count towards what it has received.
HELD_REASONS = (BT.Reason.PARTIAL, BT.Reason.EXCESS)
RESOLVED_SHOWN = 50  # the console's "recently resolved" list


# -- offering the method ---------------------------------------------------------------------------

def offered(point_id: int | None, total_vnd) -> bool:
    """May an order served by `point_id` (None: not known yet, the province's default account) with
    this total be paid by transfer? `total_vnd` may be a callable, asked only when an account exists."""
    if vietqr.account_for(point_id) is None:
        return False
    total = total_vnd() if callable(total_vnd) else total_vnd
    return 1 <= total <= vietqr.MAX_AMOUNT_VND


def unavailable() -> ShopError:
    return ShopError(
        PaymentErrorCode.TRANSFER_UNAVAILABLE,
        f"Đơn này không trả được bằng chuyển khoản (chưa có tài khoản nhận tiền cho điểm bán, hoặc tổng tiền vượt "
        f"{format_vnd(vietqr.MAX_AMOUNT_VND, 'vi')} một lần chuyển); hãy chọn cách thanh toán khác.",
        f"This order cannot be paid by bank transfer (no receiving account for its sales point, or a total above "
        f"{format_vnd(vietqr.MAX_AMOUNT_VND, 'en')} for one transfer); choose another way to pay.",
        field="paymentMethod",
    )


def account_for_order(point_ids, total_vnd: int) -> PaymentAccount:
    """The account an order served by `point_ids` is paid into; ShopError when transfer cannot work."""
    account = vietqr.account_for_points(point_ids)
    if account is None or not 1 <= total_vnd <= vietqr.MAX_AMOUNT_VND:
        raise unavailable()
    return account


def remember_account(order: Order, account: PaymentAccount) -> None:
    """Copy the account and the transfer content onto a new order (it has its number)."""
    order.transfer_bank_bin = account.bank_bin
    order.transfer_account_number = vietqr.check_account_number(account.account_number)
    order.transfer_account_name = account.account_name
    order.transfer_content = vietqr.transfer_content(order.number)
    order.save(update_fields=["transfer_bank_bin", "transfer_account_number", "transfer_account_name",
                              "transfer_content"])


# -- what the buyer is told to pay -------------------------------------------------------------------

@dataclass(frozen=True)
class Instructions:
    """The transfer an order still waits for: the QR's payload and the same facts as text."""

    transfer: vietqr.Transfer
    due_vnd: int  # what the order costs (less cancelled parts)
    received_vnd: int  # short transfers received and waiting for staff
    expires_at: datetime.datetime | None  # the hold's end; None while staff check a transfer

    @property
    def amount_vnd(self) -> int:
        return self.transfer.amount_vnd


def waits_for_transfer(order: Order, now=None) -> bool:
    """An order paid by transfer, not paid yet, whose items are still held (or whose short transfer
    staff are checking)."""
    if order.payment_method != PaymentMethod.BANK_TRANSFER or order.status != Order.Status.UNCONFIRMED:
        return False
    if not order.transfer_bank_bin:
        return False
    if order.payment_status == Order.PaymentStatus.REVIEW:
        return True
    return order.payment_status == Order.PaymentStatus.AWAITING and (
        order.hold_until is None or order.hold_until > (now or timezone.now()))


def held_amounts(order_ids) -> dict[int, int]:
    """Đồng received by transfer and waiting for staff (short or over), per order (one query)."""
    rows = (BT.objects.filter(order_id__in=list(order_ids), status=BT.Status.NEEDS_REVIEW, reason__in=HELD_REASONS)
            .values_list("order_id").annotate(total=Sum("amount_vnd")).order_by())
    return {order_id: int(total) for order_id, total in rows}


def instructions_for(orders, now=None) -> dict[int, Instructions]:
    """The transfer each order still waits for ({order id: Instructions}; orders that wait for none are
    left out). At most two queries, whatever the number of orders."""
    waiting = [o for o in orders if waits_for_transfer(o, now)]
    if not waiting:
        return {}
    due = payments.amounts_due(waiting)
    held = held_amounts(o.pk for o in waiting)
    found = {}
    for order in waiting:
        received = held.get(order.pk, 0)
        remaining = due[order.pk] - received
        if remaining <= 0:  # more than enough arrived: staff are checking it
            continue
        account = PaymentAccount(bank_bin=order.transfer_bank_bin, account_number=order.transfer_account_number,
                                 account_name=order.transfer_account_name)
        try:
            transfer = vietqr.transfer_for(account, amount_vnd=remaining, order_number=order.number)
        except ShopError as exc:  # the bank left NAPAS's list since: say so to staff, show no code
            logger.error("order %s: no VietQR code: %s", order.number, exc.message_en)
            continue
        found[order.pk] = Instructions(transfer=transfer, due_vnd=due[order.pk], received_vnd=received,
                                       expires_at=order.hold_until if order.payment_status == Order.PaymentStatus.AWAITING
                                       else None)
    return found


def instructions(order: Order) -> Instructions | None:
    return instructions_for([order]).get(order.pk)


def order_placed(order: Order) -> None:
    """A transfer order was placed: the customer gets what to pay, where, and by when."""
    found = instructions(order)
    notifications.transfer_requested(order, found.transfer if found else None)


# -- recording and matching ------------------------------------------------------------------------

@dataclass(frozen=True)
class Incoming:
    """One incoming transaction as a bank feed (or staff) reports it."""

    provider: str
    transaction_id: str
    amount_vnd: int
    content: str = ""
    account_number: str = ""
    reference: str = ""
    bank_time: datetime.datetime | None = None
    raw: dict = field(default_factory=dict)


@transaction.atomic
def record(incoming: Incoming, *, order_id: int | None = None, user=None) -> tuple[BankTransaction, bool]:
    """Store the transaction once and match it (to `order_id` when staff name the order); returns
    (the row, whether it is new). A transaction already recorded is returned untouched."""
    try:
        with transaction.atomic():
            tx = BT.objects.create(
                provider=incoming.provider, transaction_id=incoming.transaction_id, amount_vnd=incoming.amount_vnd,
                content=clean_text(incoming.content)[:500], account_number=incoming.account_number[:32],
                reference=incoming.reference[:64], bank_time=incoming.bank_time, raw=incoming.raw,
                status=BT.Status.NEEDS_REVIEW, reason=BT.Reason.UNMATCHED,
                recorded_by=user if user is not None and getattr(user, "is_authenticated", False) else None,
            )
    except IntegrityError:
        return BT.objects.get(provider=incoming.provider, transaction_id=incoming.transaction_id), False
    if _same_as_recorded(tx):
        return tx, True
    _match(tx, order_id=order_id, user=user)
    return tx, True


def _same_as_recorded(tx: BankTransaction) -> bool:
    """A feed's transaction whose bank reference and amount staff already recorded by hand is the
    same money: closed as a duplicate at once, so the order is not paid twice."""
    if tx.provider == BT.Provider.MANUAL or not tx.reference:
        return False
    earlier = (BT.objects.filter(provider=BT.Provider.MANUAL, reference__iexact=tx.reference, amount_vnd=tx.amount_vnd)
               .exclude(pk=tx.pk).order_by("id").first())
    if earlier is None:
        return False
    tx.order_id, tx.reason = earlier.order_id, ""
    _close(tx, BT.Resolution.DUPLICATE, None,
           f"Cùng mã tham chiếu và số tiền với giao dịch nhân viên đã ghi #{earlier.pk}. / "
           f"The same bank reference and amount as transaction #{earlier.pk}, recorded by staff.")
    return True


def _orders_named(content: str) -> list[int]:
    codes = vietqr.order_codes_in(content)
    if not codes:
        return []
    return list(Order.objects.filter(Q(transfer_content__in=codes) | Q(number__in=codes)).values_list("pk", flat=True)[:2])


def _match(tx: BankTransaction, *, order_id: int | None = None, user=None) -> None:
    """Decide what `tx` (new or just linked) does; the order's row is locked for the decision."""
    if order_id is None:
        named = _orders_named(tx.content)
        if len(named) != 1:
            _hold(tx, BT.Reason.AMBIGUOUS if named else BT.Reason.UNMATCHED, None)
            return
        order_id = named[0]
    order = Order.objects.select_for_update().get(pk=order_id)
    tx.order = order
    if order.status == Order.Status.CANCELLED:
        _hold(tx, BT.Reason.LATE, order)
    elif order.payment_status in PAID_STATES:
        _hold(tx, BT.Reason.ALREADY_PAID, order)
    elif order.payment_method != PaymentMethod.BANK_TRANSFER:
        _hold(tx, BT.Reason.NOT_TRANSFER, order)
    else:
        _pay_or_hold(tx, order, user=user)


def _pay_or_hold(tx: BankTransaction, order: Order, *, user=None) -> None:
    due = payments.amount_due(order)
    held = list(BT.objects.select_for_update().filter(order=order, status=BT.Status.NEEDS_REVIEW,
                                                      reason__in=HELD_REASONS).exclude(pk=tx.pk).order_by("id"))
    received = tx.amount_vnd + sum(t.amount_vnd for t in held)
    if received == due:
        tx.reason = ""  # it waits for nothing (the short ones it completes keep why they waited)
        for t in [*held, tx]:
            t.status = BT.Status.MATCHED
            t.save(update_fields=["status", "reason", "order"])
        _mark_paid(order, received, [*held, tx], user=user)
        return
    _hold(tx, BT.Reason.PARTIAL if received < due else BT.Reason.EXCESS, order, due=due, received=received)
    if order.payment_status != Order.PaymentStatus.REVIEW or order.hold_until is not None:
        order.payment_status = Order.PaymentStatus.REVIEW
        order.hold_until = None  # money arrived: the order is not cancelled while staff check it
        order.save(update_fields=["payment_status", "hold_until", "updated_at"])


def _hold(tx: BankTransaction, reason: str, order: Order | None, *, due: int | None = None,
          received: int | None = None) -> None:
    """Leave `tx` for staff, saying why; log it on its order and tell the staff who can resolve it."""
    tx.status, tx.reason = BT.Status.NEEDS_REVIEW, reason
    tx.save(update_fields=["status", "reason", "order"])
    label_vi, label_en = REASON_WORDS[reason]
    amount_vi, amount_en = format_vnd(tx.amount_vnd, "vi"), format_vnd(tx.amount_vnd, "en")
    if order is not None:
        detail_vi = detail_en = ""
        if due is not None:
            detail_vi = f" Đơn cần {format_vnd(due, 'vi')}, đã nhận {format_vnd(received, 'vi')}."
            detail_en = f" The order needs {format_vnd(due, 'en')}; {format_vnd(received, 'en')} received."
        events.log(
            order, "PAYMENT_REVIEW",
            f"Nhận chuyển khoản {amount_vi} ({_ref(tx)}): {label_vi}.{detail_vi} Chờ nhân viên kiểm tra.",
            f"Bank transfer of {amount_en} ({_ref(tx)}): {label_en}.{detail_en} Waiting for staff.",
            actor=_actor(tx), data={"bank_transaction": tx.pk, "reason": reason, "amount": tx.amount_vnd},
        )
    logger.warning("bank transaction %s %s (%s vnd) needs review: %s, order %s", tx.provider, tx.transaction_id,
                   tx.amount_vnd, reason, order.number if order else "-")
    point_ids = list(order.fulfillments.values_list("sales_point_id", flat=True)) if order is not None else None
    notifications.transfer_needs_review(
        number=order.number if order else "", amount_vnd=tx.amount_vnd, reason_vi=label_vi, content=tx.content,
        point_ids=point_ids,
    )


def _mark_paid(order: Order, amount: int, txs, *, user=None, note: str = "") -> None:
    """The order is paid by these transfers: the same steps as a card payment (orders/payments.py)."""
    waiting = order.status == Order.Status.UNCONFIRMED
    order.paid_vnd = amount
    order.payment_status = Order.PaymentStatus.PAID
    order.hold_until = order.reserved_until = order.client_hash = None  # it holds nothing unpaid any more
    if waiting:
        order.status = Order.Status.CONFIRMED
    order.save(update_fields=["paid_vnd", "payment_status", "hold_until", "reserved_until", "client_hash", "status",
                              "updated_at"])
    refs = ", ".join(_ref(t) for t in txs)
    extra = f" {note}" if note else ""
    events.log(
        order, "PAID", f"Đã nhận chuyển khoản {format_vnd(amount, 'vi')} ({refs}).{extra}",
        f"Bank transfer of {format_vnd(amount, 'en')} received ({refs}).{extra}",
        user=user, actor=None if user is not None else _actor(txs[-1]),
        data={"method": PaymentMethod.BANK_TRANSFER.value, "amount": amount, "bank_transactions": [t.pk for t in txs]},
    )
    if waiting:
        notifications.order_confirmed(order)
    services.complete_if_done(order)


def _ref(tx: BankTransaction) -> str:
    return tx.reference or f"{tx.get_provider_display()} {tx.transaction_id}"


def _actor(tx: BankTransaction) -> str:
    return {BT.Provider.SEPAY: "sepay", BT.Provider.CASSO: "casso"}.get(tx.provider, "staff")


REASON_WORDS = {
    BT.Reason.PARTIAL: ("chuyển thiếu so với số tiền của đơn", "less than the order's amount"),
    BT.Reason.EXCESS: ("chuyển thừa so với số tiền của đơn", "more than the order's amount"),
    BT.Reason.LATE: ("đơn đã huỷ hoặc hết hạn giữ hàng", "the order was already cancelled or expired"),
    BT.Reason.ALREADY_PAID: ("đơn đã được thanh toán trước đó", "the order was already paid"),
    BT.Reason.NOT_TRANSFER: ("đơn không chọn trả bằng chuyển khoản", "the order is not paid by transfer"),
    BT.Reason.UNMATCHED: ("nội dung không có mã đơn nào của cửa hàng", "the content names none of the shop's orders"),
    BT.Reason.AMBIGUOUS: ("nội dung ghi nhiều mã đơn", "the content names several orders"),
}


# -- staff: recording a transfer seen on the statement ----------------------------------------------

_REFERENCE = re.compile(r"[A-Za-z0-9._/:-]{1,64}")


def _order_not_found() -> ShopError:
    return ShopError(OrderErrorCode.ORDER_NOT_FOUND, "Không tìm thấy đơn hàng.", "Order not found.", field="orderId")


def _check_amount(amount_vnd, field_name: str = "amountVnd") -> int:
    try:
        return vietqr.check_amount(amount_vnd)
    except ShopError as exc:
        exc.field = field_name
        raise


def _check_reference(reference) -> str:
    value = clean_text(reference).replace(" ", "") if isinstance(reference, str) else ""
    if not _REFERENCE.fullmatch(value):
        raise ShopError(
            PaymentErrorCode.INVALID_REFERENCE,
            "Hãy nhập mã tham chiếu (mã giao dịch) ngân hàng in trên sao kê: chữ, số và . _ - / :, tối đa 64 ký tự.",
            "Enter the bank's reference (transaction code) from the statement: letters, digits and . _ - / :, "
            "at most 64 characters.", field="reference",
        )
    return value


def _serving_points(order: Order) -> list[int]:
    return list(order.fulfillments.values_list("sales_point_id", flat=True))


def confirm_received(*, order_id, amount_vnd, reference, user) -> tuple[Order, BankTransaction]:
    """Staff of a point serving the order (or a province admin) record a transfer they see on the
    bank statement: matched like a feed's (the exact amount pays the order; anything else waits in
    the queue). The same reference, order and amount again changes nothing."""
    require_staff(user)
    amount = _check_amount(amount_vnd)
    reference = _check_reference(reference)
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first() if isinstance(order_id, int) else None
        # A foreign order gets the same answer as a missing one: no probing of order ids.
        if order is None or not any(can_act_on(user, pid) for pid in _serving_points(order)):
            raise _order_not_found()
        if order.payment_method != PaymentMethod.BANK_TRANSFER:
            raise ShopError(
                PaymentErrorCode.NOT_TRANSFER_ORDER,
                "Đơn này không trả bằng chuyển khoản; tiền mặt ghi nhận bằng “đã thu tiền”.",
                "This order is not paid by bank transfer; record cash with “collected”.", field="orderId",
            )
        same = (BT.objects.filter(Q(provider=BT.Provider.MANUAL, transaction_id=reference.upper())
                                  | Q(reference__iexact=reference)).order_by("id").first())
        if same is not None:
            if same.order_id == order.pk and same.amount_vnd == amount:
                return order, same
            raise ShopError(
                PaymentErrorCode.REFERENCE_REUSED,
                "Mã tham chiếu này đã được ghi cho một khoản chuyển khác (đơn hoặc số tiền khác); hãy kiểm tra lại.",
                "This reference was already recorded for another transfer (another order or amount); check it.",
                field="reference",
            )
        tx, _ = record(Incoming(provider=BT.Provider.MANUAL, transaction_id=reference.upper(), amount_vnd=amount,
                                reference=reference, content=order.transfer_content or order.number,
                                raw={"recorded_by": events.actor_of(user)}),
                       order_id=order.pk, user=user)
    order.refresh_from_db()
    return order, tx


# -- staff: the review queue ------------------------------------------------------------------------

def visible(user):
    """The bank transactions `user` may see and resolve: a province admin, all; a point's staff,
    those of orders their points serve."""
    require_staff(user)
    ids = point_ids_for(user)
    qs = BT.objects.all()
    if ids is not None:
        qs = qs.filter(order_id__in=Subquery(Fulfillment.objects.filter(sales_point_id__in=ids).values("order_id")))
    return qs


@dataclass
class Queue:
    waiting: list  # NEEDS_REVIEW, oldest first
    recent: list  # matched or resolved, newest first


def queue(user) -> Queue:
    """The transactions waiting for `user`, and the latest done (two queries)."""
    qs = visible(user).select_related("order", "resolved_by", "recorded_by")
    waiting = list(qs.filter(status=BT.Status.NEEDS_REVIEW).order_by("received_at", "id"))
    recent = list(qs.exclude(status=BT.Status.NEEDS_REVIEW).order_by("-received_at", "-id")[:RESOLVED_SHOWN])
    return Queue(waiting, recent)


def _not_found() -> ShopError:
    return ShopError(PaymentErrorCode.TRANSACTION_NOT_FOUND, "Không tìm thấy giao dịch này.",
                     "Bank transaction not found.", field="transaction")


def _locked_waiting(user, transaction_id) -> BankTransaction:
    tx = visible(user).select_for_update().filter(pk=transaction_id).first() if isinstance(transaction_id, int) else None
    if tx is None:
        raise _not_found()
    if tx.status != BT.Status.NEEDS_REVIEW:
        raise ShopError(PaymentErrorCode.TRANSACTION_RESOLVED, "Giao dịch này đã được xử lý rồi.",
                        "This bank transaction was already dealt with.", field="transaction")
    return tx


def _check_note(note) -> str:
    value = clean_text(note)
    if not 3 <= len(value) <= 300:
        raise ShopError(
            PaymentErrorCode.NOTE_REQUIRED,
            "Hãy ghi chú cách xử lý (3–300 ký tự), ví dụ “khách đồng ý, đã gọi điện” hoặc mã giao dịch hoàn tiền.",
            "Write how it was dealt with (3–300 characters), e.g. “the customer agreed by phone” or the refund's "
            "reference.", field="note",
        )
    return value


def _close(tx: BankTransaction, resolution: str, user, note: str) -> None:
    tx.status, tx.resolution, tx.note = BT.Status.RESOLVED, resolution, note
    tx.resolved_by = user if user is not None and getattr(user, "is_authenticated", False) else None
    tx.resolved_at = timezone.now()
    tx.save(update_fields=["status", "resolution", "note", "resolved_by", "resolved_at", "order", "reason"])


@transaction.atomic
def accept(*, transaction_id, note, user) -> BankTransaction:
    """Take a waiting transfer (with the order's other waiting ones) as the order's payment. Less than
    the order owes: province admins only."""
    tx = _locked_waiting(user, transaction_id)
    note = _check_note(note)
    order = Order.objects.select_for_update().filter(pk=tx.order_id).first() if tx.order_id else None
    if order is None or order.status == Order.Status.CANCELLED or order.payment_status in PAID_STATES:
        raise ShopError(
            PaymentErrorCode.TRANSFER_NOT_ACCEPTABLE,
            "Khoản này không thể là tiền của đơn (chưa gắn đơn, đơn đã huỷ hoặc đã thanh toán): hãy gắn đơn, hoặc hoàn "
            "tiền cho người chuyển.",
            "This transfer cannot pay an order (none linked, or the order is cancelled or already paid): link an "
            "order, or send the money back.", field="transaction",
        )
    due = payments.amount_due(order)
    held = list(BT.objects.select_for_update().filter(order=order, status=BT.Status.NEEDS_REVIEW,
                                                      reason__in=HELD_REASONS).exclude(pk=tx.pk).order_by("id"))
    received = tx.amount_vnd + sum(t.amount_vnd for t in held)
    if received < due and not is_province_admin(user):
        raise ShopError(
            PaymentErrorCode.PARTIAL_NEEDS_PROVINCE_ADMIN,
            f"Đã nhận {format_vnd(received, 'vi')}, đơn cần {format_vnd(due, 'vi')}: chỉ quản trị tỉnh được nhận số "
            "tiền thiếu này là đủ.",
            f"{format_vnd(received, 'en')} received, the order needs {format_vnd(due, 'en')}: only a province admin "
            "may accept less as the full payment.", field="transaction",
        )
    for t in [*held, tx]:
        _close(t, BT.Resolution.ACCEPTED, user, note)
    _mark_paid(order, received, [*held, tx], user=user, note=f"({note})")
    return tx


@transaction.atomic
def refunded(*, transaction_id, note, user) -> BankTransaction:
    """Staff sent a waiting transfer back to whoever sent it (the note says how: its reference)."""
    return _close_waiting(transaction_id, note, user, BT.Resolution.REFUNDED)


@transaction.atomic
def duplicate(*, transaction_id, note, user) -> BankTransaction:
    """A waiting transaction is money already recorded under another (a feed's and staff's record of one
    transfer): closed without effect."""
    return _close_waiting(transaction_id, note, user, BT.Resolution.DUPLICATE)


def _close_waiting(transaction_id, note, user, resolution) -> BankTransaction:
    tx = _locked_waiting(user, transaction_id)
    note = _check_note(note)
    order = Order.objects.select_for_update().filter(pk=tx.order_id).first() if tx.order_id else None
    _close(tx, resolution, user, note)
    if order is None:
        return tx
    word_vi, word_en = ("đã hoàn lại", "was sent back") if resolution == BT.Resolution.REFUNDED else (
        "là bản ghi trùng", "was a duplicate record")
    events.log(order, "NOTE", f"Khoản chuyển {format_vnd(tx.amount_vnd, 'vi')} ({_ref(tx)}) {word_vi}: {note}",
               f"The transfer of {format_vnd(tx.amount_vnd, 'en')} ({_ref(tx)}) {word_en}: {note}", user=user,
               data={"bank_transaction": tx.pk, "resolution": resolution})
    _wait_again_if_clear(order, tx, user)
    return tx


def _wait_again_if_clear(order: Order, tx: BankTransaction, user) -> None:
    """An order held for review because of transfers that have all been sent back waits for its
    transfer again, with a fresh hold."""
    if not (order.payment_method == PaymentMethod.BANK_TRANSFER and order.status == Order.Status.UNCONFIRMED
            and order.payment_status == Order.PaymentStatus.REVIEW):
        return
    if BT.objects.filter(order=order, status=BT.Status.NEEDS_REVIEW, reason__in=HELD_REASONS).exists():
        return
    order.payment_status = Order.PaymentStatus.AWAITING
    order.hold_until = unpaid.hold_deadline(PaymentMethod.BANK_TRANSFER)
    order.save(update_fields=["payment_status", "hold_until", "updated_at"])
    events.log(
        order, "HOLD_EXTENDED",
        f"Cửa hàng đã xử lý khoản chuyển {format_vnd(tx.amount_vnd, 'vi')} không khớp; đơn tiếp tục chờ chuyển khoản "
        f"đúng số tiền đến {unpaid.deadline_words(order.hold_until, 'vi')}.",
        f"The shop dealt with the mismatched transfer of {format_vnd(tx.amount_vnd, 'en')}; the order waits for a "
        f"transfer of the right amount until {unpaid.deadline_words(order.hold_until, 'en')}.",
        user=user, data={"bank_transaction": tx.pk, "to": order.hold_until.isoformat()},
    )


@transaction.atomic
def link(*, transaction_id, order_number, user) -> BankTransaction:
    """Attach an unmatched transaction to the order staff recognise (by its number), then match it."""
    tx = _locked_waiting(user, transaction_id)
    if tx.reason not in (BT.Reason.UNMATCHED, BT.Reason.AMBIGUOUS):
        raise ShopError(
            PaymentErrorCode.TRANSACTION_RESOLVED,
            "Giao dịch này đã gắn với một đơn; hãy nhận, hoàn tiền hoặc đánh dấu trùng.",
            "This transaction already names an order; accept it, send it back or mark it a duplicate.",
            field="transaction",
        )
    found = order_id_for_number(order_number)
    order = Order.objects.filter(pk=found).first() if found is not None else None
    if order is None or not any(can_act_on(user, pid) for pid in _serving_points(order)):
        raise ShopError(OrderErrorCode.ORDER_NOT_FOUND, "Không tìm thấy đơn có số này.", "No order has this number.",
                        field="order")
    events.log(order, "NOTE", f"Nhân viên gắn khoản chuyển {format_vnd(tx.amount_vnd, 'vi')} ({_ref(tx)}) vào đơn.",
               f"Staff linked the transfer of {format_vnd(tx.amount_vnd, 'en')} ({_ref(tx)}) to the order.", user=user,
               data={"bank_transaction": tx.pk})
    _match(tx, order_id=order.pk, user=user)
    return tx



def order_id_for_number(order_number) -> int | None:
    """The id of the order with this number ('DB000123', 'db 000123', or just '123'), if exactly one."""
    text = order_number.strip() if isinstance(order_number, str) else ""
    if text.isdigit() and len(text) <= 12:  # staff may type just the digits
        text = f"{settings.ORDER_NUMBER_PREFIX}{int(text):06d}"
    codes = vietqr.order_codes_in(text)
    named = _orders_named(" ".join(codes)) if codes else []
    return named[0] if len(named) == 1 else None


def confirm_received_by_number(*, order_number, amount_vnd, reference, user) -> tuple[Order, BankTransaction]:
    """confirm_received for the console's form, which names the order by its number."""
    require_staff(user)
    order_id = order_id_for_number(order_number)
    if order_id is None:
        raise ShopError(OrderErrorCode.ORDER_NOT_FOUND, "Không tìm thấy đơn có số này.", "No order has this number.",
                        field="order")
    try:
        return confirm_received(order_id=order_id, amount_vnd=amount_vnd, reference=reference, user=user)
    except ShopError as exc:
        if exc.field == "orderId":
            exc.field = "order"
        raise


def refund_owed(order: Order, amount: int, *, reason_vi: str, reason_en: str) -> None:
    """A paid transfer order was cancelled: the money goes back by a transfer staff make by hand (no
    bank feed sends money). The order says a refund is on its way; the serving points are told."""
    order.payment_status = Order.PaymentStatus.REFUND_PENDING
    order.save(update_fields=["payment_status", "updated_at"])
    events.log(
        order, "NOTE",
        f"Đơn đã trả {format_vnd(amount, 'vi')} bằng chuyển khoản và đã huỷ ({reason_vi}): cần chuyển khoản hoàn lại "
        "cho khách.",
        f"The order was paid {format_vnd(amount, 'en')} by bank transfer and is cancelled ({reason_en}): transfer the "
        "money back to the customer.",
        actor="system", data={"refund_owed": amount},
    )
    notifications.transfer_refund_owed(order, amount)
