"""Stock per variant and sales point, the ledger of every change to it, and
sale holds.

The ledger is the record; the stock row is its running total. The database
keeps the two equal (triggers in migrations 0002 and 0005): each movement
carries the row's running totals after it, chained to the movement before;
a stock row whose numbers differ from its latest movement's totals (so from
the sum of its movements) is refused, and a movement cannot be edited or
deleted. Stock and SaleHold moved here from `catalog` and keep
their tables.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q

from catalog.models import Producer, ProductVariant
from shop.models import SalesPoint


class Stock(models.Model):
    """Units of one variant at one sales point.

    Two-stage: an order allocates (reserves) units; hand-over consumes them
    (on hand and allocated both go down). The database refuses negative
    stock, more allocated than on hand, and numbers the ledger doesn't add
    up to, whatever the code does. Change it only through `inventory.ledger`.
    """

    variant = models.ForeignKey(ProductVariant, on_delete=models.CASCADE, related_name="stocks")
    sales_point = models.ForeignKey(SalesPoint, on_delete=models.CASCADE, related_name="stocks")
    quantity_on_hand = models.IntegerField("tồn kho", default=0)
    quantity_allocated = models.IntegerField("đã giữ cho đơn", default=0)
    low_stock_threshold = models.PositiveIntegerField(
        "ngưỡng sắp hết", null=True, blank=True,
        help_text="Báo sắp hết hàng khi số có thể bán từ mức này trở xuống; để trống nếu không theo dõi.",
    )

    class Meta:
        db_table = "catalog_stock"
        verbose_name = "tồn kho"
        verbose_name_plural = "tồn kho"
        ordering = ["variant_id", "sales_point_id"]
        constraints = [
            models.UniqueConstraint(fields=["variant", "sales_point"], name="stock_unique_variant_point"),
            models.CheckConstraint(condition=Q(quantity_allocated__gte=0), name="stock_allocated_not_negative"),
            models.CheckConstraint(
                condition=Q(quantity_allocated__lte=models.F("quantity_on_hand")), name="stock_allocated_within_on_hand"
            ),
        ]
        indexes = [models.Index(fields=["sales_point", "variant"], name="catalog_sto_sales_p_4d7b09_idx")]

    def __str__(self) -> str:
        return f"{self.variant.sku} @ {self.sales_point.code}: {self.quantity_available}"

    @property
    def quantity_available(self) -> int:
        return self.quantity_on_hand - self.quantity_allocated


class StockMovement(models.Model):
    """One change to one stock row: the ledger. Append-only; the sum of a
    row's movements is the row (the database checks both). `on_hand_after` and
    `allocated_after` are the row's totals after this movement: the previous
    movement's plus this change, which the database checks on insert, so the
    row is checked against the latest movement, not a sum of its history."""

    class Kind(models.TextChoices):
        OPENING = "OPENING", "số dư đầu kỳ"
        RECEIPT = "RECEIPT", "nhập kho"
        ALLOCATE = "ALLOCATE", "giữ cho đơn"
        RELEASE = "RELEASE", "trả lại (đơn huỷ)"
        SALE = "SALE", "giao cho khách"
        RETURN = "RETURN", "khách trả lại"
        ADJUSTMENT = "ADJUSTMENT", "điều chỉnh"
        RECOUNT = "RECOUNT", "kiểm kê"
        TRANSFER_OUT = "TRANSFER_OUT", "chuyển đi điểm khác"
        TRANSFER_IN = "TRANSFER_IN", "nhận từ điểm khác"

    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField("loại", max_length=12, choices=Kind.choices)
    on_hand_change = models.IntegerField("thay đổi tồn kho", default=0)
    allocated_change = models.IntegerField("thay đổi số giữ", default=0)
    on_hand_after = models.IntegerField("tồn kho sau")
    allocated_after = models.IntegerField("số giữ sau")
    reason = models.CharField("lý do", max_length=300)
    # What caused it, as "order:OCOP-…", "transfer:12", "batch:5": inventory sits below the apps that
    # cause movements, so it names them rather than pointing at their tables.
    reference = models.CharField("tham chiếu", max_length=80, blank=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="người thực hiện",
    )
    created_at = models.DateTimeField("thời điểm", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "biến động tồn kho"
        verbose_name_plural = "sổ biến động tồn kho"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["stock", "id"], name="inventory_movement_stock")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(on_hand_change=0) | ~Q(allocated_change=0) | Q(kind="OPENING") | Q(kind="RECOUNT"),
                name="inventory_movement_changes_something",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.on_hand_change:+d}/{self.allocated_change:+d} ({self.reference or self.reason})"


class SaleHold(models.Model):
    """A stop on selling one variant, placed by something outside the
    catalogue (a lot recall, say) and lifted by a person once the cause is
    dealt with. Stock is not tracked per lot, so a recall cannot tell good
    units from recalled ones: the variant stays off sale until staff confirm
    the recalled units are withdrawn."""

    variant = models.ForeignKey(ProductVariant, on_delete=models.CASCADE, related_name="sale_holds")
    source = models.CharField("nguồn", max_length=60, help_text="Ai đặt lệnh dừng, ví dụ recall:12")
    reason = models.CharField("lý do", max_length=500)
    reason_en = models.CharField("lý do (tiếng Anh)", max_length=500, blank=True)
    placed_at = models.DateTimeField("thời điểm dừng bán", auto_now_add=True)
    released_at = models.DateTimeField("thời điểm bán lại", null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    release_note = models.CharField("ghi chú khi bán lại", max_length=500, blank=True)

    class Meta:
        db_table = "catalog_salehold"
        verbose_name = "lệnh dừng bán"
        verbose_name_plural = "lệnh dừng bán"
        ordering = ["-placed_at", "-id"]
        constraints = [
            # One open hold per cause: placing it twice is a no-op, not a second row.
            models.UniqueConstraint(
                fields=["variant", "source"], condition=Q(released_at__isnull=True), name="sale_hold_one_open_per_source"
            ),
        ]
        indexes = [models.Index(fields=["variant"], condition=Q(released_at__isnull=True), name="sale_hold_open")]

    def __str__(self) -> str:
        return f"{self.variant_id}: {self.reason}"


class Transfer(models.Model):
    """Units sent from one sales point to another (the provincial centre restocking a district
    point, say), or dispatched by a producer into a point's stock (`from_producer`: nothing
    leaves any point's stock; receiving brings the counted units in). Sending takes the units off the source at once (TRANSFER_OUT); they are "in
    transit" until the receiving point counts what arrived (TRANSFER_IN of that count). Units
    that never arrive stay a loss recorded on the line, not stock anywhere. A transfer not yet
    received may be cancelled: its units go back to the source."""

    class Status(models.TextChoices):
        SENT = "SENT", "đang chuyển"
        RECEIVED = "RECEIVED", "đã nhận"
        CANCELLED = "CANCELLED", "đã huỷ"

    number = models.CharField("số phiếu", max_length=20, unique=True, null=True, editable=False)
    from_point = models.ForeignKey(
        SalesPoint, on_delete=models.PROTECT, related_name="transfers_out", verbose_name="điểm gửi",
        null=True, blank=True,
    )
    from_producer = models.ForeignKey(
        Producer, on_delete=models.PROTECT, related_name="dispatches", verbose_name="chủ thể gửi",
        null=True, blank=True,
    )
    # What the transfer carries, named rather than pointed at (inventory sits below the apps that
    # cause it): "batch:12" for a producer's dispatch of a lot.
    reference = models.CharField("tham chiếu", max_length=80, blank=True, db_index=True)
    to_point = models.ForeignKey(
        SalesPoint, on_delete=models.PROTECT, related_name="transfers_in", verbose_name="điểm nhận"
    )
    status = models.CharField("trạng thái", max_length=10, choices=Status.choices, default=Status.SENT)
    note = models.CharField("ghi chú", max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="người gửi",
    )
    sent_at = models.DateTimeField("thời điểm gửi", db_index=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="người nhận",
    )
    received_at = models.DateTimeField("thời điểm nhận", null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="người huỷ",
    )
    cancelled_at = models.DateTimeField("thời điểm huỷ", null=True, blank=True)

    class Meta:
        verbose_name = "phiếu chuyển kho"
        verbose_name_plural = "phiếu chuyển kho"
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(from_point=models.F("to_point")), name="transfer_between_two_points"),
            # Exactly one sender: a sales point or a producer.
            models.CheckConstraint(
                condition=(Q(from_point__isnull=False, from_producer__isnull=True)
                           | Q(from_point__isnull=True, from_producer__isnull=False)),
                name="transfer_one_source",
            ),
            models.CheckConstraint(
                condition=(Q(status="SENT", received_at__isnull=True, cancelled_at__isnull=True)
                           | Q(status="RECEIVED", received_at__isnull=False, cancelled_at__isnull=True)
                           | Q(status="CANCELLED", received_at__isnull=True, cancelled_at__isnull=False)),
                name="transfer_status_matches_dates",
            ),
        ]
        indexes = [
            models.Index(fields=["to_point", "status"], name="inventory_transfer_to"),
            models.Index(fields=["from_point", "status"], name="inventory_transfer_from"),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    @property
    def in_transit(self) -> bool:
        return self.status == self.Status.SENT

    @property
    def from_a_producer(self) -> bool:
        return self.from_producer_id is not None


class TransferLine(models.Model):
    """One variant of a transfer: what was sent, and what the receiving point counted."""

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(ProductVariant, on_delete=models.PROTECT, related_name="+", verbose_name="mặt hàng")
    quantity_sent = models.PositiveIntegerField("số gửi")
    quantity_received = models.PositiveIntegerField("số nhận", null=True, blank=True)
    discrepancy_note = models.CharField(
        "ghi chú chênh lệch", max_length=300, blank=True, help_text="Bắt buộc khi số nhận khác số gửi"
    )

    class Meta:
        verbose_name = "dòng phiếu chuyển"
        verbose_name_plural = "dòng phiếu chuyển"
        ordering = ["transfer_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["transfer", "variant"], name="transfer_line_one_per_variant"),
            models.CheckConstraint(
                condition=Q(quantity_sent__gt=0, quantity_sent__lte=1_000_000), name="transfer_line_sent_positive"
            ),
            # A count far above what was sent is a typing slip, not a delivery.
            models.CheckConstraint(
                condition=Q(quantity_received__isnull=True)
                | Q(quantity_received__gte=0, quantity_received__lte=models.F("quantity_sent") * 2),
                name="transfer_line_received_bounded",
            ),
            models.CheckConstraint(
                condition=Q(quantity_received__isnull=True) | Q(quantity_received=models.F("quantity_sent"))
                | ~Q(discrepancy_note=""),
                name="transfer_line_discrepancy_noted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.transfer} · {self.variant_id} × {self.quantity_sent}"

    @property
    def discrepancy(self) -> int:
        """Received minus sent (negative: units lost on the way); 0 until received."""
        return 0 if self.quantity_received is None else self.quantity_received - self.quantity_sent
