"""A producer's people, as its owners manage them: who they are, removing one, changing a role.

Every member sees the list; only an owner changes it, and the producer always keeps at least one
owner (the last one can be neither removed nor made a member). Changes lock the producer's row,
so two owners demoting each other at the same moment cannot leave it without one.
"""
from __future__ import annotations

from django.db import transaction

from catalog.models import Producer
from producers.access import Acting, require_owner
from producers.errors import ProducerErrorCode
from producers.invitations import ROLES
from shop.errors import ShopError
from traceability.models import ProducerMembership


def people(acting: Acting) -> list[ProducerMembership]:
    """The acting producer's people, owners first, then by name."""
    return list(ProducerMembership.objects.filter(producer=acting.producer).select_related("user")
                .order_by("-role", "user__first_name", "user__email"))  # "OWNER" > "MEMBER"


def _locked(acting: Acting, membership_id) -> ProducerMembership:
    Producer.objects.select_for_update().filter(pk=acting.producer.pk).first()
    membership = ProducerMembership.objects.filter(pk=_as_id(membership_id), producer=acting.producer).first()
    if membership is None:
        raise ShopError(ProducerErrorCode.MEMBER_NOT_FOUND,
                        "Không có người này trong chủ thể; có thể họ đã được xoá. Hãy tải lại danh sách.",
                        "This person is not one of the producer's people; they may have been removed. "
                        "Reload the list.")
    return membership


def _as_id(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _keep_an_owner(membership: ProducerMembership) -> None:
    if membership.role != ProducerMembership.Role.OWNER:
        return
    others = (ProducerMembership.objects.filter(producer_id=membership.producer_id, role=ProducerMembership.Role.OWNER)
              .exclude(pk=membership.pk))
    if not others.exists():
        raise ShopError(ProducerErrorCode.LAST_OWNER,
                        "Đây là chủ cơ sở duy nhất: hãy cho một người khác làm chủ cơ sở trước.",
                        "This is the producer's only owner: make someone else an owner first.")


def remove(acting: Acting, membership_id) -> ProducerMembership:
    """Take a person out of the producer (an owner only; never the last owner)."""
    require_owner(acting)
    with transaction.atomic():
        membership = _locked(acting, membership_id)
        _keep_an_owner(membership)
        membership.delete()
    return membership


def change_role(acting: Acting, membership_id, role: str) -> ProducerMembership:
    """Make a person an owner or a member (an owner only; the last owner stays one)."""
    require_owner(acting)
    with transaction.atomic():
        membership = _locked(acting, membership_id)  # another producer's person: not found, whatever the role
        if role not in ROLES:
            raise ShopError(ProducerErrorCode.INVITATION_INPUT, "Hãy chọn vai trò: chủ cơ sở hoặc thành viên.",
                            "Choose a role: owner or member.", field="role")
        if role != membership.role:
            if role == ProducerMembership.Role.MEMBER:
                _keep_an_owner(membership)
            membership.role = role
            membership.save(update_fields=["role"])
    return membership
