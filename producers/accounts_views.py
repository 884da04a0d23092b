"""Producer accounts: the members page (owners invite, remove and change roles; members read it)
and the page an invitation link opens. The rules are in producers/invitations.py and
producers/members.py."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login as sign_in
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from producers import access, invitations
from producers import members as people_of
from producers.errors import ProducerErrorCode
from producers.portal import denied, member_required, render_page
from shop.errors import ShopError
from traceability.models import ProducerMembership

LINK_KEY = "producers_invitation_link"  # the link shown once to the owner who invited, then dropped
ROLE_CHOICES = [(ProducerMembership.Role.MEMBER, gettext_lazy("Thành viên")),
                (ProducerMembership.Role.OWNER, gettext_lazy("Chủ cơ sở"))]


class InviteForm(forms.Form):
    email = forms.CharField(label="E-mail", max_length=150, widget=forms.EmailInput(
        attrs={"inputmode": "email", "autocomplete": "off", "autocapitalize": "none"}))
    role = forms.ChoiceField(label=gettext_lazy("Vai trò"), choices=ROLE_CHOICES,
                             initial=ProducerMembership.Role.MEMBER)


class NewAccountForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Họ và tên"), max_length=150)
    password = forms.CharField(label=gettext_lazy("Mật khẩu"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=True))


def _error_into(form: forms.Form, exc: ShopError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _role_label(role: str) -> str:
    return _("Chủ cơ sở") if role == ProducerMembership.Role.OWNER else _("Thành viên")


# -- the members page ---------------------------------------------------------------------

@require_http_methods(["GET", "HEAD", "POST"])
@member_required
def members(request):
    """Everyone sees the producer's people; an owner also invites (POST) and manages them."""
    acting = request.acting
    form = InviteForm()
    status = 200
    if request.method == "POST":
        if not acting.is_owner:
            return denied(request, _("Chỉ chủ cơ sở mới mời được người mới."))
        form = InviteForm(request.POST)
        if form.is_valid():
            try:
                issued = invitations.invite(request.user, acting.producer, form.cleaned_data["email"],
                                            form.cleaned_data["role"])
            except ShopError as exc:
                _error_into(form, exc)
            else:
                request.session[LINK_KEY] = {"email": issued.invitation.email,
                                             "link": issued.link(request.LANGUAGE_CODE or "vi")}
                messages.success(request, _("Đã gửi lời mời tới %(email)s.") % {"email": issued.invitation.email})
                return redirect("producers:members")
        status = 400
    shown_link = request.session.pop(LINK_KEY, None) if request.method == "GET" else None
    people = people_of.people(acting)
    return render_page(request, "producers/accounts/members.html", {
        "people": [(m, _role_label(m.role)) for m in people],
        "pending": [(i, _role_label(i.role)) for i in invitations.open_invitations(acting.producer)]
        if acting.is_owner else [],
        "form": form, "shown_link": shown_link, "role_choices": ROLE_CHOICES,
        "owner_count": sum(m.role == ProducerMembership.Role.OWNER for m in people),
    }, tab="members", status=status)


def _member_action(request, pk, act):
    acting = request.acting
    if not acting.is_owner:
        return denied(request, _("Chỉ chủ cơ sở mới thay đổi được danh sách người của chủ thể."))
    try:
        membership = act(acting, pk)
    except ShopError as exc:
        if exc.code == ProducerErrorCode.MEMBER_NOT_FOUND:
            raise Http404(exc.message) from None
        messages.error(request, exc.message)
        return redirect("producers:members")
    removed_self = membership.user_id == request.user.pk and \
        not ProducerMembership.objects.filter(user=request.user, producer=acting.producer).exists()
    if removed_self:
        return redirect("producers:home")
    return redirect("producers:members")


@require_POST
@member_required
def member_remove(request, pk):
    def act(acting, pk):
        membership = people_of.remove(acting, pk)
        name = membership.user.get_full_name() or membership.user.email
        messages.success(request, _("Đã xoá %(name)s khỏi chủ thể.") % {"name": name})
        return membership
    return _member_action(request, pk, act)


@require_POST
@member_required
def member_role(request, pk):
    def act(acting, pk):
        membership = people_of.change_role(acting, pk, request.POST.get("role", ""))
        name = membership.user.get_full_name() or membership.user.email
        messages.success(request, _("%(name)s giờ là %(role)s.") % {"name": name,
                                                                    "role": _role_label(membership.role).lower()})
        return membership
    return _member_action(request, pk, act)


# -- the invitation link ------------------------------------------------------------------

@require_http_methods(["GET", "HEAD", "POST"])
def invitation(request, token):
    """Open to anyone holding the link: a new person makes an account; a signed-in one accepts."""
    try:
        invite = invitations.find(token)
    except ShopError as exc:
        return render(request, "producers/accounts/invitation_invalid.html", {"message": exc.message}, status=404)
    signed_in = request.user.is_authenticated
    existing = None if signed_in else invitations.account_for(invite.email)
    form = NewAccountForm()
    status = 200
    if request.method == "POST":
        try:
            if signed_in:
                invitations.accept_as(request.user, token)
            elif existing is None:
                form = NewAccountForm(request.POST)
                if not form.is_valid():
                    raise _FormInvalid
                user = invitations.accept_as_new(token, form.cleaned_data["name"], form.cleaned_data["password"])
                sign_in(request, user, backend="django.contrib.auth.backends.ModelBackend")
            else:
                raise _FormInvalid
        except _FormInvalid:
            status = 400
        except ShopError as exc:
            if exc.code == ProducerErrorCode.INVITATION_INVALID:
                return render(request, "producers/accounts/invitation_invalid.html", {"message": exc.message},
                              status=404)
            _error_into(form, exc)
            status = 400
        else:
            request.session[access.SESSION_KEY] = invite.producer_id
            messages.success(request, _("Chào mừng! Bạn đã vào %(producer)s.") % {"producer": invite.producer.name})
            return redirect("producers:home")
    return render(request, "producers/accounts/invitation.html", {
        "invite": invite, "role": _role_label(invite.role), "form": form, "existing": existing,
        "login_url": f"{reverse('producers:login')}?next={request.path}",
    }, status=status)


class _FormInvalid(Exception):
    pass
