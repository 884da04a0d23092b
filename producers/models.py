"""The portal's own records. Products, certificates, lots and stock stay with their owners
(catalog, traceability, inventory); these are the portal's workflows around them: invitations,
the province's review of what producers change, renewal files, reminders sent, idempotent
submissions and background label runs."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from catalog.models import Certification, Producer, Product
from traceability.models import Batch, ProducerMembership


class Invitation(models.Model):
    """A province officer (or the producer's owner) invites a person by e-mail; the link holds
    a random token of which only the digest is stored."""

    producer = models.ForeignKey(Producer, on_delete=models.CASCADE, related_name="invitations",
                                 verbose_name="chủ thể")
    email = models.EmailField("e-mail")
    role = models.CharField("vai trò", max_length=10, choices=ProducerMembership.Role.choices,
                            default=ProducerMembership.Role.OWNER)
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name="người mời")
    created_at = models.DateTimeField("thời điểm mời", auto_now_add=True)
    expires_at = models.DateTimeField("hết hạn lúc")
    accepted_at = models.DateTimeField("nhận lời lúc", null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = "lời mời chủ thể"
        verbose_name_plural = "lời mời chủ thể"
        indexes = [models.Index(fields=["producer", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.email} → {self.producer}"


class ProductChange(models.Model):
    """What a producer wants buyers to see of a product (descriptions, photos, pack sizes),
    waiting for the province's review before it is published. Prices stay with the province."""

    class Status(models.TextChoices):
        DRAFT = "DRAFT", "bản nháp"
        PENDING = "PENDING", "chờ duyệt"
        APPROVED = "APPROVED", "đã duyệt"
        RETURNED = "RETURNED", "trả lại để sửa"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="changes", verbose_name="sản phẩm")
    producer = models.ForeignKey(Producer, on_delete=models.CASCADE, related_name="product_changes",
                                 verbose_name="chủ thể")
    status = models.CharField("trạng thái", max_length=10, choices=Status.choices, default=Status.DRAFT,
                              db_index=True)
    fields = models.JSONField("nội dung đề nghị", default=dict, blank=True)
    comment = models.TextField("nhận xét của tỉnh", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField("gửi duyệt lúc", null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="người duyệt")
    reviewed_at = models.DateTimeField("duyệt lúc", null=True, blank=True)

    class Meta:
        verbose_name = "đề nghị sửa sản phẩm"
        verbose_name_plural = "đề nghị sửa sản phẩm"
        indexes = [models.Index(fields=["producer", "status"]), models.Index(fields=["status", "submitted_at"])]
        constraints = [
            # One open (draft or pending) change per product: the producer edits it until it is reviewed.
            models.UniqueConstraint(fields=["product"], condition=Q(status__in=["DRAFT", "PENDING"]),
                                    name="product_change_one_open"),
        ]

    def __str__(self) -> str:
        return f"{self.product} ({self.get_status_display()})"


class ProductChangePhoto(models.Model):
    change = models.ForeignKey(ProductChange, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField("ảnh", upload_to="producer-changes/%Y/%m/")
    alt = models.CharField("mô tả ảnh", max_length=200, blank=True)
    alt_en = models.CharField("mô tả ảnh (tiếng Anh)", max_length=200, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "ảnh đề nghị"
        verbose_name_plural = "ảnh đề nghị"


class RenewalFile(models.Model):
    """A producer's file to renew (or upgrade) a product's OCOP certificate; the province
    records the outcome: a new certificate, an upgrade, or none."""

    class Status(models.TextChoices):
        OPEN = "OPEN", "đang chuẩn bị"
        SUBMITTED = "SUBMITTED", "đã nộp"
        DECIDED = "DECIDED", "đã có kết quả"

    class Outcome(models.TextChoices):
        RENEWED = "RENEWED", "công nhận lại"
        UPGRADED = "UPGRADED", "nâng hạng sao"
        NONE = "NONE", "không công nhận"

    producer = models.ForeignKey(Producer, on_delete=models.CASCADE, related_name="renewals", verbose_name="chủ thể")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="renewals", verbose_name="sản phẩm")
    certification = models.ForeignKey(Certification, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="renewals", verbose_name="chứng nhận được gia hạn")
    status = models.CharField("trạng thái", max_length=10, choices=Status.choices, default=Status.OPEN,
                              db_index=True)
    outcome = models.CharField("kết quả", max_length=10, choices=Outcome.choices, blank=True)
    new_certification = models.ForeignKey(Certification, null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="+", verbose_name="chứng nhận mới")
    note = models.TextField("ghi chú", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField("nộp lúc", null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="người ghi kết quả")
    decided_at = models.DateTimeField("ghi kết quả lúc", null=True, blank=True)

    class Meta:
        verbose_name = "hồ sơ đánh giá lại"
        verbose_name_plural = "hồ sơ đánh giá lại"
        indexes = [models.Index(fields=["producer", "status"]), models.Index(fields=["status", "submitted_at"])]
        constraints = [
            models.UniqueConstraint(fields=["product"], condition=~Q(status="DECIDED"), name="renewal_one_open"),
        ]

    def __str__(self) -> str:
        return f"{self.product} ({self.get_status_display()})"


class RenewalDocument(models.Model):
    renewal = models.ForeignKey(RenewalFile, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField("tên tài liệu", max_length=200)
    file = models.FileField("tệp PDF", upload_to="renewals/%Y/%m/")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "tài liệu hồ sơ"
        verbose_name_plural = "tài liệu hồ sơ"


class CertificateReminder(models.Model):
    """A reminder sent N days before a certificate expires: once per certificate and N."""

    certification = models.ForeignKey(Certification, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "nhắc hạn chứng nhận"
        verbose_name_plural = "nhắc hạn chứng nhận"
        constraints = [models.UniqueConstraint(fields=["certification", "days_before"], name="reminder_once")]


class Submission(models.Model):
    """An idempotent submit: the form's key (made in the browser when the form opens), kept with
    what it created, so a retried post after a dropped connection does not record twice."""

    key = models.UUIDField(unique=True)
    producer = models.ForeignKey(Producer, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=30)
    reference = models.CharField(max_length=60, blank=True, help_text="what it made: 'batch:12', 'event:…'")
    created_at = models.DateTimeField(auto_now_add=True)


class LabelJob(models.Model):
    """A background run of print_labels for one lot: progress for the page, the PDF when done."""

    class Status(models.TextChoices):
        QUEUED = "QUEUED", "chờ in"
        RUNNING = "RUNNING", "đang in"
        DONE = "DONE", "xong"
        FAILED = "FAILED", "lỗi"

    producer = models.ForeignKey(Producer, on_delete=models.CASCADE, related_name="label_jobs")
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="+")
    serials = models.PositiveIntegerField("số tem sê-ri", default=0, help_text="0: tem theo lô")
    copies = models.PositiveIntegerField("số bản", default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="labels/%Y/%m/", blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["producer", "-created_at"])]
