"""Small helpers the set-up commands share: one way to print a result or an error (text or --json)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from fahuo.kit.errors import FahuoError

T = TypeVar("T")


def fail(args: argparse.Namespace, exc: FahuoError) -> int:
    """Print the error (stderr; and as JSON on stdout with --json); exit status 2."""
    print(exc.message, file=sys.stderr)
    if getattr(args, "json", False):
        print(json.dumps({"error": exc.code, "message": exc.message}, ensure_ascii=False))
    return 2


def emit(args: argparse.Namespace, payload: Any, text: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(payload, ensure_ascii=False))
    else:
        print(text)


def write_and_emit(
    args: argparse.Namespace, write: Callable[[], T], show: Callable[[T], tuple[Any, str]]
) -> int:
    """A set-up command's run: ``write()`` in one transaction, then ``show(result)`` as (JSON
    payload, sentence) printed by ``emit``; a refusal is printed by ``fail`` (exit status 2)."""
    from django.db import transaction

    try:
        with transaction.atomic():
            result = write()
    except FahuoError as exc:
        return fail(args, exc)
    emit(args, *show(result))
    return 0


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the result as JSON (see docs/cli.md)")


def add_shops(parser: argparse.ArgumentParser, help: str) -> None:
    """``--shop CODE [CODE …]``, repeatable, into ``args.shop`` (a list, empty when omitted)."""
    parser.add_argument("--shop", action="extend", nargs="+", default=[], metavar="CODE", help=help)
