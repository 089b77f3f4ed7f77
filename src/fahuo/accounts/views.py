"""The members page (成员): an owner lists, adds, re-roles and removes the people of their shops."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from fahuo.accounts import selectors
from fahuo.accounts.models import Membership, Role
from fahuo.accounts.services import add_member, audit, remove_member
from fahuo.kit.errors import FahuoError
from fahuo.kit.web import desk_view, error_page, private
from fahuo.orders.models import Shop

ROLE_CHOICES = [(str(r.value), str(r.label)) for r in Role]


class AddMemberForm(forms.Form):
    shop: forms.ModelChoiceField[Shop] = forms.ModelChoiceField(
        queryset=Shop.objects.none(), label="店铺", empty_label=None
    )
    username = forms.CharField(max_length=150, label="用户名")
    role = forms.ChoiceField(choices=ROLE_CHOICES, label="角色", initial=Role.PACKER)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["shop"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = selectors.managed_shops(user)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=ROLE_CHOICES)


def _page(
    request: HttpRequest, *, form: AddMemberForm | None = None, status: int = 200, **extra: Any
) -> HttpResponse:
    shops = list(selectors.managed_shops(request.user))
    context = {
        "nav": "members",
        "shops": [(shop, list(selectors.members_of(shop))) for shop in shops],
        "everywhere": [
            u
            for u in get_user_model().objects.filter(is_active=True).order_by("username")
            if selectors.is_global_owner(u)
        ],
        "form": form or AddMemberForm(user=request.user),
        "roles": ROLE_CHOICES,
        **extra,
    }
    return private(render(request, "accounts/members.html", context, status=status))


def _audit_member(request: HttpRequest, action: str, user_id: int, detail: dict[str, Any]) -> None:
    """A change of someone's membership, logged against that user."""
    audit(
        user=request.user,
        action=action,
        object_type="user",
        object_id=user_id,
        request=request,
        detail=detail,
    )


def _managed(request: HttpRequest, membership_pk: int) -> Membership:
    """A membership in one of the shops this user manages; 404 otherwise (another shop's)."""
    found = (
        Membership.objects.select_related("user", "shop")
        .filter(pk=membership_pk, shop__in=selectors.managed_shops(request.user))
        .first()
    )
    if found is None:
        raise Http404("no such member")
    return found


def _owners_only(request: HttpRequest) -> HttpResponse | None:
    if not selectors.managed_shops(request.user).exists():
        return error_page(request, "只有店主可以管理成员。", status=403)
    return None


@require_GET
@desk_view()
def members(request: HttpRequest) -> HttpResponse:
    return _owners_only(request) or _page(request)


@require_POST
@desk_view()
def member_add(request: HttpRequest) -> HttpResponse:
    """Add someone to a shop with a role; a new user name creates the user with a one-time password."""
    refused = _owners_only(request)
    if refused:
        return refused
    form = AddMemberForm(request.POST, user=request.user)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    shop, name, role = (
        form.cleaned_data["shop"],
        form.cleaned_data["username"].strip(),
        form.cleaned_data["role"],
    )
    User = get_user_model()
    user = User.objects.filter(username=name).first()
    password = ""
    try:
        with transaction.atomic():
            if user is None:
                password = secrets.token_urlsafe(12)
                validate_password(password, User(username=name))
                user = User.objects.create_user(username=name, password=password)
            add_member(user=user, shop=shop, role=role)
            detail = {"shop": shop.code, "role": role, "created": bool(password)}
            _audit_member(request, "member.add", user.pk, detail)
    except (FahuoError, ValidationError) as exc:
        text = exc.message if isinstance(exc, FahuoError) else " ".join(exc.messages)
        form.add_error(None, text)
        return _page(request, form=form, status=400)
    messages.success(request, f"已把 {name} 加入「{shop.name}」，角色：{Role(role).label}。")
    if password:
        # Shown once, on this page only (not in a cookie-stored message).
        return _page(request, new_user=name, new_password=password)
    return redirect("accounts:members")


@require_POST
@desk_view()
def member_role(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _managed(request, pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return error_page(request, "未知角色。", status=400)
    if membership.user_id == request.user.pk:
        return error_page(request, "不能修改自己的角色（请另一位店主修改）。", status=409)
    role = form.cleaned_data["role"]
    with transaction.atomic():
        add_member(user=membership.user, shop=membership.shop, role=role)
        detail = {"shop": membership.shop.code, "from": membership.role, "to": role}
        _audit_member(request, "member.role", membership.user_id, detail)
    messages.success(
        request,
        f"{membership.user.get_username()} 在「{membership.shop.name}」的角色改为 {Role(role).label}。",
    )
    return redirect("accounts:members")


@require_POST
@desk_view()
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _managed(request, pk)
    if membership.user_id == request.user.pk:
        return error_page(request, "不能把自己移出店铺（请另一位店主操作）。", status=409)
    with transaction.atomic():
        remove_member(user=membership.user, shop=membership.shop)
        detail = {"shop": membership.shop.code, "role": membership.role}
        _audit_member(request, "member.remove", membership.user_id, detail)
    messages.success(request, f"已把 {membership.user.get_username()} 移出「{membership.shop.name}」。")
    return redirect("accounts:members")
