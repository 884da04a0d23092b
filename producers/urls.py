"""The producers' portal under /producer/ (Vietnamese) and /en/producer/ (English)."""
from django.urls import path

from producers import (
    accounts_views,
    certificate_views,
    label_views,
    lot_views,
    product_views,
    sales_views,
    scan_views,
    views,
)

app_name = "producers"

urlpatterns = [
    path("", views.home, name="home"),
    path("certificates/", certificate_views.certificates, name="certificates"),
    path("certificates/renewals/start/<int:product_id>/", certificate_views.renewal_start, name="renewal_start"),
    path("certificates/renewals/<int:renewal_id>/", certificate_views.renewal, name="renewal"),
    path("certificates/renewals/<int:renewal_id>/submit/", certificate_views.renewal_submit, name="renewal_submit"),
    path("certificates/renewals/<int:renewal_id>/documents/<int:document_id>/", certificate_views.document,
         name="renewal_document"),
    path("certificates/renewals/<int:renewal_id>/documents/<int:document_id>/delete/",
         certificate_views.document_delete, name="renewal_document_delete"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("switch/", views.switch, name="switch"),
    path("members/", accounts_views.members, name="members"),
    path("members/<int:pk>/remove/", accounts_views.member_remove, name="member_remove"),
    path("members/<int:pk>/role/", accounts_views.member_role, name="member_role"),
    path("invitation/<str:token>/", accounts_views.invitation, name="invitation"),
    path("labels/", label_views.index, name="labels"),
    path("labels/jobs/<int:pk>/", label_views.job, name="label_job"),
    path("labels/jobs/<int:pk>/pdf/", label_views.job_pdf, name="label_job_pdf"),
    path("scans/", scan_views.scans, name="scans"),
    path("scans/csv/<slug:report>/", scan_views.scans_csv, name="scans_csv"),
    path("sales/", sales_views.sales, name="sales"),
    path("sales/csv/", sales_views.sales_csv, name="sales_csv"),
    path("products/", product_views.product_list, name="products"),
    path("products/<int:pk>/", product_views.product_edit, name="product"),
    path("lots/", lot_views.lots, name="lots"),
    path("lots/new/", lot_views.lot_new, name="lot_new"),
    path("lots/<int:pk>/", lot_views.lot, name="lot"),
    path("lots/<int:pk>/events/<slug:kind>/", lot_views.lot_event, name="lot_event"),
]
