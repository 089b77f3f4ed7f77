"""fahuo's parcel status set, the one vocabulary every tracking provider's codes are mapped onto.

Django-free so that providers' ``codes.py`` tables can use it; ``fahuo.tracking.models.TrackStatus``
(the database choices, with their Chinese labels) takes its values from here.
"""

from __future__ import annotations

import enum


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
