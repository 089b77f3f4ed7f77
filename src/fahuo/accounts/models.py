"""Users' roles, API tokens and the audit log of personal-data reveals."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "店主"
    OPERATOR = "operator", "运营"
    PACKER = "packer", "打包员"


class Membership(models.Model):
    """A user's role in one shop. A user with no membership rows and the global owner role (what
    ``fahuo user create --role owner`` without ``--shop`` makes) runs every shop; anyone else sees
    only the shops they are a member of."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    shop = models.ForeignKey("orders.Shop", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shop__code", "user__username"]
        constraints = [models.UniqueConstraint(fields=["user", "shop"], name="membership_user_shop_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.shop_id}:{self.role}"


class AuditLog(models.Model):
    """Who saw or changed what; every reveal of personal data writes one row."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=40, db_index=True)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.action} {self.object_type}:{self.object_id}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the JSON API; only its hash is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)
    # Empty: every shop the user may see. Otherwise the token reaches only these shops (still capped
    # by the user's memberships at each request, so removing a member also narrows their tokens).
    shops = models.ManyToManyField("orders.Shop", blank=True, related_name="+")
    # Empty: the user's own role. Otherwise the token acts with at most this role.
    role = models.CharField(max_length=16, choices=Role.choices, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(
        cls, *, user: models.Model, name: str, shops: Iterable[models.Model] = (), role: str = ""
    ) -> tuple[ApiToken, str]:
        raw = "fh_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=hash_token(raw), prefix=raw[:8], role=role)
        shops = list(shops)
        if shops:
            token.shops.set(shops)  # type: ignore[arg-type]
        return token, raw
