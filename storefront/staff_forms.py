"""Forms of the staff console: they read what was typed and say what is wrong with it, beside
the field, in the page's language. The rules (who may, how much, which move) are the services'."""
import re

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm

from shop.errors import ShopError, pick
from shop.periods import DAY, WEEK
from shop.permissions import is_staff_member

# A service's field names (the API's) -> the form's.
FIELDS = {
    "amountVnd": "amount", "quantityOnHand": "quantity", "variantId": "variant", "reason": "reason", "note": "reason",
    "start": "start", "end": "end", "period": "period", "days": "days",
}


def add_shop_error(form: forms.Form, exc: ShopError) -> None:
    """Show a service's refusal beside the field it names (or above the form)."""
    name = FIELDS.get(exc.field or "")
    form.add_error(name if name in form.fields else None, exc.message)


class StaffLoginForm(AuthenticationForm):
    """Sign in with the e-mail address (demo and `create_staff` logins use it as the username too)."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "E-mail"
        self.fields["username"].widget.attrs.update(type="email", autocomplete="username", inputmode="email")
        self.fields["password"].label = pick("Mật khẩu", "Password")
        self.error_messages = {
            "invalid_login": pick("E-mail hoặc mật khẩu không đúng; hãy kiểm tra lại.",
                                  "Wrong e-mail or password; check them and try again."),
            "inactive": pick("Tài khoản này đã bị khoá.", "This account is disabled."),
            "not_staff": pick("Tài khoản này không phải nhân viên điểm bán; hãy nhờ quản trị tỉnh phân công.",
                              "This account is not sales-point staff; ask the province admin to assign you."),
        }

    def clean_username(self):
        email = self.cleaned_data["username"].strip()
        match = get_user_model().objects.filter(email__iexact=email).only("username").first()
        return match.get_username() if match else email

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not is_staff_member(user):
            raise forms.ValidationError(self.error_messages["not_staff"], code="not_staff")


def _whole_number(value: str, message_vi: str, message_en: str, *, money: bool = False) -> int:
    """'125.000 ₫' -> 125000 for money (dots and commas group thousands); a count takes digits only."""
    text = re.sub(r"[\s.,₫đ]|vnd" if money else r"\s", "", (value or "").lower())
    if not re.fullmatch(r"-?\d{1,12}", text):
        raise forms.ValidationError(pick(message_vi, message_en))
    return int(text)


class CashForm(forms.Form):
    amount = forms.CharField(max_length=30)

    def clean_amount(self):
        return _whole_number(self.cleaned_data["amount"], "Hãy nhập số tiền đã thu bằng số, ví dụ 125000.",
                             "Type the amount collected as a number, e.g. 125000.", money=True)


class HoldForm(forms.Form):
    """Days added to an unpaid order's hold (orders.unpaid.extend_hold says how many may be)."""

    days = forms.CharField(max_length=6)

    def clean_days(self):
        return _whole_number(self.cleaned_data["days"], "Hãy nhập số ngày gia hạn bằng số, ví dụ 2.",
                             "Type the number of days as a number, e.g. 2.")


class StockForm(forms.Form):
    variant = forms.TypedChoiceField(coerce=int)
    quantity = forms.CharField(max_length=20)
    reason = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, variants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["variant"].choices = [(v.pk, f"{v.product.name} — {v.name} ({v.sku})") for v in variants]
        self.fields["variant"].error_messages["invalid_choice"] = pick(
            "Hãy chọn một sản phẩm trong danh sách.", "Choose a product from the list.")

    def clean_quantity(self):
        return _whole_number(self.cleaned_data["quantity"], "Số lượng phải là số nguyên, ví dụ 12.",
                             "The quantity must be a whole number, e.g. 12.")


class RangeForm(forms.Form):
    start = forms.DateField(required=False, input_formats=["%Y-%m-%d", "%d/%m/%Y"])
    end = forms.DateField(required=False, input_formats=["%Y-%m-%d", "%d/%m/%Y"])
    period = forms.ChoiceField(required=False, choices=[(DAY, DAY), (WEEK, WEEK)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bad_date = pick("Ngày không hợp lệ; dùng dạng 2026-11-29 hoặc 29/11/2026.",
                        "Not a date; use 2026-11-29 or 29/11/2026.")
        for name in ("start", "end"):
            self.fields[name].error_messages["invalid"] = bad_date
        self.fields["period"].error_messages["invalid_choice"] = pick("Hãy chọn theo ngày hoặc theo tuần.",
                                                                      "Choose by day or by week.")
