"""Who may manage a producer's lots: the producer's own people
(ProducerMembership), the province's admins (StaffAssignment role
"province") and superusers. Sales-point clerks may not."""
from shop.errors import ShopError
from shop.models import StaffAssignment
from traceability.errors import TraceabilityErrorCode


def is_province_staff(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return StaffAssignment.objects.filter(user=user, role=StaffAssignment.Role.PROVINCE).exists()


def managed_producer_ids(user) -> set[int] | None:
    """The producers `user` manages; None means every producer."""
    if is_province_staff(user):
        return None
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(user.producer_memberships.values_list("producer_id", flat=True))


def can_manage(user, producer_id: int | None) -> bool:
    managed = managed_producer_ids(user)
    return managed is None or (producer_id is not None and producer_id in managed)


def require_manager(user, producer_id: int | None) -> None:
    """Raise a ShopError unless `user` may manage lots of that producer.
    `user=None` is the system itself (commands, the demo loader)."""
    if user is None:
        return
    if not getattr(user, "is_authenticated", False):
        raise ShopError(
            TraceabilityErrorCode.LOGIN_REQUIRED,
            "Hãy đăng nhập bằng tài khoản của chủ thể OCOP hoặc của tỉnh.",
            "Sign in with a producer's or the province's account.",
        )
    if not can_manage(user, producer_id):
        raise ShopError(
            TraceabilityErrorCode.FORBIDDEN,
            "Tài khoản này không quản lý lô hàng của chủ thể này; hãy nhờ chủ thể hoặc quản trị tỉnh.",
            "This account does not manage this producer's lots; ask the producer or the province's admin.",
        )
