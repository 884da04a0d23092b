"""The portal's frame: sign in and out, the home page, switching producer."""
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST, require_safe

from producers import access
from producers.forms import ProducerLoginForm
from producers.portal import LOGIN_URL, member_required, render_page


class ProducerLoginView(auth_views.LoginView):
    template_name = "producers/login.html"
    authentication_form = ProducerLoginForm
    redirect_authenticated_user = True
    next_page = reverse_lazy("producers:home")


class ProducerLogoutView(auth_views.LogoutView):
    next_page = LOGIN_URL


login = ProducerLoginView.as_view()
logout = ProducerLogoutView.as_view()


@require_safe
@member_required
def home(request):
    return render_page(request, "producers/home.html", tab="home")


@require_POST
@member_required
def switch(request):
    """Act for another producer the person belongs to (a cooperative member of two)."""
    try:
        wanted = int(request.POST.get("producer", ""))
    except ValueError:
        wanted = None
    if wanted and any(m.producer_id == wanted for m in access.memberships(request.user)):
        request.session[access.SESSION_KEY] = wanted
    return redirect("producers:home")
