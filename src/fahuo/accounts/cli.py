"""``fahuo token create USERNAME --name NAME``: issue an API token and print it once."""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "为用户创建 API 令牌；令牌只显示这一次，数据库只保存它的哈希。"
    parser.add_argument("username", help="an existing desk user")
    parser.add_argument("--name", required=True, help="what the token is for, e.g. 'erp-sync'")


def run(args: argparse.Namespace) -> int:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from fahuo.accounts.models import ApiToken

    user = get_user_model().objects.filter(username=args.username).first()
    if user is None:
        print(f"用户不存在：{args.username}（先用 fahuo user create 创建）", file=sys.stderr)
        return 2
    with transaction.atomic():
        token, raw = ApiToken.issue(user=user, name=args.name)
    # The raw token alone on stdout, so scripts can capture it; the rest goes to stderr.
    print(raw)
    print(
        f"已为 {args.username} 创建令牌「{token.name}」（{token.prefix}…）。请立即保存：之后无法再次查看。",
        file=sys.stderr,
    )
    return 0
