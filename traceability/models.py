"""Lots, item serials, trace events (EPCIS 2.0 shaped), scans and reports.

The rules live elsewhere: `codes.py` signs and verifies codes, `verdicts.py`
decides what a scan means, `scans.py` logs scans cheaply, `services.py`
holds the writes (create a lot, add an event, recall, mint serials). The
models keep the data and the constraints the database must refuse.
"""
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from catalog.models import Producer, ProductVariant
from shop.models import Commune, SalesPoint


class ProducerMembership(models.Model):
    """A user who works for a producer (chủ thể OCOP) and may manage its lots."""

    class Role(models.TextChoices):
        OWNER = "OWNER", "chủ (mời và quản lý thành viên)"
        MEMBER = "MEMBER", "thành viên"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="producer_memberships")
    producer = models.ForeignKey(Producer, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField("vai trò", max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        verbose_name = "thành viên chủ thể"
        verbose_name_plural = "thành viên chủ thể"
        constraints = [models.UniqueConstraint(fields=["user", "producer"], name="producer_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} — {self.producer}"


class Batch(models.Model):
    """A lot (lô) of one product variant."""

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE", "đang lưu hành"
        RECALLED = "RECALLED", "đã thu hồi"

    variant = models.ForeignKey(ProductVariant, verbose_name="quy cách", on_delete=models.PROTECT, related_name="batches")
    lot_code = models.CharField(
        "số lô", max_length=20, help_text="In trên bao bì; chữ in hoa, số và dấu gạch ngang, tối đa 20 ký tự"
    )
    short_code = models.CharField(
        "mã ngắn", max_length=8, unique=True, editable=False, help_text="Mã /q/ có chữ ký, dùng khi không có GTIN"
    )
    production_date = models.DateField("ngày sản xuất")
    expiry_date = models.DateField("hạn sử dụng", null=True, blank=True)
    quantity = models.PositiveIntegerField("số lượng (đơn vị)")
    origin_commune = models.ForeignKey(
        Commune, verbose_name="xã xuất xứ", null=True, blank=True, on_delete=models.PROTECT, related_name="batches"
    )
    raw_materials = models.TextField("nguồn nguyên liệu", blank=True)
    raw_materials_en = models.TextField("nguồn nguyên liệu (tiếng Anh)", blank=True)
    # [{"title": "Phiếu kiểm nghiệm số 12/2026", "url": "https://…"}]
    quality_documents = models.JSONField("hồ sơ chất lượng", default=list, blank=True)
    status = models.CharField("trạng thái", max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    recalled_at = models.DateTimeField("thời điểm thu hồi", null=True, blank=True)
    recall_reason = models.CharField("lý do thu hồi", max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        verbose_name = "lô hàng"
        verbose_name_plural = "lô hàng"
        ordering = ["-production_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["variant", "lot_code"], name="batch_unique_lot_per_variant"),
            models.CheckConstraint(
                condition=Q(expiry_date__isnull=True) | Q(expiry_date__gte=models.F("production_date")),
                name="batch_expiry_after_production",
            ),
            models.CheckConstraint(
                condition=Q(status="ACTIVE") | ~Q(recall_reason=""), name="batch_recall_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["lot_code"])]

    def __str__(self) -> str:
        return f"{self.lot_code} — {self.variant}"

    @property
    def is_recalled(self) -> bool:
        return self.status == self.Status.RECALLED


class ItemSerial(models.Model):
    """One package's signed serial (AI 21 in a Digital Link, or a /q/ code).

    Serials are unique across the shop, so a serial alone identifies the
    package whatever its lot or GTIN.
    """

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="serials")
    serial = models.CharField("số sê-ri", max_length=20, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "sê-ri sản phẩm"
        verbose_name_plural = "sê-ri sản phẩm"

    def __str__(self) -> str:
        return self.serial


class TraceEvent(models.Model):
    """One EPCIS 2.0 ObjectEvent about a lot: what, when, where, why."""

    class Action(models.TextChoices):
        ADD = "ADD", "ADD"
        OBSERVE = "OBSERVE", "OBSERVE"
        DELETE = "DELETE", "DELETE"

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=8, choices=Action.choices, default=Action.OBSERVE)
    # A CBV bizStep name ("packing") or the shop's own extension URI (harvesting).
    biz_step = models.CharField("bước nghiệp vụ", max_length=200)
    disposition = models.CharField("tình trạng", max_length=200, blank=True)
    event_time = models.DateTimeField("thời điểm", db_index=True)
    event_timezone_offset = models.CharField("múi giờ", max_length=6, default="+07:00")
    record_time = models.DateTimeField(auto_now_add=True)
    sales_point = models.ForeignKey(
        SalesPoint, verbose_name="điểm bán", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    commune = models.ForeignKey(
        Commune, verbose_name="xã", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    place = models.CharField("địa điểm", max_length=200, blank=True)
    place_en = models.CharField("địa điểm (tiếng Anh)", max_length=200, blank=True)
    description = models.CharField("mô tả", max_length=500, blank=True)
    description_en = models.CharField("mô tả (tiếng Anh)", max_length=500, blank=True)
    quantity = models.DecimalField("số lượng", max_digits=12, decimal_places=3, null=True, blank=True)
    uom = models.CharField("đơn vị (UN/CEFACT)", max_length=3, blank=True, help_text="KGM, LTR, H87 (cái)…")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        verbose_name = "sự kiện truy xuất"
        verbose_name_plural = "sự kiện truy xuất"
        ordering = ["batch_id", "event_time", "id"]

    def __str__(self) -> str:
        return f"{self.biz_step} @ {self.event_time:%Y-%m-%d}"


class Scan(models.Model):
    """One resolution of a code (page, linkset or API).

    Never the raw IP (Decree 13/2023): `client_hash` is a salted hash that
    changes every day. Repeats of the same code by the same client within a
    few minutes, and a client's scans past its cap, raise `hits` on an
    existing row instead of adding rows.
    """

    class Channel(models.TextChoices):
        PAGE = "page", "trang web"
        LINKSET = "linkset", "linkset"
        API = "api", "API"

    scanned_at = models.DateTimeField(db_index=True)
    last_seen_at = models.DateTimeField()
    code = models.CharField(max_length=64)
    batch = models.ForeignKey(Batch, null=True, blank=True, on_delete=models.SET_NULL, related_name="scans")
    serial = models.ForeignKey(ItemSerial, null=True, blank=True, on_delete=models.SET_NULL, related_name="scans")
    verdict = models.CharField(max_length=24)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.PAGE)
    client_hash = models.CharField(max_length=32)
    hits = models.PositiveIntegerField(default=1)
    latitude = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    longitude = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)

    class Meta:
        verbose_name = "lượt quét"
        verbose_name_plural = "lượt quét"
        ordering = ["-scanned_at"]
        indexes = [
            models.Index(fields=["serial", "scanned_at"]),
            models.Index(fields=["batch", "scanned_at"]),
            models.Index(fields=["client_hash", "scanned_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.verdict} {self.scanned_at:%Y-%m-%d %H:%M}"


class ProblemReport(models.Model):
    """A consumer's report about a scanned package (wrong info, suspected fake…)."""

    class Kind(models.TextChoices):
        FAKE = "FAKE", "nghi hàng giả"
        QUALITY = "QUALITY", "chất lượng"
        INFO = "INFO", "thông tin sai"
        OTHER = "OTHER", "khác"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    code = models.CharField(max_length=64)
    batch = models.ForeignKey(Batch, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    kind = models.CharField("loại", max_length=8, choices=Kind.choices, default=Kind.OTHER)
    message = models.TextField("nội dung", max_length=2000)
    contact = models.CharField("liên hệ", max_length=200, blank=True)
    client_hash = models.CharField(max_length=32, db_index=True)
    handled = models.BooleanField("đã xử lý", default=False)

    class Meta:
        verbose_name = "phản ánh của người mua"
        verbose_name_plural = "phản ánh của người mua"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.code}: {self.get_kind_display()}"
