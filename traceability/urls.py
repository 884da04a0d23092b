"""The resolver's routes. Paths are matched loosely and parsed strictly in
traceability/resolver.py and codes.py, so any malformed code reaches a friendly page."""
from django.urls import path, re_path

from traceability import views

urlpatterns = [
    path(".well-known/gs1resolver", views.gs1resolver, name="trace-gs1resolver"),
    path("q/bao-cao/", views.report, name="trace-report"),
    re_path(r"^q/(?P<code>[0-9A-Za-z-]{1,64})\.(?P<fmt>svg|png)$", views.qr_image, name="trace-qr"),
    re_path(r"^q/(?P<code>[0-9A-Za-z]{8})/epcis$", views.lot_epcis, name="trace-epcis"),
    re_path(r"^q/(?P<code>.*)$", views.short_code, name="trace-short"),
    re_path(r"^01/(?P<path>.*)$", views.digital_link, name="trace-digital-link"),
    # A compressed GS1 Digital Link (GS1 Digital Link: Compression): one base64url segment,
    # starting with the encoding of a GTIN's AI (01).
    re_path(r"^(?P<code>A[0-9A-Za-z_-]{7,200})$", views.compressed, name="trace-compressed"),
]
