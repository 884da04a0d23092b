"""Who may act on which sales point.

A clerk or manager acts on the points they are assigned to; a province admin
(role `province`, or a superuser) on every point. Everybody else — anonymous
visitors and customers — on none. Every staff service asks here, so the
rule lives in one place.
"""
from shop.errors import CommonErrorCode, ShopError
from shop.models import SalesPoint, StaffAssignment

ALL = None  # "every point"


def point_ids_for(user) -> set[int] | None:
    """The ids of the points `user` may act on; None means every point; empty set, none."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    cached = getattr(user, "_shop_point_ids", "unset")
    if cached != "unset":
        return cached
    if user.is_superuser:
        result = ALL
    else:
        rows = list(StaffAssignment.objects.filter(user=user).values_list("role", "sales_point_id"))
        if any(role == StaffAssignment.Role.PROVINCE for role, _ in rows):
            result = ALL
        else:
            result = {point_id for _, point_id in rows if point_id is not None}
    user._shop_point_ids = result
    return result


def is_staff_member(user) -> bool:
    ids = point_ids_for(user)
    return ids is ALL or bool(ids)


def is_province_admin(user) -> bool:
    return is_staff_member(user) and point_ids_for(user) is ALL


def can_act_on(user, sales_point_id: int) -> bool:
    ids = point_ids_for(user)
    return ids is ALL or sales_point_id in ids


def visible_points(user):
    """A queryset of the points `user` may act on."""
    ids = point_ids_for(user)
    return SalesPoint.objects.all() if ids is ALL else SalesPoint.objects.filter(pk__in=ids or [])


def require_staff(user) -> None:
    if not is_staff_member(user):
        raise ShopError(
            CommonErrorCode.PERMISSION_DENIED, "Chỉ nhân viên điểm bán mới làm được việc này; hãy đăng nhập bằng tài khoản nhân viên.",
            "Only sales-point staff can do this; sign in with a staff account.",
        )


def require_point(user, sales_point_id: int, field: str | None = None) -> None:
    """Raise unless `user` may act on the point (the same answer whether it exists or not)."""
    require_staff(user)
    if not can_act_on(user, sales_point_id):
        raise ShopError(
            CommonErrorCode.PERMISSION_DENIED, "Bạn không được phân công ở điểm bán này; hãy liên hệ quản lý điểm bán đó.",
            "You are not assigned to this sales point; contact that point's manager.", field=field,
        )
