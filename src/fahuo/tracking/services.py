"""Alert work (assign, note, resolve), alerts raised by pushes, and push logging."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from fahuo.accounts.services import audit
from fahuo.kit import privacy
from fahuo.kit.errors import Conflict, InvalidInput
from fahuo.orders.models import Order
from fahuo.tracking.models import Alert, AlertStatus, PushLog, Track
from fahuo.tracking.rules import load_params

NOTE_MAX = 2000


# --- working an alert ----------------------------------------------------------------------------


def assign_alert(*, alert: Alert, assignee: Any, user: Any = None) -> Alert:
    """Give an open alert to someone (``None`` hands it back to the queue)."""
    if alert.status == AlertStatus.RESOLVED:
        raise Conflict("该异常已解决，不能再分配")
    alert.assignee = assignee
    alert.status = AlertStatus.ASSIGNED if assignee is not None else AlertStatus.OPEN
    alert.save(update_fields=["assignee", "status"])
    audit(
        user=user,
        action="alert.assign",
        object_type="alert",
        object_id=alert.pk,
        detail={"assignee": getattr(assignee, "pk", None)},
    )
    return alert


def note_alert(*, alert: Alert, note: str, user: Any = None) -> Alert:
    """Replace the alert's working note (what was done: 已联系快递网点, 已私信买家 …)."""
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"备注最多 {NOTE_MAX} 个字")
    alert.note = note
    alert.save(update_fields=["note"])
    audit(user=user, action="alert.note", object_type="alert", object_id=alert.pk)
    return alert


def resolve_alert(*, alert: Alert, user: Any = None, note: str | None = None) -> Alert:
    """Close an alert by hand; the sweep opens a new one if its condition still holds later."""
    if alert.status == AlertStatus.RESOLVED:
        return alert
    if note is not None and note.strip():
        alert.note = note.strip()[:NOTE_MAX]
    alert.status = AlertStatus.RESOLVED
    alert.resolved_at = timezone.now()
    alert.resolved_by = user if getattr(user, "is_authenticated", False) else None
    alert.save(update_fields=["note", "status", "resolved_at", "resolved_by"])
    audit(user=user, action="alert.resolve", object_type="alert", object_id=alert.pk)
    return alert


def reopen_alert(*, alert: Alert, user: Any = None) -> Alert:
    """Undo a resolve; refused when another open alert of the same kind exists for the parcel/order."""
    if alert.status != AlertStatus.RESOLVED:
        return alert
    same = Alert.objects.filter(kind=alert.kind).exclude(status=AlertStatus.RESOLVED)
    if alert.track_id is not None:
        same = same.filter(track_id=alert.track_id)
    else:
        same = same.filter(track__isnull=True, order_id=alert.order_id or 0)
    if same.exists():
        raise Conflict("已有同类未解决的异常")
    alert.status = AlertStatus.ASSIGNED if alert.assignee_id else AlertStatus.OPEN
    alert.resolved_at = None
    alert.resolved_by = None
    alert.save(update_fields=["status", "resolved_at", "resolved_by"])
    audit(user=user, action="alert.reopen", object_type="alert", object_id=alert.pk)
    return alert


# --- alerts raised by pushes ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AlertDraft:
    kind: str
    order: Order | None = None
    track: Track | None = None
    detail: str = ""


def raise_alerts(drafts: Sequence[AlertDraft]) -> int:
    """Open these alerts unless one of the same kind is already open (one bulk insert)."""
    if not drafts:
        return 0
    params = load_params()
    now = timezone.now()
    rows = [
        Alert(
            kind=d.kind,
            order=d.order if d.order is not None else (d.track.order if d.track is not None else None),
            track=d.track,
            tracking_no=d.track.tracking_no if d.track is not None else "",
            since=now,
            severity=str(params.get(d.kind, {}).get("severity", "warning")),
            detail=d.detail[:200],
        )
        for d in drafts
        if d.kind in params
    ]
    Alert.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


# --- push log ------------------------------------------------------------------------------------

_SIGNER = re.compile(r"(签收人|收件人|代收人|取件人)\s*[:：是为]?\s*([^\s,，。;；\"'\\]{1,8})")
EXCERPT_MAX = 2000


def scrub(text: str) -> str:
    """A push body without personal data: names, phones and street addresses in its JSON/form fields
    replaced by ***, mobile numbers and signer names in free text masked; cut to 2,000 chars."""
    text = privacy.scrub(privacy.redact_payload(text))
    text = _SIGNER.sub(lambda m: f"{m.group(1)}：*", text)
    return text[:EXCERPT_MAX]


def log_push(*, provider: str, http_status: int, body: str, accepted: int = 0, error: str = "") -> PushLog:
    return PushLog.objects.create(
        provider=provider,
        http_status=http_status,
        accepted_events=accepted,
        error=error[:300],
        body_excerpt=scrub(body),
    )
