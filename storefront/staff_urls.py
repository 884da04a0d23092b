"""The staff console and the province dashboard, under /staff/ (Vietnamese) and /en/staff/ (English).

Included by storefront/urls.py inside the shop's `i18n_patterns`, so the
language follows the prefix like every shopper page. The paths are not
translated: staff share links between the two languages.
"""
from django.urls import path

from storefront import staff_bank_views, staff_views

app_name = "staff"

urlpatterns = [
    path("", staff_views.home, name="home"),
    path("login/", staff_views.login, name="login"),
    path("logout/", staff_views.logout, name="logout"),
    path("points/<slug:code>/", staff_views.queue, name="queue"),
    path("points/<slug:code>/pick-list/", staff_views.pick_list, name="pick_list"),
    path("points/<slug:code>/stock/", staff_views.stock, name="stock"),
    path("points/<slug:code>/stock/threshold/", staff_views.stock_threshold, name="stock_threshold"),
    path("points/<slug:code>/transfers/", staff_views.transfers, name="transfers"),
    path("transfers/<int:pk>/receive/", staff_views.receive_transfer, name="receive_transfer"),
    path("transfers/<int:pk>/cancel/", staff_views.cancel_transfer, name="cancel_transfer"),
    path("fulfilments/<int:pk>/status/", staff_views.move, name="move"),
    path("orders/<int:pk>/cash/", staff_views.cash, name="cash"),
    path("orders/<int:pk>/hold/", staff_views.extend_hold, name="extend_hold"),
    path("bank-transfers/", staff_bank_views.bank_transfers_page, name="bank_transfers"),
    path("dashboard/", staff_views.dashboard, name="dashboard"),
    path("dashboard/<slug:report>.csv", staff_views.dashboard_csv, name="dashboard_csv"),
]
