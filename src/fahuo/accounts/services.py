"""Roles (Django groups with permissions) and the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.http import HttpRequest

from fahuo.accounts.middleware import current_ip
from fahuo.accounts.models import AuditLog, Membership, Role
from fahuo.kit.errors import Conflict, NotFound, PermissionDenied

REVEAL_PERMISSION = "orders.reveal_customer"

# Which permissions each role gets, by codename ("app_label.codename").
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.OWNER: [
        "orders.reveal_customer",
        "orders.change_order",
        "orders.add_order",
        "orders.view_order",
        "fulfilment.print_labels",
        "orders.import_orders",
        "contracts.change_contractterms",  # carrier contracts, statements, bills, claims
    ],
    Role.OPERATOR: [
        "orders.change_order",
        "orders.add_order",
        "orders.view_order",
        "fulfilment.print_labels",
        "orders.import_orders",
    ],
    Role.PACKER: ["orders.view_order", "fulfilment.print_labels"],
}


def ensure_roles() -> dict[str, Group]:
    """Create the three role groups with their permissions (idempotent)."""
    groups: dict[str, Group] = {}
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=str(role))
        objs: list[Permission] = []
        for full in perms:
            app_label, codename = full.split(".")
            objs.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        group.permissions.set(objs)
        groups[str(role)] = group
    return groups


def assign_role(*, user: Any, role: str) -> None:
    groups = ensure_roles()
    user.groups.set([groups[role]])


def _sync_group(user: Any) -> None:
    """A member's Django group is their highest role over their shops (what ``has_perm`` answers);
    with no memberships left they keep no role — never the "owner of every shop" of an empty list."""
    from fahuo.accounts.selectors import RANK

    roles = [str(r) for r in Membership.objects.filter(user=user).values_list("role", flat=True)]
    groups = ensure_roles()
    best = max(roles, key=RANK.__getitem__, default="")
    user.groups.set([groups[best]] if best else [])


def add_member(*, user: Any, shop: Any, role: str) -> Membership:
    """Give ``user`` ``role`` in ``shop`` (or change their role there)."""
    from fahuo.accounts.selectors import is_global_owner

    if role not in ROLE_PERMISSIONS:
        raise Conflict(f"未知角色：{role}")
    if getattr(user, "is_superuser", False) or (
        is_global_owner(user) and not Membership.objects.filter(user=user).exists()
    ):
        # A membership row would shrink an owner of every shop to this one shop.
        raise Conflict(f"{user.get_username()} 是全部店铺的店主，无需加入单个店铺")
    membership, created = Membership.objects.get_or_create(user=user, shop=shop, defaults={"role": role})
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    _sync_group(user)
    return membership


def remove_member(*, user: Any, shop: Any) -> None:
    """Take ``user`` out of ``shop``; their API tokens stop reaching it at once."""
    deleted, _ = Membership.objects.filter(user=user, shop=shop).delete()
    if not deleted:
        raise NotFound(f"{user.get_username()} 不是 {shop.code} 的成员")
    _sync_group(user)


def require(request: HttpRequest, perm: str, shop: Any = None) -> None:
    """For API handlers and views: 403 unless the user (capped by their API token) may do ``perm``
    — in ``shop`` when given, else in at least one of their shops."""
    from fahuo.accounts.selectors import can

    if not can(request.user, perm, shop):
        raise PermissionDenied("此用户或 API 令牌没有该操作的权限")


def role_of(user: AbstractBaseUser | AnonymousUser) -> str:
    if not getattr(user, "is_authenticated", False):
        return ""
    if getattr(user, "is_superuser", False):
        return str(Role.OWNER)
    names = set(user.groups.values_list("name", flat=True))  # type: ignore[union-attr]
    for role in (Role.OWNER, Role.OPERATOR, Role.PACKER):
        if str(role) in names:
            return str(role)
    return ""


def audit(
    *,
    user: Any,
    action: str,
    object_type: str,
    object_id: object,
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditLog:
    # Without the request at hand, the address of the request being served (RequestIpMiddleware).
    ip = request.META.get("REMOTE_ADDR") if request is not None else current_ip.get()
    return AuditLog.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        ip=ip or None,
        detail=detail or {},
    )
