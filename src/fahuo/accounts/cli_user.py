"""``fahuo user create NAME --role ROLE [--shop CODE ...]``: create a desk user.

With ``--shop`` the user is a member of those shops with that role and sees only them; without it
the user is an owner of every shop (owners only: an operator or packer must be given their shops).
"""

from __future__ import annotations

import argparse
import secrets
import sys
from pathlib import Path

from fahuo.kit.cli_io import add_shops

# The role names, spelled out here: this module is imported before Django is set up.
ROLES = ("owner", "operator", "packer")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("username")
    parser.add_argument("--role", required=True, choices=ROLES)
    add_shops(parser, "the shops this user works for (repeatable); omitted: every shop, for an owner only")
    password = parser.add_mutually_exclusive_group()
    password.add_argument("--password", help="the password; one is generated and printed when omitted")
    password.add_argument(
        "--password-file",
        type=Path,
        help="read the password from this file's first line (keeps it out of ps)",
    )
    parser.add_argument("--email", default="")


def _password(args: argparse.Namespace) -> tuple[str, bool]:
    """The password and whether the caller chose it."""
    if args.password_file is not None:
        lines = args.password_file.read_text(encoding="utf-8").splitlines()
        return (lines[0] if lines else ""), True
    if args.password:
        return args.password, True
    return secrets.token_urlsafe(12), False


def run(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from django.contrib.auth.models import User
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from fahuo.accounts.services import add_member, assign_role, audit
    from fahuo.orders.models import Shop

    if User.objects.filter(username=args.username).exists():
        print(f"error: user {args.username!r} already exists")
        return 1
    codes = list(dict.fromkeys(args.shop))
    if not codes and args.role != "owner":
        print(
            f"error: a {args.role} must be given their shops with --shop CODE "
            "(only an owner may run every shop)",
            file=sys.stderr,
        )
        return 2
    shops = {s.code: s for s in Shop.objects.filter(code__in=codes)}
    unknown = [c for c in codes if c not in shops]
    if unknown:
        known = ", ".join(Shop.objects.values_list("code", flat=True)) or "none yet: fahuo shops add"
        print(f"error: unknown shop {', '.join(unknown)} (shops: {known})", file=sys.stderr)
        return 2
    try:
        password, chosen = _password(args)
    except OSError as exc:
        print(f"error: cannot read the password file: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        validate_password(password, User(username=args.username))
    except ValidationError as exc:
        print("error: " + " ".join(exc.messages))
        return 2
    every_shop = not codes  # an owner of every shop also gets the admin site (users, carriers, shops)
    with transaction.atomic():
        user = User.objects.create_user(
            username=args.username,
            email=args.email,
            password=password,
            is_staff=every_shop,
            is_superuser=every_shop,
        )
        if every_shop:
            assign_role(user=user, role=args.role)
        for code in codes:
            add_member(user=user, shop=shops[code], role=args.role)
        audit(
            user=None,
            action="user.create",
            object_type="user",
            object_id=user.pk,
            detail={"role": args.role, "shops": codes or "all"},
        )
    where = ", ".join(codes) if codes else "every shop"
    print(f"created {args.role} {args.username!r} ({where})")
    if not chosen:
        print(f"password: {password}")
    return 0
