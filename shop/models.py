"""Cross-cutting places: administrative units and the sales-point network.

Vietnam abolished the district level on 1 July 2025 and merged communes.
Both worlds are kept: the 2022 districts (sales points and historic
certificates name them) and the communes, each marked with the era it
belongs to and, for a 2022 commune, the 2025 commune it went into.

The whole country's units since 1 July 2025 (34 provinces, 3,321 communes,
wards and special zones) come from the `vietnam-provinces` package, loaded by
migration 0004; shop/addresses.py is the service that reads them.
"""
import re

from django.conf import settings
from django.db import models
from django.db.models import Q

from shop.text import fold


def search_key(text: str) -> str:
    """'Phường Văn Miếu - Quốc Tử Giám' -> 'phuong van mieu quoc tu giam', "M’Drắk" -> 'mdrak':
    folded (shop.text.fold), apostrophes dropped, any other run of non-letters one space."""
    folded = re.sub(r"['’‘`]", "", fold(text))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", folded).split())


class Province(models.Model):
    """A province-level unit since 1 July 2025: a province (tỉnh) or a centrally-run city."""

    class Kind(models.TextChoices):
        PROVINCE = "tinh", "tỉnh"
        CITY = "thanh_pho", "thành phố trực thuộc trung ương"

    code = models.CharField("mã", max_length=2, unique=True, help_text="Mã GSO, hai chữ số (Điện Biên: 11)")
    name = models.CharField("tên", max_length=120, help_text="Như 'Điện Biên', 'Thành phố Hà Nội'")
    name_en = models.CharField("tên tiếng Anh", max_length=120, help_text="Không dấu, như 'Dien Bien', 'Ha Noi City'")
    codename = models.CharField("tên mã", max_length=60, unique=True)
    kind = models.CharField("loại", max_length=10, choices=Kind.choices, default=Kind.PROVINCE)

    class Meta:
        verbose_name = "tỉnh / thành phố (2025)"
        verbose_name_plural = "tỉnh / thành phố (2025)"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def short_name(self) -> str:
        """'Thành phố Hà Nội' -> 'Hà Nội'."""
        return self.name.removeprefix("Thành phố ")


class District(models.Model):
    """A district-level unit as it stood in 2022 (huyện, thị xã, thành phố)."""

    code = models.CharField("mã", max_length=8, unique=True, help_text="Mã đơn vị hành chính (GSO)")
    name = models.CharField("tên", max_length=120)
    name_en = models.CharField("tên tiếng Anh", max_length=120, blank=True)
    province_code = models.CharField("mã tỉnh", max_length=4, default="11")
    latitude = models.DecimalField("vĩ độ", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("kinh độ", max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = "huyện (2022)"
        verbose_name_plural = "huyện (2022)"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def short_name(self) -> str:
        """'Huyện Mường Ảng' -> 'Mường Ảng' (for labels and English text)."""
        for prefix in ("Thành phố ", "Thị xã ", "Huyện "):
            if self.name.startswith(prefix):
                return self.name[len(prefix):]
        return self.name


class Commune(models.Model):
    class Kind(models.TextChoices):
        COMMUNE = "xa", "xã"
        WARD = "phuong", "phường"
        TOWNSHIP = "thi_tran", "thị trấn"
        SPECIAL_ZONE = "dac_khu", "đặc khu"

    class Era(models.IntegerChoices):
        Y2022 = 2022, "trước 01/07/2025"
        Y2025 = 2025, "từ 01/07/2025"

    slug = models.SlugField(max_length=80, unique=True)
    code = models.CharField("mã", max_length=8, blank=True, help_text="Mã GSO nếu đã biết")
    name = models.CharField("tên", max_length=120)
    kind = models.CharField("loại", max_length=10, choices=Kind.choices, default=Kind.COMMUNE)
    era = models.PositiveSmallIntegerField("thời kỳ", choices=Era.choices, db_index=True)
    district = models.ForeignKey(
        District, verbose_name="huyện (2022)", null=True, blank=True, on_delete=models.PROTECT,
        related_name="communes", help_text="Huyện mà xã thuộc về trước khi bỏ cấp huyện",
    )
    successor = models.ForeignKey(
        "self", verbose_name="sáp nhập vào", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="predecessors", limit_choices_to={"era": 2025},
    )
    province = models.ForeignKey(
        Province, verbose_name="tỉnh / thành phố", null=True, blank=True, on_delete=models.PROTECT,
        related_name="communes", help_text="Tỉnh, thành phố của xã từ 01/07/2025",
    )
    folded_name = models.CharField(
        "tên không dấu", max_length=120, blank=True, editable=False, help_text="Để tìm kiếm không dấu (search_key)"
    )

    class Meta:
        verbose_name = "xã / phường"
        verbose_name_plural = "xã / phường"
        ordering = ["era", "name"]
        constraints = [
            # A 2025 unit's GSO code names it (a 2022 commune's code may be reused by the unit it went into).
            models.UniqueConstraint(
                fields=["code"], condition=Q(era=2025) & ~Q(code=""), name="commune_2025_code_unique"
            ),
        ]
        indexes = [models.Index(fields=["province", "folded_name"], name="commune_province_folded")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"

    def save(self, *args, **kwargs):
        self.folded_name = search_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "folded_name"}
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return str(self)


class SalesPointQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class SalesPoint(models.Model):
    class Kind(models.TextChoices):
        PROVINCIAL = "PROVINCIAL", "Trung tâm tỉnh"
        DISTRICT = "DISTRICT", "Điểm bán cấp huyện"
        FAIR = "FAIR", "Gian hàng hội chợ"

    code = models.SlugField("mã", max_length=32, unique=True)
    name = models.CharField("tên", max_length=200)
    name_en = models.CharField("tên tiếng Anh", max_length=200, blank=True)
    kind = models.CharField("loại", max_length=12, choices=Kind.choices, db_index=True)
    district = models.ForeignKey(District, verbose_name="huyện", on_delete=models.PROTECT, related_name="sales_points")
    address = models.CharField("địa chỉ", max_length=300)
    phone = models.CharField("điện thoại", max_length=32, blank=True)
    opening_hours = models.CharField("giờ mở cửa", max_length=200, blank=True)
    gln = models.CharField(
        "GLN", max_length=13, blank=True,
        help_text="Mã địa điểm toàn cầu GS1 (13 số), nếu có; dùng trong dữ liệu truy xuất EPCIS",
    )
    latitude = models.DecimalField("vĩ độ", max_digits=9, decimal_places=6)
    longitude = models.DecimalField("kinh độ", max_digits=9, decimal_places=6)
    pickup_enabled = models.BooleanField("nhận hàng tại điểm", default=True)
    delivers_to = models.ManyToManyField(
        District, verbose_name="giao hàng đến", blank=True, related_name="served_by",
        help_text="Các huyện mà điểm này giao hàng tới",
    )
    priority = models.PositiveSmallIntegerField("ưu tiên", default=100, help_text="Số nhỏ được ưu tiên trước")
    starts_on = models.DateField("từ ngày", null=True, blank=True, help_text="Chỉ cho gian hàng hội chợ")
    ends_on = models.DateField("đến ngày", null=True, blank=True)
    is_active = models.BooleanField("đang hoạt động", default=True, db_index=True)

    objects = SalesPointQuerySet.as_manager()

    class Meta:
        verbose_name = "điểm bán"
        verbose_name_plural = "điểm bán"
        ordering = ["priority", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True) | Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="salespoint_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def opening_hours_en(self) -> str:
        """The opening hours in English (shop/english.py), for `loc(point, "opening_hours")`."""
        from shop import english

        return english.opening_hours(self.opening_hours)


class StaffAssignment(models.Model):
    """Which sales point a staff user works at, and as what.

    A province admin has no sales point and sees every point.
    """

    class Role(models.TextChoices):
        CLERK = "clerk", "nhân viên"
        MANAGER = "manager", "quản lý điểm"
        PROVINCE = "province", "quản trị tỉnh"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_assignments")
    sales_point = models.ForeignKey(
        SalesPoint, null=True, blank=True, on_delete=models.CASCADE, related_name="staff_assignments"
    )
    role = models.CharField("vai trò", max_length=10, choices=Role.choices, default=Role.CLERK)

    class Meta:
        verbose_name = "phân công nhân viên"
        verbose_name_plural = "phân công nhân viên"
        constraints = [
            models.UniqueConstraint(fields=["user", "sales_point"], name="staff_assignment_unique"),
            models.CheckConstraint(
                condition=Q(role="province", sales_point__isnull=True) | (~Q(role="province") & Q(sales_point__isnull=False)),
                name="staff_assignment_point_matches_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.sales_point or 'toàn tỉnh'} ({self.get_role_display()})"


class ApiToken(models.Model):
    """A bearer token for staff API clients (`tokenCreate`, shop/auth.py).

    Only a SHA-256 digest of the token is stored: the token itself is shown
    once, when it is created, and a leaked database does not leak logins.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField("đầu mã", max_length=8, editable=False, help_text="Để nhận ra mã, không đủ để dùng")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField("hết hạn", null=True, blank=True)
    revoked = models.BooleanField("đã thu hồi", default=False)

    class Meta:
        verbose_name = "mã API"
        verbose_name_plural = "mã API"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} — {self.prefix}…"
