"""Forms every door shares."""
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm

from shop.errors import pick


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
