"""The desk page that prints 抖音电子面单 labels on the print component of the PC it is open on.

The page's script (``static/desk/platform_print.js``) asks ``prepare`` for the print tasks
(the platform's signed, encrypted print data: fahuo never sees the receiver), opens a websocket to
the component on this PC (``ws://127.0.0.1:13888`` unless the shop's account or this desk says
otherwise), sends each task, and reports the component's ``notifyPrintResult`` to ``result``,
which records each label printed or failed. Every row is filtered to the user's shops.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fahuo.accounts.selectors import visible
from fahuo.carriers.models import ProviderAccount
from fahuo.desk.security import DEFAULT_CSP, csp_header
from fahuo.fulfilment.labels import platform_print
from fahuo.fulfilment.models import PlatformPrint, PlatformPrintStatus, PrintBatch
from fahuo.integrations.douyin import print_component
from fahuo.integrations.registry import PRINTS_ENCRYPTED
from fahuo.kit.errors import NotFound
from fahuo.kit.web import desk_view, private

PRINT = "fulfilment.print_labels"
# The print component listens on the desk PC itself: the page may open a websocket to loopback
# (any port, so a desk can point it at a component listening elsewhere), nowhere else.
LOOPBACK = "ws://127.0.0.1:* ws://localhost:* wss://127.0.0.1:* wss://localhost:*"
STATUS_LABELS = {
    PlatformPrintStatus.PENDING: "待打印",
    PlatformPrintStatus.SENT: "已发送打印组件",
    PlatformPrintStatus.PRINTED: "已打印",
    PlatformPrintStatus.FAILED: "打印失败",
}


def _rows(user: Any) -> Any:
    return visible(
        PlatformPrint.objects.select_related("waybill__carrier", "waybill__parcel__order__shop", "batch"),
        user,
        field="waybill__parcel__order__shop",
    )


def _with_component_csp(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """This page's Content-Security-Policy: the desk's own, plus websockets to loopback."""
    policy = dict(getattr(settings, "FAHUO_CSP", None) or DEFAULT_CSP)
    policy["connect-src"] = f"{policy.get('connect-src', chr(39) + 'self' + chr(39))} {LOOPBACK}"
    response["Content-Security-Policy"] = csp_header(policy, nonce=getattr(request, "csp_nonce", ""))
    return response


def _component_url(user: Any) -> str:
    """The component URL the shop's 抖音电子面单 account names (the first), else the documented one."""
    from fahuo.accounts.selectors import shops_for

    for account in ProviderAccount.objects.filter(
        provider__in=PRINTS_ENCRYPTED, shop__in=shops_for(user)
    ).order_by("pk"):
        try:
            url = str(json.loads(account.credentials or "{}").get("print_component_url") or "")
        except (TypeError, ValueError):
            url = ""
        if url:
            return url
    return print_component.DEFAULT_URL


@require_GET
@desk_view(PRINT)
def platform_print_page(request: HttpRequest) -> HttpResponse:
    rows = _rows(request.user)
    batch = None
    raw = request.GET.get("batch", "")
    if raw.isdigit():
        batch = PrintBatch.objects.filter(pk=int(raw)).first()
        if batch is None or not rows.filter(batch=batch).exists():
            raise NotFound(f"波次不存在：{raw}")
        rows = rows.filter(batch=batch)
    else:
        rows = rows.exclude(status=PlatformPrintStatus.PRINTED)
    shown = list(rows.order_by("status", "pk")[:500])
    for row in shown:
        row.status_label = STATUS_LABELS.get(row.status, row.status)
    counts = {s: 0 for s in STATUS_LABELS}
    for status in rows.values_list("status", flat=True):
        counts[status] += 1
    context = {
        "nav": "batches",
        "batch": batch,
        "rows": shown,
        "counts": counts,
        "open_ids": [r.pk for r in shown if r.status != PlatformPrintStatus.PRINTED],
        "component_url": _component_url(request.user),
    }
    return _with_component_csp(request, private(render(request, "desk/platform_print.html", context)))


@require_POST
@desk_view(PRINT)
def platform_print_prepare(request: HttpRequest) -> JsonResponse:
    """The print tasks for the chosen labels (``print`` ids), as the component takes them."""
    ids = [int(v) for v in request.POST.getlist("print") if v.isdigit()]
    mine = list(
        _rows(request.user).filter(pk__in=ids, status__in=platform_print.OPEN).values_list("pk", flat=True)
    )
    tasks = platform_print.prepare(print_ids=mine, server=False)
    failed = [
        {"tracking_no": tn, "error": err}
        for tn, err in PlatformPrint.objects.filter(
            pk__in=mine, status=PlatformPrintStatus.FAILED
        ).values_list("waybill__tracking_no", "error")
    ]
    return private(JsonResponse({"tasks": [{"url": t.url, "task": t.task} for t in tasks], "failed": failed}))


@require_POST
@desk_view(PRINT)
def platform_print_result(request: HttpRequest) -> JsonResponse:
    """What the component reported for one task (its notifyPrintResult, or that it took the task
    and said no more): each label printed or failed."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"error": _("The report is not JSON.")}, status=400)
    if not isinstance(body, dict) or not str(body.get("taskID") or ""):
        return JsonResponse({"error": _("The report names no task.")}, status=400)
    task_id = str(body["taskID"])
    results = print_component.parse_notify(body)
    accepted = [str(d) for d in body.get("accepted") or []]
    got = platform_print.record(
        task_id=task_id,
        results=results,
        printer=str(body.get("printer") or ""),
        accepted=accepted,
        user=request.user,
        rows=_rows(request.user),
    )
    return private(JsonResponse({"printed": len(got.printed), "failed": len(got.failed)}))
