from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from fahuo.accounts.services import REVEAL_PERMISSION, role_of


def desk(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "user_role": role_of(user) if user is not None else "",
        "can_reveal": bool(user is not None and user.is_authenticated and user.has_perm(REVEAL_PERMISSION)),
    }
