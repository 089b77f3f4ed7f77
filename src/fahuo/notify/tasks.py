"""Background jobs for buyer messages (Huey): queue after other domains commit, send every minute."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from fahuo.notify.sending import send_due
from fahuo.notify.services import queue_for_alerts, queue_for_tracks

# The minute task paces itself to the channels' rates for at most this long, so runs do not pile up.
WAIT_BUDGET_S = 45.0


@db_task()
def queue_messages_task(tracks: list[list[Any]], alerts: list[list[Any]]) -> dict[str, int]:
    """Render and queue the messages of (track id, key) and (alert id, key) pairs."""
    with transaction.atomic():
        queued = queue_for_tracks(pairs=tracks) + queue_for_alerts(pairs=alerts)
    return {"queued": queued}


@db_task()
def send_messages_task() -> dict[str, int]:
    """Send what is due now (after queueing, after a retry by hand)."""
    return send_due().as_dict()


@db_periodic_task(crontab(minute="*"))
def send_due_messages_every_minute() -> dict[str, int]:
    """The sweep that keeps retrying: every minute, whatever is due, paced by the rate limits."""
    return send_due(wait_s=WAIT_BUDGET_S).as_dict()
