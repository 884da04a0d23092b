"""Invitations: how a person becomes one of a producer's people.

A province officer (or one of the producer's owners) invites an e-mail address with a role
(owner or member). The link holds a random token (`secrets`); only its sha256 digest is
stored, so the database alone opens no door. The link is valid INVITATION_DAYS days, is
e-mailed through the task queue once the invitation is saved, and is shown once to the
inviter, who may pass it on by Zalo or phone. Inviting the same address to the same producer
again replaces the open invitation (the old link stops working).

Accepting: a new person sets a name and a password (Django's password validators); a person
already signed in accepts with their account. Either way the invitation is used up and the
membership (traceability.ProducerMembership) made. Unknown, used and expired links get one
and the same answer, so a link tells nothing about others.
"""
from __future__ import annotations

import datetime
import hashlib
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation

from catalog.models import Producer
from producers.errors import ProducerErrorCode
from producers.models import Invitation
from shop.errors import ShopError
from shop.permissions import is_province_admin
from shop.tasks import enqueue, send_email
from traceability.models import ProducerMembership

INVITATION_DAYS = 14
ROLES = {choice for choice, _ in ProducerMembership.Role.choices}
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")


@dataclass(frozen=True)
class Issued:
    """A new invitation and its token: the only moment the token exists outside the link."""

    invitation: Invitation
    token: str

    def link(self, language: str = "vi") -> str:
        return invitation_link(self.token, language)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_link(token: str, language: str = "vi") -> str:
    with translation.override(language):
        return settings.SITE_URL + reverse("producers:invitation", kwargs={"token": token})


def may_invite(user, producer: Producer) -> bool:
    """Province officers invite to any producer; an owner to their own."""
    if not getattr(user, "is_authenticated", False):
        return False
    if is_province_admin(user):
        return True
    return ProducerMembership.objects.filter(user=user, producer=producer,
                                             role=ProducerMembership.Role.OWNER).exists()


def check_invite(user, producer: Producer | None, email: str, role: str) -> str:
    """The address, cleaned, if `user` may invite it to `producer` with `role`; else ShopError."""
    email = (email or "").strip()
    try:
        validate_email(email)
        if len(email) > 150:  # it becomes the account's username
            raise ValidationError("too long")
    except ValidationError:
        raise ShopError(ProducerErrorCode.INVITATION_INPUT, "Hãy nhập một địa chỉ e-mail hợp lệ, ví dụ ten@gmail.com.",
                        "Enter a valid e-mail address, e.g. name@gmail.com.", field="email") from None
    if role not in ROLES:
        raise ShopError(ProducerErrorCode.INVITATION_INPUT, "Hãy chọn vai trò: chủ cơ sở hoặc thành viên.",
                        "Choose a role: owner or member.", field="role")
    if producer is None or not may_invite(user, producer):
        raise ShopError(ProducerErrorCode.OWNER_ONLY,
                        "Chỉ cán bộ tỉnh hoặc chủ cơ sở mới mời được người vào chủ thể này.",
                        "Only a province officer or the producer's owner can invite people to this producer.")
    return email


def invite(user, producer: Producer, email: str, role: str = ProducerMembership.Role.MEMBER) -> Issued:
    """Invite `email` to `producer` with `role`, replacing an open invitation of the same address;
    the link is e-mailed once the transaction commits. The caller shows `Issued.link()` once."""
    email = check_invite(user, producer, email, role)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        Invitation.objects.filter(producer=producer, email__iexact=email, accepted_at__isnull=True).delete()
        invitation = Invitation.objects.create(
            producer=producer, email=email, role=role, token_digest=digest(token), created_by=user,
            expires_at=timezone.now() + datetime.timedelta(days=INVITATION_DAYS))
        _mail(invitation, token)
    return Issued(invitation, token)


def _mail(invitation: Invitation, token: str) -> None:
    producer, days = invitation.producer.name, INVITATION_DAYS
    role_vi = "chủ cơ sở" if invitation.role == ProducerMembership.Role.OWNER else "thành viên"
    role_en = "an owner" if invitation.role == ProducerMembership.Role.OWNER else "a member"
    until = timezone.localtime(invitation.expires_at).strftime("%d/%m/%Y")
    subject = f"Lời mời vào cổng chủ thể OCOP: {producer} / Invitation to the OCOP producers' portal"
    body = (
        f"Xin chào,\n\nBạn được mời làm {role_vi} của {producer} trên cổng chủ thể OCOP Điện Biên.\n"
        f"Mở đường dẫn sau để tạo tài khoản (hoặc nhận lời bằng tài khoản đang có), trước ngày {until}:\n"
        f"{invitation_link(token, 'vi')}\n\n"
        "Nếu bạn không chờ lời mời này, hãy bỏ qua e-mail.\n\n"
        "----\n\n"
        f"Hello,\n\nYou are invited to join {producer} as {role_en} on the Điện Biên OCOP producers' portal.\n"
        f"Open this link to create your account (or accept with the account you have) within {days} days "
        f"(until {until}):\n{invitation_link(token, 'en')}\n\n"
        "If you did not expect this invitation, ignore this e-mail.\n"
    )
    enqueue(send_email, subject, body, [invitation.email])


_INVALID = ("Đường dẫn mời này không dùng được: có thể đã hết hạn, đã được dùng, hoặc bị chép thiếu. "
            "Hãy nhờ cán bộ tỉnh hoặc chủ cơ sở gửi lời mời mới.",
            "This invitation link cannot be used: it may have expired, been used already, or been copied "
            "incompletely. Ask the province officer or the producer's owner for a new invitation.")


def _open(token: str, *, lock: bool = False) -> Invitation:
    """The open invitation of `token`; the same ShopError for an unknown, used or expired one."""
    if not isinstance(token, str) or not _TOKEN_SHAPE.fullmatch(token):
        raise ShopError(ProducerErrorCode.INVITATION_INVALID, *_INVALID)
    rows = Invitation.objects.select_related("producer")
    if lock:
        rows = rows.select_for_update(of=("self",))
    invitation = rows.filter(token_digest=digest(token), accepted_at__isnull=True,
                             expires_at__gt=timezone.now()).first()
    if invitation is None:
        raise ShopError(ProducerErrorCode.INVITATION_INVALID, *_INVALID)
    return invitation


def find(token: str) -> Invitation:
    """The open invitation a link names (for its page), else ShopError INVITATION_INVALID."""
    return _open(token)


def account_for(email: str):
    """The existing account of an address (its e-mail or its username), if any."""
    email = (email or "").strip()
    return get_user_model().objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).order_by("pk").first()


def _password_problems(password: str, user) -> tuple[str, str] | None:
    """Django's password validators' objections, in Vietnamese and in English, or None."""
    found = {}
    for language in ("vi", "en"):
        with translation.override(language):
            try:
                password_validation.validate_password(password, user)
            except ValidationError as exc:
                found[language] = " ".join(exc.messages)
    return (found["vi"], found["en"]) if found else None


def accept_as_new(token: str, name: str, password: str):
    """A new person accepts: an account with the invited e-mail as its sign-in, `name` and
    `password` (checked by the password validators), and the membership. Returns the user."""
    name = " ".join((name or "").split())[:150]
    with transaction.atomic():
        invitation = _open(token, lock=True)
        if account_for(invitation.email) is not None:
            raise ShopError(ProducerErrorCode.ACCOUNT_EXISTS,
                            f"Địa chỉ {invitation.email} đã có tài khoản. Hãy đăng nhập bằng tài khoản đó rồi mở lại "
                            "đường dẫn mời.",
                            f"{invitation.email} already has an account. Sign in with it, then open the invitation "
                            "link again.")
        if not name:
            raise ShopError(ProducerErrorCode.ACCOUNT_INPUT, "Hãy nhập họ tên của bạn.", "Enter your name.",
                            field="name")
        user = get_user_model()(username=invitation.email.lower(), email=invitation.email, first_name=name)
        problems = _password_problems(password or "", user)
        if problems:
            raise ShopError(ProducerErrorCode.ACCOUNT_INPUT, *problems, field="password")
        user.set_password(password)
        user.save()
        _join(invitation, user)
    return user


def accept_as(user, token: str) -> ProducerMembership:
    """A signed-in person accepts with their own account. Already one of the producer's people:
    an owner's invitation makes them an owner; a member's changes nothing."""
    if not getattr(user, "is_authenticated", False):
        raise ShopError(ProducerErrorCode.LOGIN_REQUIRED, "Hãy đăng nhập trước khi nhận lời mời.",
                        "Sign in before accepting the invitation.")
    with transaction.atomic():
        return _join(_open(token, lock=True), user)


def _join(invitation: Invitation, user) -> ProducerMembership:
    membership, created = ProducerMembership.objects.get_or_create(
        user=user, producer=invitation.producer, defaults={"role": invitation.role})
    if not created and invitation.role == ProducerMembership.Role.OWNER and membership.role != invitation.role:
        membership.role = invitation.role
        membership.save(update_fields=["role"])
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


def open_invitations(producer: Producer):
    """The producer's invitations not yet accepted nor expired, newest first."""
    return (Invitation.objects.filter(producer=producer, accepted_at__isnull=True, expires_at__gt=timezone.now())
            .order_by("-created_at"))
