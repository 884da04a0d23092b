"""Reads behind the cart, checkout and order status pages, and the plain
words the order status page uses.

No rule is decided here: what may be sold, delivered, paid or cancelled is
orders.checkout / orders.services / orders.payments. Each function costs a
fixed number of queries whatever the number of lines, fulfilments or events.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.urls import reverse

from catalog.models import ProductImage
from inventory import availability
from orders import checkout as checkout_service
from orders import payments, services, texts, unpaid
from orders.models import DeliveryKind, Fulfillment, FulfillmentLine, Order, OrderEvent, PaymentMethod
from shop.errors import pick
from shop.models import SalesPoint
from shop.money import format_vnd
from storefront import presenters, transfer_panel

# -- the cart -----------------------------------------------------------------------------


@dataclass
class CartLine:
    line: object  # orders.models.CheckoutLine, with variant and product
    name: str
    variant_name: str
    url: str
    unit_price: int
    total: int
    picture: presenters.Picture | None
    form: object = None
    errors: list = field(default_factory=list)
    travel_note: str = ""  # where the product may not go (storefront/delivery_pages.cart_delivery)

    @property
    def id(self) -> int:
        return self.line.pk


def cart_lines(checkout) -> list:
    """The checkout's lines with their variant, product and pictures (two queries)."""
    if checkout is None:
        return []
    return list(
        checkout.lines.select_related("variant__product")
        .prefetch_related(Prefetch("variant__product__images", queryset=ProductImage.objects.order_by("position", "id")))
        .order_by("id")
    )


def cart_line(line) -> CartLine:
    variant, product = line.variant, line.variant.product
    images = list(product.images.all())
    return CartLine(
        line=line,
        name=presenters.loc(product, "name"),
        variant_name=presenters.loc(variant, "name"),
        url=reverse("storefront:product", kwargs={"slug": product.slug}),
        unit_price=variant.price_vnd,
        total=variant.price_vnd * line.quantity,
        picture=presenters.Picture.of(images[0], 160) if images else None,
    )


def units(lines) -> int:
    return sum(line.quantity for line in lines)


@dataclass
class Refusal:
    message: str
    url: str  # the product page, where the buyer chooses another pack size


def add_refusal(variant_id: int) -> Refusal | None:
    """Why the product page's "Add to cart" cannot add this variant at all (nothing sellable at any
    open point, or a sale hold), said for the product page; None when it is in stock (the service's
    own message then stands: too many units, a lapsed certificate…). Three queries."""
    from catalog.models import ProductVariant

    variant = ProductVariant.objects.select_related("product").filter(pk=variant_id).first()
    if variant is None:
        return None
    label = f"{presenters.loc(variant.product, 'name')} — {presenters.loc(variant, 'name')}"
    url = reverse("storefront:product", kwargs={"slug": variant.product.slug})
    hold = availability.held_variants([variant.pk]).get(variant.pk)
    if hold is not None:
        return Refusal(pick(
            f"{label} đang tạm dừng bán ({hold.reason}); chưa thêm vào giỏ. Hãy chọn sản phẩm khác.",
            f"{label} is off sale for now ({hold.reason_en or hold.reason}); it was not added to your cart. "
            "Choose another product.",
        ), url)
    if availability.sellable_totals([variant.pk]).get(variant.pk, 0) <= 0:
        return Refusal(pick(
            f"{label} đã hết hàng ở mọi điểm bán; chưa thêm vào giỏ. Hãy chọn quy cách khác hoặc quay lại sau.",
            f"{label} is out of stock at every sales point; it was not added to your cart. "
            "Choose another pack size or come back later.",
        ), url)
    return None


# -- which pickup points can fill the basket ----------------------------------------------------


@dataclass
class Shortage:
    name: str  # "Mật ong hoa ban — Hũ 250 g"
    wanted: int
    there: int  # units sellable at the point (0: none)


@dataclass
class PointFill:
    point: SalesPoint
    missing: list  # Shortage, in the cart's order; empty: the point has the whole basket

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def summary(self) -> str:
        """'Có đủ hàng cho cả giỏ' / 'Thiếu: Mật ong — Hũ 250 g (còn 1/2), …'."""
        if not self.missing:
            return pick("Có đủ hàng cho cả giỏ.", "Has everything in your cart.")
        parts_vi = [f"{s.name} (còn {s.there}/{s.wanted})" if s.there else f"{s.name} (hết)" for s in self.missing]
        parts_en = [f"{s.name} ({s.there} of {s.wanted})" if s.there else f"{s.name} (none)" for s in self.missing]
        return pick("Thiếu: " + "; ".join(parts_vi) + ".", "Missing: " + "; ".join(parts_en) + ".")


def pickup_fill(points, lines, day=None) -> list[PointFill]:
    """For each pickup point, the cart lines it cannot fill today (inventory.availability): one
    query for every point and line together."""
    if not points or not lines:
        return [PointFill(p, []) for p in points]
    stock = availability.sellable_quantities({line.variant_id for line in lines}, day)
    fills = []
    for point in points:
        missing = []
        for line in lines:
            there = max(0, stock.get((line.variant_id, point.pk), 0))
            if there < line.quantity:
                name = f"{presenters.loc(line.variant.product, 'name')} — {presenters.loc(line.variant, 'name')}"
                missing.append(Shortage(name, line.quantity, there))
        fills.append(PointFill(point, missing))
    return fills


# -- the checkout ----------------------------------------------------------------------------


def pickup_points(day=None) -> list[SalesPoint]:
    """The points open today that offer pickup, in the shop's order (one query)."""
    return list(
        availability.open_points(day).filter(pickup_enabled=True)
        .select_related("district").order_by("priority", "code")
    )


# The delivery address's picker (province, then commune) is storefront/delivery_pages.address_picker.


@dataclass
class Review:
    """What the shopper checks before placing the order."""

    lines: list
    totals: checkout_service.Totals
    zone: str  # the delivery zone's name, with its days: "Miền Bắc, 2–4 ngày"
    methods: list  # payment method values offered
    place: str = ""  # the delivery address's commune and province: "phường Hoàn Kiếm, thành phố Hà Nội"


def review(checkout, lines) -> Review:
    totals = checkout_service.totals(checkout, lines)
    zone = place = ""
    quote = totals.shipping
    if quote is not None:
        days = f"{quote.days_min}–{quote.days_max}"
        zone = pick(f"{quote.zone.name}, {days} ngày", f"{quote.zone.name_en}, {days} days")
    if checkout.delivery_kind == DeliveryKind.DELIVERY and checkout.ship_commune_id:
        place = presenters.commune_place(checkout.ship_commune)
    return Review(
        lines=[cart_line(line) for line in lines], totals=totals, zone=zone,
        methods=checkout_service.payment_methods_for(checkout, lines), place=place,
    )


PAYMENT_METHODS = {
    PaymentMethod.PAY_AT_PICKUP: ("Trả tiền tại điểm bán khi nhận hàng", "Pay at the sales point when you collect"),
    PaymentMethod.CASH_ON_DELIVERY: ("Trả tiền mặt khi nhận hàng (COD)", "Cash on delivery"),
    PaymentMethod.CARD: ("Thẻ ngân hàng hoặc thẻ quốc tế (Visa, Mastercard)", "Bank or international card (Visa, Mastercard)"),
    PaymentMethod.BANK_TRANSFER: ("Chuyển khoản ngân hàng: quét mã VietQR bằng ứng dụng ngân hàng sau khi đặt",
                                  "Bank transfer: scan a VietQR code with your banking app after ordering"),
}


def payment_method_label(method: str) -> str:
    vi, en = PAYMENT_METHODS.get(method, (method, method))
    return pick(vi, en)


def payment_choices(methods) -> list[tuple[str, str, str]]:
    """(value, label, element id) of each method offered: `checkout-pay-pay-at-pickup`, …"""
    return [(m, payment_method_label(m), "checkout-pay-" + m.lower().replace("_", "-")) for m in methods]


# -- the order status page ----------------------------------------------------------------------

ORDER_STATUS = texts.ORDER_STATUS  # the statuses' names, one table in orders/texts.py
FULFILMENT_STATUS = texts.FULFILMENT_STATUS
# What happened, said to the customer; {point} is the fulfilment's sales point.
FULFILMENT_EVENTS = {
    Fulfillment.Status.PICKING: ("{point} bắt đầu chuẩn bị hàng.", "{point} started preparing your items."),
    Fulfillment.Status.PACKED: ("{point} đã đóng gói hàng.", "{point} packed your items."),
    Fulfillment.Status.READY_FOR_PICKUP: ("Hàng đã sẵn sàng tại {point}; mời bạn đến nhận.",
                                          "Your items are ready at {point}; come and collect them."),
    Fulfillment.Status.PICKED_UP: ("Bạn đã nhận hàng tại {point}.", "You collected your items at {point}."),
    Fulfillment.Status.SHIPPED: ("{point} đã gửi hàng cho đơn vị vận chuyển.", "{point} handed your parcel to the courier."),
    Fulfillment.Status.DELIVERED: ("Hàng từ {point} đã giao tới bạn.", "Your parcel from {point} was delivered."),
    Fulfillment.Status.CANCELLED: ("{point} đã huỷ phần hàng của mình.", "{point} cancelled its part of the order."),
}
ORDER_EVENTS = {
    OrderEvent.Kind.PLACED: ("Bạn đã đặt đơn hàng.", "You placed the order."),
    OrderEvent.Kind.PAID: ("Đã nhận tiền thanh toán thẻ.", "Your card payment was received."),
    OrderEvent.Kind.PAYMENT_FAILED: ("Một lần thanh toán thẻ không thành công.", "A card payment attempt failed."),
    OrderEvent.Kind.CASH_COLLECTED: ("Điểm bán đã nhận tiền của bạn.", "The sales point received your payment."),
    OrderEvent.Kind.EXPIRED: ("Đơn đã tự huỷ vì hết thời gian giữ hàng mà chưa được thanh toán hoặc nhận.",
                              "The order was cancelled automatically: the hold ran out before it was paid or collected."),
    OrderEvent.Kind.COMPLETED: ("Đơn hàng đã hoàn tất. Cảm ơn bạn!", "The order is complete. Thank you!"),
}
# Events the customer is not told about: the payment intent and e-mails are plumbing, notes and
# payment reviews are the staff's (the payment line says a review is under way).
QUIET_EVENTS = {OrderEvent.Kind.PAYMENT_INTENT, OrderEvent.Kind.NOTE, OrderEvent.Kind.EMAIL,
                OrderEvent.Kind.PAYMENT_REVIEW}


TRANSFER_WORDS = texts.TRANSFER_STATUS  # the payment line's words are orders/texts.py's


def payment_words(order) -> str:
    """How the payment stands, in the customer's words (one table, orders/texts.py)."""
    return pick(*texts.payment_status(order))


@dataclass
class FulfilmentView:
    fulfilment: Fulfillment
    point: SalesPoint
    status: str
    lines: list  # (order line, quantity)


@dataclass
class HistoryEntry:
    at: object
    text: str


@dataclass
class OrderPage:
    order: Order
    lines: list
    fulfilments: list
    history: list
    status: str
    payment: str
    payment_method: str
    can_cancel: bool
    can_pay_by_card: bool
    hold_notice: str = ""  # the deadline of an unpaid cash order's hold
    transfer: object = None  # storefront.transfer_panel.TransferPanel of an order waiting for its transfer


def _history(order, events, points_by_fulfilment) -> list[HistoryEntry]:
    entries = []
    for event in events:
        if event.kind in QUIET_EVENTS:
            continue
        text = ""
        if event.kind == OrderEvent.Kind.FULFILLMENT_STATUS:
            point = points_by_fulfilment.get(event.fulfillment_id)
            words = FULFILMENT_EVENTS.get((event.data or {}).get("to"))
            if words and point is not None:
                name = presenters.loc(point, "name")
                text = pick(words[0].format(point=name), words[1].format(point=name))
        elif event.kind == OrderEvent.Kind.REFUNDED and (event.data or {}).get("amount"):
            amount = format_vnd(int(event.data["amount"]))
            text = pick(f"Đã hoàn lại {amount} cho bạn.", f"{amount} was refunded to you.")
        elif event.kind == OrderEvent.Kind.PAID and (event.data or {}).get("method") == PaymentMethod.BANK_TRANSFER:
            text = pick("Đã nhận tiền chuyển khoản của bạn.", "Your bank transfer was received.")
        elif event.kind in ORDER_EVENTS:
            text = pick(*ORDER_EVENTS[event.kind])
        if not text:  # a cancellation (its reason is in the log) or a kind without plain words yet
            text = pick(event.message, event.message_en)
        entries.append(HistoryEntry(event.created_at, text))
    return entries


def order_page(token) -> OrderPage:
    """The customer's order by its secret token (ShopError `order_not_found` for an unknown one).

    Six queries: the order (twice: found by the service, then with its pickup point or commune),
    its lines, its fulfilments with their points, their lines, its events.
    """
    order = services.get_order_by_token(token)
    order = Order.objects.select_related("pickup_point__district", "ship_commune__province").get(pk=order.pk)
    lines = list(order.lines.order_by("id"))
    fulfilments = list(order.fulfillments.select_related("sales_point__district").order_by("id"))
    rows: dict[int, list] = {f.pk: [] for f in fulfilments}
    by_line = {line.pk: line for line in lines}
    for row in FulfillmentLine.objects.filter(fulfillment__order=order).order_by("id"):
        rows.setdefault(row.fulfillment_id, []).append((by_line.get(row.order_line_id), row.quantity))
    views = [
        FulfilmentView(f, f.sales_point, pick(*FULFILMENT_STATUS.get(f.status, (f.status, f.status))), rows[f.pk])
        for f in fulfilments
    ]
    events = list(order.events.order_by("created_at", "id"))
    statuses = [f.status for f in fulfilments]
    transfer = transfer_panel.panel(order)  # two more queries, for an order waiting for its transfer only
    status = ORDER_STATUS.get(order.status, (order.status, order.status))
    if order.payment_method == PaymentMethod.BANK_TRANSFER and order.status == Order.Status.UNCONFIRMED:
        status = ("Chờ chuyển khoản", "Waiting for your bank transfer")
    return OrderPage(
        order=order,
        lines=lines,
        fulfilments=views,
        history=_history(order, events, {f.pk: f.sales_point for f in fulfilments}),
        status=pick(*status),
        payment=payment_words(order),
        payment_method=payment_method_label(order.payment_method),
        can_cancel=services.customer_can_cancel(order, statuses),
        can_pay_by_card=awaits_card_payment(order),
        hold_notice=unpaid.deadline_notice(order, presenters.lang())
        if unpaid.holds_stock(order, statuses) and transfer is None else "",
        transfer=transfer,
    )


def awaits_card_payment(order) -> bool:
    """A card order not paid yet whose items are still held: the card step can be (re)tried."""
    return (
        order.payment_method == PaymentMethod.CARD
        and order.status == Order.Status.UNCONFIRMED
        and order.payment_status in (Order.PaymentStatus.AWAITING, Order.PaymentStatus.FAILED)
        and not payments.reservation_expired(order)
    )
