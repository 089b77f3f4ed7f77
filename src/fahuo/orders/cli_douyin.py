"""``fahuo shops connect-douyin CODE …`` and ``fahuo shops douyin CODE [--fetch on|off] …``.

connect-douyin: authorise a 抖店 shop (token.create with the authorisation code, or a self-use app's
shop id) and store the token pair encrypted. douyin: show the connection (state, expiry, last error,
switches), turn order fetching / ship-back on or off, renew the token now.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

SECRET_ENV = "FAHUO_DOUYIN_APP_SECRET"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from fahuo.kit.cli_io import add_json

    parser.add_argument("shop", help="shop code (a 抖店 shop)")
    if parser.prog.endswith("connect-douyin"):
        parser.description = (
            "授权抖店店铺：用授权码（或自用型应用的抖店店铺ID）换取 access_token/refresh_token，加密保存；"
            f"到期前自动刷新。app_secret 从 --app-secret-file 或环境变量 {SECRET_ENV} 读取。"
        )
        parser.add_argument("--app-key", required=True, help="抖店开放平台应用的 app_key")
        parser.add_argument(
            "--app-secret-file", type=Path, help=f"file whose first line is the app_secret (or ${SECRET_ENV})"
        )
        grant = parser.add_mutually_exclusive_group(required=True)
        grant.add_argument("--code", help="the authorisation code from the 抖店 authorisation page")
        grant.add_argument("--self-shop-id", help="自用型应用: the 抖店 shop id (grant authorization_self)")
        parser.add_argument("--base-url", default="", help="API address (default: the official one)")
    else:
        parser.description = "查看抖店授权状态；打开/关闭自动取单、发货回传；立即刷新 token。"
        parser.add_argument("--fetch", choices=["on", "off"], help="fetch pushed orders from 抖店")
        parser.add_argument("--ship-back", choices=["on", "off"], help="upload tracking numbers to 抖店")
        parser.add_argument("--refresh", action="store_true", help="renew the access token now")
    add_json(parser)


def _secret(args: argparse.Namespace) -> str:
    if args.app_secret_file is not None:
        lines = args.app_secret_file.read_text(encoding="utf-8").splitlines()
        return lines[0].strip() if lines else ""
    return os.environ.get(SECRET_ENV, "").strip()


def _switch(value: str | None) -> bool | None:
    return None if value is None else value == "on"


def _text(status: dict[str, Any]) -> str:
    names = {"connected": "已授权", "expired": "已过期", "error": "出错", "not_connected": "未授权"}
    lines = [f"{status['shop']}：{names.get(status['state'], status['state'])}"]
    if status["state"] != "not_connected":
        lines += [
            f"  抖店店铺：{status['douyin_shop_name']}（{status['douyin_shop_id']}）",
            f"  到期：{status['expires_at'] or '—'}  上次刷新：{status['refreshed_at'] or '—'}",
            f"  自动取单：{'开' if status['fetch_orders'] else '关'}  发货回传：{'开' if status['ship_back'] else '关'}",
        ]
        if status["last_error"]:
            lines.append(f"  最近错误：{status['last_error']}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from fahuo.kit.cli_io import emit, fail
    from fahuo.kit.errors import FahuoError, InvalidInput
    from fahuo.orders import platform_auth

    try:
        shop = platform_auth.get_shop(code=args.shop)
        if hasattr(args, "app_key"):
            secret = _secret(args)
            if not secret:
                raise InvalidInput(f"请用 --app-secret-file 或环境变量 {SECRET_ENV} 提供 app_secret")
            platform_auth.connect_douyin(
                shop=shop,
                app_key=args.app_key,
                app_secret=secret,
                code=args.code or "",
                shop_id=args.self_shop_id or "",
                base_url=args.base_url,
            )
        else:
            if args.fetch is not None or args.ship_back is not None:
                platform_auth.set_switches(
                    shop=shop, fetch_orders=_switch(args.fetch), ship_back=_switch(args.ship_back)
                )
            if args.refresh:
                platform_auth.refresh_shop(shop=shop)
    except FahuoError as exc:
        return fail(args, exc)
    status = platform_auth.connection_status(shop)
    emit(args, status, _text(status))
    return 0
