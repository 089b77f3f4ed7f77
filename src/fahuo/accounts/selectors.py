"""Which shops a user (or an API token) may see, and with which role: the one place shop separation
is decided. Every list, detail, export and count filters through ``shops_for``/``visible``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Model, Q, QuerySet

from fahuo.accounts.models import Membership, Role

if TYPE_CHECKING:
    from fahuo.orders.models import Shop

M = TypeVar("M", bound=Model)

# Highest first: a token's role or a membership never lifts a user above what they have.
RANK = {str(Role.OWNER): 3, str(Role.OPERATOR): 2, str(Role.PACKER): 1, "": 0}


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def is_global_owner(user: Any) -> bool:
    """Owner of every shop: a superuser, or an owner-role user with no membership rows."""
    if not _authenticated(user) or not getattr(user, "is_active", True):
        return False
    if getattr(user, "is_superuser", False):
        return True
    if not user.groups.filter(name=str(Role.OWNER)).exists():
        return False
    return not Membership.objects.filter(user=user).exists()


def _token_shop_ids(user: Any) -> list[int] | None:
    """The shops the request's API token is limited to (None: not limited)."""
    ids = getattr(user, "fahuo_token_shop_ids", None)
    return list(ids) if ids else None


def _cap(role: str, user: Any) -> str:
    token_role = str(getattr(user, "fahuo_token_role", "") or "")
    if token_role and RANK[token_role] < RANK[role]:
        return token_role
    return role


def shops_for(user: Any) -> QuerySet[Shop]:
    """The shops this user (and the API token they came in with) may see."""
    from fahuo.orders.models import Shop

    if not _authenticated(user):
        return Shop.objects.none()
    shops = Shop.objects.all() if is_global_owner(user) else Shop.objects.filter(memberships__user=user)
    token_ids = _token_shop_ids(user)
    if token_ids is not None:
        shops = shops.filter(pk__in=token_ids)
    return shops


def sees_every_shop(user: Any) -> bool:
    """True when no shop is hidden from this user (and their API token): the test for company-wide
    records that span every shop, such as carrier contracts and their weekly statements."""
    from fahuo.orders.models import Shop

    if not _authenticated(user):
        return False
    return not Shop.objects.exclude(pk__in=shops_for(user).values("pk")).exists()


def visible(queryset: QuerySet[M], user: Any, *, field: str = "shop", shopless: bool = False) -> QuerySet[M]:
    """``queryset`` narrowed to rows whose ``field`` (a path to a Shop) is one of the user's shops;
    ``shopless`` keeps rows without a shop too (e.g. the default message texts). The owner of every
    shop (without a shop-limited token) keeps everything."""
    if is_global_owner(user) and _token_shop_ids(user) is None:
        return queryset
    mine = Q(**{f"{field}__in": shops_for(user).values("pk")})
    return queryset.filter(mine | Q(**{f"{field}__isnull": True}) if shopless else mine)


def visible_whole(queryset: QuerySet[M], user: Any, *, through: str) -> QuerySet[M]:
    """For records spanning many orders (print batches, allocation runs): ``queryset`` without the
    rows that touch any shop outside the user's (``through`` is a to-many path ending at a Shop) —
    a batch holding one order of another shop is that shop's business too, so it is hidden whole."""
    from fahuo.orders.models import Shop

    if not _authenticated(user):
        return queryset.none()
    if is_global_owner(user) and _token_shop_ids(user) is None:
        return queryset
    others = Shop.objects.exclude(pk__in=shops_for(user).values("pk"))
    return queryset.exclude(**{f"{through}__in": others})


def role_in(user: Any, shop: Shop | int | None) -> str:
    """The user's role in ``shop`` ("" when they may not see it), capped by their API token."""
    if shop is None or not _authenticated(user):
        return ""
    shop_id = shop if isinstance(shop, int) else shop.pk
    token_ids = _token_shop_ids(user)
    if token_ids is not None and shop_id not in token_ids:
        return ""
    if is_global_owner(user):
        return _cap(str(Role.OWNER), user)
    role = Membership.objects.filter(user=user, shop_id=shop_id).values_list("role", flat=True).first()
    return _cap(str(role or ""), user)


def highest_role(user: Any) -> str:
    """The user's highest role over all their shops (what their Django group says), token-capped."""
    if not _authenticated(user):
        return ""
    if is_global_owner(user):
        return _cap(str(Role.OWNER), user)
    roles = Membership.objects.filter(user=user)
    token_ids = _token_shop_ids(user)
    if token_ids is not None:
        roles = roles.filter(shop_id__in=token_ids)
    best = max((str(r) for r in roles.values_list("role", flat=True)), key=RANK.__getitem__, default="")
    return _cap(best, user)


def can(user: Any, perm: str, shop: Shop | int | None = None) -> bool:
    """Whether the user may do ``perm`` — in ``shop`` when given, else in at least one of their shops."""
    from fahuo.accounts.services import ROLE_PERMISSIONS

    if not _authenticated(user) or not user.has_perm(perm):
        return False
    role = role_in(user, shop) if shop is not None else highest_role(user)
    if not role:
        return False
    if role == Role.OWNER:
        return True  # owners hold every permission their account has (admin-site ones included)
    return perm in ROLE_PERMISSIONS[role]


def members_of(shop: Shop) -> QuerySet[Membership]:
    return Membership.objects.filter(shop=shop).select_related("user").order_by("user__username")


def managed_shops(user: Any) -> QuerySet[Shop]:
    """The shops whose members this user manages: every shop for a global owner, else where owner."""
    from fahuo.orders.models import Shop

    if is_global_owner(user) and not getattr(user, "fahuo_token_role", ""):
        return Shop.objects.all()
    return Shop.objects.filter(memberships__user=user, memberships__role=Role.OWNER)


def users_who_can(perm: str, shop: Shop | int | None) -> QuerySet[Any]:
    """Active users who may do ``perm`` in ``shop`` (what ``can(user, perm, shop)`` answers, in one
    query): its members whose role there grants it, and the owners of every shop. ``shop=None``
    (a record of no shop, which only the owners of every shop see): those owners alone."""
    from django.contrib.auth import get_user_model

    from fahuo.accounts.services import ROLE_PERMISSIONS

    users = get_user_model().objects.with_perm(perm, include_superusers=True)
    members = Membership.objects.values("user_id")
    everywhere = Q(is_superuser=True) | (Q(groups__name=str(Role.OWNER)) & ~Q(pk__in=members))
    if shop is not None:
        shop_id = shop if isinstance(shop, int) else shop.pk
        roles = [str(r) for r, perms in ROLE_PERMISSIONS.items() if r == Role.OWNER or perm in perms]
        everywhere |= Q(pk__in=members.filter(shop_id=shop_id, role__in=roles))
    return users.filter(everywhere, is_active=True).distinct().order_by("username")


def acting_user(user_id: int | None) -> Any:
    """For a background job run for someone: that user, fresh from the database (their memberships
    as they are now, not when the job was queued); None when no one asked (CLI, schedules) or the
    account is gone — callers decide what that means (the CLI acts for every shop)."""
    from django.contrib.auth import get_user_model

    if user_id is None:
        return None
    return get_user_model().objects.filter(pk=user_id).first()


def shops_refused(user: Any, perm: str, shop_ids: Any) -> list[int]:
    """The shops among ``shop_ids`` where ``user`` may not do ``perm`` (not theirs, their role
    there does not allow it, or the account is inactive): what a worker acting for them must not touch."""
    return sorted({int(s) for s in shop_ids if s is not None and not can(user, perm, int(s))})
