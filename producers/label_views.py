"""Labels pages: print lot or serial labels for the producer's own lots; large runs in the background."""
from __future__ import annotations

from django import forms
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from producers import labels
from producers.models import LabelJob
from producers.portal import member_required, render_page
from shop.errors import ShopError, pick

LOTS_SHOWN = 200  # the lot list of the form; older lots are reached with ?lot=ID


class LabelForm(forms.Form):
    lot = forms.TypedChoiceField(label=_("Lô hàng"), coerce=int)
    kind = forms.ChoiceField(label=_("Loại tem"), widget=forms.RadioSelect, initial=labels.LOT, choices=[
        (labels.LOT, _("Tem theo lô (cùng một mã QR cho cả lô)")),
        (labels.SERIAL, _("Tem sê-ri (mỗi gói một mã riêng, tạo mã mới)")),
    ])
    count = forms.IntegerField(label=_("Số tem"), min_value=1, max_value=labels.MAX_LABELS, initial=labels.SHEET)

    def __init__(self, *args, lots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lot"].choices = [
            (b.pk, f"{b.lot_code} — {pick(b.variant.product.name, b.variant.product.name_en)} ({b.variant.name})")
            for b in lots]
        self.fields["lot"].error_messages["invalid_choice"] = pick(
            "Hãy chọn một lô của cơ sở mình.", "Choose one of your own lots.")
        self.fields["count"].error_messages.update(
            min_value=pick("Số tem phải từ 1 trở lên.", "Print at least 1 label."),
            max_value=pick(f"Mỗi lần in tối đa {labels.MAX_LABELS:,} tem.".replace(",", "."),
                           f"At most {labels.MAX_LABELS:,} labels per run."),
            invalid=pick("Hãy nhập một số nguyên.", "Enter a whole number."),
        )


def _lots(request, wanted=None) -> list:
    lots = list(labels.own_lots(request.acting)[:LOTS_SHOWN])
    if wanted is not None and all(b.pk != wanted.pk for b in lots):
        lots.insert(0, wanted)
    return lots


@require_http_methods(["GET", "HEAD", "POST"])
@member_required
def index(request):
    acting = request.acting
    if request.method == "POST":
        wanted = labels.own_lot(acting, request.POST.get("lot"))
        form = LabelForm(request.POST, lots=_lots(request, wanted))
        if form.is_valid():
            batch = labels.own_lot(acting, form.cleaned_data["lot"])
            if batch is None:  # gone since the form was drawn
                raise Http404("lot")
            kind, count = form.cleaned_data["kind"], form.cleaned_data["count"]
            try:
                if count > labels.INLINE_MAX:
                    job = labels.start_job(acting, batch, kind=kind, count=count)
                    return redirect("producers:label_job", job.pk)
                pdf, _n = labels.print_now(acting, batch, kind=kind, count=count)
            except ShopError as exc:
                form.add_error("count" if exc.field == "count" else None, exc.message)
            else:
                response = HttpResponse(pdf, content_type="application/pdf")
                response["Content-Disposition"] = f'attachment; filename="{labels.filename(batch)}"'
                return response
        return _page(request, form, status=400)
    wanted = labels.own_lot(acting, request.GET["lot"]) if request.GET.get("lot") else None
    if request.GET.get("lot") and wanted is None:
        raise Http404("lot")
    form = LabelForm(lots=_lots(request, wanted), initial={"lot": wanted.pk} if wanted else None)
    return _page(request, form)


def _page(request, form, status=200):
    return render_page(request, "producers/labels/index.html", {
        "form": form, "jobs": labels.own_jobs(request.acting), "inline_max": labels.INLINE_MAX,
        "sheet": labels.SHEET,
    }, tab="labels", status=status)


def _job_or_404(request, pk) -> LabelJob:
    job = labels.own_job(request.acting, pk)
    if job is None:  # another producer's job is not there at all
        raise Http404("job")
    return job


@require_safe
@member_required
def job(request, pk):
    job = _job_or_404(request, pk)
    percent = int(job.done * 100 / job.total) if job.total else 0
    running = job.status in (LabelJob.Status.QUEUED, LabelJob.Status.RUNNING)
    return render_page(request, "producers/labels/job.html", {"job": job, "percent": percent, "running": running},
                       tab="labels")


@require_safe
@member_required
def job_pdf(request, pk):
    job = _job_or_404(request, pk)
    if job.status != LabelJob.Status.DONE or not job.file:
        raise Http404("not ready")
    try:
        handle = job.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("file") from exc
    response = FileResponse(handle, content_type="application/pdf", as_attachment=True,
                            filename=labels.filename(job.batch))
    response["Cache-Control"] = "private, no-store"
    return response
