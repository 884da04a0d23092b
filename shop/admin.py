from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist

from shop.models import Commune, District, SalesPoint, StaffAssignment
from shop.permissions import sync_officer

admin.site.site_header = "Quản trị OCOP Điện Biên"
admin.site.site_title = "OCOP Điện Biên"
admin.site.index_title = "Quản trị cửa hàng"


class FoldedSearchMixin:
    """Admin search and autocomplete without diacritics: "muong ang" finds "Mường Ảng", "dien bien"
    finds "Điện Biên" (shop.text.fold on both sides; every typed word must be in the folded text).
    `folded_search_fields` are paths from the model (e.g. "name", "product__name"); their values are
    read in one query of (pk, value) pairs and folded in Python, so no folded column is needed.
    Django's own search_fields still apply; the two results are joined."""

    folded_search_fields: list[str] = []
    folded_search_limit = 50_000  # rows scanned at most per field

    def get_search_results(self, request, queryset, search_term):
        from shop.text import fold

        result, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        terms = fold(search_term).split()
        if not terms or not self.folded_search_fields:
            return result, may_have_duplicates
        base = self.model._default_manager.all()
        pks = set()
        for path in self.folded_search_fields:
            rows = base.exclude(**{f"{path}__isnull": True}).values_list("pk", path)[: self.folded_search_limit]
            pks |= {pk for pk, value in rows if all(t in fold(str(value)) for t in terms)}
        if not pks:
            return result, may_have_duplicates
        return result | queryset.filter(pk__in=pks), may_have_duplicates


# Labels of fields whose models left Django's English default (a verbose_name would need a migration).
FIELD_LABELS = {
    "slug": "đường dẫn (slug)", "position": "thứ tự", "parent": "nhóm cha", "product": "sản phẩm",
    "variant": "quy cách", "user": "người dùng", "sales_point": "điểm bán", "stock": "dòng tồn kho",
    "batch": "lô hàng", "order": "đơn hàng", "producer": "chủ thể", "created_at": "tạo lúc",
    "updated_at": "cập nhật lúc", "created_by": "người tạo", "released_by": "người mở bán lại",
    "superseded_by": "được thay bằng", "code": "mã", "number": "số", "status": "trạng thái",
    "token": "mã phiên", "scanned_at": "quét lúc", "last_seen_at": "quét gần nhất", "verdict": "kết luận",
    "channel": "kênh", "hits": "số lần", "latitude": "vĩ độ", "longitude": "kinh độ", "serial": "sê-ri",
    "received_at": "nhận lúc", "event_id": "mã sự kiện", "type": "loại", "outcome": "kết quả",
    "last_used_at": "dùng gần nhất", "digest": "mã băm", "client_hash": "mã máy khách (băm)",
}


def vi_label(model, name: str):
    """The Vietnamese label of `model.name` when the model left Django's English default, else None."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:  # a method or an annotation
        return None
    verbose = getattr(field, "verbose_name", None)
    if verbose is not None and str(verbose) == name.replace("_", " ") and name in FIELD_LABELS:
        return FIELD_LABELS[name]
    return None


def _column(model, name: str, label: str):
    """A changelist column showing field `name` as Django would, under a Vietnamese header."""
    field = model._meta.get_field(name)
    if field.choices:
        def value(obj):
            return getattr(obj, f"get_{name}_display")()
    else:
        def value(obj):
            return getattr(obj, name)
    value.__name__ = name
    return admin.display(description=label, ordering=name,
                         boolean=True if field.get_internal_type() == "BooleanField" else None)(value)


def _titled_filter(label: str):
    """Django's own filter for the field (FieldListFilter.create), under a Vietnamese title."""
    def make(field, request, params, model, model_admin, field_path):
        spec = admin.FieldListFilter.create(field, request, params, model, model_admin, field_path=field_path)
        spec.title = label
        return spec
    return make


class VietnameseLabelsMixin:
    """Form labels and changelist headers in Vietnamese for the fields in FIELD_LABELS (on a ModelAdmin
    or an inline). A relation's column is relabelled only when list_select_related names it: Django
    selects relations along by their names in list_display, which a relabelled column no longer is."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        label = vi_label(self.model, db_field.name)
        if formfield is not None and label:
            formfield.label = label
        return formfield

    def get_list_display(self, request):
        names = super().get_list_display(request)
        keep = {*(getattr(self, "list_editable", None) or ()), *(getattr(self, "list_display_links", None) or ())}
        columns = []
        for name in names:
            label = vi_label(self.model, name) if isinstance(name, str) and name not in keep else None
            if label and (not self.model._meta.get_field(name).is_relation or self._selected_along(name)):
                columns.append(_column(self.model, name, label))
            else:
                columns.append(name)
        return columns

    def get_list_filter(self, request):
        filters = []
        for entry in super().get_list_filter(request):
            label = vi_label(self.model, entry) if isinstance(entry, str) and "__" not in entry else None
            filters.append((entry, _titled_filter(label)) if label else entry)
        return filters

    def _selected_along(self, name: str) -> bool:
        """Is relation `name` in list_select_related (so a column of it costs no query per row)?"""
        related = getattr(self, "list_select_related", False)
        if related is True:
            return True
        return any(path == name or path.startswith(f"{name}__") for path in related or ())


@admin.register(District)
class DistrictAdmin(VietnameseLabelsMixin, FoldedSearchMixin, admin.ModelAdmin):
    list_display = ["code", "name", "name_en"]
    search_fields = ["code", "name", "name_en"]
    folded_search_fields = ["name"]


@admin.register(Commune)
class CommuneAdmin(VietnameseLabelsMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "era", "district", "successor"]
    list_filter = ["era", "kind", "district"]
    search_fields = ["name", "code", "folded_name"]  # folded_name: "muong ang" finds "Mường Ảng"
    list_select_related = ["district", "successor"]
    autocomplete_fields = ["successor"]


class StaffAssignmentInline(VietnameseLabelsMixin, admin.TabularInline):
    model = StaffAssignment
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(SalesPoint)
class SalesPointAdmin(VietnameseLabelsMixin, FoldedSearchMixin, admin.ModelAdmin):
    list_display = ["code", "name", "kind", "district", "pickup_enabled", "priority", "starts_on", "ends_on", "is_active"]
    list_filter = ["kind", "district", "pickup_enabled", "is_active"]
    search_fields = ["code", "name", "address"]
    folded_search_fields = ["name", "address"]
    list_select_related = ["district"]
    filter_horizontal = ["delivers_to"]
    inlines = [StaffAssignmentInline]

    def save_formset(self, request, form, formset, change):
        before = {a.user_id for a in formset.queryset} if formset.model is StaffAssignment else set()
        super().save_formset(request, form, formset, change)
        if formset.model is StaffAssignment:
            _sync_users(before | {f.instance.user_id for f in formset.forms if f.instance.user_id})


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(VietnameseLabelsMixin, admin.ModelAdmin):
    list_display = ["user", "sales_point", "role"]
    list_filter = ["role", "sales_point"]
    list_select_related = ["user", "sales_point"]
    autocomplete_fields = ["user"]

    def save_model(self, request, obj, form, change):
        previous = StaffAssignment.objects.filter(pk=obj.pk).values_list("user_id", flat=True).first()
        super().save_model(request, obj, form, change)
        _sync_users({obj.user_id, previous} - {None})

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        _sync_users({obj.user_id})

    def delete_queryset(self, request, queryset):
        users = set(queryset.values_list("user_id", flat=True))
        super().delete_queryset(request, queryset)
        _sync_users(users)


def _sync_users(user_ids) -> None:
    """A province assignment made or removed here puts the user in or out of the officers' group."""
    from django.contrib.auth import get_user_model

    for user in get_user_model().objects.filter(pk__in=user_ids):
        sync_officer(user)


from shop.models import ApiToken  # noqa: E402 - appended with the API tokens (shop/auth.py)


@admin.register(ApiToken)
class ApiTokenAdmin(VietnameseLabelsMixin, admin.ModelAdmin):
    """Tokens are created with `tokenCreate`; here they are only seen and revoked."""

    list_display = ["user", "prefix", "created_at", "last_used_at", "expires_at", "revoked"]
    list_filter = ["revoked"]
    search_fields = ["user__username", "user__email", "prefix"]
    readonly_fields = ["user", "prefix", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False

