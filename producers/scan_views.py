"""/producer/scans/: how often, where and how the producer's codes were scanned; CSV exports."""
from __future__ import annotations

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from producers import scans as service
from producers.chart import column_chart
from producers.portal import member_required, render_page
from producers.report_forms import range_from
from shop import spreadsheet
from shop.errors import pick
from shop.periods import WEEK

CSV_REPORTS = ("periods", "places", "suspicious", "reports")


def period_label(day, period, short=False) -> str:
    if short:
        return day.strftime("%d/%m")
    text = day.strftime("%d/%m/%Y")
    return pick(f"Tuần từ {text}", f"Week of {text}") if period == WEEK else text


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


@require_safe
@member_required
def scans(request):
    form, rng = range_from(request)
    data = service.report(request.acting, rng)
    chart = column_chart(
        "scans-chart", title=pick("Lượt quét mã của cơ sở", "Scans of your codes"),
        desc=pick(f"Số lượt quét mỗi {'tuần' if rng.period == WEEK else 'ngày'}, "
                  f"từ {rng.start:%d/%m/%Y} đến {rng.end:%d/%m/%Y}; bảng bên dưới có cùng số liệu.",
                  f"Scans per {'week' if rng.period == WEEK else 'day'}, {rng.start:%d/%m/%Y} to "
                  f"{rng.end:%d/%m/%Y}; the table below has the same figures."),
        labels=[period_label(p, rng.period, short=True) for p, _ in data.periods],
        values=[n for _, n in data.periods],
        empty=pick("Chưa có lượt quét nào trong khoảng này.", "No scans in this range."))
    return render_page(request, "producers/scans/index.html", {
        "form": form, "range": rng, "data": data, "chart": chart, "query": request.GET.urlencode(),
        "period_rows": [(period_label(p, rng.period), n) for p, n in data.periods],
        "listed": service.LISTED,
    }, tab="scans", status=400 if form.errors else 200)


@require_safe
@member_required
def scans_csv(request, report):
    if report not in CSV_REPORTS:
        raise Http404(report)
    form, rng = range_from(request)
    if form.errors:
        return HttpResponse(form.errors_text(), status=400, content_type="text/plain; charset=utf-8")
    header, rows = _csv_rows(request.acting, report, rng)
    return spreadsheet.csv_response(f"scans-{report}-{rng.start:%Y%m%d}-{rng.end:%Y%m%d}.csv", header, rows)


def _csv_rows(acting, report, rng):
    if report == "periods":
        header = [pick("Từ ngày", "Period start"), pick("Lượt quét", "Scans")]
        return header, [(p.isoformat(), n) for p, n in service.per_period(acting, rng)]
    if report == "places":
        header = [pick("Nơi quét", "Where"), pick("Lượt quét", "Scans")]
        return header, [(pick(p.name, p.name_en), p.scans) for p in service.places(acting, rng)]
    if report == "suspicious":
        header = [pick("Thời điểm", "Time"), pick("Sản phẩm", "Product"), pick("Lô", "Lot"), pick("Mã", "Code"),
                  pick("Kết quả", "Verdict"), pick("Nơi quét", "Where"), pick("Số lần", "Hits")]
        rows = [(_local(s.scanned_at), _product(s.batch), s.batch.lot_code if s.batch else "", s.code,
                 pick(*s.verdict_name), pick(*s.place), s.hits) for s in service.suspicious(acting, rng, limit=None)]
        return header, rows
    header = [pick("Thời điểm", "Time"), pick("Sản phẩm", "Product"), pick("Lô", "Lot"), pick("Mã", "Code"),
              pick("Loại phản ánh", "Kind"), pick("Nội dung", "Message"), pick("Đã xử lý", "Handled")]
    rows = [(_local(r.created_at), _product(r.batch), r.batch.lot_code if r.batch else "", r.code,
             pick(*r.kind_name), r.message, pick("có", "yes") if r.handled else pick("chưa", "no"))
            for r in service.reports(acting, rng, limit=None)]
    return header, rows


def _product(batch) -> str:
    if batch is None:
        return ""
    product = batch.variant.product
    return f"{pick(product.name, product.name_en)} — {batch.variant.name}"
