"""The forms of the portal's reports (scans, sales): a date range, kept as typed on error."""
from __future__ import annotations

import datetime

from django.utils import timezone

from shop.errors import ShopError
from shop.forms import RangeForm
from shop.periods import DAY, date_range, last_days


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
