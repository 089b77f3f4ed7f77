from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "Read one pasted address per line on stdin; write one JSON object per line."


def run(args: argparse.Namespace) -> int:
    from fahuo.kit.address import cli_parse

    return cli_parse(sys.stdin, sys.stdout)
