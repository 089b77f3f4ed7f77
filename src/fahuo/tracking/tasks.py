"""Background jobs for tracking: the alert sweep every five minutes, trace subscriptions, the
polling fallback every ten minutes, and fetching the 抖店 orders a push only named."""

from __future__ import annotations

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from fahuo.tracking.models import Track
from fahuo.tracking.subscriptions import subscribe_tracks
from fahuo.tracking.sweep import sweep


@db_periodic_task(crontab(minute="*/5"))
def sweep_alerts_task() -> dict[str, Any]:
    """Run every alert rule once (set-based, one short transaction per rule); see fahuo.tracking.sweep."""
    return sweep().as_dict()


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


@db_periodic_task(crontab(minute="*/10"))
def poll_tracks_task() -> dict[str, Any]:
    """Query the parcels whose push went missing or quiet (see fahuo.tracking.polling)."""
    from fahuo.tracking.polling import poll_round

    return poll_round().as_dict()


@db_task()
def fetch_orders_task(message_ids: list[int]) -> dict[str, Any]:
    """Fetch the orders of these pending_fetch 抖店 messages, right after their push committed."""
    from fahuo.tracking.shop_fetch import fetch_pending_orders

    return fetch_pending_orders(ids=message_ids).as_dict()


@db_periodic_task(crontab(minute="*"))
def fetch_pending_orders_task() -> dict[str, Any]:
    """Fetch the pending_fetch 抖店 orders that are due (retries, with backoff)."""
    from fahuo.tracking.shop_fetch import fetch_pending_orders

    return fetch_pending_orders().as_dict()
