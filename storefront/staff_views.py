"""The staff console (/staff/) and the province dashboard (/staff/dashboard/).

Thin callers, like the shopper pages: a view reads the request, calls a
service (orders.fulfilment, orders.payments, orders.services) or a report
(orders.reports, traceability.reports, catalog.certification), and renders.
Every service checks who may act, so a forged form naming another point's
fulfilment is refused there; the view turns the refusal into a 403 page
with the message, and any other refusal into the same page again with the
message beside the field (status 400), keeping what was typed.
"""
import functools
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from catalog import certification
from inventory import transfers as transfer_service
from orders import carriers, fulfilment, payments, reports, services, texts, unpaid
from orders.models import Fulfillment, Order
from producers import certificates as producer_certificates
from shop import spreadsheet
from shop.errors import ShopError, pick
from shop.forms import RangeForm
from shop.money import format_vnd
from shop.periods import WEEK, date_range, last_days
from shop.permissions import is_province_admin, is_staff_member, visible_points
from storefront import charts, presenters
from storefront.staff_forms import (
    CashForm,
    HoldForm,
    ReceiveTransferForm,
    SendTransferForm,
    StaffLoginForm,
    StockForm,
    ThresholdForm,
    add_shop_error,
)
from traceability import reports as trace_reports
from traceability import scan_exports

LOGIN_URL = reverse_lazy("storefront:staff:login")
DENIED = "permission_denied"

S = Fulfillment.Status
STATUS_LABELS = texts.FULFILMENT_STATUS_STAFF  # the statuses' names, one table in orders/texts.py
MOVE_LABELS = {
    S.PICKING: ("Bắt đầu lấy hàng", "Start picking"), S.PACKED: ("Đã đóng gói", "Packed"),
    S.READY_FOR_PICKUP: ("Sẵn sàng để nhận", "Ready for pickup"), S.PICKED_UP: ("Đã giao cho khách", "Handed over"),
    S.SHIPPED: ("Đã giao vận chuyển", "Shipped"), S.DELIVERED: ("Đã giao tới khách", "Delivered"),
}
# The SHIPPED hand-over's fields (orders/carriers.py): the carrier and its tracking number.
SHIP_LABELS = {
    "carrier": ("Đơn vị vận chuyển", "Carrier"), "none": ("— Điểm bán tự giao —", "— Delivered by the point —"),
    "tracking": ("Mã vận đơn", "Tracking number"), "other": ("Tên đơn vị (nếu chọn Khác)", "Carrier name (if Other)"),
    "required": ("Giao ra ngoài tỉnh: bắt buộc chọn đơn vị và nhập mã vận đơn.",
                 "Leaving the province: the carrier and tracking number are required."),
}
PAYMENT_LABELS = {
    "CARD": ("Thẻ (đã trả trực tuyến)", "Card (paid online)"),
    "CASH_ON_DELIVERY": ("Tiền mặt khi giao", "Cash on delivery"),
    "PAY_AT_PICKUP": ("Trả tại điểm bán", "Pay at pickup"),
    "BANK_TRANSFER": ("Chuyển khoản (VietQR)", "Bank transfer (VietQR)"),
}
TRANSFER_REVIEW_WORDS = (
    "Khoản chuyển khoản không khớp với đơn: chưa chuẩn bị hàng; xử lý ở mục Chuyển khoản.",
    "A bank transfer does not match the order: do not prepare it; deal with it under Bank transfers.",
)
TRANSFER_WAIT_WORDS = ("Chờ khách chuyển khoản: chưa chuẩn bị hàng.", "Waiting for the customer's bank transfer: do not prepare it yet.")

REVIEW_WORDS = (
    "Thanh toán thẻ không khớp với đơn (số tiền hoặc loại tiền): chưa chuẩn bị hàng; hãy kiểm tra trên Stripe "
    "và xem nhật ký đơn trong trang quản trị.",
    "The card payment does not match the order (amount or currency): do not prepare it; check it at Stripe "
    "and read the order's log in the admin.",
)


def _label(table, key) -> str:
    vi, en = table.get(key, (key, key))
    return pick(vi, en)


def staff_required(view):
    """Signed in (else the login page) and assigned to a point (else a 403 that says so)."""
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_staff_member(request.user):
            return _denied(request, pick(
                "Tài khoản này không phải nhân viên điểm bán; hãy nhờ quản trị tỉnh phân công.",
                "This account is not sales-point staff; ask the province admin to assign you."))
        return view(request, *args, **kwargs)
    return login_required(wrapped, login_url=LOGIN_URL)


def point_required(view):
    """A view of one sales point, named by `code` in the URL: called with the point when the
    user may work there, else the 403 page that says why."""
    @functools.wraps(view)
    def wrapped(request, code, *args, **kwargs):
        try:
            point = reports.staff_point(request.user, code)
        except ShopError as exc:
            return _denied(request, exc.message)
        return view(request, point, *args, **kwargs)
    return staff_required(wrapped)


def province_required(view):
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_province_admin(request.user):
            return _denied(request, pick("Chỉ quản trị tỉnh mới xem được bảng số liệu này.",
                                         "Only province admins can see this dashboard."))
        return view(request, *args, **kwargs)
    return staff_required(wrapped)


def _render(request, template, context, status=200, tab=""):
    context.update(tab=tab, is_province=is_province_admin(request.user))
    return render(request, f"storefront/staff/{template}", context, status=status)


def _denied(request, message: str):
    return _render(request, "denied.html", {"message": message}, status=403)


# -- sign in and out ------------------------------------------------------------------------

class StaffLoginView(auth_views.LoginView):
    template_name = "storefront/staff/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = True
    next_page = reverse_lazy("storefront:staff:home")


class StaffLogoutView(auth_views.LogoutView):
    next_page = LOGIN_URL


login = StaffLoginView.as_view()
logout = StaffLogoutView.as_view()


# -- the console ----------------------------------------------------------------------------

@require_safe
@staff_required
def home(request):
    """Straight to the point's queue for a one-point clerk; a point picker for everyone else."""
    points = list(visible_points(request.user).select_related("district"))
    wanted = request.GET.get("point")
    if wanted and any(p.code == wanted for p in points):
        return redirect("storefront:staff:queue", code=wanted)
    if len(points) == 1 and not is_province_admin(request.user):
        return redirect("storefront:staff:queue", code=points[0].code)
    return _render(request, "home.html", {"points": points})


@require_safe
@point_required
def queue(request, point):
    return _queue_page(request, point)


def _queue_page(request, point, *, status=200, errors=None, reasons=None, cash_forms=None, hold_forms=None,
                shipping=None):
    """The queue of `point`; `errors` (ShopErrors by fulfilment id), `reasons`, `cash_forms` and
    `hold_forms` (by order id) put a refused action back beside its card."""
    groups = reports.fulfilment_queue(user=request.user, point=point)
    errors, reasons, cash_forms, hold_forms = errors or {}, reasons or {}, cash_forms or {}, hold_forms or {}
    shipping = shipping or {}  # what was typed for a SHIPPED hand-over refused, by fulfilment id
    sections = []
    for group in groups:
        cards = []
        for card in group.cards:
            f, order = card.fulfillment, card.order
            cash_move = next((s for s in card.moves if card.cash_due is not None
                              and fulfilment.owes_cash_at(s, order)), None)
            cards.append({
                "card": card, "f": f, "order": order, "cash_move": cash_move,
                "moves": [(s, _cash_move_label(card) if s == cash_move else _label(MOVE_LABELS, s)) for s in card.moves],
                "routing_reason": pick(order.routing_reason, order.routing_reason_en),
                "payment": _label(PAYMENT_LABELS, order.payment_method),
                "paid": order.payment_status == Order.PaymentStatus.PAID,
                "error": errors[f.pk].message if f.pk in errors and errors[f.pk].field != "note" else "",
                "reason_error": errors[f.pk].message if f.pk in errors and errors[f.pk].field == "note" else "",
                "reason": reasons.get(f.pk, ""),
                "cash_form": cash_forms.get(order.pk) or CashForm(initial={"amount": card.cash_due}),
                "commune": presenters.commune_place(order.ship_commune),  # with the province outside Điện Biên
                "hold": _hold_words(order) if unpaid.holds_stock(order, [f.status]) else "",
                "hold_form": hold_forms.get(order.pk) or HoldForm(initial={"days": 2}),
                "review": (pick(*TRANSFER_REVIEW_WORDS) if order.payment_method == "BANK_TRANSFER" else pick(*REVIEW_WORDS))
                if card.payment_review else "",
                "transfer_wait": pick(*TRANSFER_WAIT_WORDS) if order.payment_method == "BANK_TRANSFER" else "",
                "ship": {**shipping.get(f.pk, {}), "required": carriers.tracking_required(order)}
                if S.SHIPPED in card.moves else None,
            })
        sections.append({"status": group.status, "label": _label(STATUS_LABELS, group.status), "cards": cards})
    shown = {card.fulfillment.pk for group in groups for card in group.cards}
    shown_orders = {card.order.pk for group in groups for card in group.cards}
    # A refused form answers with the queue itself (400); the page then puts the queue's address (at
    # the card) back in the address bar, so reloading it does not post the form again (staff.js).
    numbers = {card.fulfillment.pk: card.fulfillment.number for group in groups for card in group.cards}
    orders = {card.order.pk: card.order.number for group in groups for card in group.cards}
    anchor = next((f"#f-{numbers[pk]}" for pk in errors if pk in numbers), "") or next(
        (f"#o-{orders[pk]}" for forms in (cash_forms, hold_forms) for pk in forms if pk in orders), "")
    return _render(request, "queue.html", {
        "return_url": reverse("storefront:staff:queue", args=[point.code]) + anchor if status != 200 else "",
        "point": point, "sections": sections, "totals": reports.today_totals(user=request.user, point=point),
        "page_errors": [exc.message for pk, exc in errors.items() if pk not in shown]
        + [e for forms in (hold_forms, cash_forms) for pk, form in forms.items() if pk not in shown_orders
           for errs in form.errors.values() for e in errs],
        "hold_labels": {"days": pick("Gia hạn thêm (ngày)", "Extend by (days)"), "submit": pick("Gia hạn", "Extend")},
        "ship_labels": {k: pick(*v) for k, v in SHIP_LABELS.items()},
        "carrier_choices": carriers.choices(),
        "points": _other_points(request.user),
    }, status=status, tab="queue")


def _other_points(user):
    """The picker's choices, only for someone who works at more than one point."""
    points = list(visible_points(user).only("code", "name", "name_en"))
    return points if len(points) > 1 else []


def _posted_point(request):
    """The point whose page a form was posted from, if the user works there."""
    try:
        return reports.staff_point(request.user, request.POST.get("point", ""))
    except ShopError:
        return None


@require_POST
@staff_required
def move(request, pk):
    """One tap: a fulfilment to its next status (or cancelled, with the reason typed beside it). A
    cash hand-over carries `cash`, the amount shown on its button: collected and handed over in one step."""
    status, reason = request.POST.get("status", ""), request.POST.get("reason", "")
    ship = {k: request.POST.get(k, "") for k in ("carrier", "tracking_number", "carrier_name")}
    cash_vnd = _posted_cash(request) if status in fulfilment.CASH_HAND_OVER else None
    try:
        if status == S.CANCELLED:
            done = fulfilment.cancel_by_staff(fulfillment_id=pk, reason=reason, user=request.user)
        else:
            done = fulfilment.update_status(fulfillment_id=pk, status=status, user=request.user, cash_vnd=cash_vnd,
                                            **ship)
    except ShopError as exc:
        point = _posted_point(request)
        if exc.code == DENIED or point is None:
            return _denied(request, exc.message)
        return _queue_page(request, point, status=400, errors={pk: exc}, reasons={pk: reason}, shipping={pk: ship})
    if cash_vnd is not None:
        order = done.order
        messages.success(request, pick(
            f"{order.number}: đã nhận {format_vnd(order.paid_vnd, 'vi')} tiền mặt và giao hàng.",
            f"{order.number}: {format_vnd(order.paid_vnd, 'en')} received in cash and the goods handed over."))
    else:
        messages.success(request, f"{done.number}: {_label(STATUS_LABELS, done.status)}.")
    return redirect(reverse("storefront:staff:queue", args=[done.sales_point.code]) + f"#f-{done.number}")


def _posted_cash(request) -> int | None:
    """The cash a hand-over button says was taken (None without one; -1 when unreadable, which the
    payment service refuses with the amount due)."""
    raw = request.POST.get("cash", "")
    if not raw:
        return None
    form = CashForm({"amount": raw})
    return form.cleaned_data["amount"] if form.is_valid() else -1


def _cash_move_label(card) -> str:
    due = card.cash_due or 0
    return pick(f"Đã nhận {format_vnd(due, 'vi')} tiền mặt và giao hàng",
                f"Received {format_vnd(due, 'en')} in cash and handed over")


@require_POST
@staff_required
def cash(request, pk):
    """Record the cash taken for an order (orders.payments.mark_collected checks the amount)."""
    def collect(data):
        order = payments.mark_collected(order_id=pk, amount_vnd=data["amount"], user=request.user)
        return order, pick(f"Đã ghi nhận thu {format_vnd(order.paid_vnd)} cho đơn {order.number}.",
                           f"Recorded {format_vnd(order.paid_vnd)} collected for order {order.number}.")

    return _order_form(request, CashForm(request.POST), collect, cash_forms=pk)


def _order_form(request, form, act, **forms_key):
    """A queue card's form about one order: `act(cleaned_data)` returns (order, message); then back to
    the queue at that order, or the queue again with the form's errors (`forms_key`: its name → pk)."""
    point = _posted_point(request)
    try:
        if form.is_valid():
            order, message = act(form.cleaned_data)
            messages.success(request, message)
            if point is None:
                return redirect("storefront:staff:home")
            return redirect(reverse("storefront:staff:queue", args=[point.code]) + f"#o-{order.number}")
    except ShopError as exc:
        if exc.code == DENIED or point is None:
            return _denied(request, exc.message)
        add_shop_error(form, exc)
    if point is None:
        return _denied(request, pick("Không rõ điểm bán của biểu mẫu này.", "This form does not name your sales point."))
    ((name, pk),) = forms_key.items()
    return _queue_page(request, point, status=400, **{name: {pk: form}})


def _hold_words(order) -> str:
    vi, en = unpaid.deadline_words(order.hold_until, "vi"), unpaid.deadline_words(order.hold_until, "en")
    if order.payment_method == "BANK_TRANSFER":
        return pick(f"Chờ chuyển khoản đến {vi}; nếu chưa nhận được tiền, đơn tự huỷ.",
                    f"Waiting for the bank transfer until {en}; if it has not arrived, the order is cancelled automatically.")
    if order.delivery_kind == "PICKUP":
        return pick(f"Chưa trả tiền: giữ hàng chờ khách đến nhận tới {vi}, sau đó đơn tự huỷ.",
                    f"Unpaid: held for the customer until {en}, then cancelled automatically.")
    return pick(f"Chưa trả tiền: cần gửi đi trước {vi}, nếu không đơn tự huỷ.",
                f"Unpaid: send it out by {en}, or it is cancelled automatically.")


@require_POST
@staff_required
def extend_hold(request, pk):
    """Give an unpaid order more days before its hold runs out (orders.unpaid.extend_hold checks who may)."""
    def extend(data):
        order = unpaid.extend_hold(order_id=pk, days=data["days"], user=request.user)
        return order, pick(f"Đơn {order.number}: giữ hàng đến {unpaid.deadline_words(order.hold_until, 'vi')}.",
                           f"Order {order.number}: held until {unpaid.deadline_words(order.hold_until, 'en')}.")

    return _order_form(request, HoldForm(request.POST), extend, hold_forms=pk)


@require_safe
@point_required
def pick_list(request, point):
    try:
        cards, totals = reports.pick_list(user=request.user, point=point)
    except ShopError as exc:
        return _denied(request, exc.message)
    return _render(request, "pick_list.html", {
        "point": point, "cards": cards, "totals": totals, "points": _other_points(request.user),
    }, tab="pick_list")


@require_http_methods(["GET", "HEAD", "POST"])
@point_required
def stock(request, point):
    variants, rows = reports.stock_choices(), reports.point_stock(user=request.user, point=point)
    status = 200
    if request.method == "POST":
        form = StockForm(request.POST, variants=variants)
        try:
            if form.is_valid():
                data = form.cleaned_data
                row = services.update_stock(
                    sales_point_id=point.pk, variant_id=data["variant"], quantity_on_hand=data["quantity"],
                    reason=data["reason"], user=request.user,
                )
                messages.success(request, pick(f"Đã cập nhật tồn kho: {row.quantity_on_hand}.",
                                               f"Stock updated: {row.quantity_on_hand}."))
                # Back to the list the clerk was on (search, filter, page), or to the row itself.
                query = {k: v for k, v in request.GET.items() if k in ("q", "show")}
                query = urlencode({**query, "variant": data["variant"]})
                return redirect(reverse("storefront:staff:stock", args=[point.code]) + f"?{query}#v-{data['variant']}")
        except ShopError as exc:
            if exc.code == DENIED:
                return _denied(request, exc.message)
            add_shop_error(form, exc)
        status = 400
    else:
        form = StockForm(initial=_stock_initial(request, rows), variants=variants)
    return _stock_page(request, point, variants, rows, form=form, status=status)


STOCK_PAGE_SIZE = 25
STOCK_SHOW_LABELS = (
    ("", ("Tất cả mặt hàng", "All products")),
    ("low_first", ("Sắp hết hàng lên đầu", "Low stock first")),
    ("low", ("Chỉ hàng sắp hết", "Only low stock")),
    ("out", ("Chỉ hàng đã hết", "Only out of stock")),
)


def _stock_page(request, point, variants, rows, *, form=None, threshold_form=None, status=200):
    """The point's stock, searched (?q= product or SKU, diacritics optional), filtered (?show=) and
    paginated (?page=); `rows` are the unfiltered rows, for the count form's prefill."""
    q = request.GET.get("q", "")[:80].strip()
    show = request.GET.get("show", "")
    show = show if show in reports.STOCK_SHOW else ""
    shown = reports.filter_stock(rows, q=q, show=show)
    wanted = request.GET.get("page")
    if wanted is None:  # ?variant=ID (a row's “edit” link, or back after saving): the page that row is on
        ids = [s.variant_id for s in shown]
        variant = request.GET.get("variant", "")
        if variant.isascii() and variant.isdigit() and int(variant) in ids:
            wanted = ids.index(int(variant)) // STOCK_PAGE_SIZE + 1
    page = Paginator(shown, STOCK_PAGE_SIZE).get_page(wanted)
    query = {k: v for k, v in (("q", q), ("show", show)) if v}
    return _render(request, "stock.html", {
        "point": point, "rows": page.object_list, "page": page, "all_count": len(rows), "q": q, "show": show,
        "filtered": bool(query),
        "page_query": urlencode(query) + ("&" if query else ""),
        "form_query": urlencode({**query, **({"page": page.number} if page.number > 1 else {})}),
        "show_choices": [(value, pick(*words)) for value, words in STOCK_SHOW_LABELS],
        "form": form or StockForm(variants=variants),
        "threshold_form": threshold_form or ThresholdForm(variants=variants),
        "low": transfer_service.low_stock_for(request.user, point.pk),
        "points": _other_points(request.user),
        "t": _low_stock_words(),
    }, status=status, tab="stock")


def _low_stock_words():
    return {
        "low": pick("Sắp hết hàng", "Low stock"),
        "low_help": pick("Các mặt hàng có số còn bán bằng hoặc dưới ngưỡng đã đặt.",
                         "Products whose free units are at or below the threshold set for them."),
        "none": pick("Không có mặt hàng nào dưới ngưỡng.", "Nothing is at or below its threshold."),
        "product": pick("Mặt hàng", "Product"), "point": pick("Điểm bán", "Sales point"),
        "free": pick("Còn bán", "Free"), "threshold": pick("Ngưỡng", "Threshold"),
        "set": pick("Đặt ngưỡng sắp hết", "Set a low-stock threshold"),
        "threshold_label": pick("Ngưỡng (để trống nếu không theo dõi)", "Threshold (empty to stop watching)"),
        "save": pick("Lưu ngưỡng", "Save threshold"),
        "restock": pick("Chuyển hàng đến", "Send stock"),
        "more": pick("mặt hàng khác", "more"),
    }


@require_POST
@point_required
def stock_threshold(request, point):
    """Set (or clear) the low-stock threshold of one of the point's products."""
    variants = reports.stock_choices()
    form = ThresholdForm(request.POST, variants=variants)
    try:
        if form.is_valid():
            data = form.cleaned_data
            transfer_service.set_threshold(user=request.user, variant_id=data["variant"], sales_point_id=point.pk,
                                           value=data["threshold"])
            messages.success(request, pick("Đã lưu ngưỡng sắp hết.", "Low-stock threshold saved."))
            return redirect(reverse("storefront:staff:stock", args=[point.code]) + "#low-stock")
    except ShopError as exc:
        if exc.code == DENIED:
            return _denied(request, exc.message)
        form.add_shop_error(exc)
    rows = reports.point_stock(user=request.user, point=point)
    return _stock_page(request, point, variants, rows, threshold_form=form, status=400)


def _stock_initial(request, rows):
    """?variant=ID (the row's “adjust” link) preselects the variant, with its count so far."""
    try:
        variant = int(request.GET.get("variant", ""))
    except ValueError:
        return {}
    on_hand = next((s.quantity_on_hand for s in rows if s.variant_id == variant), None)
    return {"variant": variant, "quantity": on_hand}


# -- transfers between points ---------------------------------------------------------------

TRANSFER_STATUS_LABELS = {
    "SENT": ("Đang chuyển", "In transit"), "RECEIVED": ("Đã nhận", "Received"), "CANCELLED": ("Đã huỷ", "Cancelled"),
}


def _transfer_words():
    return {
        "title": pick("Chuyển kho", "Transfers"),
        "incoming": pick("Hàng đang chuyển đến", "Incoming (in transit)"),
        "incoming_none": pick("Không có phiếu nào đang chuyển đến.", "Nothing is on its way here."),
        "outgoing": pick("Hàng đang gửi đi", "Outgoing (in transit)"),
        "outgoing_none": pick("Không có phiếu nào đang gửi đi.", "Nothing is on its way from here."),
        "history": pick("Lịch sử chuyển kho", "Transfer history"),
        "history_none": pick("Chưa có phiếu nào đã nhận hoặc đã huỷ.", "No received or cancelled transfers yet."),
        "send": pick("Gửi hàng đến điểm khác", "Send stock to another point"),
        "send_help": pick("Chỉ gửi được số còn bán; hàng đã giữ cho đơn ở lại.",
                          "Only free units can be sent; units reserved for orders stay."),
        "to": pick("Điểm nhận", "Receiving point"), "from": pick("Điểm gửi", "Sending point"),
        "product": pick("Mặt hàng", "Product"), "quantity": pick("Số lượng", "Quantity"),
        "note": pick("Ghi chú", "Note"), "submit_send": pick("Gửi hàng", "Send"),
        "sent": pick("Số gửi", "Sent"), "received": pick("Số nhận", "Received"),
        "counted": pick("Số đếm được", "Counted"),
        "why": pick("Lý do chênh lệch (nếu có)", "Why it differs (if it does)"),
        "receive_help": pick("Đếm hàng thực nhận; nếu khác số gửi, ghi lý do. Hàng thiếu được ghi là hao hụt của phiếu.",
                             "Count what arrived; if it differs from what was sent, say why. Missing units are "
                             "recorded as lost on the transfer."),
        "submit_receive": pick("Xác nhận đã nhận", "Confirm receipt"),
        "cancel": pick("Huỷ phiếu (hàng trở lại điểm gửi)", "Cancel (units go back)"),
        "cancel_reason": pick("Lý do huỷ", "Why cancel"),
        "sent_at": pick("Gửi lúc", "Sent"), "received_at": pick("Nhận lúc", "Received"),
        "by": pick("bởi", "by"), "status": pick("Trạng thái", "Status"), "number": pick("Số phiếu", "Number"),
        "lost": pick("thiếu", "short"), "extra": pick("thừa", "extra"), "line": pick("Dòng", "Line"),
        "no_stock": pick("Điểm này chưa có hàng nào để gửi.", "This point has nothing free to send."),
        "producer": pick("Chủ thể", "Producer"),
    }


def _send_form(point, data=None):
    return SendTransferForm(data, destinations=transfer_service.destinations(point),
                            stock=transfer_service.sendable(point))


@require_http_methods(["GET", "HEAD", "POST"])
@point_required
def transfers(request, point):
    """The point's transfers (incoming to count and receive, outgoing, history) and the send form,
    which sends from this point (inventory.transfers.send checks who may and how much)."""
    form = _send_form(point, request.POST if request.method == "POST" else None)
    if request.method != "POST":
        return _transfers_page(request, point, send_form=form)
    try:
        if form.is_valid():
            data = form.cleaned_data
            done = transfer_service.send(user=request.user, from_point_id=point.pk, to_point_id=data["to_point"],
                                         lines=data["lines"], note=data["note"])
            messages.success(request, pick(f"Đã gửi phiếu {done.number} đến {done.to_point.name}.",
                                           f"Transfer {done.number} sent to {done.to_point.name_en or done.to_point.name}."))
            return redirect(reverse("storefront:staff:transfers", args=[point.code]) + f"#t-{done.number}")
    except ShopError as exc:
        if exc.code == DENIED:
            return _denied(request, exc.message)
        form.add_shop_error(exc)
    return _transfers_page(request, point, send_form=form, status=400)


def _transfers_page(request, point, *, send_form=None, receive_forms=None, page_errors=(), status=200):
    """`receive_forms` (by transfer id) put a refused count back beside its transfer."""
    lists = transfer_service.point_transfers(user=request.user, point=point)
    receive_forms = receive_forms or {}
    incoming = []
    for t in lists.incoming:
        lines = list(t.lines.all())
        form = receive_forms.get(t.pk) or ReceiveTransferForm(
            line_ids=[line.pk for line in lines], initial_counts={line.pk: line.quantity_sent for line in lines})
        incoming.append({"t": t, "rows": form.rows(lines), "errors": form.non_field_errors(),
                         "can_receive": transfer_service.may_receive(request.user, t)})
    shown = {t.pk for t in lists.incoming}
    errors = list(page_errors) + [e for pk, form in receive_forms.items() if pk not in shown
                                  for errs in form.errors.values() for e in errs]
    return _render(request, "transfers.html", {
        "point": point, "incoming": incoming,
        "outgoing": [{"t": t, "can_cancel": transfer_service.may_cancel(request.user, t)} for t in lists.outgoing],
        "history": [{"t": t, "status": _label(TRANSFER_STATUS_LABELS, t.status)} for t in lists.history],
        "send_form": send_form or _send_form(point), "page_errors": errors,
        "points": _other_points(request.user), "t": _transfer_words(),
    }, status=status, tab="transfers")


@require_POST
@staff_required
def receive_transfer(request, pk):
    """The receiving point's counts for one transfer (inventory.transfers.receive checks who and how many)."""
    point = _posted_point(request)
    form = ReceiveTransferForm(request.POST)
    try:
        if form.is_valid():
            done = transfer_service.receive(user=request.user, transfer_id=pk, counts=form.counts())
            messages.success(request, pick(f"Đã nhận phiếu {done.number}; tồn kho đã cộng số nhận.",
                                           f"Transfer {done.number} received; the counted units are in stock."))
            code = point.code if point else done.to_point.code
            return redirect(reverse("storefront:staff:transfers", args=[code]) + f"#t-{done.number}")
    except ShopError as exc:
        if exc.code in (DENIED, "transfer_not_found") or point is None:
            return _denied(request, exc.message)
        form.add_shop_error(exc)
    if point is None:
        return _denied(request, pick("Không rõ điểm bán của biểu mẫu này.", "This form does not name your sales point."))
    return _transfers_page(request, point, receive_forms={pk: form}, status=400)


@require_POST
@staff_required
def cancel_transfer(request, pk):
    """Call back a transfer in transit (inventory.transfers.cancel checks who may)."""
    point = _posted_point(request)
    try:
        done = transfer_service.cancel(user=request.user, transfer_id=pk, reason=request.POST.get("reason", ""))
    except ShopError as exc:
        if exc.code in (DENIED, "transfer_not_found") or point is None:
            return _denied(request, exc.message)
        return _transfers_page(request, point, page_errors=[exc.message], status=400)
    messages.success(request, pick(f"Đã huỷ phiếu {done.number}; hàng đã trở lại điểm gửi.",
                                   f"Transfer {done.number} cancelled; its units are back at the sending point."))
    code = point.code if point else (done.from_point or done.to_point).code
    return redirect(reverse("storefront:staff:transfers", args=[code]) + f"#t-{done.number}")


# -- the province dashboard -----------------------------------------------------------------

def _range(request):
    """The range asked for, or the last 30 days with the form's errors."""
    form = RangeForm(request.GET or None)
    if not request.GET:
        return form, last_days()
    if form.is_valid():
        data = form.cleaned_data
        try:
            return form, date_range(data["start"], data["end"], data["period"])
        except ShopError as exc:
            add_shop_error(form, exc)
    return form, last_days()


def _period_label(day, period, short=False) -> str:
    if short:
        return day.strftime("%d/%m")
    text = day.strftime("%d/%m/%Y")
    return pick(f"Tuần từ {text}", f"Week of {text}") if period == WEEK else text


def _compact_vnd(value: float) -> str:
    """Axis ticks: '1,5 tr' / '1.5M'."""
    for size, vi, en in ((1e9, "tỷ", "B"), (1e6, "tr", "M"), (1e3, "k", "k")):
        if value >= size:
            number = f"{value / size:.1f}".rstrip("0").rstrip(".")
            return pick(f"{number.replace('.', ',')} {vi}", f"{number}{en}")
    return str(int(value))


TOP_SERIES = 6  # lines in one chart; the rest are summed as “other”


def _sales_section(dimension, csv_name, rng, title, desc):
    breakdown = reports.sales_by(dimension, rng)
    rows = breakdown.rows
    series = [(pick(r.name, r.name_en), r.values) for r in rows[:TOP_SERIES]]
    if len(rows) > TOP_SERIES:
        rest = rows[TOP_SERIES:]
        series.append((pick("Khác", "Other"), [sum(vals) for vals in zip(*(r.values for r in rest), strict=True)]))
    return {
        "id": f"sales-{dimension}", "csv": csv_name, "title": title,
        "chart": charts.line_chart(
            f"sales-{dimension}", title=title, desc=desc, fmt=format_vnd, tick=_compact_vnd,
            x_labels=[_period_label(p, rng.period, short=True) for p in breakdown.periods], series=series,
            empty=pick("Chưa có doanh số trong khoảng này.", "No sales in this range."),
        ),
        "rows": [{"name": pick(r.name, r.name_en), "quantity": r.quantity, "revenue": r.total} for r in rows],
        "total": breakdown.total,
        "names": [name for name, _ in series],
        "by_period": list(zip([_period_label(p, rng.period) for p in breakdown.periods],
                              zip(*(values for _, values in series), strict=True), strict=True)) if series else [],
    }


def _dashboard_data(rng):
    sections = [
        _sales_section("point", "points", rng, pick("Doanh số theo điểm bán", "Sales by sales point"),
                       pick("Doanh số (đồng) của từng điểm bán theo thời gian.", "Sales (VND) of each sales point over time.")),
        _sales_section("district", "districts", rng, pick("Doanh số theo huyện xuất xứ", "Sales by district of origin"),
                       pick("Doanh số (đồng) theo huyện nơi sản phẩm được làm ra.",
                            "Sales (VND) by the district the products come from.")),
        _sales_section("group", "groups", rng, pick("Doanh số theo nhóm sản phẩm", "Sales by product group"),
                       pick("Doanh số (đồng) theo nhóm sản phẩm OCOP.", "Sales (VND) by OCOP product group.")),
    ]
    top = reports.top_products(rng)
    expiring, expired = certification.report(certification.today(), within_days=90)
    today = certification.today()
    buckets = [
        (pick("Còn ≤ 30 ngày", "≤ 30 days left"), sum(1 for c in expiring if (c.valid_until - today).days <= 30)),
        (pick("Còn 31–60 ngày", "31–60 days left"), sum(1 for c in expiring if 30 < (c.valid_until - today).days <= 60)),
        (pick("Còn 61–90 ngày", "61–90 days left"), sum(1 for c in expiring if (c.valid_until - today).days > 60)),
        (pick("Đã hết hạn", "Expired"), len(expired)),
    ]
    scans = trace_reports.scans_by_verdict(rng)
    scan_title = pick("Lượt quét mã theo ngày và kết quả", "Scans per day and verdict")
    return {
        "sections": sections,
        "top": top,
        "top_chart": charts.bar_chart(
            "top-products", title=pick("Sản phẩm bán chạy", "Top products"),
            desc=pick("Mười sản phẩm có doanh số cao nhất trong khoảng ngày.", "The ten products with the most sales in the range."),
            items=[(pick(p.name, p.name_en), p.revenue_vnd) for p in top], fmt=format_vnd,
            empty=pick("Chưa có doanh số trong khoảng này.", "No sales in this range."),
        ),
        "expiring": [(c, (c.valid_until - today).days) for c in expiring],
        "expired": [(c, (today - c.valid_until).days) for c in expired],
        "cert_chart": charts.bar_chart(
            "certificates", title=pick("Chứng nhận OCOP cần công nhận lại", "OCOP certificates to renew"),
            desc=pick("Số chứng nhận hết hạn trong 90 ngày tới, theo số ngày còn lại, và số đã hết hạn chưa công nhận lại.",
                      "Certificates expiring in the next 90 days by days left, and those expired and not renewed."),
            items=buckets, empty=pick("Không có chứng nhận nào sắp hết hạn.", "No certificate is about to expire."),
        ),
        "cert_buckets": buckets,
        "scans": scans,
        "scan_rows": [{"name": pick(r.name, r.name_en), "total": r.total, "hits": r.hits} for r in scans.rows],
        "scan_names": [pick(r.name, r.name_en) for r in scans.rows],
        "scan_by_period": list(zip([_period_label(p, rng.period) for p in scans.periods],
                                   zip(*(r.values for r in scans.rows), strict=True), scans.per_period,
                                   strict=True)) if scans.rows else [],
        "scan_chart": charts.line_chart(
            "scans", title=scan_title,
            desc=pick("Số lượt quét mã truy xuất mỗi ngày, tách theo kết quả xác thực.",
                      "Trace code scans per day, split by authenticity verdict."),
            x_labels=[_period_label(p, rng.period, short=True) for p in scans.periods],
            series=[(pick(r.name, r.name_en), r.values) for r in scans.rows],
            empty=pick("Chưa có lượt quét nào trong khoảng này.", "No scans in this range."),
        ),
    }


@require_safe
@province_required
def dashboard(request):
    form, rng = _range(request)
    context = {"form": form, "range": rng, "query": request.GET.urlencode(), **_dashboard_data(rng)}
    context["plan"] = producer_certificates.province_figures()  # the plan's certificate figures
    low = transfer_service.low_stock()
    context.update(low=low[:LOW_STOCK_SHOWN], low_more=max(0, len(low) - LOW_STOCK_SHOWN), low_words=_low_stock_words())
    return _render(request, "dashboard.html", context, status=400 if form.errors else 200, tab="dashboard")


LOW_STOCK_SHOWN = 100  # the dashboard's list; each point's stock page has all of its own


CSV_REPORTS = ("points", "districts", "groups", "top-products", "certificates", "scans")


@require_safe
@province_required
def dashboard_csv(request, report):
    if report not in CSV_REPORTS:
        raise Http404(report)
    form, rng = _range(request)
    if form.errors:
        return HttpResponse(form.errors_text(), status=400, content_type="text/plain; charset=utf-8")
    header, rows = _csv_rows(report, rng)
    return spreadsheet.csv_response(f"ocop-{report}-{rng.start:%Y%m%d}-{rng.end:%Y%m%d}.csv", header, rows)


def _csv_rows(report, rng):
    if report in ("points", "districts", "groups"):
        dimension = {"points": "point", "districts": "district", "groups": "group"}[report]
        breakdown = reports.sales_by(dimension, rng)
        header = [pick("Từ ngày", "Period start"), pick("Tên", "Name"), pick("Doanh số (đồng)", "Sales (VND)")]
        rows = [(p.isoformat(), pick(r.name, r.name_en), r.values[i])
                for r in breakdown.rows for i, p in enumerate(breakdown.periods)]
        return header, rows
    if report == "top-products":
        header = [pick("Sản phẩm", "Product"), pick("Số lượng", "Quantity"), pick("Doanh số (đồng)", "Sales (VND)")]
        return header, [(pick(p.name, p.name_en), p.quantity, p.revenue_vnd) for p in reports.top_products(rng)]
    if report == "certificates":
        today = certification.today()
        expiring, expired = certification.report(today, within_days=90)
        header = [pick("Tình trạng", "Status"), pick("Sản phẩm", "Product"), pick("Chủ thể", "Producer"),
                  pick("Số sao", "Stars"), pick("Số quyết định", "Decision"), pick("Hiệu lực đến", "Valid until"),
                  pick("Số ngày", "Days")]
        rows = [(pick("sắp hết hạn", "expiring"), c.product.name, c.product.producer.name if c.product.producer else "",
                 c.stars, c.decision_number, c.valid_until.isoformat(), (c.valid_until - today).days) for c in expiring]
        rows += [(pick("đã hết hạn", "expired"), c.product.name, c.product.producer.name if c.product.producer else "",
                  c.stars, c.decision_number, c.valid_until.isoformat(), (c.valid_until - today).days) for c in expired]
        return header, rows
    # In words, in the page's language (the codes are for programs: the GraphQL API has them).
    header = [pick("Từ ngày", "Period start"), pick("Kết quả", "Verdict"), pick("Cách quét", "Channel"),
              pick("Lượt quét", "Scans")]
    return header, [(line.period.isoformat(), pick(*line.verdict_name), pick(*line.channel_name), line.scans)
                    for line in scan_exports.scan_lines(rng)]
