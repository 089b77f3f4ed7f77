"""Background jobs for live sessions."""

from __future__ import annotations

from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from fahuo.livestream.review import refresh_due_reviews


@db_periodic_task(crontab(minute="17"))
def refresh_reviews_task() -> dict[str, int]:
    """Hourly: (re)compute the 24 h and 7 d reviews of sessions for which they are due."""
    with transaction.atomic():
        return refresh_due_reviews()
