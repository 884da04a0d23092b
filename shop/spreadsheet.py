"""CSV files the shop writes, safe to open in a spreadsheet.

A text cell that starts with = + - @, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets (`=HYPERLINK(...)` can send the
sheet's data away). Such a cell is prefixed with a single quote (OWASP's rule
against CSV injection), so it shows as the text it is. Numbers are left alone:
a real -5 is a number, not a formula. Every CSV goes through `write_csv`.
"""
import csv

from django.http import HttpResponse

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """`value`, or the text with a leading quote if a spreadsheet would read it as a formula."""
    if isinstance(value, str) and (value[:1] in _TRIGGERS or value.lstrip()[:1] in _TRIGGERS):
        return "'" + value
    return value


def write_csv(out, header, rows) -> None:
    """Write `header` and `rows` to the file-like `out`, every cell through `safe_cell`."""
    writer = csv.writer(out)
    writer.writerow([safe_cell(v) for v in header])
    writer.writerows([safe_cell(v) for v in row] for row in rows)


def csv_response(filename: str, header, rows) -> HttpResponse:
    """A CSV download: a byte-order mark first, so a spreadsheet opened by double-click reads the
    Vietnamese right, then `write_csv`."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    write_csv(response, header, rows)
    return response
