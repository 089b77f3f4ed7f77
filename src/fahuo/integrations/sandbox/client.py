"""The built-in sandbox carrier: issues e-waybill numbers offline, so the desk and demo work anywhere.

It behaves like a real provider in the ways that matter to fahuo: the number is a function of the
request id (re-sending a request after a crash returns the same number), numbers look like a
carrier's (prefix + digits), and a destination it cannot serve is refused with a message.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from fahuo.integrations.base import WaybillRequest, WaybillResult

PREFIX = "SB"


def tracking_number(request_id: str) -> str:
    digest = hashlib.sha256(("fahuo-sandbox:" + request_id).encode()).digest()
    number = int.from_bytes(digest[:8], "big") % 10**14
    return f"{PREFIX}{number:014d}"


def _short(name: str) -> str:
    for suffix in (
        "特别行政区",
        "维吾尔自治区",
        "壮族自治区",
        "回族自治区",
        "自治区",
        "自治州",
        "省",
        "市",
        "地区",
        "盟",
    ):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


class SandboxWaybillProvider:
    key = "sandbox"

    def issue(self, requests: Sequence[WaybillRequest]) -> list[WaybillResult]:
        results = []
        for req in requests:
            rcpt = req.recipient
            if not rcpt.province or not rcpt.detail:
                results.append(WaybillResult(request_id=req.request_id, error="收件地址不完整，无法分配网点"))
                continue
            digest = hashlib.sha256(req.request_id.encode()).hexdigest()
            city = _short(rcpt.city or rcpt.province)
            results.append(
                WaybillResult(
                    request_id=req.request_id,
                    tracking_no=tracking_number(req.request_id),
                    sort_code=f"{int(digest[:3], 16) % 900 + 100}-{digest[3:5].upper()}{int(digest[5:7], 16) % 90 + 10}",
                    mark_destination=f"{city} {rcpt.district}".strip(),
                )
            )
        return results

    def cancel(
        self, *, carrier_code: str, tracking_no: str, request_id: str = "", provider_ref: str = ""
    ) -> None:
        return None
