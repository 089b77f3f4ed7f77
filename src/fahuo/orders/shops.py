"""Shops: create one (抖店 or 私域) and make its creator the owner."""

from __future__ import annotations

import re
from typing import Any

from fahuo.kit.errors import Conflict, InvalidInput
from fahuo.orders.models import Platform, Shop

# What the set-up commands and pages call a platform -> the stored value.
PLATFORMS = {"douyin": Platform.DOUYIN, "private": Platform.WECHAT, "wechat": Platform.WECHAT}
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


def create_shop(*, code: str, name: str, platform: str, user: Any = None, **details: str) -> Shop:
    """A new shop; its creator (when a user) becomes its owner. ``details``: sender_*, brand_note."""
    code = code.strip()
    if not CODE_RE.match(code):
        raise InvalidInput(f"店铺编码无效：{code!r}（字母、数字、-、_，最多 32 位）")
    if not name.strip():
        raise InvalidInput("店铺名称不能为空")
    if platform not in PLATFORMS:
        raise InvalidInput(f"未知平台：{platform}（douyin 抖店 或 private 私域）")
    if Shop.objects.filter(code=code).exists():
        raise Conflict(f"店铺编码已存在：{code}")
    allowed = {"sender_name", "sender_phone", "sender_address", "brand_note"}
    shop = Shop.objects.create(
        code=code,
        name=name.strip()[:80],
        platform=PLATFORMS[platform],
        **{k: v.strip() for k, v in details.items() if k in allowed and v},
    )
    if getattr(user, "is_authenticated", False):
        _make_owner(user=user, shop=shop)
    return shop


def _make_owner(*, user: Any, shop: Shop) -> None:
    from fahuo.accounts.selectors import is_global_owner
    from fahuo.accounts.services import add_member

    if not is_global_owner(user):  # an owner of every shop owns the new one already
        add_member(user=user, shop=shop, role="owner")


def shop_dict(shop: Shop) -> dict[str, Any]:
    platform = "private" if shop.platform == Platform.WECHAT else str(shop.platform)
    return {"code": shop.code, "name": shop.name, "platform": platform}
