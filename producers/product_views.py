"""My products: the list (stars, published, review state, stock per sales point) and the page that
edits a product's proposed change (producers/products.py holds the rules)."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from producers import products as service
from producers.errors import ProducerErrorCode
from producers.models import ProductChange
from producers.portal import member_required, render_page
from shop.errors import ShopError

TEXT_LABELS = {
    "description": gettext_lazy("Mô tả (tiếng Việt)"),
    "description_en": gettext_lazy("Mô tả (tiếng Anh)"),
    "ingredients": gettext_lazy("Thành phần (tiếng Việt)"),
    "ingredients_en": gettext_lazy("Thành phần (tiếng Anh)"),
    "usage": gettext_lazy("Hướng dẫn sử dụng (tiếng Việt)"),
    "usage_en": gettext_lazy("Hướng dẫn sử dụng (tiếng Anh)"),
    "storage": gettext_lazy("Bảo quản (tiếng Việt)"),
    "storage_en": gettext_lazy("Bảo quản (tiếng Anh)"),
}
VARIANT_LABELS = {"pack_size": gettext_lazy("Quy cách"), "weight_grams": gettext_lazy("Khối lượng vận chuyển (g)")}


class ProductChangeForm(forms.Form):
    """The proposal's fields; which are there depends on the product's variants."""

    def __init__(self, *args, variants=(), initial_content=None, **kwargs):
        super().__init__(*args, **kwargs)
        initial_content = initial_content or {}
        for name in service.TEXT_FIELDS:
            self.fields[name] = forms.CharField(
                label=TEXT_LABELS.get(name, name), required=False, max_length=service.MAX_TEXT,
                initial=initial_content.get(name, ""), widget=forms.Textarea(attrs={"rows": 4, "class": "wide"}))
        self.variant_rows = []
        for v in variants:
            values = (initial_content.get("variants") or {}).get(str(v.pk), {})
            names = []
            for name in service.VARIANT_FIELDS:
                key = f"v{v.pk}-{name}"
                if name == "weight_grams":
                    field = forms.IntegerField(label=VARIANT_LABELS[name], required=False, min_value=0,
                                               max_value=service.MAX_WEIGHT_GRAMS, initial=values.get(name))
                    field.widget.attrs.update(inputmode="numeric")
                else:
                    field = forms.CharField(label=VARIANT_LABELS[name], required=False, max_length=60,
                                            initial=values.get(name, ""))
                self.fields[key] = field
                names.append(key)
            self.variant_rows.append((v, names))
        self.fields["photo"] = forms.FileField(label=_("Thêm ảnh (JPEG, PNG hoặc WebP, tối đa 10 MB)"), required=False)
        self.fields["photo"].widget.attrs.update(accept="image/jpeg,image/png,image/webp")
        self.fields["photo_alt"] = forms.CharField(label=_("Mô tả ảnh (tiếng Việt)"), required=False, max_length=200)
        self.fields["photo_alt_en"] = forms.CharField(label=_("Mô tả ảnh (tiếng Anh)"), required=False, max_length=200)

    def text_fields(self):
        return [self[name] for name in service.TEXT_FIELDS]

    def variant_fields(self):
        return [(v, [self[key] for key in keys]) for v, keys in self.variant_rows]

    def proposal(self) -> dict:
        data = {name: self.cleaned_data.get(name, "") for name in service.TEXT_FIELDS}
        data["variants"] = {}
        for v, keys in self.variant_rows:
            values = {}
            for key in keys:
                name = key.split("-", 1)[1]
                value = self.cleaned_data.get(key)
                values[name] = (value if value is not None else 0) if name == "weight_grams" else (value or "")
            data["variants"][str(v.pk)] = values
        return data


@member_required
def product_list(request):
    if request.method not in ("GET", "HEAD"):
        return redirect("producers:products")
    rows = service.my_products(request.acting)
    return render_page(request, "producers/products/list.html", {"rows": rows}, tab="products")


def _product_or_404(acting, pk):
    try:
        return service.product_for(acting, pk)
    except ShopError as exc:
        raise Http404(exc.message) from exc


@member_required
def product_edit(request, pk):
    acting = request.acting
    product = _product_or_404(acting, pk)
    variants = list(product.variants.order_by("position", "pk"))
    change = service.working_change(product)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "save")
        form = ProductChangeForm(request.POST, request.FILES, variants=variants)
        if change is not None and change.status == ProductChange.Status.PENDING:
            messages.error(request, service.pending_error().message)
            return redirect("producers:product", pk=product.pk)
        if form.is_valid():
            try:
                saved = service.save_draft(
                    acting, product, form.proposal(), photo=form.cleaned_data.get("photo"),
                    photo_alt=form.cleaned_data.get("photo_alt", ""),
                    photo_alt_en=form.cleaned_data.get("photo_alt_en", ""),
                    remove_photos=request.POST.getlist("remove_photo"))
                if saved is None:
                    messages.info(request, _("Không có gì khác với nội dung đang đăng nên không có bản nháp nào được lưu."))
                elif action == "submit":
                    service.submit(acting, product)
                    messages.success(request, _("Đã gửi đề nghị cho tỉnh duyệt. Người mua vẫn thấy nội dung cũ "
                                                "cho tới khi tỉnh duyệt."))
                else:
                    messages.success(request, _("Đã lưu bản nháp. Người mua chưa thấy thay đổi này; "
                                                "hãy bấm “Lưu và gửi duyệt” khi xong."))
                return redirect("producers:product", pk=product.pk)
            except ShopError as exc:
                if exc.code == ProducerErrorCode.NOTHING_TO_SUBMIT:
                    messages.error(request, exc.message)
                    return redirect("producers:product", pk=product.pk)
                field = exc.field if exc.field in form.fields else None
                form.add_error(field, exc.message)
        status = 400
        change = service.working_change(product)
    else:
        form = ProductChangeForm(variants=variants,
                                 initial_content=service.proposed_content(product, change, variants))
    ctx = {
        "product": product,
        "form": form,
        "change": change,
        "frozen": change is not None and change.status == ProductChange.Status.PENDING,
        "change_photos": list(change.photos.order_by("pk")) if change else [],
        "differences": _labelled(service.differences(product, change, variants)) if change else [],
        "last_reviewed": service.last_reviewed(product),
        "images": list(product.images.all()),
    }
    return render_page(request, "producers/products/edit.html", ctx, tab="products", status=status)


def _labelled(rows):
    out = []
    for key, before, after in rows:
        if key in TEXT_LABELS:
            label = TEXT_LABELS[key]
        else:
            variant, _sep, name = key.rpartition(" · ")
            label = f"{variant} · {VARIANT_LABELS.get(name, name)}"
        out.append((label, before, after))
    return out
