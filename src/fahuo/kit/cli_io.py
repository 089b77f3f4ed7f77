"""Small helpers the set-up commands share: one way to print a result or an error (text or --json)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from fahuo.kit.errors import FahuoError


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


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the result as JSON (see docs/cli.md)")


def add_shops(parser: argparse.ArgumentParser, help: str) -> None:
    """``--shop CODE [CODE …]``, repeatable, into ``args.shop`` (a list, empty when omitted)."""
    parser.add_argument("--shop", action="extend", nargs="+", default=[], metavar="CODE", help=help)
