from __future__ import annotations

import json

from django.db import models

from fahuo.kit.privacy import EncryptedTextField


class ProviderAccount(models.Model):
    """Credentials for one provider account (Kdniao, Kuaidi100, a carrier's own API), stored encrypted.

    ``credentials`` is a JSON object whose keys the provider's ``settings.py`` defines. ``carrier`` and
    ``shop`` are referenced by name only: this layer imports neither app.
    """

    provider = models.CharField(max_length=20)  # registry key: sandbox, kdniao, kuaidi100, douyin …
    name = models.CharField(max_length=80)
    carrier = models.ForeignKey(
        "carriers.Carrier", null=True, blank=True, on_delete=models.CASCADE, related_name="accounts"
    )
    shop = models.ForeignKey(
        "orders.Shop", null=True, blank=True, on_delete=models.CASCADE, related_name="accounts"
    )
    base_url = models.CharField(max_length=200, blank=True)
    credentials = EncryptedTextField(default="{}")
    active = models.BooleanField(default=True)
    # A shop platform's authorisation (抖店): the tokens live in ``credentials``; these say when the
    # access token expires, when it was last renewed and what the platform last refused.
    token_expires_at = models.DateTimeField(null=True, blank=True)
    token_refreshed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    # The shop's switches (a shop platform account only): fetch pushed orders, upload tracking numbers.
    fetch_orders = models.BooleanField(default=True)
    ship_back = models.BooleanField(default=True)

    class Meta:
        db_table = "carriers_provideraccount"  # moved from the carriers app; the data stayed put
        ordering = ["provider", "name"]

    def __str__(self) -> str:
        return f"{self.provider}: {self.name}"

    def credential_dict(self) -> dict[str, str]:
        data = json.loads(self.credentials or "{}")
        return {str(k): str(v) for k, v in data.items()}
