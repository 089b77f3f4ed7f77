"""A small Kuaidi100 e-waybill v2 gateway (WSGI, plain functions) for tests and ``make demo``.

It speaks the real protocol on the real path: ``POST /label/order`` with ``method``/``key``/``t``/
``param``/``sign``, and answers ``{"success", "code", "message", "time", "data"}``. What it does:

* checks the signature (``30002 验证签名失败``) and the key (``30003``), and required params (``30001``);
* issues a carrier-looking ``kuaidinum`` that is a function of (kuaidicom, orderId) — the same
  orderId gets the same waybill back, which fahuo relies on for crash-safe re-runs;
* derives ``bulkpen`` and origin/destination/sorting codes from the sender/recipient addresses
  (``sim_routing.py``);
* returns ``count - 1`` child numbers (``childNum``) when ``needChild`` is "1";
* scripted failures: a recipient ``printAddr`` containing "超区" is refused by the "carrier"
  (``30005``, Chinese message); a key with zero balance gets ``30004 账号单量不足``;
  ``state.fail_next(n)`` makes the next n calls answer HTTP 503 (to exercise retries);
  ``state.rate_limit_next(n)`` / ``state.busy_next(n)`` make the next n calls (e-waybill, subscribe,
  query) answer Kuaidi100's server-busy code (``-1`` / returnCode ``502``) with "请求过于频繁" /
  "服务器繁忙" after the signature check (Kuaidi100 documents no rate-limit code of its own);
* ``method=cancel`` voids a waybill; the same orderId ordered again afterwards gets a new number;
* reverse pickup (商家寄件) on ``POST /order/borderapi.do`` (``sim_pickup.py``);
* tracking, on the real paths of poll.kuaidi100.com: ``POST /poll`` subscribes a number (501 重复订阅
  while one is monitored; SF without ``phone`` refused), ``POST /poll/query.do`` checks
  ``sign = upper(md5(param + key + customer))`` (503) and answers the trace held for the number
  (500 查询无结果 when there is none; 408 for SF without ``phone``). ``add_trace`` gives a number trace
  lines; ``push_to`` POSTs the signed callback Kuaidi100 would send to the subscription's callbackurl
  (``build_callback_form`` builds one without HTTP). ``refuse_next_query(n, code, message)`` makes
  the next n queries answer that refusal (after the signature check); ``received`` keeps every form
  as it arrived (path, fields), for golden request tests.

State is in memory and guarded by one lock, so the threaded test server can be hit concurrently.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from fahuo.integrations.kuaidi100.client import sign
from fahuo.integrations.kuaidi100.codes import TRACK_CODES
from fahuo.integrations.kuaidi100.mapper import dumps
from fahuo.integrations.kuaidi100.settings import ORDER_PATH, PLATFORM_NETS, Kuaidi100Settings
from fahuo.integrations.kuaidi100.sim_routing import digits, routing_codes
from fahuo.integrations.kuaidi100.sim_routing import split_address as split_address  # re-exported
from fahuo.integrations.kuaidi100.tracking import (
    ABORT,
    POLLING,
    QUERY_PATH,
    SHUTDOWN,
    SUBSCRIBE_PATH,
    callback_sign,
    query_sign,
)
from fahuo.integrations.simfaults import SimFaults
from fahuo.integrations.simserver import fields, read_body, read_query

DEMO_KEY = "fahuo-demo-key"
DEMO_SECRET = "fahuo-demo-secret"  # public: the offline simulator's demo account
DEMO_PARTNER_ID = "fahuo-demo"
RECEIVED_KEPT = 1000  # requests kept in ``received``
DEMO_CUSTOMER = "FAHUODEMOCUSTOMER"  # the real-time query's 授权码 of the demo account

# kuaidicom -> number prefix; the simulator accepts these companies and no others.
COMPANIES: dict[str, str] = {
    "zhongtong": "78",
    "yuantong": "YT",
    "yunda": "43",
    "shentong": "77",
    "shunfeng": "SF",
    "jd": "JDVA",
    "ems": "11",
    "jtexpress": "JT",
    "debangkuaidi": "DPK",
    "youzhengguonei": "98",
}
# Companies whose orders carry a carrier order number (kdComOrderNum) that cancel must echo back.
CARRIER_ORDER_NUMBERS = frozenset({"shunfeng", "jd"})
PRINT_TYPES = frozenset({"NON", "IMAGE", "HTML", "CLOUD", "ORDERFIRST"})
OUT_OF_RANGE_MESSAGE = "收件地址超区，快递公司暂不支持派送该地址"
RATE_LIMIT_MESSAGE = "请求过于频繁，请稍后再试"
BUSY_MESSAGE = "服务器繁忙，请稍后再试"

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Refusal(Exception):
    """A business error answered as ``{"success": false, "code": ..., "message": ...}``."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class _Waybill:
    kuaidicom: str
    order_id: str
    key: str
    data: dict[str, Any]
    cancelled: bool = False


@dataclass
class Subscription:
    kuaidicom: str
    number: str
    key: str
    callbackurl: str
    salt: str
    phone: str = ""
    monitoring: bool = True  # False after a shutdown/abort callback: subscribing again is allowed


@dataclass
class SimulatorState(SimFaults):
    """Accounts, balances and issued waybills. ``balances`` maps key -> waybills left (absent = unlimited)."""

    accounts: dict[str, str] = field(default_factory=lambda: {DEMO_KEY: DEMO_SECRET})
    balances: dict[str, int] = field(default_factory=dict)
    calls: int = 0
    orders: dict[tuple[str, str], _Waybill] = field(default_factory=dict)  # (kuaidicom, orderId)
    numbers: dict[tuple[str, str], _Waybill] = field(default_factory=dict)  # (kuaidicom, kuaidinum)
    generations: dict[tuple[str, str], int] = field(default_factory=dict)  # bumped by cancel
    seq: int = 0
    customers: dict[str, str] = field(default_factory=lambda: {DEMO_CUSTOMER: DEMO_KEY})  # customer -> key
    subscriptions: dict[tuple[str, str], Subscription] = field(default_factory=dict)  # (kuaidicom, number)
    traces: dict[tuple[str, str], list[dict[str, str]]] = field(default_factory=dict)  # oldest first
    # (path, form) as POSTed, the latest RECEIVED_KEPT (the demo runs for hours)
    received: deque[tuple[str, dict[str, str]]] = field(default_factory=lambda: deque(maxlen=RECEIVED_KEPT))
    # Platform e-waybill accounts authorised through Kuaidi100 (net=douyin …): (net, partnerId) ->
    # numbers left in that platform account's 网点 stock.
    platform_stock: dict[tuple[str, str], int] = field(default_factory=dict)
    # 商家寄件 bookings (reverse pickups) as booked: {"param", "taskId", "orderId"} (sim_pickup.py)
    pickups: list[dict[str, Any]] = field(default_factory=list)

    def authorise_platform(self, net: str, partner_id: str, *, stock: int = 100) -> None:
        """The seller authorised the platform account ``partner_id`` of ``net`` (printapi/authThird.do)."""
        with self.lock:
            self.platform_stock[(net, partner_id)] = stock

    def refuse_next_query(self, count: int = 1, code: str = "502", message: str = "服务器错误") -> None:
        """The next ``count`` real-time queries answer ``{"result": false, "returnCode": code, …}``."""
        self.arm("query_refusal", count, (code, message))

    def add_trace(
        self, kuaidicom: str, number: str, *, time: str, context: str, status_code: str, area_name: str = ""
    ) -> None:
        """Append one trace line as Kuaidi100 reports it with resultv2=4 (status name + statusCode)."""
        known = TRACK_CODES.get(status_code)
        row = {
            "time": time,
            "ftime": time,
            "context": context,
            "areaName": area_name,
            "status": known.zh if known else "",
            "statusCode": status_code,
        }
        with self.lock:
            self.traces.setdefault((kuaidicom, number), []).append(row)

    def last_result(self, kuaidicom: str, number: str) -> dict[str, Any]:
        """The ``lastResult`` object of a callback (and the body of a query answer)."""
        with self.lock:
            return _last_result(self, kuaidicom, number)

    def callback_param(
        self, kuaidicom: str, number: str, *, status: str = "", message: str = ""
    ) -> dict[str, Any]:
        """A callback's ``param``: status defaults to shutdown once signed for, else polling."""
        result = self.last_result(kuaidicom, number)
        if not status:
            status = SHUTDOWN if result["ischeck"] == "1" else POLLING
        return {
            "status": status,
            "billstatus": "got",
            "message": message,
            "autoCheck": "0",
            "comOld": "",
            "comNew": "",
            "lastResult": result,
        }

    def push_to(
        self,
        kuaidicom: str,
        number: str,
        *,
        url: str = "",
        status: str = "",
        message: str = "",
        timeout: float = 5.0,
    ) -> httpx.Response:
        """POST the signed callback Kuaidi100 would send for a subscribed number to ``url`` (default:
        the subscription's callbackurl); a shutdown/abort ends the monitoring as Kuaidi100's does."""
        with self.lock:
            subscription = self.subscriptions[(kuaidicom, number)]
        param = self.callback_param(kuaidicom, number, status=status, message=message)
        response = httpx.post(
            url or subscription.callbackurl,
            data=build_callback_form(param, subscription.salt),
            timeout=timeout,
        )
        if param["status"] in (SHUTDOWN, ABORT):
            with self.lock:
                subscription.monitoring = False
        return response

    @property
    def lock(self) -> threading.RLock:
        return self._lock

    def count_call(self) -> int | None:
        """Count one incoming call; the HTTP status to fail it with, if one is scripted."""
        with self.lock:
            self.calls += 1
        return self.take_failure()

    def add_account(self, key: str, secret: str, *, balance: int | None = None) -> None:
        with self.lock:
            self.accounts[key] = secret
            if balance is not None:
                self.balances[key] = balance


def demo_settings(base_url: str, **overrides: Any) -> Kuaidi100Settings:
    """Settings that talk to a simulator at ``base_url`` with the demo credentials."""
    values: dict[str, Any] = {
        "key": DEMO_KEY,
        "secret": DEMO_SECRET,
        "base_url": base_url,
        "partner_id": DEMO_PARTNER_ID,
        "customer": DEMO_CUSTOMER,
    }
    values.update(overrides)
    return Kuaidi100Settings(**values)


# -- protocol --------------------------------------------------------------------------------


def _man(param: Mapping[str, Any], field_name: str, who: str) -> Mapping[str, Any]:
    man = param.get(field_name)
    if not isinstance(man, Mapping):
        raise Refusal(30001, f"参数错误：缺少{who}信息 {field_name}")
    if not str(man.get("name") or "").strip():
        raise Refusal(30001, f"参数错误：{who}姓名不能为空")
    if not str(man.get("mobile") or "").strip() and not str(man.get("tel") or "").strip():
        raise Refusal(30001, f"参数错误：{who}手机号和电话号不能同时为空")
    if not str(man.get("printAddr") or "").strip():
        raise Refusal(30001, f"参数错误：{who}地址 printAddr 不能为空")
    return man


def _number(state: SimulatorState, kuaidicom: str, seed: str, taken: set[str]) -> str:
    """A carrier-looking number, a function of ``seed``, unique among issued numbers."""
    prefix = COMPANIES[kuaidicom]
    width = 13 if prefix.isdigit() else 12
    salt = 0
    while True:
        number = prefix + digits(f"{kuaidicom}:{seed}:{salt}", width)
        if (kuaidicom, number) not in state.numbers and number not in taken:
            taken.add(number)
            return number
        salt += 1


def _order(state: SimulatorState, key: str, param: Mapping[str, Any], host: str) -> dict[str, Any]:
    kuaidicom = str(param.get("kuaidicom") or "")
    if kuaidicom not in COMPANIES:
        raise Refusal(30001, "参数错误：kuaidicom 快递公司编码不正确或不支持")
    print_type = str(param.get("printType") or "")
    if print_type not in PRINT_TYPES:
        raise Refusal(30001, "参数错误：printType 不正确")
    if print_type in ("CLOUD", "ORDERFIRST") and not param.get("siid"):
        raise Refusal(30001, "参数错误：使用云打印时 siid 必填")
    if not str(param.get("partnerId") or "").strip():
        raise Refusal(30001, "参数错误：partnerId 电子面单账号不能为空")
    platform = _platform_account(state, param)
    rec = _man(param, "recMan", "收件人")
    send = _man(param, "sendMan", "寄件人")
    try:
        count = int(param.get("count") or 1)
    except (TypeError, ValueError):
        raise Refusal(30001, "参数错误：count 必须是整数") from None
    if count < 1:
        raise Refusal(30001, "参数错误：count 必须大于 0")

    order_id = str(param.get("orderId") or "")
    existing = state.orders.get((kuaidicom, order_id)) if order_id else None
    if existing is not None:
        return existing.data  # same orderId: same waybill, no new charge
    if "超区" in str(rec["printAddr"]):
        raise Refusal(30005, OUT_OF_RANGE_MESSAGE)
    _check_stock(state, key, platform)

    state.seq += 1
    generation = state.generations.get((kuaidicom, order_id), 0)
    seed = f"{order_id}#{generation}" if order_id else f"anonymous#{state.seq}"
    taken: set[str] = set()
    kuaidinum = _number(state, kuaidicom, seed, taken)
    children: list[str] = []
    if str(param.get("needChild") or "0") == "1":
        children = [_number(state, kuaidicom, f"{seed}/child{i}", taken) for i in range(1, count)]
    task_id = hashlib.md5(f"task:{kuaidicom}:{kuaidinum}".encode()).hexdigest().upper()
    back = _number(state, kuaidicom, f"{seed}/back", taken) if str(param.get("needBack")) == "1" else ""
    label = f"http://{host}/label/{print_type.lower()}/{task_id}" if print_type in ("IMAGE", "HTML") else ""
    data: dict[str, Any] = {
        "taskId": task_id,
        "kuaidinum": kuaidinum,
        "childNum": ",".join(children),
        "returnNum": back,
        "label": label,
        **routing_codes(str(send["printAddr"]), str(rec["printAddr"])),
    }
    if kuaidicom in CARRIER_ORDER_NUMBERS:
        data["kdComOrderNum"] = "KD" + digits(f"kdcom:{kuaidinum}", 14)
    waybill = _Waybill(kuaidicom=kuaidicom, order_id=order_id, key=key, data=data)
    for number in (kuaidinum, *children):
        state.numbers[(kuaidicom, number)] = waybill
    if order_id:
        state.orders[(kuaidicom, order_id)] = waybill
    _spend(state, key, platform)
    return data


def _check_stock(state: SimulatorState, key: str, platform: tuple[str, str] | None) -> None:
    left = state.balances.get(key)
    if left is not None and left <= 0:
        raise Refusal(30004, "账号单量不足，需要充值")
    if platform is not None and state.platform_stock[platform] <= 0:
        raise Refusal(30004, f"{PLATFORM_NETS[platform[0]]}电子面单网点余额不足，请联系网点充值")


def _spend(state: SimulatorState, key: str, platform: tuple[str, str] | None) -> None:
    if key in state.balances:
        state.balances[key] -= 1
    if platform is not None:
        state.platform_stock[platform] -= 1


def _platform_account(state: SimulatorState, param: Mapping[str, Any]) -> tuple[str, str] | None:
    """(net, partnerId) of a platform-net order, checked against the authorised accounts."""
    net = str(param.get("net") or "").strip()
    if net not in PLATFORM_NETS:
        return None
    ident = (net, str(param.get("partnerId") or "").strip())
    if ident not in state.platform_stock:
        raise Refusal(
            30001,
            f"参数错误：{PLATFORM_NETS[net]}电子面单账号 {ident[1]} 未授权，请先在快递100完成第三方平台授权",
        )
    return ident


def _cancel(state: SimulatorState, param: Mapping[str, Any]) -> None:
    kuaidicom = str(param.get("kuaidicom") or "")
    kuaidinum = str(param.get("kuaidinum") or "")
    if not kuaidicom or not kuaidinum:
        raise Refusal(30001, "参数错误：kuaidicom 和 kuaidinum 不能为空")
    waybill = state.numbers.get((kuaidicom, kuaidinum))
    if waybill is None or waybill.data["kuaidinum"] != kuaidinum:
        raise Refusal(30009, "查无此单")
    carrier_order = waybill.data.get("kdComOrderNum")
    if carrier_order and str(param.get("orderId") or "") != carrier_order:
        raise Refusal(30001, "参数错误：该快递公司取消时 orderId（kdComOrderNum）必填且需正确")
    if waybill.cancelled:
        return  # cancelling twice is harmless
    waybill.cancelled = True
    if waybill.order_id:
        ident = (kuaidicom, waybill.order_id)
        state.orders.pop(ident, None)
        state.generations[ident] = state.generations.get(ident, 0) + 1


def handle(state: SimulatorState, form: Mapping[str, str], host: str = "127.0.0.1") -> dict[str, Any]:
    """Answer one call given its form fields; the whole of the protocol, without HTTP."""
    started = time.monotonic()
    try:
        for name in ("method", "key", "t", "param", "sign"):
            if not form.get(name):
                raise Refusal(30001, f"参数错误：缺少 {name}")
        secret = state.accounts.get(form["key"])
        if secret is None:
            raise Refusal(30003, "账号信息不正确")
        if sign(form["param"], form["t"], form["key"], secret) != form["sign"]:
            raise Refusal(30002, "验证签名失败")
        try:
            param = json.loads(form["param"])
        except ValueError:
            raise Refusal(30001, "参数错误：param 不是合法的 JSON") from None
        if not isinstance(param, dict):
            raise Refusal(30001, "参数错误：param 必须是 JSON 对象")
        if (scripted := _scripted_refusal(state)) is not None:
            raise Refusal(-1, scripted)
        with state.lock:
            if form["method"] == "order":
                data: dict[str, Any] | None = dict(_order(state, form["key"], param, host))
            elif form["method"] == "cancel":
                _cancel(state, param)
                data = None
            else:
                raise Refusal(30001, f"参数错误：不支持的 method {form['method']}")
    except Refusal as refusal:
        return _envelope(False, refusal.code, refusal.message, started)
    body = _envelope(True, 200, "success", started)
    if data is not None:
        body["data"] = data
    return body


def _envelope(ok: bool, code: int, message: str, started: float) -> dict[str, Any]:
    body: dict[str, Any] = {"success": ok, "code": code, "message": message}
    body["time"] = int((time.monotonic() - started) * 1000)
    if not ok:
        body["data"] = None
    return body


# -- tracking ----------------------------------------------------------------------------------


def build_callback_form(param: Mapping[str, Any], salt: str) -> dict[str, str]:
    """A Kuaidi100 callback as the form fields it POSTs: ``param`` and ``sign = upper(md5(param+salt))``."""
    text = dumps(param)
    return {"param": text, "sign": callback_sign(text, salt)}


def _state_of(code: str) -> str:
    """The base state (0-8, 10-14) an advanced code belongs to."""
    if len(code) == 4 and code.startswith("10"):
        return "0"
    return code[0] if len(code) == 3 else code


def _last_result(state: SimulatorState, kuaidicom: str, number: str) -> dict[str, Any]:
    rows = state.traces.get((kuaidicom, number), [])
    base = _state_of(rows[-1]["statusCode"]) if rows else "0"
    return {
        "message": "ok",
        "nu": number,
        "ischeck": "1" if base == "3" else "0",
        "condition": "F00",
        "com": kuaidicom,
        "status": "200",
        "state": base,
        "data": [dict(row) for row in reversed(rows)],  # newest first
    }


def _poll_refusal(code: str, message: str) -> dict[str, Any]:
    return {"result": False, "returnCode": code, "message": message}


def _scripted_refusal(state: SimulatorState) -> str | None:
    """The message of the refusal a test armed with ``rate_limit_next`` / ``busy_next``, if any."""
    if state.take("rate_limit"):
        return RATE_LIMIT_MESSAGE
    if state.take("busy"):
        return BUSY_MESSAGE
    return None


def handle_subscribe(state: SimulatorState, form: Mapping[str, str]) -> dict[str, Any]:
    """Answer one ``POST /poll`` (subscribe)."""
    try:
        param = json.loads(form.get("param") or "")
    except ValueError:
        return _poll_refusal("700", "订阅参数错误：param 不是合法的 JSON")
    if not isinstance(param, dict):
        return _poll_refusal("700", "订阅参数错误：param 必须是 JSON 对象")
    raw_parameters = param.get("parameters")
    parameters: dict[str, Any] = raw_parameters if isinstance(raw_parameters, dict) else {}
    company, number = str(param.get("company") or ""), str(param.get("number") or "").strip()
    with state.lock:
        if param.get("key") not in state.accounts:
            return _poll_refusal("600", "您不是合法的订阅者（授权key错误）")
        if (scripted := _scripted_refusal(state)) is not None:
            return _poll_refusal("502", scripted)
        if company not in COMPANIES:
            return _poll_refusal("700", "订阅参数错误：不支持的快递公司")
        if not 6 <= len(number) <= 32:
            return _poll_refusal("700", "订阅参数错误：单号长度应为6到32个字符")
        if not str(parameters.get("callbackurl") or ""):
            return _poll_refusal("700", "订阅参数错误：回调地址 callbackurl 不能为空")
        if company == "shunfeng" and not str(parameters.get("phone") or ""):
            return _poll_refusal("700", "订阅参数错误：顺丰单号需要提供收/寄件人电话 phone")
        existing = state.subscriptions.get((company, number))
        if existing is not None and existing.monitoring:
            return _poll_refusal("501", "重复订阅")
        state.subscriptions[(company, number)] = Subscription(
            kuaidicom=company,
            number=number,
            key=str(param["key"]),
            callbackurl=str(parameters["callbackurl"]),
            salt=str(parameters.get("salt") or ""),
            phone=str(parameters.get("phone") or ""),
        )
    return {"result": True, "returnCode": "200", "message": "提交成功"}


def handle_query(state: SimulatorState, form: Mapping[str, str]) -> dict[str, Any]:
    """Answer one ``POST /poll/query.do`` (real-time query)."""
    customer, param_text = form.get("customer") or "", form.get("param") or ""
    with state.lock:
        key = state.customers.get(customer)
        if key is None:
            return _poll_refusal("400", "提交的数据不完整，或者贵公司没授权")
        if query_sign(param_text, key, customer) != (form.get("sign") or ""):
            return _poll_refusal("503", "验证签名失败")
        if (refusal := state.take("query_refusal")) is not None:
            return _poll_refusal(*refusal)
        if (scripted := _scripted_refusal(state)) is not None:
            return _poll_refusal("502", scripted)
        try:
            param = json.loads(param_text)
        except ValueError:
            return _poll_refusal("400", "提交的数据不完整")
        if not isinstance(param, dict) or str(param.get("com") or "") not in COMPANIES:
            return _poll_refusal("400", "找不到对应公司")
        com, num = str(param["com"]), str(param.get("num") or "")
        if com == "shunfeng" and not str(param.get("phone") or ""):
            return _poll_refusal("408", "快递公司参数异常：验证码错误")
        if not state.traces.get((com, num)):
            return _poll_refusal("500", "查询无结果，请隔段时间再查")
        return _last_result(state, com, num)


def _read_form(environ: Mapping[str, Any]) -> dict[str, str]:
    return read_query(environ) if environ.get("REQUEST_METHOD") == "GET" else fields(read_body(environ))


def make_app(state: SimulatorState | None = None) -> WsgiApp:
    """The WSGI app; keep ``state`` to script failures or inspect what was issued."""
    sim = state if state is not None else SimulatorState()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def reply(status: str, payload: bytes, ctype: str = "application/json;charset=UTF-8") -> list[bytes]:
            start_response(status, [("Content-Type", ctype), ("Content-Length", str(len(payload)))])
            return [payload]

        from fahuo.integrations.kuaidi100.sim_pickup import BORDER_PATH, handle_border

        path = environ.get("PATH_INFO")
        if path not in (ORDER_PATH, SUBSCRIBE_PATH, QUERY_PATH, BORDER_PATH):
            return reply("404 Not Found", b'{"message":"not found"}')
        if environ.get("REQUEST_METHOD") not in ("GET", "POST"):
            return reply("405 Method Not Allowed", b'{"message":"method not allowed"}')
        failure = sim.count_call()
        if failure is not None:
            return reply(f"{failure} Simulated Failure", b"upstream unavailable", "text/plain")
        form = _read_form(environ)
        with sim.lock:
            sim.received.append((str(path), dict(form)))
        if path == SUBSCRIBE_PATH:
            body = handle_subscribe(sim, form)
        elif path == QUERY_PATH:
            body = handle_query(sim, form)
        elif path == BORDER_PATH:
            body = handle_border(sim, form)
        else:
            body = handle(sim, form, host=str(environ.get("HTTP_HOST", "127.0.0.1")))
        return reply("200 OK", json.dumps(body, ensure_ascii=False).encode("utf-8"))

    return app
