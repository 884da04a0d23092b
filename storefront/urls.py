"""The shopper pages. Included by shop/urls.py inside `i18n_patterns`, so
each route exists twice: Vietnamese at the root (`/san-pham/…`) and English
under `/en/` (`/en/products/…`); the routes are translated strings
(storefront/locale/en), so `translate_url` maps a page to its twin.

Names reserved for phase 2 (cart, checkout, order status) are declared here
already so the layout links to them by name.
"""
from django.urls import path
from django.utils.translation import gettext_lazy as _

from storefront import views

app_name = "storefront"

urlpatterns = [
    path("", views.home, name="home"),
    path(_("san-pham/"), views.catalogue, name="catalogue"),
    path(_("san-pham/<slug:slug>/"), views.product, name="product"),
    path(_("tim-kiem/"), views.search, name="search"),
    path(_("tim-kiem/goi-y/"), views.suggest, name="suggest"),
    path(_("chu-the/"), views.producers, name="producers"),
    path(_("chu-the/<slug:slug>/"), views.producer, name="producer"),
    path(_("diem-ban/"), views.sales_points, name="sales_points"),
    path(_("diem-ban/<slug:code>/"), views.sales_point, name="sales_point"),
    # Phase 2 (cart and checkout) replaces these views; the names stay.
    path(_("gio-hang/"), views.cart, name="cart"),
    path(_("gio-hang/them/"), views.cart_add, name="cart_add"),
]
