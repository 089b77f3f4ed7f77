"""What a print run produced, per carrier: the print result page names who picks the parcels up."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count

from fahuo.fulfilment.models import Waybill


def carriers_of(*, order_ids: Iterable[int]) -> list[tuple[str, int]]:
    """(carrier name, waybills) for the orders' current waybills, most parcels first."""
    rows = (
        Waybill.objects.filter(parcel__order_id__in=list(order_ids))
        .values("carrier__name")
        .annotate(n=Count("id"))
        .order_by("-n", "carrier__name")
    )
    return [(row["carrier__name"], row["n"]) for row in rows]
