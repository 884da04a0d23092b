"""The staff console's bank transfers (/staff/bank-transfers/): the transfers waiting for staff, and
recording a transfer seen on the bank statement.

Thin, like the rest of the console: orders.bank_transfers decides who sees what (a province admin
every transaction, a point's staff those of the orders their points serve) and what each action
may do; a refusal comes back beside the transaction (status 400), a permission refusal as the 403
page.
"""
import re

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from orders import bank_transfers
from orders.bank_transfers import REASON_WORDS
from orders.models import BankTransaction
from shop.errors import ShopError, pick
from shop.money import format_vnd
from storefront.staff_views import DENIED, _denied, _render, staff_required

BT = BankTransaction
ACTIONS = ("record", "accept", "refund", "duplicate", "link")


def _words() -> dict:
    return {
        "title": pick("Chuyển khoản", "Bank transfers"),
        "waiting": pick("Cần kiểm tra", "To check"),
        "waiting_none": pick("Không có khoản chuyển nào chờ kiểm tra.", "No transfer is waiting to be checked."),
        "recent": pick("Gần đây", "Recent"),
        "recent_none": pick("Chưa có giao dịch nào.", "No transactions yet."),
        "record": pick("Ghi nhận chuyển khoản thấy trên sao kê", "Record a transfer seen on the bank statement"),
        "record_help": pick("Số tiền đúng bằng số đơn cần trả thì đơn được xác nhận; số khác vào danh sách cần kiểm tra.",
                            "The order's exact amount confirms it; any other amount waits in the list to check."),
        "order": pick("Số đơn", "Order number"), "amount": pick("Số tiền (đồng)", "Amount (đồng)"),
        "reference": pick("Mã tham chiếu ngân hàng", "Bank reference"), "submit_record": pick("Ghi nhận", "Record"),
        "content": pick("Nội dung", "Content"), "received": pick("Nhận lúc", "Received"),
        "source": pick("Nguồn", "Source"), "why": pick("Lý do", "Why"), "note": pick("Ghi chú", "Note"),
        "no_order": pick("chưa gắn đơn", "no order"), "order_total": pick("đơn cần", "the order needs"),
        "accept": pick("Nhận là tiền của đơn", "Accept as the order's payment"),
        "accept_help": pick("Thiếu tiền: chỉ quản trị tỉnh được nhận là đủ.",
                            "Less than owed: only a province admin may accept it as the full payment."),
        "refund": pick("Đã hoàn lại người chuyển", "Sent back to the sender"),
        "duplicate": pick("Trùng giao dịch đã ghi", "Duplicate of a recorded one"),
        "link": pick("Gắn vào đơn", "Link to an order"),
        "note_help": pick("Ghi chú (bắt buộc): đã gọi khách, mã giao dịch hoàn tiền…",
                          "Note (required): called the customer, the refund's reference…"),
        "status": pick("Tình trạng", "Status"), "by": pick("bởi", "by"), "amount_short": pick("Số tiền", "Amount"),
    }


STATUS_WORDS = {
    BT.Status.MATCHED: ("Đã khớp đơn, đơn đã thanh toán", "Matched: the order is paid"),
    BT.Status.NEEDS_REVIEW: ("Cần kiểm tra", "To check"),
}
RESOLUTION_WORDS = {
    BT.Resolution.ACCEPTED: ("Đã nhận làm tiền của đơn", "Accepted as the order's payment"),
    BT.Resolution.REFUNDED: ("Đã hoàn lại người chuyển", "Sent back"),
    BT.Resolution.DUPLICATE: ("Bản ghi trùng", "Duplicate record"),
}


def _status(tx) -> str:
    if tx.status == BT.Status.RESOLVED:
        return pick(*RESOLUTION_WORDS.get(tx.resolution, (tx.resolution, tx.resolution)))
    return pick(*STATUS_WORDS.get(tx.status, (tx.status, tx.status)))


def _amount(text) -> int | None:
    """'185000', '185.000', '185,000 ₫' → 185000; None when it is not a whole number of đồng."""
    digits = re.sub(r"[\s.,₫đ]|vnd|VND", "", text or "")
    return int(digits) if digits.isdigit() and len(digits) <= 15 else None


def _act(request) -> tuple[str, str]:
    """Run the posted action; (anchor, message) on success, ShopError otherwise."""
    action, data, user = request.POST.get("action", ""), request.POST, request.user
    if action == "record":
        amount = _amount(data.get("amount"))
        if amount is None:
            raise ShopError(bank_transfers.PaymentErrorCode.VIETQR_BAD_AMOUNT, "Hãy nhập số tiền bằng chữ số, ví dụ 185000.",
                            "Enter the amount in digits, e.g. 185000.", field="amountVnd")
        order, tx = bank_transfers.confirm_received_by_number(order_number=data.get("order", ""), amount_vnd=amount,
                                                              reference=data.get("reference", ""), user=user)
        paid = tx.status == BT.Status.MATCHED
        return f"tx-{tx.pk}", (pick(f"Đơn {order.number}: đã nhận {format_vnd(tx.amount_vnd)}; đơn đã thanh toán.",
                                     f"Order {order.number}: {format_vnd(tx.amount_vnd)} received; the order is paid.")
                                if paid else
                                pick(f"Đã ghi nhận {format_vnd(tx.amount_vnd)} cho đơn {order.number}: cần kiểm tra.",
                                     f"Recorded {format_vnd(tx.amount_vnd)} for order {order.number}: to check."))
    try:
        pk = int(data.get("transaction", ""))
    except ValueError:
        pk = None
    if action == "link":
        tx = bank_transfers.link(transaction_id=pk, order_number=data.get("order", ""), user=user)
        return f"tx-{tx.pk}", pick(f"Đã gắn khoản chuyển vào đơn {tx.order.number}.", f"Linked to order {tx.order.number}.")
    service = {"accept": bank_transfers.accept, "refund": bank_transfers.refunded,
               "duplicate": bank_transfers.duplicate}[action]
    tx = service(transaction_id=pk, note=data.get("note", ""), user=user)
    return f"tx-{tx.pk}", pick(f"Đã xử lý khoản chuyển {format_vnd(tx.amount_vnd)}: {_status(tx).lower()}.",
                               f"Transfer of {format_vnd(tx.amount_vnd)} dealt with: {_status(tx).lower()}.")


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def bank_transfers_page(request):
    errors, status = {}, 200
    if request.method == "POST" and request.POST.get("action") in ACTIONS:
        try:
            anchor, message = _act(request)
        except ShopError as exc:
            if exc.code == DENIED:
                return _denied(request, exc.message)
            key = "record" if request.POST.get("action") == "record" else request.POST.get("transaction", "")
            errors[key], status = exc.message, 400
        else:
            messages.success(request, message)
            return redirect(reverse("storefront:staff:bank_transfers") + f"#{anchor}")
    elif request.method == "POST":
        errors["record"], status = pick("Không rõ thao tác.", "Unknown action."), 400
    found = bank_transfers.queue(request.user)
    totals = bank_transfers.payments.amounts_due([tx.order for tx in found.waiting if tx.order_id]) if found.waiting else {}
    waiting = [{
        "tx": tx, "reason": pick(*REASON_WORDS.get(tx.reason, (tx.reason, tx.reason))),
        "due": totals.get(tx.order_id), "error": errors.get(str(tx.pk), ""),
        "can_link": tx.reason in (BT.Reason.UNMATCHED, BT.Reason.AMBIGUOUS),
    } for tx in found.waiting]
    shown = {str(tx.pk) for tx in found.waiting}
    return _render(request, "bank_transfers.html", {
        "waiting": waiting, "recent": [{"tx": tx, "status": _status(tx)} for tx in found.recent],
        "t": _words(), "record_error": errors.get("record", ""),
        "page_errors": [message for key, message in errors.items() if key != "record" and key not in shown],
        "posted": request.POST if request.method == "POST" else {},
    }, status=status, tab="bank_transfers")
