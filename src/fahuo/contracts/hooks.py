"""What contracts adds to lower domains through their extension points (connected in ``apps.py``)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from fahuo.kit.web import can

# Alert kinds that usually end in a claim: 疑难件/拒收 (a damaged parcel), 物流停滞/超时效 (lost).
CLAIM_ALERT_KINDS = frozenset({"problem", "refused", "stalled", "late"})
EDIT = "contracts.change_contractterms"


def claim_action(*, alert: Any, user: Any) -> list[dict[str, str]]:
    """发起理赔 on an open alert of a damaged, lost or late parcel (for users who may open claims)."""
    if alert.kind not in CLAIM_ALERT_KINDS or not alert.track_id or alert.status == "resolved":
        return []
    if user is None or not can(user, EDIT):
        return []
    return [{"label": _("Open a claim"), "url": f"{reverse('contracts:claims')}?alert={alert.pk}"}]
