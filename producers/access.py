"""Who acts for which producer: the one place the portal's pages, GraphQL and exports ask.

A producer's people (traceability.ProducerMembership, role owner or member) see and change
only their producer's things. A person may belong to several producers; the portal then works
on the one chosen in the session. Province officers and sales-point staff are not members:
they work in the admin and the staff console, not here.
"""
from __future__ import annotations

from dataclasses import dataclass

from catalog.models import Producer
from producers.errors import ProducerErrorCode
from shop.errors import ShopError
from traceability.models import ProducerMembership

SESSION_KEY = "producer_id"


@dataclass(frozen=True)
class Acting:
    """The signed-in person acting for one producer."""

    user: object
    producer: Producer
    role: str

    @property
    def is_owner(self) -> bool:
        return self.role == ProducerMembership.Role.OWNER


def memberships(user) -> list[ProducerMembership]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(ProducerMembership.objects.filter(user=user).select_related("producer").order_by("producer__name"))


def acting_for(user, producer_id: int | None = None) -> Acting:
    """The producer `user` acts for: `producer_id` if they belong to it, else their only one.
    Raises ShopError (login required / not a member) otherwise."""
    if not getattr(user, "is_authenticated", False):
        raise ShopError(ProducerErrorCode.LOGIN_REQUIRED, "Hãy đăng nhập bằng tài khoản của chủ thể OCOP.",
                        "Sign in with your producer account.")
    rows = memberships(user)
    chosen = [m for m in rows if producer_id is None or m.producer_id == producer_id]
    if producer_id is None and len(chosen) > 1:
        chosen = chosen[:1]  # the first by name until the person picks another
    if not chosen:
        raise ShopError(
            ProducerErrorCode.NOT_A_MEMBER,
            "Tài khoản này không thuộc chủ thể OCOP này; hãy nhờ chủ cơ sở hoặc cán bộ tỉnh mời bạn.",
            "This account does not belong to this producer; ask its owner or the province to invite you.")
    membership = chosen[0]
    return Acting(user=user, producer=membership.producer, role=membership.role)


def require_owner(acting: Acting) -> None:
    if not acting.is_owner:
        raise ShopError(ProducerErrorCode.OWNER_ONLY, "Chỉ chủ cơ sở mới làm được việc này.",
                        "Only the producer's owner can do this.")


def for_request(request) -> Acting:
    """The Acting of a page request: the producer chosen in the session, if still a member."""
    wanted = request.session.get(SESSION_KEY)
    try:
        return acting_for(request.user, wanted)
    except ShopError:
        if wanted is None:
            raise
        request.session.pop(SESSION_KEY, None)
        return acting_for(request.user)
