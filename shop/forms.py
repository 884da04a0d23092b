"""Forms every door shares."""
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm

from shop.errors import pick
from shop.periods import DAY, WEEK


class EmailLoginForm(AuthenticationForm):
    """Sign in with the e-mail address (demo, `create_staff` and invited logins use it as the
    username too), with messages in the page's language. The staff console and the producers'
    portal each add who may come in (confirm_login_allowed)."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "E-mail"
        self.fields["username"].widget.attrs.update(type="email", autocomplete="username", inputmode="email")
        self.fields["password"].label = pick("Mật khẩu", "Password")
        self.error_messages = {
            "invalid_login": pick("E-mail hoặc mật khẩu không đúng; hãy kiểm tra lại.",
                                  "Wrong e-mail or password; check them and try again."),
            "inactive": pick("Tài khoản này đã bị khoá.", "This account is disabled."),
        }

    def clean_username(self):
        email = self.cleaned_data["username"].strip()
        match = get_user_model().objects.filter(email__iexact=email).only("username").first()
        return match.get_username() if match else email


class RangeForm(forms.Form):
    """A report's date range (the staff dashboard's, the producers' scans and sales), kept as typed on error."""

    start = forms.DateField(required=False, input_formats=["%Y-%m-%d", "%d/%m/%Y"])
    end = forms.DateField(required=False, input_formats=["%Y-%m-%d", "%d/%m/%Y"])
    period = forms.ChoiceField(required=False, choices=[(DAY, DAY), (WEEK, WEEK)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bad_date = pick("Ngày không hợp lệ; dùng dạng 2026-11-29 hoặc 29/11/2026.",
                        "Not a date; use 2026-11-29 or 29/11/2026.")
        for name in ("start", "end"):
            self.fields[name].error_messages["invalid"] = bad_date
        self.fields["period"].choices = [(DAY, pick("Theo ngày", "By day")), (WEEK, pick("Theo tuần", "By week"))]
        self.fields["period"].error_messages["invalid_choice"] = pick("Hãy chọn theo ngày hoặc theo tuần.",
                                                                      "Choose by day or by week.")

    def errors_text(self) -> str:
        """The errors on one line, for a CSV link that cannot show a form."""
        return " ".join(str(e) for errors in self.errors.values() for e in errors)
