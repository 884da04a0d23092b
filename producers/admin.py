"""The province's side of the producers' portal in the Django admin."""
from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from producers import invitations
from producers import products as product_changes
from producers.models import Invitation, ProductChange
from shop.admin import VietnameseLabelsMixin
from shop.errors import ShopError

# -- My products: the review queue (producers/products.py) -----------------------------------


class PendingFirstFilter(admin.SimpleListFilter):
    """The queue opens on what waits for review; the other states one click away."""

    title = "trạng thái"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [*ProductChange.Status.choices, ("all", "tất cả")]

    def choices(self, changelist):
        current = self.value() or ProductChange.Status.PENDING
        for value, label in self.lookup_choices:
            yield {"selected": current == value, "query_string": changelist.get_query_string({self.parameter_name: value}),
                   "display": label}

    def queryset(self, request, queryset):
        value = self.value() or ProductChange.Status.PENDING
        if value == "all":
            return queryset
        return queryset.filter(status=value)


class ReviewForm(forms.ModelForm):
    review_comment = forms.CharField(
        label="nhận xét gửi chủ thể", required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Bắt buộc khi trả lại: ghi rõ chủ thể cần sửa gì.")

    class Meta:
        model = ProductChange
        fields = []


@admin.register(ProductChange)
class ProductChangeAdmin(VietnameseLabelsMixin, admin.ModelAdmin):
    form = ReviewForm
    list_display = ["product", "producer", "status", "submitted_at", "reviewed_at"]
    list_filter = [PendingFirstFilter]
    list_select_related = ["product", "producer"]
    search_fields = ["product__name", "producer__name"]
    ordering = ["submitted_at", "pk"]
    readonly_fields = ["product", "producer", "status", "submitted_at", "comment", "reviewed_by", "reviewed_at",
                       "current_vs_proposed", "proposed_photos"]
    fields = readonly_fields
    actions = ["approve_selected"]
    change_form_template = "admin/producers/productchange/change_form.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="đang đăng ↔ đề nghị")
    def current_vs_proposed(self, obj):
        rows = product_changes.differences(obj.product, obj)
        if not rows:
            return "Không đổi nội dung chữ hay quy cách."
        body = format_html_join(
            "", "<tr><th scope='row'>{}</th><td style='white-space:pre-wrap'>{}</td>"
                "<td style='white-space:pre-wrap'>{}</td></tr>",
            ((label, before if before not in ("", None) else "—", after if after not in ("", None) else "—")
             for label, before, after in rows))
        return format_html("<table class='change-diff'><thead><tr><th>mục</th><th>đang đăng</th>"
                           "<th>đề nghị</th></tr></thead><tbody>{}</tbody></table>", body)

    @admin.display(description="ảnh mới đề nghị")
    def proposed_photos(self, obj):
        photos = list(obj.photos.all())
        if not photos:
            return "—"
        return format_html_join(" ", "<img src='{}' alt='{}' width='160' style='margin:.25rem'>",
                                ((p.image.url, p.alt) for p in photos))

    def save_model(self, request, obj, form, change):
        """The buttons: approve or send back (nothing else is editable); through the service."""
        try:
            if "_approve" in request.POST:
                product_changes.approve(obj, request.user)
                self.message_user(request, f"Đã duyệt và đăng nội dung mới của «{obj.product}».", messages.SUCCESS)
            elif "_send_back" in request.POST:
                product_changes.send_back(obj, request.user, form.cleaned_data.get("review_comment", ""))
                self.message_user(request, f"Đã trả lại đề nghị của «{obj.product}» cho chủ thể.", messages.SUCCESS)
        except ShopError as exc:
            self.message_user(request, exc.message_vi, messages.ERROR)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class Checked(form):
            def clean(self):
                data = super().clean()
                if "_send_back" in request.POST and not (data.get("review_comment") or "").strip():
                    self.add_error("review_comment", "Hãy ghi nhận xét cho chủ thể biết cần sửa gì trước khi trả lại.")
                return data
        return Checked

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and obj.status == ProductChange.Status.PENDING and self.has_change_permission(request, obj):
            fields.append("review_comment")
        return fields

    def response_change(self, request, obj):
        if "_approve" in request.POST or "_send_back" in request.POST:
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def save_related(self, request, form, formsets, change):
        pass  # nothing related is edited here

    @admin.action(description="Duyệt các đề nghị đã chọn (đăng nội dung mới)", permissions=["change"])
    def approve_selected(self, request, queryset):
        done, failed = 0, []
        for change in queryset.select_related("product"):
            try:
                product_changes.approve(change, request.user)
                done += 1
            except ShopError as exc:
                failed.append(f"{change.product}: {exc.message_vi}")
        if done:
            self.message_user(request, f"Đã duyệt {done} đề nghị.", messages.SUCCESS)
        for line in failed:
            self.message_user(request, line, messages.ERROR)



# -- My certificates: renewal files (producers/certificates.py) -------------------------------------

from producers import certificates as renewal_service  # noqa: E402
from producers.models import CertificateReminder, RenewalDocument, RenewalFile  # noqa: E402


class SubmittedFirstFilter(admin.SimpleListFilter):
    """The list opens on the submitted files waiting for an outcome."""

    title = "trạng thái"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [*RenewalFile.Status.choices, ("all", "tất cả")]

    def choices(self, changelist):
        current = self.value() or RenewalFile.Status.SUBMITTED
        for value, label in self.lookup_choices:
            yield {"selected": current == value, "query_string": changelist.get_query_string({self.parameter_name: value}),
                   "display": label}

    def queryset(self, request, queryset):
        value = self.value() or RenewalFile.Status.SUBMITTED
        return queryset if value == "all" else queryset.filter(status=value)


class RenewalOutcomeForm(forms.ModelForm):
    """The outcome of a submitted file: the new certificate's facts for RENEWED / UPGRADED, a note for NONE."""

    stars = forms.TypedChoiceField(label="số sao của chứng nhận mới", required=False, coerce=int, empty_value=None,
                                   choices=[("", "—"), (3, "3★"), (4, "4★"), (5, "5★")])
    decision_number = forms.CharField(label="số quyết định mới", max_length=80, required=False)
    decision_date = forms.DateField(label="ngày quyết định mới", required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    issuing_body = forms.CharField(label="cơ quan cấp", max_length=200, required=False, initial="UBND tỉnh Điện Biên")

    class Meta:
        model = RenewalFile
        fields = ["outcome", "note"]

    def clean(self):
        data = super().clean()
        if self.instance.status != RenewalFile.Status.SUBMITTED:
            return data
        try:
            renewal_service.check_outcome(self.instance, self.outcome())
        except ShopError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data

    def outcome(self) -> renewal_service.Outcome:
        data = self.cleaned_data
        return renewal_service.Outcome(
            outcome=data.get("outcome") or "", note=data.get("note") or "", stars=data.get("stars"),
            decision_number=data.get("decision_number") or "", decision_date=data.get("decision_date"),
            issuing_body=data.get("issuing_body") or "")


class RenewalDocumentInline(admin.TabularInline):
    model = RenewalDocument
    extra = 0
    fields = ["title", "pdf", "uploaded_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="tệp PDF")
    def pdf(self, obj):
        return format_html("<a href='{}' target='_blank' rel='noopener'>mở PDF</a>", obj.file.url) if obj.file else "—"


@admin.register(RenewalFile)
class RenewalFileAdmin(VietnameseLabelsMixin, admin.ModelAdmin):
    form = RenewalOutcomeForm
    list_display = ["product", "producer", "status", "submitted_at", "outcome", "decided_at"]
    list_filter = [SubmittedFirstFilter, "outcome"]
    list_select_related = ["product", "producer"]
    search_fields = ["product__name", "producer__name"]
    ordering = ["submitted_at", "pk"]
    inlines = [RenewalDocumentInline]
    info_fields = ["producer", "product", "certification", "status", "submitted_at", "outcome", "note",
                   "new_certification", "decided_by", "decided_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _deciding(self, obj) -> bool:
        return obj is not None and obj.status == RenewalFile.Status.SUBMITTED

    def get_readonly_fields(self, request, obj=None):
        if self._deciding(obj):
            return ["producer", "product", "certification", "status", "submitted_at"]
        return self.info_fields

    def get_fields(self, request, obj=None):
        if self._deciding(obj) and self.has_change_permission(request, obj):
            return ["producer", "product", "certification", "status", "submitted_at", "outcome", "stars",
                    "decision_number", "decision_date", "issuing_body", "note"]
        return self.info_fields

    def save_model(self, request, obj, form, change):
        """Recording the outcome goes through producers.certificates.decide_renewal (which certifies)."""
        if not self._deciding(RenewalFile.objects.filter(pk=obj.pk).first()):
            return
        try:
            decided = renewal_service.decide_renewal(request.user, obj.pk, form.outcome())
        except ShopError as exc:
            self.message_user(request, exc.message_vi, messages.ERROR)
            return
        self.message_user(request, f"Đã ghi kết quả «{decided.get_outcome_display()}» cho hồ sơ của «{decided.product}».",
                          messages.SUCCESS)

    def save_related(self, request, form, formsets, change):
        for formset in formsets:  # documents are the producer's: read-only here, nothing is saved
            formset.save(commit=False)


@admin.register(CertificateReminder)
class CertificateReminderAdmin(admin.ModelAdmin):
    list_display = ["certification", "days_before", "sent_at"]
    list_select_related = ["certification", "certification__product"]
    list_filter = ["days_before"]
    search_fields = ["certification__product__name", "certification__decision_number"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# -- Producer accounts: invitations (producers/invitations.py) -------------------------------


class InvitationForm(forms.ModelForm):
    """Producer, e-mail, role; checked by the service (who may invite, a valid address)."""

    class Meta:
        model = Invitation
        fields = ["producer", "email", "role"]

    user = None  # set by InvitationAdmin.get_form

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                data["email"] = invitations.check_invite(self.user, data.get("producer"), data.get("email", ""),
                                                         data.get("role", ""))
            except ShopError as exc:
                self.add_error(exc.field if exc.field in self.fields else None, exc.message_vi)
        return data


@admin.register(Invitation)
class InvitationAdmin(VietnameseLabelsMixin, admin.ModelAdmin):
    """Province officers invite a producer's people; the link is e-mailed and shown once, after saving.
    An invitation is never edited: inviting the same address again replaces it."""

    form = InvitationForm
    list_display = ["email", "producer", "role", "created_at", "expires_at", "state"]
    list_filter = ["role"]
    list_select_related = ["producer"]
    search_fields = ["email", "producer__name"]
    autocomplete_fields = ["producer"]
    ordering = ["-created_at"]
    readonly_fields = ["producer", "email", "role", "created_by", "created_at", "expires_at", "accepted_at",
                       "accepted_by"]

    def get_fields(self, request, obj=None):
        return ["producer", "email", "role"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type("InvitationFormFor", (form,), {"user": request.user})

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="tình trạng")
    def state(self, obj):
        if obj.accepted_at:
            return "đã nhận lời"
        return "hết hạn" if obj.expires_at <= timezone.now() else "đang chờ"

    def save_model(self, request, obj, form, change):
        """Through the service: a fresh token (only its digest kept), the e-mail queued, the old open
        invitation of the address replaced; the link shown once in a message."""
        issued = invitations.invite(request.user, form.cleaned_data["producer"], form.cleaned_data["email"],
                                    form.cleaned_data["role"])
        obj.__dict__.update({k: v for k, v in issued.invitation.__dict__.items() if k != "_state"})
        obj._state.adding = False
        self.message_user(request, format_html(
            "Đường dẫn mời cho {} (đã gửi qua e-mail; chỉ hiện một lần, dùng được {} ngày — có thể gửi qua Zalo "
            "hoặc tin nhắn): <input type='text' readonly size='70' value='{}' id='invitation-link' "
            "onfocus='this.select()'>", issued.invitation.email, invitations.INVITATION_DAYS, issued.link("vi")),
            messages.WARNING)
