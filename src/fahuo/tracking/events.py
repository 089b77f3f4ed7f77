"""What tracking tells the domains built on it, without importing them (one-way dependencies).

Tracking fires these hooks; notify (and whatever comes next: after-sales, contracts) connects its
handlers in its ``AppConfig.ready``. A handler that acts after commit uses ``transaction.on_commit``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from fahuo.kit.hooks import Hook, Provided

if TYPE_CHECKING:
    from fahuo.integrations.base import TraceEvent
    from fahuo.tracking.models import Track

# Parcels whose status moved in one ingest (pk, order_id and the new status are set).
parcel_status_changed: Hook[[Sequence[Track]]] = Hook("tracking.parcel_status_changed")
# Trace events of a push or replay for numbers no parcel here has (after-sales: a return parcel's
# number), called inside the ingest's transaction.
unmatched_events: Hook[[Sequence[TraceEvent]]] = Hook("tracking.unmatched_events")
# Fresh alerts a sweep opened with buyer_message=auto, as (alert id, kind) rows.
alerts_opened: Hook[[Sequence[tuple[int, str]]]] = Hook("tracking.alerts_opened")
# The alert kinds that come with a message to the buyer (notify's message library decides).
buyer_message_kinds: Provided[frozenset[str]] = Provided("tracking.buyer_message_kinds", frozenset())
# "Tell the buyer now" from the alert queue: ``message_buyer(alert=, user=)`` -> the message or None.
message_buyer: Provided[Callable[..., Any] | None] = Provided("tracking.message_buyer", None)
# A message to an order's buyer linking to a higher domain's buyer page (after-sales: the out-of-stock
# choice): ``order_message(order=, key=, path=, ref=, user=)`` -> the queued message or None (notify).
order_message: Provided[Callable[..., Any] | None] = Provided("tracking.order_message", None)
# Rules other domains add to the sweep (after-sales: a return pickup about to run late), called as
# ``handler(now=, result=)`` inside the sweep's transaction; they count what they open in ``result``.
sweep_rules: Hook[...] = Hook("tracking.sweep_rules")
# The buyer's page (/t/<token>): ``return_progress(order_id)`` -> the order's returns/exchanges as
# buyer-safe rows ({"title", "status", "steps": [(datetime, text)], "tracking_no"}), after-sales provides.
return_progress: Provided[Callable[[int], list[dict[str, Any]]] | None] = Provided(
    "tracking.return_progress", None
)
# The buyer's page: ``buyer_links(order_id, token)`` -> actions offered to the buyer as
# [{"id", "title", "text", "url"}] (after-sales: unboxing upload, an out-of-stock choice to make).
buyer_links: Provided[Callable[[int, str], list[dict[str, str]]] | None] = Provided(
    "tracking.buyer_links", None
)
# Links a higher domain adds to an open alert's actions in the alert queue (contracts: 发起理赔 on a
# damaged/lost/late parcel), called as ``handler(alert=, user=)`` -> [{"label", "url"}] or [].
alert_actions: Hook[...] = Hook("tracking.alert_actions")
