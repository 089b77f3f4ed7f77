"""First run: the owner account and the company, once, on a desk that has no users yet."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from fahuo.kit.errors import Conflict, InvalidInput
from fahuo.setup.models import Company


def needs_first_run() -> bool:
    """No user yet: nobody could log in (one cheap query, asked by the login page and the wizard)."""
    return not User.objects.exists()


def first_run(*, username: str, password: str, company: str) -> Any:
    """Create the owner (of every shop, with the admin site) and the company; ``Conflict`` once done."""
    from fahuo.accounts.services import assign_role, audit

    if User.objects.exists():
        raise Conflict(_("Initial set-up is already done: please log in."))
    username, company = username.strip(), company.strip()
    if not username or not company:
        raise InvalidInput(_("Enter a username and a company name."))
    try:
        validate_password(password, User(username=username))
    except ValidationError as exc:
        raise InvalidInput(
            _("The password does not meet the requirements: %(reasons)s")
            % {"reasons": " ".join(exc.messages)}
        ) from None
    user = User.objects.create_user(username=username, password=password, is_staff=True, is_superuser=True)
    assign_role(user=user, role="owner")
    Company.objects.create(name=company[:80])
    audit(
        user=None,
        action="user.create",
        object_type="user",
        object_id=user.pk,
        detail={"role": "owner", "via": "wizard"},
    )
    return user


def company_name() -> str:
    return Company.objects.values_list("name", flat=True).first() or ""
