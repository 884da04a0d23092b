"""The shopper pages. Included by shop/urls.py inside `i18n_patterns`, so
each route exists twice: Vietnamese at the root (`/san-pham/…`) and English
under `/en/` (`/en/products/…`); the routes are translated strings
(storefront/locale/en), so `translate_url` maps a page to its twin.

The cart, checkout and order status pages are in checkout_views; the order
status page keeps `/don-hang/{token}/`, the link orders/notifications.py mails.
"""
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from storefront import checkout_views, lookup_views, views

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
    path(_("gio-hang/"), checkout_views.cart_page, name="cart"),
    path(_("gio-hang/them/"), checkout_views.cart_add, name="cart_add"),
    path(_("thanh-toan/"), checkout_views.checkout_details, name="checkout"),
    path(_("thanh-toan/dat-hang/"), checkout_views.checkout_payment, name="checkout_payment"),
    path(_("thanh-toan/the/<uuid:token>/"), checkout_views.checkout_card, name="checkout_card"),
    path(_("thanh-toan/the/<uuid:token>/khong-thanh-cong/"), checkout_views.checkout_card_failed,
         name="checkout_card_failed"),
    path(_("don-hang/<uuid:token>/"), checkout_views.order_status, name="order_status"),
    path(_("don-hang/<uuid:token>/huy/"), checkout_views.order_cancel, name="order_cancel"),
    path(_("tra-cuu-don-hang/"), lookup_views.order_lookup, name="order_lookup"),
    path("staff/", include("storefront.staff_urls")),
]
