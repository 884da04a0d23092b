"""Checkouts, orders, fulfilments, their event log, stock movements and
Stripe events.

The rules live in services (checkout.py, routing.py, allocation.py,
fulfilment.py, payments.py); the models hold the data and the constraints
the database must refuse whatever the code does.
"""
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Upper

from catalog.models import ProductVariant
from inventory.models import Stock
from shop.models import Commune, SalesPoint


class DeliveryKind(models.TextChoices):
    PICKUP = "PICKUP", "nhận tại điểm bán"
    DELIVERY = "DELIVERY", "giao tận nơi"


class PaymentMethod(models.TextChoices):
    CARD = "CARD", "thẻ (Stripe)"
    CASH_ON_DELIVERY = "CASH_ON_DELIVERY", "trả tiền khi nhận hàng"
    PAY_AT_PICKUP = "PAY_AT_PICKUP", "trả tiền tại điểm bán"
    BANK_TRANSFER = "BANK_TRANSFER", "chuyển khoản (VietQR)"


class AddressFields(models.Model):
    """A delivery address anywhere in Vietnam: a commune (since 1 July 2025, of any province; or an old
    commune of the home province) and a street line (orders/delivery.py)."""

    ship_name = models.CharField("người nhận", max_length=120, blank=True)
    ship_phone = models.CharField("điện thoại người nhận", max_length=16, blank=True)
    ship_street = models.CharField("số nhà, thôn, bản", max_length=300, blank=True)
    ship_commune = models.ForeignKey(
        Commune, verbose_name="xã / phường", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True


class Checkout(AddressFields):
    """A cart on its way to becoming an order; the token is its only key for the customer."""

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="checkouts"
    )
    email = models.EmailField("e-mail", blank=True)
    phone = models.CharField("điện thoại", max_length=16, blank=True, help_text="Dạng +84…")
    language = models.CharField("ngôn ngữ", max_length=5, default="vi")
    delivery_kind = models.CharField("cách nhận", max_length=10, choices=DeliveryKind.choices, blank=True)
    pickup_point = models.ForeignKey(
        SalesPoint, verbose_name="điểm nhận", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    order = models.OneToOneField(
        "Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="checkout", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "giỏ hàng"
        verbose_name_plural = "giỏ hàng"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return str(self.token)


class CheckoutLine(models.Model):
    checkout = models.ForeignKey(Checkout, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(ProductVariant, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField("số lượng")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "dòng giỏ hàng"
        verbose_name_plural = "dòng giỏ hàng"
        ordering = ["checkout_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["checkout", "variant"], name="checkoutline_one_per_variant"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="checkoutline_quantity_positive"),
        ]


class Order(AddressFields):
    class Status(models.TextChoices):
        UNCONFIRMED = "UNCONFIRMED", "chờ thanh toán"
        CONFIRMED = "CONFIRMED", "đã xác nhận"
        COMPLETED = "COMPLETED", "hoàn tất"
        CANCELLED = "CANCELLED", "đã huỷ"

    class PaymentStatus(models.TextChoices):
        NOT_PAID = "NOT_PAID", "chưa thu tiền"  # cash: collected at hand-over
        AWAITING = "AWAITING", "chờ thanh toán (thẻ, chuyển khoản)"
        FAILED = "FAILED", "thanh toán lỗi"
        PAID = "PAID", "đã thanh toán"
        PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED", "đã hoàn một phần"
        REFUND_PENDING = "REFUND_PENDING", "đang hoàn tiền"
        REFUNDED = "REFUNDED", "đã hoàn tiền"
        VOIDED = "VOIDED", "đã huỷ thanh toán"
        # Stripe reported a payment that does not match the order (amount or currency): staff check it.
        REVIEW = "REVIEW", "thanh toán cần kiểm tra"

    number = models.CharField("số đơn", max_length=20, unique=True, null=True, editable=False)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    idempotency_key = models.CharField(max_length=80, unique=True, null=True, blank=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    email = models.EmailField("e-mail", blank=True)
    phone = models.CharField("điện thoại", max_length=16, blank=True)
    language = models.CharField("ngôn ngữ", max_length=5, default="vi")
    status = models.CharField("trạng thái", max_length=12, choices=Status.choices, db_index=True)
    delivery_kind = models.CharField("cách nhận", max_length=10, choices=DeliveryKind.choices)
    pickup_point = models.ForeignKey(
        SalesPoint, verbose_name="điểm nhận", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payment_method = models.CharField("thanh toán", max_length=20, choices=PaymentMethod.choices)
    payment_status = models.CharField("tình trạng thanh toán", max_length=20, choices=PaymentStatus.choices)
    subtotal_vnd = models.PositiveBigIntegerField("tiền hàng")
    shipping_vnd = models.PositiveBigIntegerField("phí giao hàng", default=0)
    total_vnd = models.PositiveBigIntegerField("tổng cộng")
    paid_vnd = models.PositiveBigIntegerField("đã thu", default=0)
    refunded_vnd = models.PositiveBigIntegerField("đã hoàn", default=0)
    routing_reason = models.TextField("lý do chọn điểm bán")
    routing_reason_en = models.TextField("lý do chọn điểm bán (tiếng Anh)", blank=True)
    reserved_until = models.DateTimeField("giữ hàng đến", null=True, blank=True, db_index=True)
    # Unpaid cash orders: cancelled, and their stock released, if not paid or sent out by then (orders/unpaid.py).
    hold_until = models.DateTimeField("giữ hàng chờ nhận đến", null=True, blank=True, db_index=True)
    # A keyed hash of the client's address while the order is open and unpaid (never the raw IP).
    client_hash = models.CharField(max_length=32, null=True, blank=True, db_index=True, editable=False)
    stripe_payment_intent = models.CharField(max_length=80, blank=True, db_index=True)
    stripe_client_secret = models.CharField(max_length=200, blank=True, editable=False)
    # Bank transfer (orders/bank_transfers.py): the account the buyer was told to pay into, as it
    # was then (an account edited later does not change what the order's QR said), and the content.
    transfer_bank_bin = models.CharField("ngân hàng nhận", max_length=6, blank=True, editable=False)
    transfer_account_number = models.CharField("tài khoản nhận", max_length=19, blank=True, editable=False)
    transfer_account_name = models.CharField("chủ tài khoản nhận", max_length=100, blank=True, editable=False)
    transfer_content = models.CharField("nội dung chuyển khoản", max_length=25, blank=True, db_index=True,
                                        editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "đơn hàng"
        verbose_name_plural = "đơn hàng"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_vnd=models.F("subtotal_vnd") + models.F("shipping_vnd")), name="order_total_adds_up"
            ),
            models.CheckConstraint(condition=Q(refunded_vnd__lte=models.F("paid_vnd")), name="order_refund_within_paid"),
        ]
        # Each completion counts the open unpaid orders of its e-mail (case-insensitive) and phones
        # (orders/unpaid.py), and the customer mails of the address (orders/notifications.py): looked
        # up, not a scan of every order.
        indexes = [
            models.Index(Upper("email"), name="order_email_upper"),
            models.Index(fields=["phone"], name="order_phone"),
            models.Index(fields=["ship_phone"], name="order_ship_phone"),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"


class OrderLine(models.Model):
    """A line with the price and names as they were when the order was placed."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(ProductVariant, null=True, on_delete=models.SET_NULL, related_name="+")
    product_name = models.CharField(max_length=200)
    product_name_en = models.CharField(max_length=200, blank=True)
    variant_name = models.CharField(max_length=120)
    variant_name_en = models.CharField(max_length=120, blank=True)  # the pack size in English ("250 g jar")
    sku = models.CharField(max_length=64)
    ocop_stars = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Số sao OCOP còn hiệu lực lúc bán; trống nếu chứng nhận đã hết hạn"
    )
    unit_price_vnd = models.PositiveBigIntegerField()
    quantity = models.PositiveIntegerField()
    total_vnd = models.PositiveBigIntegerField()

    class Meta:
        verbose_name = "dòng đơn hàng"
        verbose_name_plural = "dòng đơn hàng"
        ordering = ["order_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="orderline_quantity_positive"),
            models.CheckConstraint(
                condition=Q(total_vnd=models.F("unit_price_vnd") * models.F("quantity")), name="orderline_total_adds_up"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_name} — {self.variant_name}"


class Fulfillment(models.Model):
    """The part of an order one sales point serves."""

    class Status(models.TextChoices):
        NEW = "NEW", "mới"
        PICKING = "PICKING", "đang lấy hàng"
        PACKED = "PACKED", "đã đóng gói"
        READY_FOR_PICKUP = "READY_FOR_PICKUP", "sẵn sàng để nhận"
        PICKED_UP = "PICKED_UP", "khách đã nhận"
        SHIPPED = "SHIPPED", "đã giao vận chuyển"
        DELIVERED = "DELIVERED", "đã giao tới khách"
        CANCELLED = "CANCELLED", "đã huỷ"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="fulfillments")
    sales_point = models.ForeignKey(SalesPoint, on_delete=models.PROTECT, related_name="fulfillments")
    number = models.CharField(max_length=24, unique=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW, db_index=True)
    # The shipment, kept at the SHIPPED hand-over (orders/carriers.py): who carries the parcel (a
    # carrier code of ORDER_CARRIERS and its name as shown), its tracking number and link.
    carrier = models.CharField("đơn vị vận chuyển", max_length=20, blank=True)
    carrier_name = models.CharField("tên đơn vị vận chuyển", max_length=80, blank=True)
    tracking_number = models.CharField("mã vận đơn", max_length=40, blank=True, db_index=True)
    tracking_url = models.URLField("trang theo dõi", max_length=300, blank=True)
    shipped_at = models.DateTimeField("gửi đi lúc", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "phần giao của điểm bán"
        verbose_name_plural = "phần giao của điểm bán"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["sales_point", "status"])]
        constraints = [models.UniqueConstraint(fields=["order", "sales_point"], name="fulfillment_one_per_point")]

    def __str__(self) -> str:
        return self.number


class FulfillmentLine(models.Model):
    """Units of one order line served (and allocated) at the fulfilment's point."""

    fulfillment = models.ForeignKey(Fulfillment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="fulfillment_lines")
    stock = models.ForeignKey(Stock, null=True, on_delete=models.SET_NULL, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["fulfillment_id", "id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="fulfillmentline_quantity_positive")]


class OrderEvent(models.Model):
    """The order's log: who did what, when."""

    class Kind(models.TextChoices):
        PLACED = "PLACED", "đặt hàng"
        PAYMENT_INTENT = "PAYMENT_INTENT", "tạo yêu cầu thanh toán"
        PAID = "PAID", "đã thanh toán"
        PAYMENT_FAILED = "PAYMENT_FAILED", "thanh toán lỗi"
        CASH_COLLECTED = "CASH_COLLECTED", "đã thu tiền mặt"
        REFUNDED = "REFUNDED", "hoàn tiền"
        FULFILLMENT_STATUS = "FULFILLMENT_STATUS", "đổi trạng thái"
        CANCELLED = "CANCELLED", "huỷ"
        EXPIRED = "EXPIRED", "hết thời gian giữ hàng"
        HOLD_EXTENDED = "HOLD_EXTENDED", "gia hạn giữ hàng"
        PAYMENT_REVIEW = "PAYMENT_REVIEW", "thanh toán cần kiểm tra"
        EMAIL = "EMAIL", "gửi e-mail cho khách"
        COMPLETED = "COMPLETED", "hoàn tất"
        NOTE = "NOTE", "ghi chú"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    fulfillment = models.ForeignKey(Fulfillment, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    message = models.TextField()
    message_en = models.TextField(blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.CharField(max_length=120, help_text="customer, staff e-mail, stripe, system")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "nhật ký đơn hàng"
        verbose_name_plural = "nhật ký đơn hàng"
        ordering = ["order_id", "created_at", "id"]
        # The text messages a number got in 24 hours (orders/notifications.py, at each order placed).
        indexes = [
            models.Index(KeyTransform("sms_to", "data"), "created_at", condition=Q(kind="NOTE"),
                         name="orderevent_sms_to"),
        ]


class StripeEvent(models.Model):
    """Each Stripe event id, recorded once: a redelivery finds its row and does nothing."""

    event_id = models.CharField(max_length=80, unique=True)
    type = models.CharField(max_length=80)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="stripe_events")
    outcome = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "sự kiện Stripe"
        verbose_name_plural = "sự kiện Stripe"
        ordering = ["-received_at"]


from orders import banks as _banks  # noqa: E402 - appended with VietQR transfers (orders/vietqr.py)
from orders import vietqr as _vietqr  # noqa: E402
from shop.errors import ShopError as _ShopError  # noqa: E402


class PaymentAccount(models.Model):
    """A bank account that receives VietQR transfers: a sales point's own, or (no point) the
    province's default, used by every point without one. At most one active account of each."""

    sales_point = models.ForeignKey(
        SalesPoint, verbose_name="điểm bán", null=True, blank=True, on_delete=models.CASCADE,
        related_name="payment_accounts", help_text="Để trống: tài khoản mặc định của tỉnh (trung tâm)",
    )
    bank_bin = models.CharField("ngân hàng", max_length=6, choices=_banks.bank_choices,
                                help_text="Mã BIN của ngân hàng theo danh sách NAPAS")
    account_number = models.CharField("số tài khoản", max_length=19)
    account_name = models.CharField("tên chủ tài khoản", max_length=100,
                                    help_text="Như ngân hàng in: chữ in hoa không dấu, tự chuyển khi lưu")
    is_active = models.BooleanField("đang dùng", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "tài khoản nhận chuyển khoản"
        verbose_name_plural = "tài khoản nhận chuyển khoản"
        ordering = [models.F("sales_point_id").asc(nulls_first=True), "-is_active", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sales_point"], condition=Q(is_active=True, sales_point__isnull=False),
                name="paymentaccount_one_active_per_point",
                violation_error_message="Điểm bán này đã có một tài khoản đang dùng; hãy ngừng dùng tài khoản cũ trước.",
            ),
            # NULLs are distinct in a unique index, so the default account needs its own.
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True, sales_point__isnull=True),
                name="paymentaccount_one_active_default",
                violation_error_message="Tỉnh đã có một tài khoản mặc định đang dùng; hãy ngừng dùng tài khoản cũ trước.",
            ),
        ]

    def __str__(self) -> str:
        bank = _banks.bank(self.bank_bin)
        return f"{bank.short_name if bank else self.bank_bin} {self.account_number} — {self.account_name}"

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        for field, check in (("bank_bin", _vietqr.check_bin), ("account_number", _vietqr.check_account_number),
                             ("account_name", _vietqr.account_name_as_printed)):
            try:
                setattr(self, field, check(getattr(self, field)))
            except _ShopError as exc:
                errors[field] = exc.message
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        # The checks of clean(), for rows saved without a form (demo data, the shell): a stored
        # account always makes a valid payload.
        self.bank_bin = _vietqr.check_bin(self.bank_bin)
        self.account_number = _vietqr.check_account_number(self.account_number)
        self.account_name = _vietqr.account_name_as_printed(self.account_name)
        super().save(*args, **kwargs)


class ShippingZone(models.Model):
    """Where a parcel goes, for its fee and time: sub-zones of the home province (by 2022
    district), the north, the centre, the south, and remote areas (the special zones: islands).
    Province officers edit zones and their weight brackets in the admin (orders/shipping.py reads them)."""

    class Kind(models.TextChoices):
        HOME = "HOME", "trong tỉnh"
        NORTH = "NORTH", "miền Bắc"
        CENTRE = "CENTRE", "miền Trung và Tây Nguyên"
        SOUTH = "SOUTH", "miền Nam"
        REMOTE = "REMOTE", "vùng sâu, hải đảo"

    code = models.SlugField("mã", max_length=40, unique=True)
    name = models.CharField("tên", max_length=120)
    name_en = models.CharField("tên tiếng Anh", max_length=120)
    kind = models.CharField("loại", max_length=8, choices=Kind.choices)
    province_codes = models.JSONField(
        "mã tỉnh (2025)", default=list, blank=True, help_text="Cho vùng miền: các mã tỉnh GSO hai chữ số, như [\"01\", \"31\"]",
    )
    district_codes = models.JSONField(
        "mã huyện (2022)", default=list, blank=True,
        help_text="Cho vùng trong tỉnh: các huyện cũ; để trống cho phần còn lại của tỉnh",
    )
    days_min = models.PositiveSmallIntegerField("số ngày giao ít nhất")
    days_max = models.PositiveSmallIntegerField("số ngày giao nhiều nhất")
    extra_per_kg_vnd = models.PositiveIntegerField("phí mỗi kg vượt khung cuối (đồng)", default=0)
    position = models.PositiveSmallIntegerField("thứ tự", default=0)

    class Meta:
        verbose_name = "vùng giao hàng"
        verbose_name_plural = "vùng giao hàng"
        ordering = ["position", "code"]
        constraints = [models.CheckConstraint(condition=Q(days_max__gte=models.F("days_min")),
                                              name="shippingzone_days_in_order")]

    def __str__(self) -> str:
        return self.name


class ShippingRate(models.Model):
    """One weight bracket of a zone: parcels up to `up_to_grams` cost `fee_vnd`."""

    zone = models.ForeignKey(ShippingZone, on_delete=models.CASCADE, related_name="rates")
    up_to_grams = models.PositiveIntegerField("đến (gam)")
    fee_vnd = models.PositiveIntegerField("phí (đồng)")

    class Meta:
        verbose_name = "mức phí giao hàng"
        verbose_name_plural = "mức phí giao hàng"
        ordering = ["zone_id", "up_to_grams"]
        constraints = [models.UniqueConstraint(fields=["zone", "up_to_grams"], name="shippingrate_one_per_bracket")]

    def __str__(self) -> str:
        return f"{self.zone.code} ≤ {self.up_to_grams} g: {self.fee_vnd}"


class BankTransaction(models.Model):
    """One incoming bank transaction: sent by a bank feed (SePay, Casso) or recorded by staff from
    the bank statement. Matched to an order by the order code in its content and its amount
    (orders/bank_transfers.py); what does not pay an order exactly waits for staff (NEEDS_REVIEW).
    Recorded once per (provider, transaction id): a feed's redelivery finds its row."""

    class Provider(models.TextChoices):
        SEPAY = "SEPAY", "SePay"
        CASSO = "CASSO", "Casso"
        MANUAL = "MANUAL", "nhân viên ghi nhận"

    class Status(models.TextChoices):
        MATCHED = "MATCHED", "đã khớp đơn"
        NEEDS_REVIEW = "NEEDS_REVIEW", "cần kiểm tra"
        RESOLVED = "RESOLVED", "đã xử lý"

    class Reason(models.TextChoices):
        PARTIAL = "PARTIAL", "chuyển thiếu"
        EXCESS = "EXCESS", "chuyển thừa"
        LATE = "LATE", "đơn đã huỷ hoặc hết hạn"
        ALREADY_PAID = "ALREADY_PAID", "đơn đã thanh toán"
        NOT_TRANSFER = "NOT_TRANSFER", "đơn không trả bằng chuyển khoản"
        UNMATCHED = "UNMATCHED", "không rõ đơn"
        AMBIGUOUS = "AMBIGUOUS", "ghi nhiều đơn"

    class Resolution(models.TextChoices):
        ACCEPTED = "ACCEPTED", "nhận làm tiền của đơn"
        REFUNDED = "REFUNDED", "đã hoàn lại người chuyển"
        DUPLICATE = "DUPLICATE", "trùng một giao dịch đã ghi"

    provider = models.CharField("nguồn", max_length=8, choices=Provider.choices)
    transaction_id = models.CharField("mã giao dịch", max_length=64)
    amount_vnd = models.PositiveBigIntegerField("số tiền")
    content = models.CharField("nội dung", max_length=500, blank=True)
    account_number = models.CharField("tài khoản nhận", max_length=32, blank=True)
    reference = models.CharField("mã tham chiếu ngân hàng", max_length=64, blank=True, db_index=True)
    bank_time = models.DateTimeField("thời điểm ở ngân hàng", null=True, blank=True)
    raw = models.JSONField("dữ liệu gốc", default=dict, blank=True)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="bank_transactions")
    status = models.CharField("tình trạng", max_length=14, choices=Status.choices, db_index=True)
    reason = models.CharField("lý do cần kiểm tra", max_length=14, choices=Reason.choices, blank=True)
    resolution = models.CharField("cách xử lý", max_length=10, choices=Resolution.choices, blank=True)
    note = models.TextField("ghi chú", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="nhân viên ghi nhận")
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="nhân viên xử lý")
    resolved_at = models.DateTimeField("xử lý lúc", null=True, blank=True)
    received_at = models.DateTimeField("nhận lúc", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "giao dịch chuyển khoản"
        verbose_name_plural = "giao dịch chuyển khoản"
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["order", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["provider", "transaction_id"], name="banktransaction_once_per_provider"),
            models.CheckConstraint(condition=Q(amount_vnd__gte=1), name="banktransaction_amount_positive"),
            # Waiting for staff always says why (a resolved one keeps why it waited).
            models.CheckConstraint(condition=~Q(status="NEEDS_REVIEW") | ~Q(reason=""),
                                   name="banktransaction_review_has_reason"),
            models.CheckConstraint(
                condition=Q(status="RESOLVED", resolution__in=["ACCEPTED", "REFUNDED", "DUPLICATE"])
                | (~Q(status="RESOLVED") & Q(resolution="")),
                name="banktransaction_resolved_has_resolution",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} {self.transaction_id}: {self.amount_vnd} ₫"
