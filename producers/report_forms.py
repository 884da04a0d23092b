"""The forms of the portal's reports (scans, sales): a date range, kept as typed on error."""
from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from shop.errors import ShopError, pick
from shop.periods import DAY, WEEK, date_range, last_days

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class RangeForm(forms.Form):
    start = forms.DateField(required=False, input_formats=DATE_FORMATS)
    end = forms.DateField(required=False, input_formats=DATE_FORMATS)
    period = forms.ChoiceField(required=False, choices=[(DAY, DAY), (WEEK, WEEK)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bad_date = pick("Ngày không hợp lệ; dùng dạng 2026-11-29 hoặc 29/11/2026.",
                        "Not a date; use 2026-11-29 or 29/11/2026.")
        for name in ("start", "end"):
            self.fields[name].error_messages["invalid"] = bad_date
        self.fields["period"].choices = [(DAY, pick("Theo ngày", "By day")), (WEEK, pick("Theo tuần", "By week"))]
        self.fields["period"].error_messages["invalid_choice"] = pick("Hãy chọn theo ngày hoặc theo tuần.",
                                                                      "Choose by day or by week.")


def range_from(request, days: int = 30):
    """(form, DateRange): what was asked for, or the last `days` days with the form's errors."""
    form = RangeForm(request.GET or None)
    if not request.GET:
        return form, last_days(days)
    if form.is_valid():
        data = form.cleaned_data
        end = data["end"] or timezone.localdate()
        start = data["start"] or end - datetime.timedelta(days=days - 1)
        try:
            return form, date_range(start, end, data["period"] or DAY)
        except ShopError as exc:
            form.add_error("start" if exc.field == "start" else None, exc.message)
    return form, last_days(days)
