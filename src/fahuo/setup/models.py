"""The company behind the desk, named in the first-run wizard."""

from __future__ import annotations

from django.db import models


class Company(models.Model):
    name = models.CharField(max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name
