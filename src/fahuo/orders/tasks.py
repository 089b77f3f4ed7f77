"""Background jobs for orders (Huey): the 抖店 token renewal every 10 minutes."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from fahuo.orders.platform_auth import renew_due


@db_periodic_task(crontab(minute="*/10"))
def renew_douyin_tokens_task() -> dict[str, object]:
    """Renew every 抖店 shop's access token in its last hour (the platform renews only then)."""
    return renew_due().as_dict()
