"""The resolver's routes. Paths are matched loosely and parsed strictly in
traceability/codes.py, so any malformed code reaches a friendly page."""
from django.urls import path, re_path

from traceability import views

urlpatterns = [
    path("q/bao-cao/", views.report, name="trace-report"),
    re_path(r"^q/(?P<code>[0-9A-Za-z-]{1,64})\.(?P<fmt>svg|png)$", views.qr_image, name="trace-qr"),
    re_path(r"^q/(?P<code>.*)$", views.short_code, name="trace-short"),
    re_path(r"^01/(?P<path>.*)$", views.digital_link, name="trace-digital-link"),
]
