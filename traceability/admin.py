import io
import re

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import timezone

from shop.admin import FoldedSearchMixin, VietnameseLabelsMixin
from shop.errors import ShopError
from traceability import labels, services, vocabulary
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


class TraceEventInline(VietnameseLabelsMixin, admin.TabularInline):
    model = TraceEvent
    form = TraceEventForm
    extra = 0
    fields = ["biz_step", "event_time", "event_timezone_offset", "sales_point", "place", "description", "disposition"]
    autocomplete_fields = ["sales_point"]


class BatchForm(forms.ModelForm):
    """The rules are services.check_batch's, the same as batchCreate's (permission included);
    its errors are shown on the field they name. `user` is set by BatchAdmin.get_form."""

    user = AnonymousUser()  # never None: that is the system itself, which skips the permission check

    class Meta:
        model = Batch
        fields = "__all__"

    def clean(self):
        data = super().clean()
        if any(data.get(name) is None for name in ("variant", "lot_code", "production_date", "quantity")):
            return data  # a required field is missing: the form says so already
        try:
            checked = services.check_batch(
                variant=data["variant"], lot_code=data["lot_code"], production_date=data["production_date"],
                quantity=data["quantity"], expiry_date=data.get("expiry_date"),
                quality_documents=data.get("quality_documents"), by=self.user, batch=self.instance,
            )
        except ShopError as exc:
            self.add_error(_form_field(exc.field, self.fields), exc.message)
            return data
        data.update(checked)
        return data


def _form_field(api_field: str | None, fields) -> str | None:
    """The form field of a service error's API field (`lotCode` -> `lot_code`); None: the whole form."""
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", api_field or "").lower()
    return name if name in fields else None


def _pdf_response(label_list, filename) -> HttpResponse:
    buffer = io.BytesIO()
    labels.render(label_list, buffer)
    response = HttpResponse(buffer.getvalue(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@admin.register(Batch)
class BatchAdmin(VietnameseLabelsMixin, FoldedSearchMixin, admin.ModelAdmin):
    form = BatchForm
    folded_search_fields = ["variant__product__name"]
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

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def save_model(self, request, obj, form, change):
        """Through the services, as batchCreate: the form's clean() ran the same checks."""
        if change:
            services.save_batch(batch=obj, by=request.user)
            return
        created = services.create_batch(
            variant=obj.variant, lot_code=obj.lot_code, production_date=obj.production_date,
            expiry_date=obj.expiry_date, quantity=obj.quantity, origin_commune=obj.origin_commune,
            raw_materials=obj.raw_materials, raw_materials_en=obj.raw_materials_en,
            quality_documents=obj.quality_documents, by=request.user,
        )
        # The inline formsets hold `obj`: it becomes the lot the service made.
        for field in Batch._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj._state.adding, obj._state.db = False, created._state.db

    def save_formset(self, request, form, formset, change):
        """A lot's new events go through services.add_event (who may, the CBV pairs, no future time),
        as traceEventAdd does; edits and deletions of existing events are saved as typed."""
        if formset.model is not TraceEvent:
            return super().save_formset(request, form, formset, change)
        events = formset.save(commit=False)
        for event in events:
            if event.pk:
                event.save()
                continue
            try:
                created = services.add_event(
                    batch=form.instance, biz_step=event.biz_step, event_time=event.event_time,
                    description=event.description, place=event.place, sales_point=event.sales_point,
                    disposition=event.disposition, by=request.user,
                )
            except ShopError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                formset.new_objects.remove(event)
                continue
            event.pk = created.pk
        for event in formset.deleted_objects:
            event.delete()

    @admin.action(description="In tem cấp lô (A4, PDF)")
    def print_lot_labels(self, request, queryset):
        batches = list(queryset.select_related("variant__product")[:20])
        if not self._printable(request, batches):
            return None
        label_list = [label for b in batches for label in labels.labels_for_batch(b)]
        return _pdf_response(label_list, f"tem-lo-{timezone.localdate():%Y%m%d}.pdf")

    @admin.action(description=f"Tạo {SERIALS_PER_SHEET} sê-ri mới mỗi lô và in tem (A4, PDF)", permissions=["change"])
    def print_serial_labels(self, request, queryset):
        label_list = []
        batches = list(queryset.select_related("variant__product")[:20])
        if not self._printable(request, batches):  # before any serial is minted
            return None
        for batch in batches:
            try:
                serials = services.mint_serials(batch=batch, count=SERIALS_PER_SHEET, by=request.user)
            except ShopError as exc:
                self.message_user(request, f"{batch.lot_code}: {exc.message}", messages.ERROR)
                return None
            label_list += labels.labels_for_batch(batch, serials)
        return _pdf_response(label_list, f"tem-seri-{timezone.localdate():%Y%m%d}.pdf")

    def _printable(self, request, batches) -> bool:
        """The same rule as print_labels: no production labels for GS1's demonstration prefix 952."""
        for batch in batches:
            try:
                labels.check_printable(batch)
            except ShopError as exc:
                self.message_user(request, f"{batch.lot_code}: {exc.message}", messages.ERROR)
                return False
        return True

    @admin.action(description="Thu hồi lô (ghi lý do vào ô 'lý do thu hồi' trước)", permissions=["change"])
    def recall(self, request, queryset):
        for batch in queryset:
            reason = batch.recall_reason or request.POST.get("reason", "")
            try:
                services.recall_batch(batch=batch, reason=reason, by=request.user)
                self.message_user(request, f"Đã thu hồi lô {batch.lot_code}.")
            except ShopError as exc:
                self.message_user(request, f"{batch.lot_code}: {exc.message}", messages.ERROR)


@admin.register(ItemSerial)
class ItemSerialAdmin(VietnameseLabelsMixin, admin.ModelAdmin):
    list_display = ["serial", "batch", "created_at"]
    search_fields = ["serial", "batch__lot_code"]
    list_select_related = ["batch__variant"]
    readonly_fields = ["batch", "serial", "created_at"]

    def has_add_permission(self, request):
        return False  # serials are minted in bulk (admin action, print_labels), never typed


@admin.register(Scan)
class ScanAdmin(VietnameseLabelsMixin, admin.ModelAdmin):
    list_display = ["scanned_at", "code", "verdict", "channel", "hits", "latitude", "longitude"]
    list_filter = ["verdict", "channel"]
    search_fields = ["code"]
    date_hierarchy = "scanned_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ProblemReport)
class ProblemReportAdmin(VietnameseLabelsMixin, admin.ModelAdmin):
    list_display = ["created_at", "code", "kind", "handled", "contact"]
    list_filter = ["kind", "handled"]
    search_fields = ["code", "message", "contact"]
    readonly_fields = ["created_at", "code", "batch", "kind", "message", "contact", "client_hash"]


@admin.register(ProducerMembership)
class ProducerMembershipAdmin(VietnameseLabelsMixin, admin.ModelAdmin):
    list_display = ["user", "producer", "role"]
    autocomplete_fields = ["user", "producer"]
    list_select_related = ["user", "producer"]
