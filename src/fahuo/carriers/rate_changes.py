"""Dated price changes to rate cards: the notice a change needs (a contract's, else 30 days) and
scheduling a new card from a date on, closing the lines it replaces. Split from
:mod:`fahuo.carriers.services`, which re-exports every name here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction

from fahuo.carriers.models import Carrier, Contract, RateLine
from fahuo.carriers.pricing import FREIGHT_FIELDS
from fahuo.kit.errors import InvalidInput

DEFAULT_NOTICE_DAYS = 30  # price changes without a contract in force: the usual 提前30天书面通知
PRICE_FIELDS = (*FREIGHT_FIELDS, "remote_surcharge_fen")
LINE_FIELDS = (*PRICE_FIELDS, "transit_hours")


# --- dated price changes -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RateDraft:
    """One lane of a new rate card, before it is checked and stored."""

    origin_province: str
    dest_province: str
    first_weight_g: int
    first_price_fen: int
    step_weight_g: int
    step_price_fen: int
    transit_hours: int
    remote_surcharge_fen: int = 0


@dataclass(frozen=True, slots=True)
class RateChange:
    carrier_code: str
    effective_from: date
    announced_on: date
    notice_days: int
    created: int  # new dated rows
    updated: int  # rows already scheduled for that day, corrected
    unchanged: int  # lanes whose price in force is the same: nothing stored
    new_lanes: int  # lanes the carrier had no price for (no notice needed)
    price_changes: int  # lanes whose price changes (notice needed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "carrier": self.carrier_code,
            "effective_from": self.effective_from.isoformat(),
            "announced_on": self.announced_on.isoformat(),
            "notice_days": self.notice_days,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "new_lanes": self.new_lanes,
            "price_changes": self.price_changes,
        }


def notice_days_for(
    *, carrier: Carrier, announced_on: date, effective_from: date
) -> tuple[int, Contract | None]:
    """The notice period that binds a change: the contract in force when it was announced (else when it
    takes effect), else DEFAULT_NOTICE_DAYS."""
    from fahuo.carriers.services import active_contracts  # services re-exports this module

    for day in (announced_on, effective_from):
        contract = active_contracts(on=day, carrier_ids=[carrier.pk]).get(carrier.pk)
        if contract is not None:
            return contract.notice_days, contract
    return DEFAULT_NOTICE_DAYS, None


def _check_draft(draft: RateDraft) -> None:
    for name in LINE_FIELDS:
        if getattr(draft, name) < 0:
            raise InvalidInput(f"{draft.dest_province}: {name} 不能为负数 (must not be negative)")
    if draft.step_weight_g < 1 or draft.first_weight_g < 1:
        raise InvalidInput(f"{draft.dest_province}: 首重和续重重量必须大于 0 (weights must be positive)")


def _check_drafts(lines: Sequence[RateDraft], *, effective_from: date, announced_on: date) -> None:
    """Dates in order, every draft's values valid, each lane once."""
    if effective_from < announced_on:
        raise InvalidInput(
            f"生效日期 {effective_from} 早于公布日期 {announced_on} "
            f"(effective date {effective_from} is before the announcement {announced_on})"
        )
    seen: set[tuple[str, str]] = set()
    for draft in lines:
        _check_draft(draft)
        lane = (draft.origin_province, draft.dest_province)
        if lane in seen:
            raise InvalidInput(f"线路重复 (duplicate lane): {lane[0]} → {lane[1]}")
        seen.add(lane)


def _notice_kept(carrier: Carrier, announced_on: date, effective_from: date, changed: list[str]) -> int:
    """The notice days the carrier's contract asks for; raise when changed prices come sooner."""
    notice, contract = notice_days_for(
        carrier=carrier, announced_on=announced_on, effective_from=effective_from
    )
    earliest = announced_on + timedelta(days=notice)
    if changed and effective_from < earliest:
        source = f"合同「{contract.name}」" if contract is not None else "默认"
        shown = "、".join(changed[:5]) + (f" 等 {len(changed)} 条线路" if len(changed) > 5 else "")
        raise InvalidInput(
            f"调价通知期不足：{carrier.name}{source}要求提前 {notice} 天通知，{announced_on} 公布的调价"
            f"最早 {earliest} 生效，不能在 {effective_from} 生效（{shown}）。"
            f" Price change needs {notice} days' notice: announced {announced_on}, the earliest effective"
            f" date is {earliest}, not {effective_from}.",
            detail={
                "notice_days": notice,
                "announced_on": announced_on.isoformat(),
                "effective_from": effective_from.isoformat(),
                "earliest_effective_from": earliest.isoformat(),
                "lanes": changed,
            },
        )
    return notice


def schedule_rate_change(
    *, carrier: Carrier, lines: Sequence[RateDraft], effective_from: date, announced_on: date
) -> RateChange:
    """Store new dated rate lines, all or nothing; a price change needs the contract's notice period.

    Lanes whose price in force is unchanged store nothing; lanes the carrier has no price for are new
    and need no notice; a row already scheduled for ``effective_from`` is corrected in place.
    Provinces must already be official names (see ``normalize_province``).
    """
    _check_drafts(lines, effective_from=effective_from, announced_on=announced_on)

    history: dict[tuple[str, str], list[RateLine]] = defaultdict(list)
    origins = {d.origin_province for d in lines}
    for row in RateLine.objects.filter(
        carrier=carrier, origin_province__in=origins, effective_from__lte=effective_from
    ).order_by("effective_from"):
        history[(row.origin_province, row.dest_province)].append(row)

    create: list[RateLine] = []
    update: list[RateLine] = []
    unchanged = new_lanes = 0
    changed: list[str] = []
    for draft in lines:
        rows = history.get((draft.origin_province, draft.dest_province), [])
        same_day = rows[-1] if rows and rows[-1].effective_from == effective_from else None
        before = [r for r in rows if r.effective_from < effective_from]
        previous = before[-1] if before else None
        values = {name: getattr(draft, name) for name in LINE_FIELDS}
        target = same_day or previous
        if target is not None and all(getattr(target, k) == v for k, v in values.items()):
            unchanged += 1
            continue
        # Notice protects the price the seller pays now: compare with the row in force before the day.
        if previous is None:
            new_lanes += 1
        elif any(getattr(previous, k) != values[k] for k in PRICE_FIELDS):
            changed.append(draft.dest_province)
        if same_day is not None:
            for k, v in values.items():
                setattr(same_day, k, v)
            same_day.announced_on = announced_on
            update.append(same_day)
        else:
            create.append(
                RateLine(
                    carrier=carrier,
                    origin_province=draft.origin_province,
                    dest_province=draft.dest_province,
                    effective_from=effective_from,
                    announced_on=announced_on,
                    **values,
                )
            )

    notice = _notice_kept(carrier, announced_on, effective_from, changed)
    with transaction.atomic():
        RateLine.objects.bulk_create(create)
        if update:
            RateLine.objects.bulk_update(update, [*LINE_FIELDS, "announced_on"])
    return RateChange(
        carrier_code=carrier.code,
        effective_from=effective_from,
        announced_on=announced_on,
        notice_days=notice,
        created=len(create),
        updated=len(update),
        unchanged=unchanged,
        new_lanes=new_lanes,
        price_changes=len(changed),
    )
