"""fahuo's parcel status set, the one vocabulary every tracking provider's codes are mapped onto.

Django-free so that providers' ``codes.py`` tables can use it; ``fahuo.tracking.models.TrackStatus``
(the database choices, with their Chinese labels) takes its values from here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TrackCode:
    """One state code a tracking provider documents, with fahuo's reading of it."""

    code: str
    zh: str
    status: str  # a TrackStatus value
    signed_by_proxy: bool = False  # signed for by someone other than the recipient (代收/代签, 柜, 驿站)


class TrackStatus(enum.StrEnum):
    CREATED = "created"
    AWAITING_PICKUP = "awaiting_pickup"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    IN_LOCKER = "in_locker"  # 快递柜/驿站
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    RETURNING = "returning"
    RETURNED = "returned"
    REFUSED = "refused"
    LOST = "lost"
