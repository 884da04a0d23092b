"""What every portal page shares: the member check and the page frame's context."""
from __future__ import annotations

import functools

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse_lazy

from producers import access
from shop.errors import ShopError

LOGIN_URL = reverse_lazy("producers:login")


def member_required(view):
    """Signed in (else the login page) and a member of a producer (else a 403 that says so);
    the view gets `request.acting` (access.Acting)."""
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            request.acting = access.for_request(request)
        except ShopError as exc:
            return denied(request, exc.message)
        return view(request, *args, **kwargs)
    return login_required(wrapped, login_url=LOGIN_URL)


def denied(request, message: str, status: int = 403):
    return render(request, "producers/denied.html", {"message": message}, status=status)


def render_page(request, template: str, context: dict | None = None, *, tab: str = "", status: int = 200):
    """A portal page: the producer acted for, the person's other producers, the active tab."""
    acting = getattr(request, "acting", None)
    ctx = {"acting": acting, "producer": acting.producer if acting else None, "tab": tab,
           "other_producers": [m.producer for m in access.memberships(request.user)
                               if acting and m.producer_id != acting.producer.pk]}
    ctx.update(context or {})
    return render(request, template, ctx, status=status)
