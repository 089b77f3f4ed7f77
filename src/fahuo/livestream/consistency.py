"""What the session page shows next to the plan, made from the same numbers (issue #15, item 7):
each peak notice against the plan it is shown under, the past sessions the forecast rests on, and
the channel a notice was sent through in words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fahuo.livestream.models import LiveSession, PeakNotice
from fahuo.livestream.planning import Plan

CHANNEL_LABELS: dict[str, Promise] = {
    "manual": _("by hand"),
    "wechat": _("WeChat"),
    "phone": _("phone call"),
    "email": _("e-mail"),
}


def channel_label(code: str) -> str:
    return str(CHANNEL_LABELS.get(code, code))


@dataclass(slots=True)
class NoticeRow:
    """A notice with what the current plan gives its carrier; ``stale`` when they differ."""

    notice: PeakNotice
    plan_parcels: int
    via_label: str

    @property
    def stale(self) -> bool:
        return self.plan_parcels != self.notice.expected_parcels


def notices_against_plan(*, session: LiveSession, plan: Plan) -> list[NoticeRow]:
    current = {line.carrier_id: line.parcels for line in plan.carriers}
    rows = session.notices.select_related("carrier", "sent_by").order_by("carrier__code")
    return [NoticeRow(n, current.get(n.carrier_id, 0), channel_label(n.sent_via)) for n in rows]


def basis_sessions(ids: Sequence[int]) -> list[LiveSession]:
    """The past sessions a forecast leans on most, in the forecast's order."""
    found = {s.pk: s for s in LiveSession.objects.filter(pk__in=list(ids))}
    return [found[i] for i in ids if i in found]
