"""/producer/sales/: units of the producer's products sold per sales point and month; CSV."""
from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.http import require_safe

from producers import sales as service
from producers.portal import member_required, render_page
from producers.report_forms import range_from
from shop import spreadsheet
from shop.errors import pick


def _range(request):
    form, rng = range_from(request, days=365)
    if not request.GET or form.errors:
        rng = service.last_months()
    return form, rng


@require_safe
@member_required
def sales(request):
    form, rng = _range(request)
    table = service.units_by_point(request.acting, rng)
    return render_page(request, "producers/sales/index.html", {
        "form": form, "range": rng, "table": table, "query": request.GET.urlencode(),
        "month_labels": [m.strftime("%m/%Y") for m in table.months],
        "rows": [(pick(r.name, r.name_en), r.units, r.total) for r in table.rows],
    }, tab="sales", status=400 if form.errors else 200)


@require_safe
@member_required
def sales_csv(request):
    form, rng = _range(request)
    if form.errors:
        return HttpResponse(form.errors_text(), status=400, content_type="text/plain; charset=utf-8")
    table = service.units_by_point(request.acting, rng)
    header = [pick("Điểm bán", "Sales point"), pick("Tháng", "Month"), pick("Số lượng bán", "Units sold")]
    rows = [(pick(r.name, r.name_en), m.strftime("%Y-%m"), r.units[i])
            for r in table.rows for i, m in enumerate(table.months)]
    return spreadsheet.csv_response(f"sales-{rng.start:%Y%m%d}-{rng.end:%Y%m%d}.csv", header, rows)
