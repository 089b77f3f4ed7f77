"""Roles (Django groups with permissions) and the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.http import HttpRequest

from fahuo.accounts.models import AuditLog, Role

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
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    return AuditLog.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        ip=ip or None,
        detail=detail or {},
    )
