"""Evidence uploads: packing video/photos from the scan station, the buyer's unboxing upload from the
tracking page, inspection photos of a returned parcel; the retention sweep.

Each upload is stored content-addressed (:mod:`fahuo.aftersales.storage`) and recorded once per
order × kind × SHA-256 (the same file sent twice is one row)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from fahuo.aftersales import storage
from fahuo.aftersales.models import Evidence, EvidenceKind, Rma, RmaStatus
from fahuo.kit.errors import FahuoError, InvalidInput, NotFound
from fahuo.orders.models import Order

BUYER_PER_ORDER_PER_DAY = 6
BUYER_PER_IP_PER_HOUR = 20
OPEN_RMA = (RmaStatus.REQUESTED, RmaStatus.APPROVED, RmaStatus.RETURNING, RmaStatus.RECEIVED)


# Where a file comes from -> its kind when a video, when a photo.
KINDS: dict[str, tuple[EvidenceKind, EvidenceKind]] = {
    "station": (EvidenceKind.PACKING_VIDEO, EvidenceKind.PACKING_PHOTO),
    "warehouse": (EvidenceKind.INSPECTION_PHOTO, EvidenceKind.INSPECTION_PHOTO),
    "buyer": (EvidenceKind.UNBOXING_VIDEO, EvidenceKind.UNBOXING_PHOTO),
}


class TooManyUploads(FahuoError):
    status = 429
    code = "rate_limited"


@contextmanager
def atomic_upload() -> Iterator[None]:
    """``transaction.atomic()`` for a use case that stores files: a file written for the first time
    inside is deleted again when the transaction fails (no row refers to it then), so a failed
    upload leaves nothing on disk."""
    with storage.collect_new() as written:
        try:
            with transaction.atomic():
                yield
        except BaseException:
            _drop_unreferenced(written)
            raise


def _drop_unreferenced(hashes: list[str]) -> None:
    if not hashes:
        return
    try:
        kept = set(Evidence.objects.filter(sha256__in=hashes).values_list("sha256", flat=True))
    except DatabaseError:  # inside a broken outer transaction: nothing committed refers to them yet
        kept = set()
    for sha in set(hashes) - kept:
        storage.remove(sha)


def _record(
    *,
    order: Order,
    stored: storage.Stored,
    source: str,
    parcel_id: int | None = None,
    rma: Rma | None = None,
    user: Any = None,
) -> Evidence:
    video, photo = KINDS[source]
    kind = video if stored.is_video else photo
    now = timezone.now()
    evidence, _ = Evidence.objects.get_or_create(
        order=order,
        kind=kind,
        sha256=stored.sha256,
        defaults={
            "shop_id": order.shop_id,
            "parcel_id": parcel_id,
            "rma": rma,
            "size_bytes": stored.size,
            "content_type": stored.content_type,
            "uploaded_by": user if getattr(user, "is_authenticated", False) else None,
            "source": source,
            "expires_at": now + dt.timedelta(days=storage.retention_days()),
        },
    )
    return evidence


def add_packing(*, parcel: Any, chunks: Iterable[bytes], user: Any = None) -> Evidence:
    """A packing video or photo of one parcel, taken at the scan station."""
    stored = storage.store(chunks)
    return _record(order=parcel.order, stored=stored, source="station", parcel_id=parcel.pk, user=user)


def add_inspection(*, rma: Rma, chunks: Iterable[bytes], user: Any = None) -> Evidence:
    """A photo of a returned parcel taken at inspection (验货)."""
    if rma.order is None:
        raise InvalidInput("售后单的订单不在本系统，无法保存验货照片")
    stored = storage.store(chunks, max_bytes=storage.photo_limit())
    if stored.is_video:
        raise InvalidInput("验货只保存照片")
    return _record(order=rma.order, stored=stored, source="warehouse", rma=rma, user=user)


def buyer_track(token: str) -> Any:
    """The tracking-page parcel behind a buyer's token (404 for unknown tokens or no order)."""
    from fahuo.tracking.models import Track

    track = (
        Track.objects.filter(token=token).select_related("order__shop").first()
        if token and len(token) <= 32
        else None
    )
    if track is None or track.order is None:
        raise NotFound("链接无效")
    return track


def check_buyer_rate(*, order: Order, client_ip: str, now: dt.datetime | None = None) -> None:
    """At most a few unboxing files per order a day and per address an hour (TooManyUploads)."""
    now = now or timezone.now()
    recent = Evidence.objects.filter(
        order=order, source="buyer", created_at__gte=now - dt.timedelta(days=1)
    ).count()
    if recent >= BUYER_PER_ORDER_PER_DAY:
        raise TooManyUploads(f"每个订单每天最多上传 {BUYER_PER_ORDER_PER_DAY} 个文件，请明天再试")
    key = f"aftersales:unboxing:{client_ip or '-'}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    if count > BUYER_PER_IP_PER_HOUR:
        raise TooManyUploads("上传太频繁，请一小时后再试")


def add_unboxing(*, token: str, chunks: Iterable[bytes], client_ip: str = "") -> Evidence:
    """The buyer's unboxing video or photo, sent from the tracking page (no login: the token is the key)."""
    track = buyer_track(token)
    order = track.order
    check_buyer_rate(order=order, client_ip=client_ip)
    stored = storage.store(chunks)
    rma = (
        Rma.objects.filter(order=order, status__in=OPEN_RMA).order_by("-created_at").first()
        if order is not None
        else None
    )
    return _record(
        order=order,
        stored=stored,
        source="buyer",
        parcel_id=track.waybill.parcel_id if track.waybill_id else None,
        rma=rma,
    )


def for_order(*, order: Order) -> list[Evidence]:
    return list(Evidence.objects.filter(order=order).select_related("uploaded_by").order_by("created_at"))


def purge_expired(*, now: dt.datetime | None = None) -> int:
    """Delete evidence past its retention (kept while the order has an open after-sale), and each
    file no row refers to any more; returns the rows deleted."""
    now = now or timezone.now()
    open_orders = Rma.objects.filter(status__in=OPEN_RMA, order__isnull=False).values("order_id")
    expired = Evidence.objects.filter(expires_at__lte=now).exclude(Q(order_id__in=open_orders))
    hashes = set(expired.values_list("sha256", flat=True))
    deleted, _ = expired.delete()
    still = set(Evidence.objects.filter(sha256__in=hashes).values_list("sha256", flat=True))
    for sha in hashes - still:
        storage.remove(sha)
    return deleted
