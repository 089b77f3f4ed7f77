"""Write paths for live sessions: save a session with its featured SKUs, store its forecast and plan."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fahuo.catalog.models import Sku
from fahuo.kit.errors import InvalidInput
from fahuo.livestream.forecast import Forecast, forecast_session
from fahuo.livestream.models import FeaturedSku, LiveSession

if TYPE_CHECKING:
    from fahuo.livestream.planning import Plan

_LINE = re.compile(r"^\s*(\S+)(?:\s*[x×*,，:：\s]\s*(\d+))?\s*$")


@dataclass(frozen=True, slots=True)
class FeaturedLine:
    code: str
    units: int


def parse_featured(text: str) -> list[FeaturedLine]:
    """ "SKU-CODE 500" per line (also "×", ",", ":" between); blank lines ignored."""
    out, bad = [], []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        m = _LINE.match(raw)
        if not m:
            bad.append(raw.strip())
            continue
        out.append(FeaturedLine(m.group(1), int(m.group(2) or 0)))
    if bad:
        raise InvalidInput(f"看不懂这些行（格式：SKU编码 计划件数） (unreadable lines): {'; '.join(bad)}")
    return out


def featured_text(session: LiveSession) -> str:
    return "\n".join(f"{f.sku.code} {f.planned_units}" for f in session.featured.all())


def save_session(*, session: LiveSession, featured: list[FeaturedLine] | None = None) -> LiveSession:
    """Validate and save the session; replace its featured SKUs when ``featured`` is given."""
    if session.ends_at <= session.starts_at:
        raise InvalidInput("结束时间须晚于开始时间 (the stream must end after it starts)")
    if session.orders_per_packer_hour < 1:
        raise InvalidInput("每人每小时打包单量须大于 0 (orders per packer-hour must be positive)")
    skus: dict[str, Any] = {}
    if featured is not None:
        codes = [f.code for f in featured]
        skus = {s.code: s for s in Sku.objects.filter(code__in=codes)}
        missing = [c for c in codes if c not in skus]
        if missing:
            raise InvalidInput(f"没有这些 SKU (unknown SKU codes): {', '.join(missing)}")
    session.save()
    if featured is not None:
        session.featured.all().delete()
        FeaturedSku.objects.bulk_create(
            [FeaturedSku(session=session, sku=skus[f.code], planned_units=f.units) for f in featured]
        )
    return session


def refresh_forecast(*, session: LiveSession) -> Forecast:
    """Forecast the session and keep the figures on it."""
    f = forecast_session(session=session)
    session.forecast_orders, session.forecast_low, session.forecast_high = f.orders, f.low, f.high
    session.forecast_method, session.forecast_hourly = f.method, f.hourly
    session.save(
        update_fields=[
            "forecast_orders",
            "forecast_low",
            "forecast_high",
            "forecast_method",
            "forecast_hourly",
        ]
    )
    return f


def store_plan(*, session: LiveSession, plan: Plan) -> dict[str, Any]:
    """Keep the plan's per-carrier parcels, freight and pickups on the session (for the review)."""
    session.plan = plan.stored()
    session.save(update_fields=["plan"])
    return session.plan
