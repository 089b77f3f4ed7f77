"""Where a claim is opened from (发起理赔): a tracking alert, or an order's kept evidence — the packing
video/photos from the scan station or the buyer's unboxing upload (after-sales keeps them). The claim
form is filled in from it, and the evidence files are copied onto the claim when it is opened."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from fahuo.contracts import evidence as claim_files
from fahuo.contracts.models import Claim, ClaimAttachment
from fahuo.kit.web import can

EDIT = "contracts.change_contractterms"
CLAIM_DAMAGE_KINDS = ("problem", "refused")  # 疑难件/拒收 are usually a damaged parcel; stalled/late: lost
# The claim's source -> the after-sales evidence kinds it brings along.
EVIDENCE_SOURCES = {
    "packing": ("packing_video", "packing_photo"),
    "buyer": ("unboxing_video", "unboxing_photo"),
}


def _amount(total_fen: int) -> str | None:
    return f"{total_fen / 100:.2f}" if total_fen else None


def from_alert(*, user: Any, alert_id: str) -> dict[str, Any]:
    """A claim opened from a tracking alert: the parcel's carrier, number and order total."""
    from fahuo.accounts.selectors import visible
    from fahuo.tracking.models import Alert

    if not alert_id.isdigit():
        return {}
    alert = get_object_or_404(
        visible(Alert.objects.select_related("track", "order"), user, field="order__shop"), pk=int(alert_id)
    )
    kind = "damage" if alert.kind in CLAIM_DAMAGE_KINDS or "破损" in alert.detail else "loss"
    note = f"{alert.get_kind_display()}{'：' + alert.detail if alert.detail else ''}"
    return {"carrier": alert.track.carrier_code if alert.track else None, "tracking_no": alert.tracking_no,
            "kind": kind, "source": "tracking", "note": note, "alert": alert.pk,
            "amount_yuan": _amount(alert.order.total_fen if alert.order is not None else 0)}  # fmt: skip


def kept_evidence(*, user: Any, order_id: Any, source: str, ids: Sequence[int] | None = None) -> list[Any]:
    """The order's packing or unboxing evidence the user may see (their shops' orders only)."""
    from fahuo.accounts.selectors import visible
    from fahuo.aftersales.models import Evidence

    rows = Evidence.objects.filter(kind__in=EVIDENCE_SOURCES.get(source, ()))
    rows = rows.filter(order_id=order_id) if ids is None else rows.filter(pk__in=ids)
    return list(visible(rows.select_related("order"), user).order_by("created_at", "pk"))


def _parcel_of(rows: Sequence[Any]) -> tuple[str | None, str]:
    """(carrier code, tracking number) of the evidence's parcel, else of the order's latest track."""
    from fahuo.fulfilment.models import Waybill
    from fahuo.tracking.models import Track

    parcels = [e.parcel_id for e in rows if e.parcel_id]
    waybill = Waybill.objects.filter(parcel_id__in=parcels).select_related("carrier").order_by("-pk").first()
    if waybill is not None:
        return waybill.carrier.code, waybill.tracking_no
    track = Track.objects.filter(order_id=rows[0].order_id).order_by("-issued_at", "-pk").first()
    return (track.carrier_code, track.tracking_no) if track is not None else (None, "")


def from_evidence(*, user: Any, order_id: str, source: str) -> dict[str, Any]:
    """A claim opened from an order's packing evidence or the buyer's report (a damaged parcel)."""
    if not order_id.isdigit() or source not in EVIDENCE_SOURCES:
        return {}
    rows = kept_evidence(user=user, order_id=int(order_id), source=source)
    if not rows:
        from django.http import Http404

        raise Http404("no evidence")
    carrier, number = _parcel_of(rows)
    kinds = sorted({e.get_kind_display() for e in rows})
    note = _("%(kinds)s attached (%(n)d files)") % {"kinds": "、".join(kinds), "n": len(rows)}
    return {"carrier": carrier, "tracking_no": number, "kind": "damage", "source": source, "note": note,
            "amount_yuan": _amount(rows[0].order.total_fen), "evidence": ",".join(str(e.pk) for e in rows)}  # fmt: skip


def prefill(*, user: Any, query: Any) -> dict[str, Any]:
    """The claim form's initial values from ``?alert=`` or ``?order=&evidence=packing|buyer``."""
    if query.get("alert"):
        return from_alert(user=user, alert_id=query.get("alert", ""))
    return from_evidence(user=user, order_id=query.get("order", ""), source=query.get("evidence", ""))


def attach_evidence(*, claim: Claim, user: Any, ids: str) -> list[ClaimAttachment]:
    """Copy the chosen after-sales evidence files onto the claim (a file past its retention is gone
    and skipped); the same checks and limits as an upload."""
    from fahuo.aftersales import storage

    wanted = [int(x) for x in ids.split(",") if x.strip().isdigit()]
    if not wanted:
        return []
    source = claim.source if claim.source in EVIDENCE_SOURCES else ""
    rows = kept_evidence(user=user, order_id=None, source=source, ids=wanted) if source else []
    files = [
        (f"{e.kind}-{e.sha256[:12]}.{storage.extension(e.content_type)}", b"".join(storage.read(e.sha256)))
        for e in rows
        if storage.exists(e.sha256)
    ]
    return claim_files.add_files(claim=claim, files=files)


def evidence_actions(*, evidence: Sequence[Any], user: Any) -> list[dict[str, str]]:
    """发起理赔 under an order's packing evidence or the buyer's unboxing upload (after-sales' page)."""
    if user is None or not can(user, EDIT):
        return []
    labels = {"packing": _("Open a claim with the packing evidence"),
              "buyer": _("Open a claim from the buyer's unboxing upload")}  # fmt: skip
    links = []
    for source, kinds in EVIDENCE_SOURCES.items():
        order = next((e.order_id for e in evidence if e.kind in kinds), None)
        if order is not None:
            url = f"{reverse('contracts:claims')}?order={order}&evidence={source}"
            links.append({"label": labels[source], "url": url})
    return links
