"""Forms of the staff console: they read what was typed and say what is wrong with it, beside
the field, in the page's language. The rules (who may, how much, which move) are the services'."""
import re

from django import forms

from inventory.transfers import Count
from shop.errors import ShopError, pick
from shop.forms import EmailLoginForm
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


class StaffLoginForm(EmailLoginForm):
    """The staff console's door: sales-point and province staff only."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.error_messages["not_staff"] = pick(
            "Tài khoản này không phải nhân viên điểm bán; hãy nhờ quản trị tỉnh phân công.",
            "This account is not sales-point staff; ask the province admin to assign you.")

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


# -- transfers and low-stock thresholds ----------------------------------------------------------

class SendTransferForm(forms.Form):
    """Send stock from the page's point: where to, a few lines (product and quantity), a note.
    The service decides what may go (free units only); this reads what was typed."""

    SLOTS = 5

    to_point = forms.TypedChoiceField(coerce=int)
    note = forms.CharField(max_length=500, required=False)

    def __init__(self, *args, destinations=(), stock=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_point"].choices = [("", "—")] + [(p.pk, pick(p.name, p.name_en or p.name)) for p in destinations]
        self.fields["to_point"].error_messages.update(
            required=pick("Hãy chọn điểm nhận.", "Choose the receiving point."),
            invalid_choice=pick("Hãy chọn điểm nhận trong danh sách.", "Choose a receiving point from the list."),
        )
        choices = [("", "—")] + [
            (s.variant_id, pick(f"{s.variant.product.name} — {s.variant.name} ({s.variant.sku}) · còn {s.quantity_available}",
                                f"{s.variant.product.name_en or s.variant.product.name} — {s.variant.name} "
                                f"({s.variant.sku}) · {s.quantity_available} free"))
            for s in stock
        ]
        for i in range(self.SLOTS):
            self.fields[f"variant_{i}"] = forms.TypedChoiceField(coerce=int, required=False, empty_value=None,
                                                                 choices=choices)
            self.fields[f"variant_{i}"].error_messages["invalid_choice"] = pick(
                "Hãy chọn một mặt hàng đang có ở điểm này.", "Choose a product this point has in stock.")
            self.fields[f"quantity_{i}"] = forms.CharField(max_length=20, required=False)
        self.slots = []  # the slot of each line sent, in order (the service's lines.N is slots[N])

    def rows(self):
        return [(self[f"variant_{i}"], self[f"quantity_{i}"], i) for i in range(self.SLOTS)]

    def clean(self):
        data = super().clean()
        lines = []
        for i in range(self.SLOTS):
            variant, quantity = data.get(f"variant_{i}"), (data.get(f"quantity_{i}") or "").strip()
            if f"variant_{i}" in self.errors:
                continue
            if variant is None and not quantity:
                continue
            if variant is None:
                self.add_error(f"variant_{i}", pick("Hãy chọn mặt hàng cho số lượng này.", "Choose the product."))
                continue
            try:
                number = _whole_number(quantity, "Số lượng phải là số nguyên, ví dụ 12.",
                                       "The quantity must be a whole number, e.g. 12.")
            except forms.ValidationError as exc:
                self.add_error(f"quantity_{i}", exc)
                continue
            lines.append((variant, number))
            self.slots.append(i)
        if not lines and not self.errors:
            raise forms.ValidationError(pick("Hãy chọn ít nhất một mặt hàng và số lượng cần chuyển.",
                                             "Choose at least one product and a quantity to send."))
        data["lines"] = lines
        return data

    def add_shop_error(self, exc: ShopError) -> None:
        name = {"toPointId": "to_point", "note": "note"}.get(exc.field or "")
        match = re.fullmatch(r"lines\.(\d+)\.(variantId|quantity)", exc.field or "")
        if match and int(match[1]) < len(self.slots):
            slot = self.slots[int(match[1])]
            name = f"variant_{slot}" if match[2] == "variantId" else f"quantity_{slot}"
        self.add_error(name, exc.message)


class ReceiveTransferForm(forms.Form):
    """The counts of one transfer's lines: `received_<line id>` (empty = what was sent) and `note_<line id>`."""

    def __init__(self, data=None, *, line_ids=None, initial_counts=None, **kwargs):
        super().__init__(data, **kwargs)
        if line_ids is None:  # a posted form names its own lines
            line_ids = sorted({int(m[1]) for key in (data or {}) if (m := re.fullmatch(r"received_(\d{1,18})", key))})
        self.line_ids = list(line_ids)
        for pk in self.line_ids:
            self.fields[f"received_{pk}"] = forms.CharField(max_length=20, required=False,
                                                            initial=(initial_counts or {}).get(pk))
            self.fields[f"note_{pk}"] = forms.CharField(max_length=300, required=False)

    def rows(self, lines):
        """[(line, its count field, its note field)] for the lines shown."""
        return [(line, self[f"received_{line.pk}"], self[f"note_{line.pk}"]) for line in lines
                if f"received_{line.pk}" in self.fields]

    def clean(self):
        data = super().clean()
        for pk in self.line_ids:
            text = (data.get(f"received_{pk}") or "").strip()
            if text:
                try:
                    data[f"received_{pk}"] = _whole_number(text, "Số nhận phải là số nguyên, ví dụ 12.",
                                                           "The count must be a whole number, e.g. 12.")
                except forms.ValidationError as exc:
                    self.add_error(f"received_{pk}", exc)
            else:
                data[f"received_{pk}"] = None
        return data

    def counts(self) -> list[Count]:
        return [Count(line_id=pk, quantity=self.cleaned_data[f"received_{pk}"],
                      note=self.cleaned_data.get(f"note_{pk}") or "") for pk in self.line_ids]

    def add_shop_error(self, exc: ShopError) -> None:
        name = None
        match = re.fullmatch(r"lines\.(\d+)\.(quantityReceived|note)", exc.field or "")  # a bad lineId: above the form
        if match and int(match[1]) < len(self.line_ids):
            pk = self.line_ids[int(match[1])]
            name = f"note_{pk}" if match[2] == "note" else f"received_{pk}"
        self.add_error(name, exc.message)


class ThresholdForm(forms.Form):
    """A low-stock threshold for one of the point's products (empty: stop watching it)."""

    variant = forms.TypedChoiceField(coerce=int)
    threshold = forms.CharField(max_length=20, required=False)

    def __init__(self, *args, variants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["variant"].choices = [(v.pk, f"{v.product.name} — {v.name} ({v.sku})") for v in variants]
        self.fields["variant"].error_messages["invalid_choice"] = pick(
            "Hãy chọn một sản phẩm trong danh sách.", "Choose a product from the list.")

    def clean_threshold(self):
        text = (self.cleaned_data["threshold"] or "").strip()
        if not text:
            return None
        return _whole_number(text, "Ngưỡng phải là số nguyên, ví dụ 5 (để trống nếu không theo dõi).",
                             "The threshold must be a whole number, e.g. 5 (empty to stop watching).")

    def add_shop_error(self, exc: ShopError) -> None:
        name = {"threshold": "threshold", "variantId": "variant"}.get(exc.field or "")
        self.add_error(name, exc.message)
