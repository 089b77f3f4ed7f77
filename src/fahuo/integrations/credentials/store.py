"""The reads every connector's ``settings.py`` shares: an account's decrypted credentials as a dict,
one credential by its first non-blank spelling, the endpoint options, and the active account of a
provider for a shop."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypedDict

from fahuo.kit.errors import InvalidInput

if TYPE_CHECKING:
    from fahuo.integrations.credentials.models import ProviderAccount
    from fahuo.orders.models import Shop


def credentials_of(account: ProviderAccount, label: str) -> dict[str, Any]:
    """The account's credentials JSON object; ``label`` (e.g. "快递鸟账号") names it in the error."""
    try:
        creds = json.loads(account.credentials or "{}")
    except ValueError:
        raise InvalidInput(f"{label}的凭据不是有效的 JSON") from None
    if not isinstance(creds, dict):
        raise InvalidInput(f"{label}的凭据不是 JSON 对象")
    return creds


def getter(creds: Mapping[str, Any]) -> Callable[..., str]:
    """``get("app_key", "AppKey")``: the first of the names with a non-blank value, stripped ("" if none)."""

    def get(*names: str) -> str:
        for name in names:
            value = creds.get(name)
            if value is not None and value != "":
                return str(value).strip()
        return ""

    return get


class Endpoint(TypedDict):
    """Where a connector calls and how long it waits for an answer (settings dataclass keywords)."""

    base_url: str
    read_timeout_s: float


def endpoint(get: Callable[..., str], *, base_url: str, default_url: str, read_timeout_s: float) -> Endpoint:
    """``base_url``: the account's, else the ``base_url`` credential, else the provider's
    ``default_url``; ``read_timeout_s``: the ``timeout_s`` credential, else the provider's default."""
    timeout = get("timeout_s")
    return Endpoint(
        base_url=base_url or get("base_url") or default_url,
        read_timeout_s=float(timeout) if timeout else read_timeout_s,
    )


def active_account(
    provider: str, shop: Shop | None = None, *, any_shop: bool = False
) -> ProviderAccount | None:
    """The shop's active account of ``provider``, else a shared one (without a shop: it serves every
    shop); ``any_shop``: the first active account of the provider, whoever it belongs to."""
    from fahuo.integrations.credentials.models import ProviderAccount

    accounts = ProviderAccount.objects.filter(provider=provider, active=True)
    if any_shop:
        return accounts.first()
    own = accounts.filter(shop=shop).first() if shop is not None else None
    return own or accounts.filter(shop__isnull=True).first()
