"""Statements generated before they were split by shop get their per-shop part the first time one is
read (the statement page, the contracts home, ``/api/contracts``): the week is settled again as of the
statement's own ``as_of`` for the parcels' freight and lateness, the stored figures (claims credited,
privacy fines) are kept, and only ``data["by_shop"]`` is added."""

from __future__ import annotations

from collections.abc import Iterable

from fahuo.contracts import services, week_data
from fahuo.contracts import settlement as st
from fahuo.contracts.models import WeeklyStatement


def fill_shop_parts(statement: WeeklyStatement) -> bool:
    """Add the statement's per-shop part if it has none; True when it was added."""
    if "by_shop" in statement.data:
        return False
    gathered = week_data.week_from_db(
        carrier=statement.carrier, week_start=statement.week_start, as_of=statement.as_of
    )
    data = dict(statement.data)
    data["by_shop"] = services.shop_parts(
        carrier=statement.carrier, week_start=statement.week_start, result=st.settle(gathered), data=data
    )
    WeeklyStatement.objects.filter(pk=statement.pk).update(data=data)
    statement.data = data
    return True


def fill_all(statements: Iterable[WeeklyStatement]) -> int:
    return sum(fill_shop_parts(s) for s in statements)
