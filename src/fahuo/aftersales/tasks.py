"""Background jobs of after-sales (Huey): out-of-stock defaults after their deadline, evidence retention."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from fahuo.aftersales import returns, stockout, uploads


@db_periodic_task(crontab(minute="*/5"))
def stock_choice_defaults() -> int:
    """Offers nobody answered by their deadline get the shop's default (wait / swap / refund)."""
    return stockout.apply_defaults()


@db_periodic_task(crontab(minute="17", hour="3"))
def purge_expired_evidence() -> int:
    """Evidence past its retention goes, unless the order has an open after-sale."""
    return uploads.purge_expired()


@db_periodic_task(crontab(minute="*/10"))
def poll_return_parcels() -> int:
    """Subscribe new return parcels to the trace push, then query the ones due (each at most every
    30 minutes; a push counts as a check); returns how many moved."""
    returns.subscribe_returns()
    return returns.poll_returns().moved
