"""``fahuo user create``: create a desk user with one role (owner, operator or packer)."""

from __future__ import annotations

import argparse
import secrets

# The role names, spelled out here: this module is imported before Django is set up.
ROLES = ("owner", "operator", "packer")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("username")
    parser.add_argument("--role", required=True, choices=ROLES)
    parser.add_argument("--password", help="the password; one is generated and printed when omitted")
    parser.add_argument("--email", default="")


def run(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from django.contrib.auth.models import User
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from fahuo.accounts.services import assign_role, audit

    if User.objects.filter(username=args.username).exists():
        print(f"error: user {args.username!r} already exists")
        return 1
    password = args.password or secrets.token_urlsafe(12)
    try:
        validate_password(password, User(username=args.username))
    except ValidationError as exc:
        print("error: " + " ".join(exc.messages))
        return 2
    owner = args.role == "owner"
    with transaction.atomic():
        # Owners run the shop: they also get the admin site (users, carriers, shops).
        user = User.objects.create_user(
            username=args.username, email=args.email, password=password, is_staff=owner, is_superuser=owner
        )
        assign_role(user=user, role=args.role)
        audit(
            user=None, action="user.create", object_type="user", object_id=user.pk, detail={"role": args.role}
        )
    print(f"created {args.role} {args.username!r}")
    if not args.password:
        print(f"password: {password}")
    return 0
