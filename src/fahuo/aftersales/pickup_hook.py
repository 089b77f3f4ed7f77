"""Kuaidi100's 商家寄件 order callback for reverse pickups (``POST /aftersales/hooks/kuaidi100-pickup``):
the courier took the order, collected the parcel — with the waybill number, which becomes the RMA's
return tracking number (then traced like any return) — or gave up, which frees the RMA to be booked
again. Verified with the salt given at booking (one per Kuaidi100 account), logged in PushLog
(scrubbed), answered with the acknowledgement Kuaidi100 expects."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from fahuo.aftersales.models import Rma, RmaStatus, RmaStep
from fahuo.integrations.base import MalformedPush, SignatureInvalid
from fahuo.integrations.kuaidi100 import pickup_callback
from fahuo.integrations.kuaidi100.pickup_callback import CANCELLED, PICKED_UP, PickupNews

logger = logging.getLogger(__name__)
PROVIDER = "kuaidi100"
LOG_NAME = "kuaidi100-pickup"


def _salts() -> list[str]:
    from fahuo.carriers.models import ProviderAccount
    from fahuo.integrations.kuaidi100.settings import callback_salt

    accounts = ProviderAccount.objects.filter(provider=PROVIDER, active=True).order_by("pk")
    return [callback_salt(a) for a in accounts]


def callback_for(provider: str, account: Any) -> tuple[str, str]:
    """(callBackUrl, salt) a booking at ``provider`` reports back with; ("", "") when none."""
    from fahuo.tracking.subscriptions import public_url

    base = public_url()
    if provider != PROVIDER or account is None or not base:
        return "", ""
    from fahuo.integrations.kuaidi100.settings import callback_salt

    return base + reverse("aftersales:kuaidi100_pickup_hook"), callback_salt(account)


def parse(form: dict[str, str]) -> PickupNews:
    """The callback checked against each Kuaidi100 account's salt (SignatureInvalid if none fits)."""
    salts = _salts()
    if not salts:
        raise SignatureInvalid("没有可用的快递100账号，无法校验寄件回调")
    for salt in salts[:-1]:
        try:
            return pickup_callback.parse(form, salt=salt)
        except SignatureInvalid:
            continue
    return pickup_callback.parse(form, salt=salts[-1])


def apply(news: PickupNews) -> Rma | None:
    """Move the RMA behind the booking; None when no RMA has this booking (kept in the log)."""
    rma = Rma.objects.select_for_update().filter(pickup_provider=PROVIDER, pickup_order=news.order_id).first()
    if rma is None:
        return None
    now = timezone.now()
    note = f"快递100 上门取件：{news.words}"
    if news.status in PICKED_UP and news.kuaidinum:
        note += f"，退货运单号 {news.kuaidinum}"
        if not rma.return_tracking_no:
            rma.return_tracking_no = news.kuaidinum[:40]
        if rma.status == RmaStatus.APPROVED:
            rma.status = RmaStatus.RETURNING
    elif news.status in CANCELLED:
        note += (f"（{news.message}）" if news.message else "") + "，可以重新预约"
        rma.pickup_order, rma.pickup_booked_at = "", None
    elif news.courier:
        note += f"（{news.courier}）"
    if RmaStep.objects.filter(rma=rma, source="carrier", note=note[:300]).exists():
        return rma  # the same callback again (Kuaidi100 retries)
    rma.last_event_at = now
    rma.save()
    RmaStep.objects.create(rma=rma, status=rma.status, source="carrier", note=note[:300], at=now)
    return rma


def _answer(status: int, payload: dict[str, Any]) -> HttpResponse:
    return HttpResponse(
        json.dumps(payload, ensure_ascii=False), status=status, content_type="application/json"
    )


@csrf_exempt
@require_POST
def kuaidi100_pickup(request: HttpRequest) -> HttpResponse:
    from fahuo.tracking.services import log_push

    form = {k: request.POST.get(k, "") for k in ("taskId", "param", "sign")}
    body = form["param"]
    try:
        news = parse(form)
    except (SignatureInvalid, MalformedPush) as exc:
        status = 401 if isinstance(exc, SignatureInvalid) else 400
        log_push(provider=LOG_NAME, http_status=status, body=body, error=str(exc))
        return _answer(status, {"result": False, "returnCode": str(status), "message": str(exc)})
    with transaction.atomic():
        rma = apply(news)
        error = "" if rma is not None else f"no RMA with booking {news.order_id} (kept)"
        log_push(provider=LOG_NAME, http_status=200, body=body, accepted=int(rma is not None), error=error)
    return _answer(200, pickup_callback.ACK)
