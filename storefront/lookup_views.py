"""The order lookup page (/tra-cuu-don-hang/, /en/order-lookup/): an order's number and phone lead to
its status page. The rule and the throttle are orders/lookup.py; this page only asks and answers."""
from django import forms
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from orders import lookup
from orders.errors import OrderErrorCode
from shop.errors import ShopError
from shop.net import client_ip
from storefront.views import _render

REQUIRED_NUMBER = _("Hãy nhập số đơn hàng, ví dụ DB000123.")
REQUIRED_PHONE = _("Hãy nhập số điện thoại đã dùng khi đặt hàng.")


class OrderLookupForm(forms.Form):
    number = forms.CharField(max_length=40, strip=True, error_messages={"required": REQUIRED_NUMBER,
                                                                        "max_length": REQUIRED_NUMBER})
    phone = forms.CharField(max_length=32, strip=True, error_messages={"required": REQUIRED_PHONE,
                                                                       "max_length": REQUIRED_PHONE})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def order_lookup(request):
    """GET: the form. POST: the order's status page (303), or the form again with what to fix
    (429 when the tries ran out)."""
    status = 200
    if request.method == "POST":
        form = OrderLookupForm(request.POST)
        if form.is_valid():
            try:
                order = lookup.find(form.cleaned_data["number"], form.cleaned_data["phone"], address=client_ip(request))
            except ShopError as error:
                form.add_error("phone" if error.field == "phone" else None, error.message)
                if error.code == OrderErrorCode.LOOKUP_THROTTLED:
                    status = 429
            else:
                response = redirect(reverse("storefront:order_status", kwargs={"token": order.token}))
                response.status_code = 303
                return response
    else:
        form = OrderLookupForm()
    return _render(request, "storefront/order_lookup.html", {"form": form, "noindex": True}, status=status)
