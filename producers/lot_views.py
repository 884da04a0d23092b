"""My lots pages: the list, a new lot, a lot with its events, and one small form per event kind.

Every form carries an idempotency key (a UUID made when the form is rendered): a post retried
after a dropped connection returns the first post's result (producers.lots.once). The forms are
plain HTML; producers/static/producers/drafts.js keeps what was typed in the phone's storage
until the post succeeds.
"""
from __future__ import annotations

import uuid
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from producers import lots as service
from producers.errors import ProducerErrorCode
from producers.portal import member_required, render_page
from shop.errors import ShopError, pick
from traceability import vocabulary

PER_PAGE = 30
FIELDS = {"lotCode": "lot_code", "productionDate": "production_date", "expiryDate": "expiry_date",
          "quantity": "quantity", "variant": "variant", "origin_commune": "origin_commune", "point": "point",
          "toPointId": "point", "report": "report", "eventTime": "event_time", "lines.0.quantity": "quantity",
          "note": "note"}


def _words() -> dict:
    return {
        "title": pick("Lô hàng", "Lots"), "new": pick("Tạo lô mới", "New lot"),
        "none": pick("Chưa có lô nào. Tạo lô đầu tiên khi bắt đầu một mẻ sản xuất.",
                     "No lots yet. Create the first one when a production run starts."),
        "lot": pick("Lô", "Lot"), "product": pick("Sản phẩm", "Product"),
        "produced": pick("Ngày sản xuất", "Production date"), "expiry": pick("Hạn sử dụng", "Expiry date"),
        "quantity": pick("Số lượng (đơn vị)", "Quantity (units)"), "origin": pick("Xã có nguyên liệu", "Raw material's commune"),
        "raw": pick("Nguồn nguyên liệu (không bắt buộc)", "Raw materials (optional)"),
        "lot_code": pick("Số lô (để trống: tự đặt)", "Lot code (empty: made for you)"),
        "status": pick("Trạng thái", "Status"), "active": pick("Đang lưu hành", "Active"),
        "recalled": pick("Đã thu hồi", "Recalled"), "events": pick("Sự kiện", "Events"),
        "dispatched": pick("Đã xuất", "Dispatched"), "received": pick("điểm bán đã nhận", "received by points"),
        "in_transit": pick("đang chuyển", "in transit"),
        "create": pick("Tạo lô", "Create the lot"), "save": pick("Ghi nhận", "Record"),
        "record": pick("Ghi sự kiện", "Record an event"), "when": pick("Thời điểm", "When"),
        "note": pick("Ghi chú (không bắt buộc)", "Note (optional)"), "back": pick("Về lô", "Back to the lot"),
        "all_lots": pick("Tất cả lô", "All lots"), "no_events": pick("Chưa có sự kiện nào.", "No events yet."),
        "trace": pick("Trang truy xuất của lô (người mua thấy)", "The lot's trace page (what buyers see)"),
        "documents": pick("Hồ sơ chất lượng", "Quality documents"), "choose": pick("— chọn —", "— choose —"),
        "none_commune": pick("— không rõ —", "— not known —"),
        "draft": pick("Bản nháp được lưu trên máy này khi bạn gõ; mất mạng cũng không mất.",
                      "What you type is kept on this phone as a draft; a dropped connection loses nothing."),
        "older": pick("Cũ hơn", "Older"), "newer": pick("Mới hơn", "Newer"),
        "recalled_note": pick("Lô đã bị thu hồi: không ghi thêm sự kiện.", "The lot is recalled: no more events."),
        "no_variants": pick("Cơ sở chưa có sản phẩm nào để tạo lô.", "Your producer has no product to make a lot of."),
    }


KIND_WORDS = {
    "harvest": {"quantity": ("Khối lượng thu hoạch (kg)", "Harvested weight (kg)"),
                "help": ("Ngày thu hái nguyên liệu, ở xã ghi trong lô.", "When the raw material was picked, in the lot's commune.")},
    "processing": {"quantity": ("Số đơn vị làm ra (không bắt buộc)", "Units made (optional)"),
                   "help": ("Sơ chế, chế biến, sản xuất thành phẩm.", "Preparing and making the product.")},
    "quality": {"help": ("Tải phiếu kết quả kiểm nghiệm (PDF); nó hiện trong hồ sơ chất lượng của lô.",
                         "Upload the test report (PDF); it shows among the lot's quality documents.")},
    "packing": {"quantity": ("Số gói/hũ đã đóng (không bắt buộc)", "Packages packed (optional)"),
                "help": ("Đóng gói và dán tem.", "Packing and labelling.")},
    "dispatch": {"quantity": ("Số đơn vị xuất đi", "Units sent"),
                 "help": ("Điểm bán sẽ thấy phiếu chuyển đến và đếm hàng khi nhận.",
                          "The sales point sees an incoming transfer and counts the units when they arrive.")},
}


def _now_local() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


class KeyedForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("key", str(uuid.uuid4()))

    def add_shop_error(self, exc: ShopError) -> None:
        name = FIELDS.get(exc.field or "")
        self.add_error(name if name in self.fields else None, exc.message)


class LotForm(KeyedForm):
    variant = forms.TypedChoiceField(coerce=int)
    lot_code = forms.CharField(max_length=20, required=False)
    production_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    expiry_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    quantity = forms.IntegerField(min_value=1, max_value=10_000_000)
    origin_commune = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    raw_materials = forms.CharField(max_length=500, required=False)

    def __init__(self, *args, variants=(), communes=(), **kwargs):
        super().__init__(*args, **kwargs)
        w = _words()
        self.fields["variant"].choices = [("", w["choose"])] + [
            (v.pk, f"{pick(v.product.name, v.product.name_en)} — {pick(v.name, v.name_en)}") for v in variants]
        self.fields["origin_commune"].choices = [("", w["none_commune"])] + [(c.pk, c.name) for c in communes]
        if not self.is_bound:
            self.initial.setdefault("production_date", timezone.localdate().isoformat())
        for name, label in (("variant", "product"), ("lot_code", "lot_code"), ("production_date", "produced"),
                            ("expiry_date", "expiry"), ("quantity", "quantity"), ("origin_commune", "origin"),
                            ("raw_materials", "raw")):
            self.fields[name].label = w[label]


class EventForm(KeyedForm):
    event_time = forms.DateTimeField(input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    quantity = forms.DecimalField(required=False, min_value=Decimal("0.001"), max_digits=12, decimal_places=3)
    note = forms.CharField(max_length=300, required=False)
    passed = forms.TypedChoiceField(choices=[("1", ""), ("0", "")], coerce=lambda v: v == "1", required=False)
    report = forms.FileField(required=False)
    report_title = forms.CharField(max_length=150, required=False)
    point = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)

    def __init__(self, *args, kind: str, points=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        w, kw = _words(), KIND_WORDS[kind]
        if not self.is_bound:
            self.initial.setdefault("event_time", _now_local())
            self.initial.setdefault("passed", "1")
        self.fields["event_time"].label = w["when"]
        self.fields["note"].label = w["note"]
        if "quantity" in kw:
            self.fields["quantity"].label = pick(*kw["quantity"])
            self.fields["quantity"].required = kind in ("dispatch",)
        else:
            del self.fields["quantity"]
        if kind == "quality":
            self.fields["passed"].label = pick("Kết quả", "Result")
            self.fields["passed"].choices = [("1", pick("Đạt", "Passed")), ("0", pick("Không đạt", "Failed"))]
            self.fields["report"].label = pick("Phiếu kết quả (PDF)", "Test report (PDF)")
            self.fields["report"].required = True
            self.fields["report"].widget.attrs["accept"] = "application/pdf"
            self.fields["report_title"].label = pick("Tên phiếu (vd. Phiếu kiểm nghiệm số 12/2026)",
                                                     "Report title (e.g. Test report no. 12/2026)")
        else:
            for name in ("passed", "report", "report_title"):
                del self.fields[name]
        if kind == "dispatch":
            self.fields["point"].label = pick("Điểm bán nhận", "Receiving sales point")
            self.fields["point"].required = True
            self.fields["point"].choices = [("", w["choose"])] + [(p.pk, pick(p.name, p.name_en)) for p in points]
        else:
            del self.fields["point"]

    def clean_quantity(self):
        value = self.cleaned_data.get("quantity")
        if value is not None and self.kind != "harvest":
            if value != value.to_integral_value():
                raise forms.ValidationError(pick("Hãy nhập số nguyên.", "Enter a whole number."))
            value = int(value)
        return value

    def clean_event_time(self):
        value = self.cleaned_data["event_time"]
        return timezone.make_aware(value) if timezone.is_naive(value) else value

    def to_input(self) -> service.EventInput:
        d = self.cleaned_data
        passed = d.get("passed")
        return service.EventInput(event_time=d["event_time"], note=d.get("note", ""), quantity=d.get("quantity"),
                                  passed=True if passed in (None, "") else bool(passed),
                                  report=d.get("report"), report_title=d.get("report_title", ""),
                                  point_id=d.get("point"))


def _not_found(exc: ShopError):
    raise Http404(exc.message)


def _lot_or_404(request, pk):
    try:
        return service.get_lot(request.acting, pk)
    except ShopError as exc:
        _not_found(exc)


# -- pages -----------------------------------------------------------------------------------

@require_safe
@member_required
def lots(request):
    paginator = Paginator(service.lots(request.acting), PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    rows = service.with_dispatches(request.acting, page.object_list)
    return render_page(request, "producers/lots/list.html", {"page": page, "rows": rows, "w": _words()}, tab="lots")


@require_http_methods(["GET", "HEAD", "POST"])
@member_required
def lot_new(request):
    acting = request.acting
    choices = {"variants": service.variants(acting), "communes": list(service.communes())}
    form = LotForm(request.POST if request.method == "POST" else None, **choices)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                batch = service.create_lot(
                    acting, key=service.parse_key(d["key"]), variant_id=d["variant"], lot_code=d["lot_code"],
                    production_date=d["production_date"], expiry_date=d["expiry_date"], quantity=d["quantity"],
                    origin_commune_id=d["origin_commune"], raw_materials=d["raw_materials"])
            except ShopError as exc:
                if exc.code == ProducerErrorCode.SUBMISSION_MISMATCH:
                    form = LotForm(None, **choices)
                    form.add_shop_error(exc)
                else:
                    form.add_shop_error(exc)
            else:
                messages.success(request, pick(f"Đã tạo lô {batch.lot_code}.", f"Lot {batch.lot_code} created."))
                return redirect(reverse("producers:lot", args=[batch.pk]) + "?saved=lot-new")
    return render_page(request, "producers/lots/new.html", {"form": form, "w": _words(), **choices},
                       tab="lots", status=status)


@require_safe
@member_required
def lot(request, pk):
    batch = _lot_or_404(request, pk)
    kinds = [{"slug": k.slug, "label": pick(*k.label)} for k in service.KINDS.values()]
    shown = [{"step": vocabulary.step_label(e.biz_step), "when": timezone.localtime(e.event_time),
              "text": pick(e.description, e.description_en), "place": e.sales_point.name if e.sales_point_id else
              (e.commune.name if e.commune_id else e.place), "disposition": e.disposition}
             for e in service.events(batch)]
    dispatch = service.with_dispatches(request.acting, [batch])[0].dispatch
    saved = request.GET.get("saved", "")
    return render_page(request, "producers/lots/detail.html", {
        "lot": batch, "events": shown, "kinds": kinds, "w": _words(), "dispatch": dispatch,
        "saved": saved if saved.replace("-", "").isalnum() else "",
    }, tab="lots")


@require_http_methods(["GET", "HEAD", "POST"])
@member_required
def lot_event(request, pk, kind):
    batch = _lot_or_404(request, pk)
    if kind not in service.KINDS:
        raise Http404("no such event kind")
    points = list(service.points()) if kind == "dispatch" else []
    bound = request.method == "POST"
    form = EventForm(request.POST if bound else None, request.FILES if bound else None, kind=kind, points=points)
    status = 200
    if bound:
        status = 400
        if form.is_valid():
            try:
                service.record_event(request.acting, batch, kind, form.to_input(),
                                     key=service.parse_key(form.cleaned_data["key"]),
                                     site_url=request.build_absolute_uri("/"))
            except ShopError as exc:
                if exc.code == ProducerErrorCode.LOT_NOT_FOUND:
                    _not_found(exc)
                form.add_shop_error(exc)
            else:
                spec = service.KINDS[kind]
                messages.success(request, pick(f"Đã ghi nhận: {spec.label[0]}.", f"Recorded: {spec.label[1]}."))
                return redirect(reverse("producers:lot", args=[batch.pk]) + f"?saved=lot-{batch.pk}-{kind}")
    spec = service.KINDS[kind]
    return render_page(request, "producers/lots/event.html", {
        "lot": batch, "form": form, "kind": kind, "label": pick(*spec.label), "w": _words(),
        "help": pick(*KIND_WORDS[kind]["help"]), "draft": f"lot-{batch.pk}-{kind}",
    }, tab="lots", status=status)
