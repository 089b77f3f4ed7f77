"""What the orders CLI subcommands that act on one shop's orders share."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from fahuo.orders.models import Shop

R = TypeVar("R")


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
