"""``fahuo token create USERNAME --name LABEL [--shop CODE ...] [--role ROLE]``: issue an API token
and print it once. ``--shop`` limits the token to some of the user's shops, ``--role`` to a lower
role than the user's; the user's own memberships still cap it at every request."""

from __future__ import annotations

import argparse
import sys

from fahuo.kit.cli_io import add_shops

ROLES = ("owner", "operator", "packer")  # spelled out: imported before Django is set up


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "为用户创建 API 令牌；令牌只显示这一次，数据库只保存它的哈希。"
    parser.add_argument("username", help="an existing desk user")
    parser.add_argument("--name", required=True, help="what the token is for, e.g. 'erp-sync'")
    add_shops(
        parser, "only these shops (repeatable; each must be one of the user's); omitted: the user's shops"
    )
    parser.add_argument("--role", choices=ROLES, default="", help="act with at most this role")


def run(args: argparse.Namespace) -> int:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from fahuo.accounts.models import ApiToken
    from fahuo.accounts.selectors import highest_role, shops_for

    user = get_user_model().objects.filter(username=args.username).first()
    if user is None:
        print(f"用户不存在：{args.username}（先用 fahuo user create 创建）", file=sys.stderr)
        return 2
    codes = list(dict.fromkeys(args.shop))
    shops = list(shops_for(user).filter(code__in=codes))
    outside = sorted(set(codes) - {s.code for s in shops})
    if outside:
        print(
            f"{args.username} 不能访问这些店铺：{', '.join(outside)}（令牌只能用于用户自己的店铺）",
            file=sys.stderr,
        )
        return 2
    if not highest_role(user):
        print(f"{args.username} 还没有任何店铺的角色，令牌将无法使用", file=sys.stderr)
        return 2
    with transaction.atomic():
        token, raw = ApiToken.issue(user=user, name=args.name, shops=shops, role=args.role)
    # The raw token alone on stdout, so scripts can capture it; the rest goes to stderr.
    print(raw)
    scope = "、".join(codes) if codes else "该用户的全部店铺"
    print(
        f"已为 {args.username} 创建令牌「{token.name}」（{token.prefix}…，{scope}）。请立即保存：之后无法再次查看。",
        file=sys.stderr,
    )
    return 0
