"""Stock in the admin, through the ledger: a new row is a receipt, an edit
is an adjustment with a reason, and the ledger itself is read-only."""
from django import forms
from django.contrib import admin, messages

from catalog.admin import ProductVariantAdmin
from catalog.models import ProductVariant
from inventory import availability, holds, ledger
from inventory.models import SaleHold, Stock, StockMovement, Transfer, TransferLine
from shop.admin import FoldedSearchMixin, VietnameseLabelsMixin
from shop.errors import ShopError


class StockForm(forms.ModelForm):
    """Quantities are not typed over: a receipt (new row) or a signed change, each with a reason."""

    change = forms.IntegerField(
        label="thay đổi tồn kho", required=False,
        help_text="Số nhập thêm (dương) hoặc bớt đi (âm), ví dụ 24 hoặc -2. Ghi vào sổ biến động kèm lý do.",
    )
    reason = forms.CharField(label="lý do", required=False, max_length=300,
                             help_text="Bắt buộc khi thay đổi, ví dụ “nhập hàng từ HTX”, “vỡ 2 hũ”.")

    class Meta:
        model = Stock
        fields = ["variant", "sales_point", "low_stock_threshold"]

    def clean(self):
        data = super().clean()
        change = data.get("change") or 0
        if not self.instance.pk and change < 0:
            self.add_error("change", "Dòng tồn kho mới chỉ nhận hàng vào (số dương).")
        if change:
            try:
                data["reason"] = ledger.check_reason(data.get("reason", ""))
            except ShopError as exc:
                self.add_error("reason", exc.message)
            if self.instance.pk and self.instance.quantity_on_hand + change < self.instance.quantity_allocated:
                self.add_error("change", f"Đang giữ {self.instance.quantity_allocated} cho đơn chưa giao; "
                                         "không thể bớt xuống thấp hơn.")
        return data


@admin.register(Stock)
class StockAdmin(VietnameseLabelsMixin, FoldedSearchMixin, admin.ModelAdmin):
    form = StockForm
    list_display = ["variant", "sales_point", "quantity_on_hand", "quantity_allocated", "available", "low_stock_threshold"]
    list_filter = ["sales_point", "variant__product__district"]
    search_fields = ["variant__sku", "variant__product__name"]
    folded_search_fields = ["variant__product__name"]
    list_select_related = ["variant__product", "sales_point"]
    readonly_fields = ["quantity_on_hand", "quantity_allocated"]
    autocomplete_fields = ["variant"]

    def get_fields(self, request, obj=None):
        fields = ["variant", "sales_point", "low_stock_threshold", "change", "reason"]
        return [*fields, "quantity_on_hand", "quantity_allocated"] if obj else fields

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "variant", "sales_point"] if obj else []

    def get_queryset(self, request):
        return availability.with_sellable(super().get_queryset(request))

    @admin.display(description="có thể bán", ordering="quantity_sellable")
    def available(self, obj):
        return obj.quantity_sellable

    def save_model(self, request, obj, form, change):
        quantity = form.cleaned_data.get("change") or 0
        reason = form.cleaned_data.get("reason") or ""
        try:
            if not change:
                # The ledger creates the row: a receipt of what arrived, or an empty row to track.
                stock = ledger.stock_row(variant_id=obj.variant_id, sales_point_id=obj.sales_point_id) if not quantity \
                    else ledger.receive(variant_id=obj.variant_id, sales_point_id=obj.sales_point_id, quantity=quantity,
                                        reason=reason, actor=request.user, reference="admin")
                obj.pk = stock.pk
            elif quantity:
                ledger.adjust(stock_id=obj.pk, change=quantity, reason=reason, actor=request.user)
        except ShopError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            return
        # Only the threshold is the admin's to type; the numbers came from the ledger above.
        Stock.objects.filter(pk=obj.pk).update(low_stock_threshold=obj.low_stock_threshold)
        obj.refresh_from_db()

    def has_delete_permission(self, request, obj=None):
        return False  # a stock row with history is kept; recount it to zero instead


@admin.register(StockMovement)
class StockMovementAdmin(VietnameseLabelsMixin, FoldedSearchMixin, admin.ModelAdmin):
    """The ledger: read-only, append-only."""

    list_display = ["created_at", "stock", "kind", "on_hand_change", "allocated_change", "on_hand_after",
                    "reference", "reason", "actor"]
    list_filter = ["kind", "stock__sales_point"]
    search_fields = ["reference", "reason", "stock__variant__sku"]
    list_select_related = ["stock__variant", "stock__sales_point", "actor"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StockInline(VietnameseLabelsMixin, admin.TabularInline):
    """A variant's stock per point, read-only here: changes go through the stock page's ledger form."""

    model = Stock
    extra = 0
    fields = ["sales_point", "quantity_on_hand", "quantity_allocated", "low_stock_threshold"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(ProductVariant)


@admin.register(ProductVariant)
class ProductVariantWithStockAdmin(ProductVariantAdmin):
    inlines = [*ProductVariantAdmin.inlines, StockInline]


@admin.register(SaleHold)
class SaleHoldAdmin(VietnameseLabelsMixin, FoldedSearchMixin, admin.ModelAdmin):
    """Holds are placed by other apps (a lot recall); here a province admin
    lifts one by writing why it is safe to sell again."""

    list_display = ["variant", "reason", "placed_at", "released_at"]
    list_filter = [("released_at", admin.EmptyFieldListFilter)]
    search_fields = ["variant__sku", "variant__product__name", "reason"]
    folded_search_fields = ["variant__product__name"]
    list_select_related = ["variant__product"]
    fields = ["variant", "source", "reason", "reason_en", "placed_at", "released_at", "released_by", "release_note"]
    readonly_fields = ["variant", "source", "reason", "reason_en", "placed_at", "released_at", "released_by"]

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        done = obj is not None and obj.released_at is not None
        return [*self.readonly_fields, "release_note"] if done else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if obj.released_at is not None or not obj.release_note.strip():
            return
        try:
            holds.release_hold(hold_id=obj.pk, user=request.user, note=obj.release_note)
        except ShopError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)


class TransferLineInline(VietnameseLabelsMixin, admin.TabularInline):
    model = TransferLine
    extra = 0
    fields = ["variant", "quantity_sent", "quantity_received", "discrepancy_note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Transfer)
class TransferAdmin(VietnameseLabelsMixin, FoldedSearchMixin, admin.ModelAdmin):
    """Transfers are sent, received and cancelled in the staff console and the API
    (inventory/transfers.py), which check who may; here they are read-only."""

    list_display = ["number", "from_point", "from_producer", "to_point", "status", "sent_at", "received_at"]
    list_filter = ["status", "from_point", "to_point"]
    search_fields = ["number"]
    list_select_related = ["from_point", "from_producer", "to_point"]
    inlines = [TransferLineInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
