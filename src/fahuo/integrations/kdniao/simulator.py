"""A Kdniao EOrderService look-alike (plain WSGI, in-memory, thread-safe) for tests and the demo.

Run it with ``fahuo.integrations.simserver.serve(KdniaoSimulator(...))`` and point a Kdniao account's
base_url at the address it yields. It speaks the same protocol as Kdniao:

* form POST to /api/EOrderService with EBusinessID, RequestType, RequestData, DataType=2, DataSign;
  the signature is checked the way Kdniao does (see ``_kdniao_decode``), a wrong one is refused
  with Success=false and the Reason "验证数据签名失败";
* 1007 issues a waybill: required fields are validated, the number is deterministic and unique per
  (EBusinessID, ShipperCode, OrderCode), and the same OrderCode again answers ResultCode 106
  "该订单号已下单成功" with the same number (fahuo's crash-safe re-runs rely on it); Quantity > 1
  adds child numbers (SubCount, SubOrders); MarkDestination (大头笔) and SortingCode come from the
  receiver's city and district;
* 1147 cancels a waybill; a cancelled number is never issued again (the OrderCode may be re-issued
  and gets a new number);
* tracking, on Kdniao's tracking endpoints: 1008 at /api/dist subscribes a waybill (remembered in
  ``subscriptions``; SF without CustomerName is refused as Kdniao does), 1002 at
  /Ebusiness/EbusinessOrderHandle.aspx answers the trace the simulator holds for the number.
  ``add_trace`` gives a number trace lines; ``push_to(url)`` POSTs the subscribed numbers' traces
  as a signed 101 push, exactly as Kdniao would (``build_push_form`` builds one without HTTP).

Scripted failures for tests: a receiver address containing "超区" is refused as out of delivery range
(ResultCode 105), an account with ``balance=0`` is refused with "余额不足", ``fail_next(n)``
makes the next n HTTP requests answer 503, ``rate_limit_next(n)`` / ``busy_next(n)`` make the next
n calls answer ResultCode 105 with "请求过于频繁" / "系统繁忙" (after the signature check), and
``refuse_next_query(n, reason)`` makes the next n 1002 queries answer ``Success=false`` with that
Reason. ``received`` keeps every form as it arrived (path, fields), for golden request tests.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote_plus

import httpx
import json5

from fahuo.integrations.kdniao import sim_pickup
from fahuo.integrations.kdniao.client import sign
from fahuo.integrations.kdniao.settings import EORDER_PATH
from fahuo.integrations.kdniao.tracking import (
    PUSH_TRACES,
    QUERY_PATH,
    REQUEST_QUERY,
    REQUEST_SUBSCRIBE,
    SHANGHAI,
    SUBSCRIBE_PATH,
)
from fahuo.integrations.simfaults import SimFaults
from fahuo.integrations.simserver import fields, read_body
from fahuo.integrations.simserver import respond_json as _respond

DEMO_EBUSINESS_ID = "fahuo-demo"
DEMO_APP_KEY = "fahuo-demo-app-key"
RECEIVED_KEPT = 1000  # requests kept in ``received``

StartResponse = Callable[..., Any]

# ShipperCode -> (prefix, digits) of the numbers the simulator hands out; shaped like each carrier's.
NUMBER_FORMATS: dict[str, tuple[str, int]] = {
    "ZTO": ("7", 11),
    "YTO": ("YT", 13),
    "YD": ("43", 11),
    "STO": ("77", 11),
    "SF": ("SF", 13),
    "JD": ("JDVA", 11),
    "EMS": ("11", 11),
    "YZPY": ("98", 11),
    "HTKY": ("5", 13),
    "JTSD": ("JT", 13),
    "DBL": ("DPK", 12),
    "UC": ("73", 10),
    "ZJS": ("", 10),
}
# Carriers whose e-waybill numbers come from an outlet account: CustomerName is required.
NEEDS_CUSTOMER_NAME = frozenset({"ZTO", "YTO", "YD", "STO", "HTKY", "JTSD", "JD", "UC", "DBL"})
MAX_QUANTITY = 50

_PROVINCE_ABBR = {
    "北京": "京", "天津": "津", "上海": "沪", "重庆": "渝", "河北": "冀", "山西": "晋", "内蒙古": "蒙",
    "辽宁": "辽", "吉林": "吉", "黑龙江": "黑", "江苏": "苏", "浙江": "浙", "安徽": "皖", "福建": "闽",
    "江西": "赣", "山东": "鲁", "河南": "豫", "湖北": "鄂", "湖南": "湘", "广东": "粤", "广西": "桂",
    "海南": "琼", "四川": "川", "贵州": "贵", "云南": "云", "西藏": "藏", "陕西": "陕", "甘肃": "甘",
    "青海": "青", "宁夏": "宁", "新疆": "新", "香港": "港", "澳门": "澳", "台湾": "台",
}  # fmt: skip
_MUNICIPALITY_ABBR = frozenset({"京", "津", "沪", "渝"})

REASON_SIGN = "验证数据签名失败"
REASON_USER = "用户ID不存在或未开通电子面单服务"
REASON_OUT_OF_RANGE = "收件地址超区，快递公司不派送（超出派送范围）"
REASON_BALANCE = "电子面单余额不足，请联系快递网点充值"
REASON_DUPLICATE = "该订单号已下单成功"
REASON_RATE = "请求过于频繁，请稍后再试"
REASON_BUSY = "系统繁忙，请稍后再试"


@dataclass
class SimAccount:
    app_key: str
    balance: int | None = None  # e-waybill numbers left; None = unlimited


@dataclass
class _Issued:
    ebusiness_id: str
    shipper: str
    order_code: str
    order: dict[str, Any]
    children: tuple[str, ...]
    cancelled: bool = False


@dataclass
class _Call:
    request_type: str
    order_code: str


@dataclass
class Subscription:
    ebusiness_id: str
    shipper: str
    number: str
    order_code: str = ""
    customer_name: str = ""


@dataclass
class _Track:
    traces: list[dict[str, str]] = field(default_factory=list)
    location: str = ""


# Which RequestTypes each endpoint takes (Kdniao answers a command on the wrong endpoint with an error).
_ENDPOINT_COMMANDS: dict[str, frozenset[str]] = {
    EORDER_PATH: frozenset({"1007", "1147"}),
    SUBSCRIBE_PATH: frozenset({REQUEST_SUBSCRIBE}),
    QUERY_PATH: frozenset({REQUEST_QUERY}),
    sim_pickup.OORDER_PATH: sim_pickup.COMMANDS,  # 预约取件 (reverse pickup)
}
_PATHS = {path.lower(): path for path in _ENDPOINT_COMMANDS}


class _Refusal(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def answer(lock: Any, ebusiness_id: str, dispatch: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``dispatch()`` under ``lock`` in Kdniao's envelope (EBusinessID first; a refusal becomes
    ``Success: false`` with its ResultCode and Reason). The SMS simulator answers the same way."""
    base: dict[str, Any] = {"EBusinessID": ebusiness_id}
    try:
        with lock:
            return base | dispatch()
    except _Refusal as refusal:
        return base | {
            "Success": False,
            "ResultCode": refusal.code,
            "Reason": refusal.reason,
            "UniquerRequestNumber": str(uuid.uuid4()),
        }


@dataclass
class KdniaoSimulator(SimFaults):
    """The WSGI app. ``accounts`` maps EBusinessID -> AppKey (or a SimAccount)."""

    accounts: dict[str, SimAccount] = field(default_factory=dict)
    calls: list[_Call] = field(default_factory=list)
    pickups: sim_pickup.PickupState = field(default_factory=sim_pickup.PickupState)
    _active: dict[tuple[str, str, str], _Issued] = field(default_factory=dict, repr=False)
    _by_number: dict[tuple[str, str], _Issued] = field(default_factory=dict, repr=False)
    _numbers: set[str] = field(default_factory=set, repr=False)
    _generation: dict[tuple[str, str, str], int] = field(default_factory=dict, repr=False)
    _serial: int = 0
    subscriptions: dict[tuple[str, str], Subscription] = field(default_factory=dict)  # (shipper, number)
    _tracks: dict[tuple[str, str], _Track] = field(default_factory=dict, repr=False)
    # (path, form) as POSTed, the latest RECEIVED_KEPT (the demo runs for hours)
    received: deque[tuple[str, dict[str, str]]] = field(default_factory=lambda: deque(maxlen=RECEIVED_KEPT))

    @classmethod
    def with_accounts(cls, accounts: Mapping[str, str | SimAccount]) -> KdniaoSimulator:
        sim = cls()
        for ebusiness_id, account in accounts.items():
            sim.accounts[ebusiness_id] = account if isinstance(account, SimAccount) else SimAccount(account)
        return sim

    # -- test controls -------------------------------------------------------------------------

    def set_balance(self, ebusiness_id: str, balance: int | None) -> None:
        with self._lock:
            self.accounts[ebusiness_id].balance = balance

    def refuse_next_query(self, count: int = 1, reason: str = REASON_BUSY) -> None:
        """The next ``count`` 1002 queries answer Success=false with ``reason`` (after the checks)."""
        self.arm("query_refusal", count, reason)

    def issued_number(self, ebusiness_id: str, shipper: str, order_code: str) -> str | None:
        with self._lock:
            issued = self._active.get((ebusiness_id, shipper, order_code))
            return str(issued.order["LogisticCode"]) if issued else None

    def add_trace(
        self, shipper: str, number: str, *, at: str, station: str, action: str = "", location: str = ""
    ) -> None:
        """Append one trace line (AcceptTime ``at``, AcceptStation ``station``, Action ``action``)."""
        trace = {"AcceptTime": at, "AcceptStation": station}
        if location:
            trace["Location"] = location
        if action:
            trace["Action"] = action
        with self._lock:
            track = self._tracks.setdefault((shipper, number), _Track())
            track.traces.append(trace)
            if location:
                track.location = location

    def push_item(self, shipper: str, number: str) -> dict[str, Any]:
        """The Data item Kdniao would push (and answer 1002 with) for one number."""
        with self._lock:
            return self._item(shipper, number)

    def push_to(
        self,
        url: str,
        *,
        ebusiness_id: str = "",
        numbers: Sequence[tuple[str, str]] = (),
        timeout: float = 5.0,
    ) -> httpx.Response:
        """POST a signed 101 push of ``numbers`` ((ShipperCode, LogisticCode) pairs; default: every
        number subscribed by the account) to ``url``, as Kdniao does; returns the receiver's answer."""
        with self._lock:
            if not ebusiness_id:
                ebusiness_id = next(iter(self.accounts))
            account = self.accounts[ebusiness_id]
            keys = list(numbers) or [
                key for key, sub in self.subscriptions.items() if sub.ebusiness_id == ebusiness_id
            ]
            items = [self._item(shipper, number) for shipper, number in keys]
        form = build_push_form(ebusiness_id=ebusiness_id, app_key=account.app_key, items=items)
        return httpx.post(url, data=form, timeout=timeout)

    def _item(self, shipper: str, number: str) -> dict[str, Any]:
        track = self._tracks.get((shipper, number), _Track())
        subscription = self.subscriptions.get((shipper, number))
        state_ex = next((t["Action"] for t in reversed(track.traces) if t.get("Action")), "0")
        # State is the one-digit family of StateEx; 待揽件 (10) has no trace of its own yet: 0.
        state = "0" if state_ex in {"0", "10"} else state_ex[0]
        item: dict[str, Any] = {
            "EBusinessID": subscription.ebusiness_id if subscription else "",
            "OrderCode": subscription.order_code if subscription else "",
            "ShipperCode": shipper,
            "LogisticCode": number,
            "Success": True,
            "Reason": "" if track.traces else "暂无轨迹信息",
            "State": state,
            "StateEx": state_ex,
            "Location": track.location,
            "Traces": [dict(t) for t in track.traces],
        }
        return item

    # -- WSGI ----------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        # The service runs on IIS: paths are case-insensitive (Kdniao's demo code posts to
        # /api/Eorderservice, its docs write /api/EOrderService).
        path = _PATHS.get(environ.get("PATH_INFO", "").lower(), "")
        if path not in _ENDPOINT_COMMANDS:
            return _respond(start_response, "404 Not Found", {"Message": "接口地址不存在"})
        if environ.get("REQUEST_METHOD") != "POST":
            return _respond(start_response, "405 Method Not Allowed", {"Message": "只支持 POST"})
        if (status := self.take_failure()) is not None:
            return _respond(start_response, f"{status} Service Unavailable", {"Message": "服务繁忙"})
        form = fields(read_body(environ))
        with self._lock:
            self.received.append((path, dict(form)))
        return _respond(start_response, "200 OK", self.handle(form, path=path))

    def handle(self, form: Mapping[str, str], *, path: str = EORDER_PATH) -> dict[str, Any]:
        """Answer one decoded form (the fields as a form decoder hands them over) sent to ``path``."""
        ebusiness_id = form.get("EBusinessID", "")
        return answer(self._lock, ebusiness_id, lambda: self._dispatch(ebusiness_id, form, path))

    def _dispatch(self, ebusiness_id: str, form: Mapping[str, str], path: str) -> dict[str, Any]:
        account = self.accounts.get(ebusiness_id)
        if account is None:
            raise _Refusal("104", REASON_USER)
        request_data = _kdniao_decode(form.get("RequestData", ""))
        data_sign = _kdniao_decode(form.get("DataSign", ""))
        if not request_data or not data_sign:
            raise _Refusal("101", "缺少必要参数：RequestData 或 DataSign")
        if data_sign != sign(request_data, account.app_key):
            raise _Refusal("102", REASON_SIGN)
        if form.get("DataType", "2") != "2":
            raise _Refusal("103", "不支持的数据格式，DataType 只支持 2(JSON)")
        data = _request_json(request_data)
        if not isinstance(data, dict):
            raise _Refusal("103", "RequestData格式有误")
        request_type = form.get("RequestType", "")
        self.calls.append(_Call(request_type, str(data.get("OrderCode", ""))))
        if request_type not in _ENDPOINT_COMMANDS.get(path, frozenset()):
            raise _Refusal("101", f"该接口地址不支持指令类型: {request_type}")
        self._scripted_refusal()
        if request_type == REQUEST_SUBSCRIBE:
            return self._subscribe(ebusiness_id, data)
        if request_type == REQUEST_QUERY:
            return self._query(data)
        if request_type == "1007":
            return self._issue(ebusiness_id, account, data)
        if request_type == "1147":
            return self._cancel(ebusiness_id, account, data)
        if request_type in sim_pickup.COMMANDS:
            return sim_pickup.handle(self.pickups, _Refusal, ebusiness_id, request_type, data)
        raise _Refusal("101", f"不支持的指令类型: {request_type}")

    def _scripted_refusal(self) -> None:
        """Kdniao's own refusal when a test armed ``rate_limit_next`` or ``busy_next``."""
        if self.take("rate_limit"):
            raise _Refusal("105", REASON_RATE)
        if self.take("busy"):
            raise _Refusal("105", REASON_BUSY)

    # -- 1007 ----------------------------------------------------------------------------------

    def _issue(self, ebusiness_id: str, account: SimAccount, data: dict[str, Any]) -> dict[str, Any]:
        order_code, shipper = _text(data, "OrderCode"), _text(data, "ShipperCode")
        if not order_code:
            raise _Refusal("101", "缺少必要参数：OrderCode")
        if not shipper:
            raise _Refusal("101", "缺少必要参数：ShipperCode")
        if shipper not in NUMBER_FORMATS:
            raise _Refusal("105", f"暂不支持该快递公司：{shipper}")
        existing = self._active.get((ebusiness_id, shipper, order_code))
        if existing is not None:
            return _issue_body(existing, code="106", reason=REASON_DUPLICATE)
        _validate_issue(shipper, data)
        receiver = data["Receiver"]
        if "超区" in _text(receiver, "Address") or "超区" in _text(receiver, "ExpAreaName"):
            raise _Refusal("105", REASON_OUT_OF_RANGE)
        quantity = _quantity(data)
        if account.balance is not None and account.balance < quantity:
            raise _Refusal("105", REASON_BALANCE)
        key = (ebusiness_id, shipper, order_code)
        generation = self._generation.get(key, 0)
        self._generation[key] = generation + 1
        numbers = [
            self._new_number(ebusiness_id, shipper, order_code, generation, i) for i in range(quantity)
        ]
        if account.balance is not None:
            account.balance -= quantity
        self._serial += 1
        issued = _Issued(
            ebusiness_id=ebusiness_id,
            shipper=shipper,
            order_code=order_code,
            order=_order_fields(order_code, shipper, numbers[0], data, serial=self._serial),
            children=tuple(numbers[1:]),
        )
        self._active[key] = issued
        for number in numbers:
            self._by_number[(shipper, number)] = issued
        return _issue_body(issued, code="100", reason="成功")

    def _new_number(
        self, ebusiness_id: str, shipper: str, order_code: str, generation: int, index: int
    ) -> str:
        prefix, digits = NUMBER_FORMATS[shipper]
        salt = 0
        while True:
            seed = f"kdniao-sim|{ebusiness_id}|{shipper}|{order_code}|{generation}|{index}|{salt}"
            value = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big") % 10**digits
            number = f"{prefix}{value:0{digits}d}"
            if number not in self._numbers:
                self._numbers.add(number)
                return number
            salt += 1

    # -- 1147 ----------------------------------------------------------------------------------

    def _cancel(self, ebusiness_id: str, account: SimAccount, data: dict[str, Any]) -> dict[str, Any]:
        shipper, number, order_code = (
            _text(data, "ShipperCode"),
            _text(data, "ExpNo"),
            _text(data, "OrderCode"),
        )
        if not shipper or not number:
            raise _Refusal("101", "缺少必要参数：ShipperCode 或 ExpNo")
        issued = self._by_number.get((shipper, number))
        if issued is None or issued.ebusiness_id != ebusiness_id:
            raise _Refusal("105", "运单号不存在，无法取消")
        if order_code and order_code != issued.order_code:
            raise _Refusal("105", "订单编号与运单号不匹配")
        if issued.cancelled:
            raise _Refusal("105", "该运单已取消，请勿重复操作")
        if shipper in NEEDS_CUSTOMER_NAME and not _text(data, "CustomerName"):
            raise _Refusal("101", "缺少必要参数：CustomerName")
        issued.cancelled = True
        self._active.pop((ebusiness_id, shipper, issued.order_code), None)
        if account.balance is not None:
            account.balance += 1 + len(issued.children)
        return {"Success": True, "ResultCode": "100", "Reason": "成功"}

    # -- 1008 / 1002 ----------------------------------------------------------------------------

    def _lookup(self, data: Mapping[str, Any]) -> tuple[str, str]:
        shipper, number = _text(data, "ShipperCode"), _text(data, "LogisticCode")
        if not shipper or not number:
            raise _Refusal("101", "缺少必要参数：ShipperCode 或 LogisticCode")
        if shipper not in NUMBER_FORMATS:
            raise _Refusal("105", f"暂不支持该快递公司：{shipper}")
        if shipper == "SF" and len(_text(data, "CustomerName")) != 4:
            raise _Refusal("105", "顺丰单号需要提供寄件人或收件人手机号后四位(CustomerName)")
        return shipper, number

    def _subscribe(self, ebusiness_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
        shipper, number = self._lookup(data)
        self.subscriptions[(shipper, number)] = Subscription(
            ebusiness_id=ebusiness_id,
            shipper=shipper,
            number=number,
            order_code=_text(data, "OrderCode"),
            customer_name=_text(data, "CustomerName"),
        )
        now = datetime.now(tz=SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
        return {"UpdateTime": now, "Success": True, "Reason": ""}

    def _query(self, data: Mapping[str, Any]) -> dict[str, Any]:
        shipper, number = self._lookup(data)
        if (reason := self.take("query_refusal")) is not None:
            raise _Refusal("105", reason)
        item = self._item(shipper, number)
        item.pop("EBusinessID")
        item["OrderCode"] = _text(data, "OrderCode")
        return item


def build_push_form(
    *,
    ebusiness_id: str,
    app_key: str,
    items: Sequence[Mapping[str, Any]],
    push_time: str = "",
    request_type: str = PUSH_TRACES,
) -> dict[str, str]:
    """A Kdniao trace push as the form fields it POSTs: RequestData (EBusinessID, PushTime, Count,
    Data), RequestType and DataSign, signed with the account's AppKey."""
    payload = {
        "EBusinessID": ebusiness_id,
        "PushTime": push_time or datetime.now(tz=SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
        "Count": str(len(items)),
        "Data": [dict(item) for item in items],
    }
    request_data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return {"RequestData": request_data, "RequestType": request_type, "DataSign": sign(request_data, app_key)}


def make_app(ebusiness_id: str = DEMO_EBUSINESS_ID, app_key: str = DEMO_APP_KEY) -> KdniaoSimulator:
    """A simulator with one account (the demo's, unless given)."""
    return KdniaoSimulator.with_accounts({ebusiness_id: app_key})


def _request_json(text: str) -> Any:
    """RequestData as JSON. Kdniao's own demo code (C#, Java) writes it with single quotes
    (``{'OrderCode':'012657700387','Sender':{'Name':'Taylor'}}``) and the service accepts that, so
    JSON5 (a superset: single quotes, unquoted keys) is read too; anything else is 103."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return json5.loads(text)
    except ValueError:
        raise _Refusal("103", "RequestData格式有误") from None


def _kdniao_decode(value: str) -> str:
    # Kdniao URL-decodes RequestData and DataSign once more after the form decoding (its docs tell
    # clients to URL-encode both, and the official demos then concatenate them into the body). So a
    # value encoded once or twice both verify, and a literal + or % inside RequestData breaks the
    # signature — the behaviour sellers report. Modelled here so the client is tested against it.
    return unquote_plus(value)


def _text(obj: Mapping[str, Any], key: str) -> str:
    value = obj.get(key)
    return str(value).strip() if value is not None else ""


def _quantity(data: Mapping[str, Any]) -> int:
    raw = data.get("Quantity", 1)
    try:
        quantity = int(raw)
    except (TypeError, ValueError):
        raise _Refusal("103", "Quantity格式错误") from None
    if not 1 <= quantity <= MAX_QUANTITY:
        raise _Refusal("103", f"Quantity 必须在 1 到 {MAX_QUANTITY} 之间")
    return quantity


def _validate_issue(shipper: str, data: Mapping[str, Any]) -> None:
    for key in ("PayType", "ExpType"):
        if _text(data, key) == "":
            raise _Refusal("101", f"缺少必要参数：{key}")
    if shipper in NEEDS_CUSTOMER_NAME and not _text(data, "CustomerName"):
        raise _Refusal("101", "缺少必要参数：CustomerName（电子面单客户号）")
    for role in ("Sender", "Receiver"):
        party = data.get(role)
        if not isinstance(party, Mapping):
            raise _Refusal("101", f"缺少必要参数：{role}")
        for key in ("Name", "ProvinceName", "CityName", "Address"):
            if not _text(party, key):
                raise _Refusal("101", f"缺少必要参数：{role}.{key}")
        if not _text(party, "Mobile") and not _text(party, "Tel"):
            raise _Refusal("101", f"缺少必要参数：{role}.Mobile 或 {role}.Tel")
        if _abbr(_text(party, "ProvinceName")) is None:
            raise _Refusal("102", f"{role}.ProvinceName 不是有效的省份")
    commodity = data.get("Commodity")
    if not isinstance(commodity, list) or not commodity:
        raise _Refusal("101", "缺少必要参数：Commodity")
    if not all(isinstance(c, Mapping) and _text(c, "GoodsName") for c in commodity):
        raise _Refusal("101", "缺少必要参数：Commodity.GoodsName")


def _abbr(province: str) -> str | None:
    for stem, abbr in _PROVINCE_ABBR.items():
        if province.startswith(stem):
            return abbr
    return None


def _short(name: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _digits(text: str, modulo: int) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big") % modulo


def _order_fields(
    order_code: str, shipper: str, number: str, data: Mapping[str, Any], *, serial: int
) -> dict[str, Any]:
    receiver, sender = data["Receiver"], data["Sender"]
    abbr = _abbr(_text(receiver, "ProvinceName")) or ""
    city = _short(_text(receiver, "CityName"), ("自治州", "地区", "市", "盟"))
    district = _short(_text(receiver, "ExpAreaName"), ("自治县", "区", "县", "市"))
    origin = _short(_text(sender, "CityName"), ("自治州", "地区", "市", "盟"))
    route = _digits(f"{abbr}|{city}|{district}", 9) + 1
    if abbr in _MUNICIPALITY_ABBR:
        mark = f"{abbr}-{district}({abbr}-{route})" if district else f"{abbr}({abbr}-{route})"
    else:
        mark = f"{city}-{district}({abbr}-{route})" if district else f"{city}({abbr}-{route})"
    hub = _digits(f"{abbr}|{city}", 900) + 100
    sorting = f"{hub:03d}-{_digits(f'{city}|{district}', 90) + 10:02d}-{_digits(district, 90) + 10:02d}"
    return {
        "OrderCode": order_code,
        "ShipperCode": shipper,
        "LogisticCode": number,
        "MarkDestination": mark,
        "SortingCode": sorting,
        "OriginCode": f"{_digits(origin, 900000) + 100000:06d}",
        "OriginName": f"{origin}分拨中心",
        "DestinatioCode": f"{hub:03d}",
        "DestinatioName": f"{city}分拨中心",
        "PackageCode": f"{hub:03d}",
        "PackageName": f"{city}转",
        "KDNOrderCode": f"KDN{serial:014d}",
    }


def _issue_body(issued: _Issued, *, code: str, reason: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Order": dict(issued.order),
        "Success": True,
        "ResultCode": code,
        "Reason": reason,
        "UniquerRequestNumber": str(uuid.uuid4()),
    }
    if issued.children:
        body["SubCount"] = len(issued.children)
        body["SubOrders"] = ",".join(issued.children)
    return body
