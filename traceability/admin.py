import io

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import timezone

from shop.errors import ShopError
from traceability import codes, labels, services, vocabulary
from traceability.models import Batch, ItemSerial, ProblemReport, ProducerMembership, Scan, TraceEvent
from traceability.permissions import managed_producer_ids

SERIALS_PER_SHEET = labels.COLUMNS * labels.ROWS


class TraceEventForm(forms.ModelForm):
    class Meta:
        model = TraceEvent
        fields = "__all__"

    def clean_biz_step(self):
        value = vocabulary.biz_step_value(self.cleaned_data["biz_step"])
        if value is None:
            raise ValidationError("Dùng một bước CBV (commissioning, packing, shipping…) hoặc harvesting.")
        return value

    def clean_disposition(self):
        value = vocabulary.disposition_value(self.cleaned_data.get("disposition", ""))
        if value is None:
            raise ValidationError("Tình trạng không thuộc bộ từ vựng CBV (vd. in_transit, sellable_accessible).")
        return value


class TraceEventInline(admin.TabularInline):
    model = TraceEvent
    form = TraceEventForm
    extra = 0
    fields = ["biz_step", "event_time", "event_timezone_offset", "sales_point", "place", "description", "disposition"]
    autocomplete_fields = ["sales_point"]


class BatchForm(forms.ModelForm):
    class Meta:
        model = Batch
        fields = "__all__"

    def clean_lot_code(self):
        try:
            return codes.normalize_lot_code(self.cleaned_data["lot_code"])
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc


def _pdf_response(label_list, filename) -> HttpResponse:
    buffer = io.BytesIO()
    labels.render(label_list, buffer)
    response = HttpResponse(buffer.getvalue(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    form = BatchForm
    list_display = ["lot_code", "variant", "production_date", "expiry_date", "quantity", "status", "short_code"]
    list_filter = ["status", "production_date"]
    search_fields = ["lot_code", "short_code", "variant__sku", "variant__gtin", "variant__product__name"]
    list_select_related = ["variant__product"]
    autocomplete_fields = ["variant", "origin_commune"]
    readonly_fields = ["short_code", "status", "recalled_at", "created_at"]
    fields = ["variant", "lot_code", "short_code", "production_date", "expiry_date", "quantity", "origin_commune",
              "raw_materials", "raw_materials_en", "quality_documents", "status", "recall_reason", "recalled_at",
              "created_at"]
    inlines = [TraceEventInline]
    actions = ["print_lot_labels", "print_serial_labels", "recall"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        managed = managed_producer_ids(request.user)
        return qs if managed is None else qs.filter(variant__product__producer_id__in=managed)

    def save_model(self, request, obj, form, change):
        if not obj.short_code:
            obj.short_code = codes.new_lot_short_code()
        if not obj.created_by_id and request.user.is_authenticated:
            obj.created_by = request.user
        if change and obj.status == Batch.Status.ACTIVE:
            obj.recall_reason = ""  # the reason is written by the Recall action
        super().save_model(request, obj, form, change)

    @admin.action(description="In tem cấp lô (A4, PDF)")
    def print_lot_labels(self, request, queryset):
        batches = list(queryset.select_related("variant__product")[:20])
        label_list = [label for b in batches for label in labels.labels_for_batch(b)]
        return _pdf_response(label_list, f"tem-lo-{timezone.localdate():%Y%m%d}.pdf")

    @admin.action(description=f"Tạo {SERIALS_PER_SHEET} sê-ri mới mỗi lô và in tem (A4, PDF)")
    def print_serial_labels(self, request, queryset):
        label_list = []
        for batch in queryset.select_related("variant__product")[:20]:
            try:
                serials = services.mint_serials(batch=batch, count=SERIALS_PER_SHEET, by=request.user)
            except ShopError as exc:
                self.message_user(request, f"{batch.lot_code}: {exc.message}", messages.ERROR)
                return None
            label_list += labels.labels_for_batch(batch, serials)
        return _pdf_response(label_list, f"tem-seri-{timezone.localdate():%Y%m%d}.pdf")

    @admin.action(description="Thu hồi lô (ghi lý do vào ô 'lý do thu hồi' trước)")
    def recall(self, request, queryset):
        for batch in queryset:
            reason = batch.recall_reason or request.POST.get("reason", "")
            try:
                services.recall_batch(batch=batch, reason=reason, by=request.user)
                self.message_user(request, f"Đã thu hồi lô {batch.lot_code}.")
            except ShopError as exc:
                self.message_user(request, f"{batch.lot_code}: {exc.message}", messages.ERROR)


@admin.register(ItemSerial)
class ItemSerialAdmin(admin.ModelAdmin):
    list_display = ["serial", "batch", "created_at"]
    search_fields = ["serial", "batch__lot_code"]
    list_select_related = ["batch__variant"]
    readonly_fields = ["batch", "serial", "created_at"]

    def has_add_permission(self, request):
        return False  # serials are minted in bulk (admin action, print_labels), never typed


@admin.register(Scan)
class ScanAdmin(admin.ModelAdmin):
    list_display = ["scanned_at", "code", "verdict", "channel", "hits", "latitude", "longitude"]
    list_filter = ["verdict", "channel"]
    search_fields = ["code"]
    date_hierarchy = "scanned_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ProblemReport)
class ProblemReportAdmin(admin.ModelAdmin):
    list_display = ["created_at", "code", "kind", "handled", "contact"]
    list_filter = ["kind", "handled"]
    search_fields = ["code", "message", "contact"]
    readonly_fields = ["created_at", "code", "batch", "kind", "message", "contact", "client_hash"]


@admin.register(ProducerMembership)
class ProducerMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "producer"]
    autocomplete_fields = ["user", "producer"]
    list_select_related = ["user", "producer"]
