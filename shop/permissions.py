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


# -- the province officers' group in the admin ---------------------------------------------
# A StaffAssignment with role "province" makes a user a province officer in the staff console; in
# /admin/ Django asks model permissions, which this group carries. The list is the officers' job:
# the catalogue (producers, products, variants, certificates, photos), lots and their events,
# delivery zones and rates, the accounts that receive transfers, problem reports and sale holds;
# orders, fulfilments, stock and its ledger, transfers and scans read-only; the places the
# catalogue's forms pick from (communes, districts, points) read-only, for their autocompletes.
# Deleting is left out except where a row is a detail of another (a photo, a rate, a lot's event):
# producers, products, certificates and lots carry history. Saves still go through the services
# (certification.certify, traceability.services.create_batch/save_batch), which the admins call.
PROVINCE_GROUP = "Cán bộ tỉnh"
_CRU = ("view", "add", "change")
PROVINCE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "catalog.producer": _CRU,
    "catalog.product": _CRU,
    "catalog.productvariant": _CRU,
    "catalog.certification": _CRU,
    "catalog.productimage": (*_CRU, "delete"),
    "catalog.productgroup": ("view",),
    "traceability.batch": _CRU,
    "traceability.traceevent": (*_CRU, "delete"),
    "traceability.itemserial": ("view",),
    "traceability.scan": ("view",),
    "traceability.problemreport": ("view", "change"),
    "traceability.producermembership": ("view",),  # granting one picks a user: the superuser's
    "producers.invitation": ("view", "add"),  # an invitation is never edited: inviting again replaces it
    "producers.productchange": ("view", "change"),  # the review queue: approve or send back
    "orders.shippingzone": _CRU,
    "orders.shippingrate": (*_CRU, "delete"),
    "orders.paymentaccount": _CRU,
    "orders.order": ("view",),
    "orders.fulfillment": ("view",),
    "orders.banktransaction": ("view",),
    "inventory.stock": ("view",),
    "inventory.stockmovement": ("view",),
    "inventory.transfer": ("view",),
    "inventory.salehold": ("view", "change"),
    "shop.district": ("view",),
    "shop.commune": ("view",),
    "shop.salespoint": ("view",),
    "producers.renewalfile": ("view", "change"),  # record a renewal's outcome
    "producers.renewaldocument": ("view",),
    "producers.certificatereminder": ("view",),
}


def province_permission_codenames() -> set[tuple[str, str]]:
    """(app_label, codename) pairs of the group, e.g. ("catalog", "add_product")."""
    pairs = set()
    for label, actions in PROVINCE_PERMISSIONS.items():
        app_label, model = label.split(".")
        pairs |= {(app_label, f"{action}_{model}") for action in actions}
    return pairs


def sync_province_group(using: str = "default"):
    """Create the group or set its permissions to exactly PROVINCE_PERMISSIONS (those that exist yet),
    and put every province officer in it. Idempotent; run after every migrate (shop/reference_data.py)."""
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    wanted = province_permission_codenames()
    match = Q(pk__in=[])
    for app_label, codename in wanted:
        match |= Q(content_type__app_label=app_label, codename=codename)
    group, _ = Group.objects.using(using).get_or_create(name=PROVINCE_GROUP)
    permissions = list(Permission.objects.using(using).filter(match))
    if {p.pk for p in permissions} != set(group.permissions.values_list("pk", flat=True)):
        group.permissions.set(permissions)
    officers = StaffAssignment.objects.using(using).filter(role=StaffAssignment.Role.PROVINCE).values("user_id")
    missing = group.user_set.model.objects.using(using).filter(pk__in=officers).exclude(groups=group)
    group.user_set.add(*missing)
    return group


def sync_officer(user) -> None:
    """Put `user` in the province officers' group while they hold a province assignment, out of it
    otherwise (create_staff, the demo and the admin's assignment forms call this)."""
    from django.contrib.auth.models import Group

    group = Group.objects.filter(name=PROVINCE_GROUP).first() or sync_province_group()
    if StaffAssignment.objects.filter(user=user, role=StaffAssignment.Role.PROVINCE).exists():
        user.groups.add(group)
    else:
        user.groups.remove(group)
    for cache in ("_perm_cache", "_group_perm_cache", "_user_perm_cache", "_shop_point_ids"):
        user.__dict__.pop(cache, None)
