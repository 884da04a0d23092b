from django.contrib import admin

from shop.models import Commune, District, SalesPoint, StaffAssignment

admin.site.site_header = "Quản trị OCOP Điện Biên"
admin.site.site_title = "OCOP Điện Biên"
admin.site.index_title = "Quản trị cửa hàng"


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en"]
    search_fields = ["code", "name", "name_en"]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "era", "district", "successor"]
    list_filter = ["era", "kind", "district"]
    search_fields = ["name", "code"]
    list_select_related = ["district", "successor"]
    autocomplete_fields = ["successor"]


class StaffAssignmentInline(admin.TabularInline):
    model = StaffAssignment
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(SalesPoint)
class SalesPointAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "district", "pickup_enabled", "priority", "starts_on", "ends_on", "is_active"]
    list_filter = ["kind", "district", "pickup_enabled", "is_active"]
    search_fields = ["code", "name", "address"]
    list_select_related = ["district"]
    filter_horizontal = ["delivers_to"]
    inlines = [StaffAssignmentInline]


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "sales_point", "role"]
    list_filter = ["role", "sales_point"]
    list_select_related = ["user", "sales_point"]
    autocomplete_fields = ["user"]


from shop.models import ApiToken  # noqa: E402 - appended with the API tokens (shop/auth.py)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created with `tokenCreate`; here they are only seen and revoked."""

    list_display = ["user", "prefix", "created_at", "last_used_at", "expires_at", "revoked"]
    list_filter = ["revoked"]
    search_fields = ["user__username", "user__email", "prefix"]
    readonly_fields = ["user", "prefix", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False
