"""The certified OCOP catalogue: classification, producers, products,
variants, images and certifications (stock lives in `inventory`).

Rules that decide things (is a certificate valid today? what stars may be
shown?) live in `catalog/certification.py`; the models hold the data and the
constraints the database must refuse.
"""
import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q

from shop.models import Commune, District


class ProductGroup(models.Model):
    """One node of the OCOP classification: group → sub-group → product set."""

    class Level(models.IntegerChoices):
        GROUP = 1, "nhóm"
        SUBGROUP = 2, "phân nhóm"
        PRODUCT_SET = 3, "bộ sản phẩm"

    code = models.SlugField("mã", max_length=40, unique=True)
    name = models.CharField("tên", max_length=160)
    name_en = models.CharField("tên tiếng Anh", max_length=160, blank=True)
    level = models.PositiveSmallIntegerField("cấp", choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    decision = models.CharField("theo quyết định", max_length=80, default="148/QĐ-TTg (2023)")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "nhóm sản phẩm OCOP"
        verbose_name_plural = "phân loại sản phẩm OCOP"
        ordering = ["level", "position", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level=1, parent__isnull=True) | Q(level__gt=1, parent__isnull=False),
                name="productgroup_parent_matches_level",
            )
        ]

    def __str__(self) -> str:
        return self.name


def _fill_slug(obj) -> None:
    """A blank slug becomes the name's (catalog.slugs.make_slug), unique among the model's rows."""
    if not obj.slug:
        from catalog.slugs import unique_slug

        obj.slug = unique_slug(type(obj), obj.name, max_length=type(obj)._meta.get_field("slug").max_length,
                               exclude_pk=obj.pk)


class Producer(models.Model):
    """An OCOP subject (chủ thể OCOP)."""

    class Kind(models.TextChoices):
        COOPERATIVE = "COOPERATIVE", "hợp tác xã"
        ENTERPRISE = "ENTERPRISE", "doanh nghiệp"
        COOPERATIVE_GROUP = "COOPERATIVE_GROUP", "tổ hợp tác"
        HOUSEHOLD = "HOUSEHOLD", "hộ kinh doanh"

    name = models.CharField("tên", max_length=200)
    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField("loại hình", max_length=20, choices=Kind.choices)
    district = models.ForeignKey(
        District, verbose_name="huyện (2022)", null=True, blank=True, on_delete=models.PROTECT, related_name="producers"
    )
    commune = models.ForeignKey(
        Commune, verbose_name="xã (hiện nay)", null=True, blank=True, on_delete=models.PROTECT,
        related_name="producers", limit_choices_to={"era": 2025},
    )
    former_commune = models.ForeignKey(
        Commune, verbose_name="xã (trước 2025)", null=True, blank=True, on_delete=models.PROTECT,
        related_name="former_producers", limit_choices_to={"era": 2022},
    )
    address = models.CharField("địa chỉ", max_length=300, blank=True)
    phone = models.CharField("điện thoại", max_length=32, blank=True)
    story = models.TextField("giới thiệu", blank=True)
    story_en = models.TextField("giới thiệu (tiếng Anh)", blank=True)
    gln = models.CharField("GLN", max_length=13, blank=True, help_text="Mã địa điểm toàn cầu GS1 (13 số), nếu có")

    class Meta:
        verbose_name = "chủ thể OCOP"
        verbose_name_plural = "chủ thể OCOP"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        _fill_slug(self)
        super().save(*args, **kwargs)


class ProductQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def certified_on(self, day: datetime.date):
        """Products holding a valid (displayable) OCOP certificate on `day`."""
        return self.filter(Exists(Certification.objects.valid_on(day).filter(product=OuterRef("pk"))))

    def not_certified_on(self, day: datetime.date):
        """The others: NOT EXISTS (an anti-join), not NOT IN, which PostgreSQL runs per row."""
        return self.exclude(Exists(Certification.objects.valid_on(day).filter(product=OuterRef("pk"))))


class Product(models.Model):
    slug = models.SlugField(max_length=160, unique=True)
    name = models.CharField("tên", max_length=200)
    name_en = models.CharField("tên tiếng Anh", max_length=200, blank=True)
    description = models.TextField("mô tả", blank=True)
    description_en = models.TextField("mô tả (tiếng Anh)", blank=True)
    group = models.ForeignKey(ProductGroup, verbose_name="nhóm/bộ sản phẩm", on_delete=models.PROTECT, related_name="products")
    producer = models.ForeignKey(
        Producer, verbose_name="chủ thể", null=True, blank=True, on_delete=models.PROTECT, related_name="products",
        help_text="Để trống khi chưa công bố chủ thể",
    )
    district = models.ForeignKey(
        District, verbose_name="huyện (2022)", null=True, blank=True, on_delete=models.PROTECT, related_name="products"
    )
    commune = models.ForeignKey(
        Commune, verbose_name="xã xuất xứ", null=True, blank=True, on_delete=models.PROTECT, related_name="products"
    )
    ingredients = models.TextField("thành phần", blank=True)
    ingredients_en = models.TextField("thành phần (tiếng Anh)", blank=True)
    usage = models.TextField("hướng dẫn sử dụng", blank=True)
    usage_en = models.TextField("hướng dẫn sử dụng (tiếng Anh)", blank=True)
    storage = models.TextField("bảo quản", blank=True)
    storage_en = models.TextField("bảo quản (tiếng Anh)", blank=True)
    shelf_life_days = models.PositiveIntegerField("hạn sử dụng (ngày)", null=True, blank=True)
    max_transit_days = models.PositiveSmallIntegerField(
        "vận chuyển tối đa (ngày)", null=True, blank=True,
        help_text="Để trống: giao toàn quốc. 0: chỉ giao trong tỉnh. Số ngày: chỉ tới nơi giao kịp (hàng tươi).",
    )
    keywords_en = models.CharField("từ khoá tiếng Anh", max_length=300, blank=True)
    is_published = models.BooleanField("đang bán", default=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when something the search index shows changes; the sweep re-indexes and clears it.
    search_dirty = models.BooleanField(default=True, db_index=True, editable=False)

    objects = ProductQuerySet.as_manager()

    class Meta:
        verbose_name = "sản phẩm"
        verbose_name_plural = "sản phẩm"
        ordering = ["name"]
        # (name, id): the catalogue's default order, read from the index a page at a time.
        indexes = [models.Index(fields=["is_published", "name"]), models.Index(fields=["name", "id"], name="product_name_id")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        _fill_slug(self)
        super().save(*args, **kwargs)


class ProductVariant(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField("SKU", max_length=64, unique=True)
    name = models.CharField("tên quy cách", max_length=120)
    name_en = models.CharField("tên quy cách (tiếng Anh)", max_length=120, blank=True)
    pack_size = models.CharField("quy cách", max_length=60, blank=True)
    weight_grams = models.PositiveIntegerField("khối lượng vận chuyển (g)", default=0)
    gtin = models.CharField(
        "GTIN", max_length=14, null=True, blank=True, unique=True, help_text="GTIN-8/12/13/14, có số kiểm tra GS1"
    )
    price_vnd = models.PositiveBigIntegerField("giá (đồng)")
    is_published = models.BooleanField("đang bán", default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "quy cách (biến thể)"
        verbose_name_plural = "quy cách (biến thể)"
        ordering = ["product_id", "position", "price_vnd"]
        indexes = [models.Index(fields=["price_vnd"])]

    def __str__(self) -> str:
        return f"{self.product.name} — {self.name}"

    def clean(self):
        from catalog.gtin import validate_gtin

        if self.gtin:
            self.gtin = validate_gtin(self.gtin)


def product_image_path(instance, filename):
    return f"products/{instance.product_id}/{filename}"


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField("ảnh", upload_to=product_image_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    alt = models.CharField("mô tả ảnh", max_length=200, blank=True)
    alt_en = models.CharField("mô tả ảnh (tiếng Anh)", max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    # [{"width": 320, "height": 320, "path": "renditions/…webp"}], narrowest first.
    renditions = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        verbose_name = "ảnh sản phẩm"
        verbose_name_plural = "ảnh sản phẩm"
        ordering = ["product_id", "position", "id"]

    def __str__(self) -> str:
        return self.alt or self.image.name


class CertificationQuerySet(models.QuerySet):
    def valid_on(self, day: datetime.date):
        """Certificates that allow the OCOP mark on `day` (catalog.certification.in_force_q)."""
        from catalog.certification import in_force_q

        return self.filter(in_force_q(day))


class Certification(models.Model):
    """One OCOP certificate (a decision recognising a product at 3–5 stars).

    Certificates are never edited into new ones: a recertification or a star
    upgrade is a new row, and the old one points at it (`superseded_by`), so
    the history is kept. Status is derived from the dates, so a certificate
    expires on its own when its 36 months are over.
    """

    class Level(models.TextChoices):
        DISTRICT = "DISTRICT", "cấp huyện"
        PROVINCE = "PROVINCE", "cấp tỉnh"
        CENTRAL = "CENTRAL", "cấp trung ương"

    class Kind(models.TextChoices):
        NEW = "NEW", "công nhận mới"
        RECERTIFICATION = "RECERTIFICATION", "công nhận lại"
        UPGRADE = "UPGRADE", "nâng hạng sao"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="certifications")
    stars = models.PositiveSmallIntegerField("số sao")
    score = models.PositiveSmallIntegerField("điểm", null=True, blank=True)
    decision_number = models.CharField("số quyết định", max_length=80)
    decision_date = models.DateField("ngày quyết định")
    issuing_body = models.CharField("cơ quan cấp", max_length=200)
    issuing_level = models.CharField("cấp công nhận", max_length=10, choices=Level.choices)
    kind = models.CharField("hình thức", max_length=16, choices=Kind.choices, default=Kind.NEW)
    valid_until = models.DateField("hiệu lực đến", editable=False)
    revoked_at = models.DateField("ngày thu hồi", null=True, blank=True)
    revoked_reason = models.CharField("lý do thu hồi", max_length=300, blank=True)
    # One-to-one while set (the partial unique constraint below). Not a OneToOneField: its unique
    # index also holds every NULL, and SQLite's planner, taking "superseded_by_id IS NULL" for a
    # one-row lookup there, answered "in force" through it by reading every current certificate
    # for every product (13 s for a 10,000-product list). The partial index holds superseded rows only.
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supersedes", editable=False,
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CertificationQuerySet.as_manager()

    class Meta:
        verbose_name = "chứng nhận OCOP"
        verbose_name_plural = "chứng nhận OCOP"
        ordering = ["product_id", "-decision_date"]
        indexes = [models.Index(fields=["product", "valid_until"]), models.Index(fields=["valid_until"])]
        constraints = [
            models.CheckConstraint(condition=Q(stars__gte=3, stars__lte=5), name="certification_stars_3_to_5"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=100), name="certification_score_0_to_100"
            ),
            models.CheckConstraint(condition=Q(valid_until__gt=models.F("decision_date")), name="certification_valid_after_decision"),
            models.UniqueConstraint(fields=["product", "decision_number"], name="certification_unique_decision"),
            models.UniqueConstraint(
                fields=["superseded_by"], condition=Q(superseded_by__isnull=False), name="certification_superseded_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} — {self.stars}★ ({self.decision_number})"

    def clean(self):
        from catalog.certification import CertificationError, check_revocation

        super().clean()
        try:
            check_revocation(self.decision_date, self.revoked_at)
        except CertificationError as exc:
            raise ValidationError({"revoked_at": exc.message}) from exc

    def save(self, *args, **kwargs):
        from catalog.certification import validity_end

        self.valid_until = validity_end(self.decision_date)
        super().save(*args, **kwargs)

    @property
    def issuing_body_en(self) -> str:
        """The issuing body in English: "UBND tỉnh Điện Biên" -> "Điện Biên Provincial People's Committee"."""
        from shop import english

        return english.issuing_body(self.issuing_body)

    def status_on(self, day: datetime.date):
        from catalog.certification import status_of

        return status_of(self, day)
