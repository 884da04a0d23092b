from django.conf import settings
from django.contrib import admin, messages

from orders import unpaid
from orders.models import (
    Checkout,
    Fulfillment,
    FulfillmentLine,
    Order,
    OrderEvent,
    OrderLine,
    ShippingRate,
    ShippingZone,
    StripeEvent,
)
from shop.admin import VietnameseLabelsMixin
from shop.errors import ShopError


class OrderLineInline(VietnameseLabelsMixin, admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    readonly_fields = ["product_name", "variant_name", "sku", "ocop_stars", "unit_price_vnd", "quantity", "total_vnd"]
    exclude = ["variant", "product_name_en"]


class FulfillmentInline(VietnameseLabelsMixin, admin.TabularInline):
    model = Fulfillment
    extra = 0
    can_delete = False
    readonly_fields = ["number", "sales_point", "status", "updated_at"]


class OrderEventInline(VietnameseLabelsMixin, admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "kind", "actor", "message"]
    fields = readonly_fields


@admin.register(Order)
class OrderAdmin(VietnameseLabelsMixin, admin.ModelAdmin):
    """Read-mostly: orders change through the services (staff console, API), which keep the log and the stock."""

    list_display = ["number", "created_at", "status", "payment_method", "payment_status", "total_vnd", "delivery_kind",
                    "hold_until", "email"]
    list_filter = ["status", "payment_status", "payment_method", "delivery_kind"]
    search_fields = ["number", "email", "phone", "stripe_payment_intent"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline, FulfillmentInline, OrderEventInline]
    readonly_fields = [f.name for f in Order._meta.fields]
    actions = ["extend_hold"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=f"Gia hạn giữ hàng thêm {settings.ORDER_PICKUP_HOLD_DAYS} ngày (đơn chưa trả tiền)")
    def extend_hold(self, request, queryset):
        for order in queryset.order_by("id"):
            try:
                done = unpaid.extend_hold(order_id=order.pk, days=settings.ORDER_PICKUP_HOLD_DAYS, user=request.user)
            except ShopError as exc:
                self.message_user(request, f"{order}: {exc.message}", messages.WARNING)
            else:
                self.message_user(request, f"{done}: giữ hàng đến {unpaid.deadline_words(done.hold_until, 'vi')}.")


class FulfillmentLineInline(VietnameseLabelsMixin, admin.TabularInline):
    model = FulfillmentLine
    extra = 0
    can_delete = False
    readonly_fields = ["order_line", "stock", "quantity"]


@admin.register(Fulfillment)
class FulfillmentAdmin(VietnameseLabelsMixin, admin.ModelAdmin):
    list_display = ["number", "sales_point", "status", "created_at"]
    list_filter = ["status", "sales_point"]
    search_fields = ["number", "order__number"]
    list_select_related = ["sales_point"]
    readonly_fields = ["order", "sales_point", "number", "status"]
    inlines = [FulfillmentLineInline]

    def has_add_permission(self, request):
        return False


@admin.register(Checkout)
class CheckoutAdmin(VietnameseLabelsMixin, admin.ModelAdmin):
    list_display = ["token", "created_at", "email", "delivery_kind", "order"]
    readonly_fields = ["token", "order"]


@admin.register(StripeEvent)
class StripeEventAdmin(VietnameseLabelsMixin, admin.ModelAdmin):
    list_display = ["received_at", "event_id", "type", "outcome", "order"]
    list_filter = ["type"]
    readonly_fields = [f.name for f in StripeEvent._meta.fields]


from orders.models import PaymentAccount  # noqa: E402 - appended with VietQR transfers (orders/vietqr.py)
from shop.permissions import is_province_admin  # noqa: E402


class ProvinceOnly:
    """Settings of the whole province's selling (accounts, delivery zones): its admins only."""

    def _province(self, request) -> bool:
        return is_province_admin(request.user)

    def has_module_permission(self, request):
        return self._province(request)

    def has_view_permission(self, request, obj=None):
        return self._province(request)

    def has_add_permission(self, request, *args):
        return self._province(request)

    def has_change_permission(self, request, obj=None):
        return self._province(request)

    def has_delete_permission(self, request, obj=None):
        return self._province(request)


@admin.register(PaymentAccount)
class PaymentAccountAdmin(ProvinceOnly, VietnameseLabelsMixin, admin.ModelAdmin):
    """The accounts that receive VietQR transfers, kept by province admins. An account is retired
    (untick "đang dùng") rather than deleted, so what an order was told to pay into stays known;
    the model checks and normalises the fields (orders/vietqr.py)."""

    list_display = ["__str__", "point", "bank_bin", "account_number", "account_name", "is_active", "updated_at"]
    list_filter = ["is_active", "bank_bin"]
    list_select_related = ["sales_point"]
    search_fields = ["account_number", "account_name", "sales_point__name", "sales_point__code"]
    fields = ["sales_point", "bank_bin", "account_number", "account_name", "is_active"]

    @admin.display(description="điểm bán", ordering="sales_point__name")
    def point(self, obj):
        return obj.sales_point or "Mặc định của tỉnh"

    def has_delete_permission(self, request, obj=None):
        return False


class ShippingRateInline(VietnameseLabelsMixin, admin.TabularInline):
    model = ShippingRate
    extra = 1
    fields = ["up_to_grams", "fee_vnd"]


@admin.register(ShippingZone)
class ShippingZoneAdmin(ProvinceOnly, VietnameseLabelsMixin, admin.ModelAdmin):
    """Delivery zones and their weight brackets (orders/shipping.py reads them)."""

    list_display = ["name", "kind", "days_min", "days_max", "extra_per_kg_vnd", "position"]
    list_editable = ["days_min", "days_max", "extra_per_kg_vnd", "position"]
    fields = ["code", "name", "name_en", "kind", "province_codes", "district_codes", "days_min", "days_max",
              "extra_per_kg_vnd", "position"]
    inlines = [ShippingRateInline]


from orders.models import BankTransaction  # noqa: E402 - appended with bank transfers (orders/bank_transfers.py)


@admin.register(BankTransaction)
class BankTransactionAdmin(ProvinceOnly, VietnameseLabelsMixin, admin.ModelAdmin):
    """Every incoming bank transaction, read-only: staff resolve them in the console (/staff/bank-transfers/),
    where the rules are applied; the admin is for looking one up (its raw payload included)."""

    list_display = ["received_at", "provider", "transaction_id", "amount_vnd", "order", "status", "reason", "resolution"]
    list_filter = ["status", "reason", "provider"]
    list_select_related = ["order"]
    search_fields = ["transaction_id", "reference", "content", "order__number"]
    readonly_fields = [f.name for f in BankTransaction._meta.fields]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
