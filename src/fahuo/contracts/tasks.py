"""Background jobs: the Monday statement run and the claim clocks."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from fahuo.contracts import services, week_data
from fahuo.kit.errors import Conflict


# Huey evaluates crontabs in UTC (its default): Monday 00:00 UTC is Monday 08:00 in Asia/Shanghai.
@db_periodic_task(crontab(day_of_week="1", hour="0", minute="0"))
def weekly_statements_task() -> list[str]:
    """Mondays 08:00 Asia/Shanghai: last week's statement per contracted carrier."""
    return run_weekly_statements()


def run_weekly_statements(*, today: dt.date | None = None) -> list[str]:
    today = today or timezone.localdate()
    week = today - dt.timedelta(days=today.weekday() + 7)
    done = []
    for code in week_data.carriers_to_settle(week_start=week):
        with transaction.atomic():
            try:
                services.generate_statement(carrier_code=code, week_start=week)
            except Conflict:
                continue  # already sent: left as it is
        done.append(code)
    return done


@db_task()
def statement_task(carrier_code: str, week_start: str) -> int:
    """On demand from the desk: one carrier's statement."""
    with transaction.atomic():
        return services.generate_statement(
            carrier_code=carrier_code, week_start=dt.date.fromisoformat(week_start)
        ).pk


@db_periodic_task(crontab(minute="*/15"))
def claim_clocks_task() -> int:
    """Every 15 minutes: alerts for claims whose verify/pay clock runs out within 4 hours."""
    with transaction.atomic():
        return services.claim_clock_alerts()


@db_periodic_task(crontab(minute="*/10"))
def stream_breach_task() -> int:
    """Every 10 minutes while a stream is on: per-carrier pickup and peak alerts with the penalty at stake."""
    from fahuo.contracts.streams import stream_breach_alerts

    with transaction.atomic():
        return stream_breach_alerts()
