"""A Kdniao SMS gateway look-alike (plain WSGI, in-memory, thread-safe) for tests and the demo.

Serve it with ``fahuo.integrations.simserver.serve(KdniaoSmsSimulator.with_account(...))`` and point
the ``kdniao_sms`` account's base_url at it. It speaks the protocol fahuo's client sends:

* form POST to /api/dist with EBusinessID, RequestType=8101, RequestData (JSON), DataType=2 and
  DataSign, checked exactly as Kdniao checks it (102 "验证数据签名失败" when wrong, 104 for an
  unknown EBusinessID);
* 8101 validates MemberID, Mobile (a mainland mobile number, else 103 "手机号码格式错误") and Content
  (1-500 characters), and is idempotent on OrderCode: the same OrderCode again answers success with
  the first UniquerRequestNumber and sends nothing.

Scripted failures: ``rate_limit_next(n)`` (105 "发送频率过快，请稍后再试"), ``fail_next(n, status)``
(HTTP 5xx without processing), ``blacklist`` (numbers refused with 105 "号码已退订（黑名单）").
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from fahuo.integrations.kdniao.client import sign
from fahuo.integrations.kdniao.simulator import _Refusal, answer
from fahuo.integrations.messaging.sms_kdniao.mapper import CONTENT_MAX, REQUEST_SEND
from fahuo.integrations.messaging.sms_kdniao.settings import SMS_PATH
from fahuo.integrations.simfaults import SimFaults
from fahuo.integrations.simserver import fields, read_body
from fahuo.integrations.simserver import respond_json as _respond

DEMO_EBUSINESS_ID = "fahuo-demo-sms"
DEMO_APP_KEY = "fahuo-demo-sms-app-key"
REASON_SIGN = "验证数据签名失败"
REASON_RATE = "发送频率过快，请稍后再试"
StartResponse = Callable[..., Any]
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


@dataclass(frozen=True)
class SimSms:
    mobile: str
    content: str
    order_code: str
    msg_id: str


@dataclass
class KdniaoSmsSimulator(SimFaults):
    accounts: dict[str, str] = field(default_factory=dict)  # EBusinessID -> AppKey
    sent: list[SimSms] = field(default_factory=list)
    blacklist: set[str] = field(default_factory=set)
    requests: int = 0
    _by_order_code: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def with_account(
        cls, ebusiness_id: str = DEMO_EBUSINESS_ID, app_key: str = DEMO_APP_KEY
    ) -> KdniaoSmsSimulator:
        return cls(accounts={ebusiness_id: app_key})

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "") != SMS_PATH:
            return _respond(start_response, "404 Not Found", {"Message": "接口地址不存在"})
        if environ.get("REQUEST_METHOD") != "POST":
            return _respond(start_response, "405 Method Not Allowed", {"Message": "只支持 POST"})
        with self._lock:
            self.requests += 1
        if (status := self.take_failure()) is not None:
            return _respond(start_response, f"{status} Service Unavailable", {"Message": "服务繁忙"})
        form = fields(read_body(environ))
        return _respond(start_response, "200 OK", self.handle(form))

    def handle(self, form: Mapping[str, str]) -> dict[str, Any]:
        ebusiness_id = form.get("EBusinessID", "")
        return answer(self._lock, ebusiness_id, lambda: self._dispatch(ebusiness_id, form))

    def _dispatch(self, ebusiness_id: str, form: Mapping[str, str]) -> dict[str, Any]:
        app_key = self.accounts.get(ebusiness_id)
        if app_key is None:
            raise _Refusal("104", "用户ID不存在或未开通短信服务")
        # Kdniao URL-decodes RequestData and DataSign once more after the form decoding.
        request_data, data_sign = (
            unquote_plus(form.get("RequestData", "")),
            unquote_plus(form.get("DataSign", "")),
        )
        if not request_data or not data_sign:
            raise _Refusal("101", "缺少必要参数：RequestData 或 DataSign")
        if data_sign != sign(request_data, app_key):
            raise _Refusal("102", REASON_SIGN)
        if form.get("RequestType") != REQUEST_SEND:
            raise _Refusal("101", f"该接口地址不支持指令类型: {form.get('RequestType', '')}")
        try:
            data = json.loads(request_data)
        except ValueError:
            raise _Refusal("103", "RequestData格式有误") from None
        if not isinstance(data, dict):
            raise _Refusal("103", "RequestData格式有误")
        return self._send(data)

    def _send(self, data: Mapping[str, Any]) -> dict[str, Any]:
        if not str(data.get("MemberID") or "").strip():
            raise _Refusal("101", "缺少必要参数：MemberID")
        number = str(data.get("Mobile") or "").strip()
        if not _MOBILE.match(number):
            raise _Refusal("103", "手机号码格式错误")
        content = str(data.get("Content") or "")
        if not content.strip():
            raise _Refusal("101", "缺少必要参数：Content")
        if len(content) > CONTENT_MAX:
            raise _Refusal("103", f"短信内容长度超出限制（{CONTENT_MAX}字）")
        order_code = str(data.get("OrderCode") or "").strip()
        if order_code and order_code in self._by_order_code:
            return _ok(self._by_order_code[order_code])
        if self.take("rate_limit"):
            raise _Refusal("105", REASON_RATE)
        if number in self.blacklist:
            raise _Refusal("105", "号码已退订（黑名单），不再发送")
        msg_id = str(uuid.uuid4())
        self.sent.append(SimSms(mobile=number, content=content, order_code=order_code, msg_id=msg_id))
        if order_code:
            self._by_order_code[order_code] = msg_id
        return _ok(msg_id)


def _ok(msg_id: str) -> dict[str, Any]:
    return {"Success": True, "ResultCode": "100", "Reason": "成功", "UniquerRequestNumber": msg_id}
