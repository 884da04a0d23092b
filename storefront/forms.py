"""Forms of the cart and checkout pages: they parse what the shopper typed.

What is allowed (quantities, phone numbers, communes served, payment
methods) is decided by orders.checkout; its ShopErrors are put beside the
field they name with `add_service_error`. The forms only turn text into
values and keep what was typed when the page is shown again.
"""
from django import forms
from django.utils.translation import gettext_lazy as _

from orders.models import DeliveryKind, PaymentMethod

WHOLE_NUMBER = {
    "invalid": _("Hãy nhập số lượng bằng chữ số, ví dụ 2."),
    "required": _("Hãy nhập số lượng (0 để bỏ sản phẩm)."),
}

# The services' field names (orders.checkout, as in the GraphQL errors) → the fields of these forms.
SERVICE_FIELDS = {
    "email": "email",
    "phone": "phone",
    "pickupPointId": "pickup_point",
    "deliveryMethod": "delivery_method",
    "shippingAddress.fullName": "ship_name",
    "shippingAddress.phone": "ship_phone",
    "shippingAddress.streetAddress": "ship_street",
    "shippingAddress.communeId": "ship_commune",
    "paymentMethod": "payment_method",
}


def add_service_error(form, error) -> None:
    """Show a ShopError beside its field, or above the form when it names none of the form's fields."""
    name = SERVICE_FIELDS.get(error.field or "")
    form.add_error(name if name in form.fields else None, error.message)


class AddToCartForm(forms.Form):
    """The product page's form (storefront/product.html)."""

    variant = forms.IntegerField(min_value=1, error_messages={
        "required": _("Hãy chọn một quy cách sản phẩm."), "invalid": _("Hãy chọn một quy cách sản phẩm."),
        "min_value": _("Hãy chọn một quy cách sản phẩm."),
    })
    quantity = forms.IntegerField(error_messages=WHOLE_NUMBER)


class LineQuantityForm(forms.Form):
    """One cart line's quantity (prefix `line-{id}`); 0 removes the line."""

    quantity = forms.IntegerField(error_messages=WHOLE_NUMBER)


class DeliveryForm(forms.Form):
    """Contact and delivery: pickup at an open sales point, or delivery to an address in a commune."""

    email = forms.CharField(required=False, max_length=254)
    phone = forms.CharField(required=False, max_length=32)
    delivery_method = forms.ChoiceField(
        choices=[(DeliveryKind.PICKUP.value, DeliveryKind.PICKUP.value),
                 (DeliveryKind.DELIVERY.value, DeliveryKind.DELIVERY.value)],
        error_messages={"required": _("Hãy chọn cách nhận hàng."), "invalid_choice": _("Hãy chọn cách nhận hàng.")},
    )
    pickup_point = forms.CharField(required=False, max_length=32)
    ship_name = forms.CharField(required=False, max_length=200)
    ship_phone = forms.CharField(required=False, max_length=32)
    ship_street = forms.CharField(required=False, max_length=400)
    ship_commune = forms.IntegerField(required=False, min_value=1, error_messages={
        "invalid": _("Hãy chọn xã / phường trong danh sách."), "min_value": _("Hãy chọn xã / phường trong danh sách."),
    })
    # The province whose communes the picker lists (the commune decides; a mismatch is refused), the
    # picker's search, and an old district-era address used when no commune is chosen (orders/delivery.py).
    ship_province = forms.CharField(required=False, max_length=8)
    q = forms.CharField(required=False, max_length=200)
    legacy_district = forms.CharField(required=False, max_length=120)
    legacy_commune = forms.CharField(required=False, max_length=120)

    def __init__(self, *args, points=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.points = {p.code: p for p in points}

    def clean_pickup_point(self):
        """The chosen point (by its code), or None; whether it may be chosen is orders.checkout's call."""
        code = self.cleaned_data.get("pickup_point") or ""
        if code and code not in self.points:
            raise forms.ValidationError(_("Hãy chọn một điểm bán trong danh sách."))
        return self.points.get(code)

    DELIVERY_FIELDS = ("delivery_method", "pickup_point", "ship_name", "ship_phone", "ship_street", "ship_commune",
                       "ship_province", "legacy_district", "legacy_commune")

    def delivery_fields_parsed(self) -> bool:
        return not any(name in self.errors for name in self.DELIVERY_FIELDS)

    @property
    def is_delivery(self) -> bool:
        return self.cleaned_data.get("delivery_method") == DeliveryKind.DELIVERY

    def address(self) -> dict:
        """The address in the shape orders.checkout.set_delivery takes."""
        data = self.cleaned_data
        return {
            "full_name": data.get("ship_name", ""), "phone": data.get("ship_phone", ""),
            "street_address": data.get("ship_street", ""), "commune_id": data.get("ship_commune"),
            "province": data.get("ship_province", ""), "legacy_district": data.get("legacy_district", ""),
            "legacy_commune": data.get("legacy_commune", ""),
        }


class PaymentForm(forms.Form):
    """The payment method and the key that makes a double submit place one order."""

    payment_method = forms.ChoiceField(
        choices=PaymentMethod.choices,
        error_messages={"required": _("Hãy chọn cách thanh toán."), "invalid_choice": _("Hãy chọn cách thanh toán.")},
    )
    idempotency_key = forms.CharField(max_length=80, widget=forms.HiddenInput)
