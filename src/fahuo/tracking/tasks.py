"""Background jobs for tracking: the alert sweep every five minutes, trace subscriptions."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from fahuo.tracking.models import Track
from fahuo.tracking.subscriptions import subscribe_tracks
from fahuo.tracking.sweep import sweep


@db_periodic_task(crontab(minute="*/5"))
def sweep_alerts_task() -> dict[str, Any]:
    """Run every alert rule once (set-based); see fahuo.tracking.sweep."""
    with transaction.atomic():
        result = sweep()
    return result.as_dict()


@db_task(retries=3, retry_delay=300)
def subscribe_tracks_task(track_ids: list[int], provider: str = "") -> dict[str, Any]:
    """Subscribe new parcels to their tracking provider's push (one provider call per parcel)."""
    tracks = Track.objects.filter(pk__in=track_ids, active=True).select_related("order", "waybill")
    return subscribe_tracks(tracks=list(tracks), provider=provider or None).as_dict()


@db_task(retries=3, retry_delay=600)
def resubscribe_task(tracking_no: str, provider: str) -> dict[str, Any]:
    """Subscribe a number again after the provider gave up on it (Kuaidi100 ``abort``)."""
    tracks = Track.objects.filter(tracking_no=tracking_no, active=True).select_related("order", "waybill")
    return subscribe_tracks(tracks=list(tracks), provider=provider, force=True).as_dict()
