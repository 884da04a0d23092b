from django.contrib import admin, messages
from django.db.models import Q

from catalog import certification
from catalog.forms import CertificationForm, ProductImageForm
from catalog.models import (
    Certification,
    Producer,
    Product,
    ProductGroup,
    ProductImage,
    ProductVariant,
)
from catalog.selectors import with_current_stars
from shop.admin import FoldedSearchMixin, VietnameseLabelsMixin

SLUG_HELP = "Để trống: tạo từ tên, bỏ dấu (Mường Ảng → muong-ang)."


class SlugFromNameMixin:
    """The slug is optional in the form: left blank, the model fills it from the name with
    catalog.slugs.make_slug; the browser's preview (prepopulated_fields) is taught Vietnamese too."""

    class Media:
        js = ["admin/js/urlify.js", "catalog/admin/urlify_vi.js"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "slug" in form.base_fields:
            form.base_fields["slug"].required = False
            form.base_fields["slug"].help_text = SLUG_HELP
        return form


def save_certificate(request, model_admin, obj, form, *, change: bool) -> None:
    """Save a certificate from an admin form through catalog.certification: a new one with certify()
    (which supersedes the one in force), a new or earlier revocation with revoke(); other edits as typed.
    A rule the service refuses is shown as an error message and nothing is saved."""
    try:
        if not change:
            created = certification.certify(
                product=obj.product, stars=obj.stars, score=obj.score, decision_number=obj.decision_number,
                decision_date=obj.decision_date, issuing_body=obj.issuing_body, issuing_level=obj.issuing_level,
            )
            for field in Certification._meta.concrete_fields:
                setattr(obj, field.attname, getattr(created, field.attname))
            obj._state.adding, obj._state.db = False, created._state.db
            return
        if "revoked_at" in form.changed_data and obj.revoked_at is not None:
            stored = Certification.objects.get(pk=obj.pk)
            certification.revoke(certificate=stored, on=obj.revoked_at, reason=obj.revoked_reason)
        obj.save()
    except certification.CertificationError as exc:
        model_admin.message_user(request, exc.message, messages.ERROR)


@admin.register(ProductGroup)
class ProductGroupAdmin(VietnameseLabelsMixin, FoldedSearchMixin, admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "level", "parent", "decision"]
    list_filter = ["level", "decision"]
    search_fields = ["code", "name", "name_en"]
    folded_search_fields = ["name"]
    list_select_related = ["parent"]


@admin.register(Producer)
class ProducerAdmin(VietnameseLabelsMixin, FoldedSearchMixin, SlugFromNameMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "district", "commune", "phone"]
    list_filter = ["kind", "district"]
    search_fields = ["name", "address", "phone"]
    folded_search_fields = ["name", "address"]
    list_select_related = ["district", "commune"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["commune", "former_commune"]


class VariantInline(VietnameseLabelsMixin, admin.TabularInline):
    model = ProductVariant
    extra = 0
    fields = ["sku", "name", "name_en", "pack_size", "weight_grams", "gtin", "price_vnd", "is_published", "position"]


class CertificationInline(VietnameseLabelsMixin, admin.TabularInline):
    model = Certification
    form = CertificationForm
    extra = 0
    fields = ["stars", "score", "decision_number", "decision_date", "issuing_body", "issuing_level", "kind",
              "valid_until", "status", "revoked_at", "revoked_reason"]
    readonly_fields = ["valid_until", "status"]
    ordering = ["-decision_date"]

    @admin.display(description="trạng thái")
    def status(self, obj):
        return obj.status_on(certification.today()).label if obj.pk else "—"


class ImageInline(VietnameseLabelsMixin, admin.TabularInline):
    model = ProductImage
    form = ProductImageForm
    extra = 0
    fields = ["image", "alt", "alt_en", "position"]


class CertificateStatusFilter(admin.SimpleListFilter):
    """Filter products by their certificate standing today (catalog.certification.standing)."""

    title = "trạng thái chứng nhận"
    parameter_name = "cert_status"
    STANDINGS = {
        "valid": ("còn hiệu lực", None),
        "expiring": ("sắp hết hạn (90 ngày)", certification.CertificateStatus.EXPIRING),
        "expired": ("hết hạn", certification.CertificateStatus.EXPIRED),
        "revoked": ("bị thu hồi", certification.CertificateStatus.REVOKED),
        "none": ("chưa có chứng nhận (hoặc chưa đến ngày hiệu lực)", None),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _) in self.STANDINGS.items()]

    def queryset(self, request, queryset):
        day = certification.today()
        match self.value():
            case "valid":
                return queryset.certified_on(day)
            case "expiring" | "expired" | "revoked" | "none" as key:
                return certification.filter_standing(queryset, self.STANDINGS[key][1], day)
        return queryset


class StarsFilter(admin.SimpleListFilter):
    title = "số sao OCOP (đang hiệu lực)"
    parameter_name = "stars"

    def lookups(self, request, model_admin):
        return [("3", "3★"), ("4", "4★"), ("5", "5★")]

    def queryset(self, request, queryset):
        if self.value() in {"3", "4", "5"}:
            return queryset.filter(current_stars=int(self.value()))
        return queryset


class GroupFilter(admin.SimpleListFilter):
    title = "nhóm sản phẩm"
    parameter_name = "group"

    def lookups(self, request, model_admin):
        return [(g.code, g.name) for g in ProductGroup.objects.filter(level=ProductGroup.Level.GROUP)]

    def queryset(self, request, queryset):
        if self.value():
            code = self.value()
            return queryset.filter(Q(group__code=code) | Q(group__parent__code=code) | Q(group__parent__parent__code=code))
        return queryset


@admin.register(Product)
class ProductAdmin(VietnameseLabelsMixin, FoldedSearchMixin, SlugFromNameMixin, admin.ModelAdmin):
    list_display = ["name", "name_en", "producer", "district", "group", "ocop_stars", "is_published"]
    list_filter = ["district", GroupFilter, StarsFilter, CertificateStatusFilter, "is_published"]
    search_fields = ["name", "name_en", "producer__name", "variants__sku"]
    folded_search_fields = ["name", "producer__name"]
    list_select_related = ["producer", "district", "group"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["producer", "commune"]
    inlines = [VariantInline, CertificationInline, ImageInline]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request):
        return with_current_stars(super().get_queryset(request))

    @admin.display(description="OCOP", ordering="current_stars")
    def ocop_stars(self, obj):
        # The mark is shown only while a certificate is valid.
        return "★" * obj.current_stars if obj.current_stars else "—"

    def save_formset(self, request, form, formset, change):
        """Certificates typed in the product's inline go through the service, like on their own page."""
        if formset.model is not Certification:
            return super().save_formset(request, form, formset, change)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []  # for the change log
        for inline_form in formset.forms:
            if not inline_form.has_changed() or inline_form in formset.deleted_forms:
                continue
            cert = inline_form.instance
            cert.product = form.instance
            is_new = cert.pk is None
            save_certificate(request, self, cert, inline_form, change=not is_new)
            if is_new:
                formset.new_objects.append(cert)
            else:
                formset.changed_objects.append((cert, inline_form.changed_data))
        for inline_form in formset.deleted_forms:
            if inline_form.instance.pk:
                formset.deleted_objects.append(inline_form.instance)
                inline_form.instance.delete()


@admin.register(Certification)
class CertificationAdmin(VietnameseLabelsMixin, FoldedSearchMixin, admin.ModelAdmin):
    form = CertificationForm
    folded_search_fields = ["product__name"]
    list_display = ["product", "stars", "decision_number", "decision_date", "valid_until", "issuing_level", "kind", "status"]
    list_filter = ["stars", "issuing_level", "kind", "product__district"]
    search_fields = ["decision_number", "product__name"]
    list_select_related = ["product"]
    readonly_fields = ["valid_until", "superseded_by"]
    date_hierarchy = "decision_date"
    actions = ["revoke_selected"]

    @admin.display(description="trạng thái")
    def status(self, obj):
        return obj.status_on(certification.today()).label

    def save_model(self, request, obj, form, change):
        save_certificate(request, self, obj, form, change=change)

    @admin.action(description="Thu hồi các chứng nhận đã chọn")
    def revoke_selected(self, request, queryset):
        revoked = 0
        for cert in queryset:
            try:
                certification.revoke(certificate=cert, reason="Thu hồi bởi quản trị viên")
            except certification.CertificationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                revoked += 1
        self.message_user(request, f"Đã thu hồi {revoked} chứng nhận.", messages.WARNING)


@admin.register(ProductVariant)
class ProductVariantAdmin(VietnameseLabelsMixin, FoldedSearchMixin, admin.ModelAdmin):
    list_display = ["sku", "product", "name", "price_vnd", "gtin", "is_published"]
    search_fields = ["sku", "gtin", "product__name"]
    folded_search_fields = ["product__name", "name"]
    list_select_related = ["product"]
