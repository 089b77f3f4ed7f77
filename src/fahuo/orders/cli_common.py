"""What the orders CLI subcommands that act on one shop's orders share."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from fahuo.orders.models import Shop

R = TypeVar("R")


class Result(Protocol):
    def as_dict(self) -> dict[str, Any]: ...


Res = TypeVar("Res", bound=Result)


def on_shop(args: argparse.Namespace, action: Callable[[Shop], R]) -> R | int:
    """Run ``action`` on the shop ``--shop`` names; an unknown shop or a refusal is printed and its
    exit status returned (an int) instead of the result."""
    from fahuo.kit.cli_io import fail
    from fahuo.kit.errors import FahuoError, NotFound
    from fahuo.orders.models import Shop

    shop = Shop.objects.filter(code=args.shop).first()
    try:
        if shop is None:
            raise NotFound(f"店铺不存在：{args.shop}")
        return action(shop)
    except FahuoError as exc:
        return fail(args, exc)


def on_held_orders(args: argparse.Namespace, action: Callable[..., Res]) -> Res | int:
    """``action(shop=, order_ids=)`` on the held orders ``--shop`` and ``--order`` name (every held
    one without ``--order``); with ``--json`` its result is printed here. A refusal's exit status
    (an int) instead of the result."""
    result = on_shop(args, lambda shop: action(shop=shop, order_ids=args.order or None))
    if not isinstance(result, int) and args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False))
    return result
