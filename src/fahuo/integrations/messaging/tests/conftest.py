from __future__ import annotations

from typing import Any

from fahuo.kit import testing


def golden(provider: str, name: str) -> Any:
    """A message channel's golden payload (``integrations/messaging/<provider>/golden/<name>``)."""
    return testing.golden(f"messaging/{provider}", name)
