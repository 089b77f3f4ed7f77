"""Subscribing parcels to a tracking provider's trace push (Kdniao 1008, Kuaidi100 poll).

A parcel is subscribed with the provider that issued its waybill when that provider tracks too
(Kdniao, Kuaidi100) and has an active account; otherwise with the first active tracking account.
Kuaidi100 pushes to the callback URL given per subscription: ``FAHUO_PUBLIC_URL`` + ``/hooks/kuaidi100``.
Kdniao pushes to the address set in its console (``…/hooks/kdniao``).

``Track.subscribed_at`` is set while a push subscription is live: it stays empty when subscribing
failed, and is cleared when the provider gives up on a number (Kuaidi100 ``abort``) until the
re-subscription succeeds. The polling fallback (``polling.py``) queries those parcels meanwhile.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from fahuo.integrations import registry
from fahuo.kit.errors import FahuoError
from fahuo.tracking.models import Track

logger = logging.getLogger(__name__)
TRACKING_PROVIDERS = registry.tracking_providers()


@dataclass(slots=True)
class SubscribeResult:
    subscribed: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"subscribed": self.subscribed, "skipped": self.skipped, "failed": self.failed}


def resubscribe_later(*, tracking_no: str, provider: str, delay_s: int = 1800) -> None:
    """After commit, subscribe ``tracking_no`` again in ``delay_s`` (Kuaidi100 asks for half an hour).

    Meanwhile the subscription is marked lapsed (``subscribed_at`` empty), so polling covers it.
    """
    from fahuo.tracking.tasks import resubscribe_task

    Track.objects.filter(tracking_no=tracking_no, subscribed_provider=provider, active=True).update(
        subscribed_at=None
    )
    transaction.on_commit(lambda: resubscribe_task.schedule((tracking_no, provider), delay=delay_s))


def public_url() -> str:
    return str(getattr(settings, "FAHUO_PUBLIC_URL", "") or os.environ.get("FAHUO_PUBLIC_URL", "")).rstrip(
        "/"
    )


def _accounts() -> dict[str, Any]:
    from fahuo.carriers.models import ProviderAccount

    out: dict[str, Any] = {}
    for account in ProviderAccount.objects.filter(
        provider__in=registry.tracking_providers(), active=True
    ).order_by("pk"):
        out.setdefault(account.provider, account)
    return out


def tracking_configured() -> bool:
    from fahuo.carriers.models import ProviderAccount

    return ProviderAccount.objects.filter(provider__in=registry.tracking_providers(), active=True).exists()


def enqueue_subscriptions(ids: list[int]) -> None:
    """After commit, subscribe these new parcels, by track id (only when a tracking account is configured)."""
    if not ids or not tracking_configured():
        return
    from fahuo.tracking.tasks import subscribe_tracks_task

    transaction.on_commit(lambda: subscribe_tracks_task(ids))


def choose_provider(track: Track, accounts: Mapping[str, Any]) -> str | None:
    """The provider to track a parcel with, among ``accounts``: the one it is subscribed with, else
    the one that issued its waybill, else the first."""
    issued_by = track.waybill.provider if track.waybill is not None else ""
    for key in (track.subscribed_provider, issued_by):
        if key and key in accounts:
            return key
    return next(iter(accounts), None)


def _subscribe_one(provider: str, account: Any, track: Track) -> None:
    phone = track.order.recipient_phone if track.order is not None else ""
    subscribe = registry.track_subscriber(provider, account)
    subscribe(
        tracking_no=track.tracking_no,
        carrier_code=track.carrier_code,
        phone=phone,
        callback_base=public_url(),
    )


def subscribe_tracks(
    *, tracks: Sequence[Track], provider: str | None = None, force: bool = False
) -> SubscribeResult:
    """Subscribe each parcel once (``force`` subscribes again); one provider call per parcel."""
    result = SubscribeResult()
    accounts = _accounts()
    done: list[Track] = []
    now = timezone.now()
    for track in tracks:
        if track.subscribed_provider and not force:
            result.skipped += 1
            continue
        key = provider if provider is not None else choose_provider(track, accounts)
        if key is None or key not in accounts:
            result.skipped += 1
            continue
        try:
            _subscribe_one(key, accounts[key], track)
        except FahuoError as exc:
            # Left unsubscribed (subscribed_at empty): the polling fallback queries it instead.
            logger.warning("subscribing %s at %s failed: %s", track.tracking_no, key, exc.message)
            result.failed.append((track.tracking_no, exc.message))
            continue
        track.subscribed_provider = key
        track.subscribed_at = now
        done.append(track)
    Track.objects.bulk_update(done, ["subscribed_provider", "subscribed_at"], batch_size=500)
    result.subscribed = len(done)
    return result
