"""A 抖店 open-platform look-alike (plain WSGI, in-memory, thread-safe) for tests and the demo.

Run it with ``fahuo.integrations.simserver.serve(DouyinSimulator(...))`` and point the shop's 抖店
account base_url at the address it yields. It speaks the platform's protocol:

* ``POST /order/logisticsAdd``, ``/order/logisticsAddMultiPack``, ``/order/orderDetail``,
  ``/order/batchDecrypt`` with the common parameters in the query string and param_json as the body
  (a param_json query parameter is read too, as older clients send it);
* the caller is checked the way the gateway does: app_key known (40001 isv.app-id-missing),
  timestamp within ``max_skew_s`` (unix seconds or "YYYY-MM-DD HH:MM:SS" in GMT+8; 40003
  isv.timestamp-invalid), sign (hmac-sha256, or md5 when sign_method is md5/absent; 40003
  isv.signature-invalid), access_token (40003 isv.access-token-no-existed / -expired);
* it knows the orders a test or the demo seeds (``add_order``), with their sub-orders, and
  remembers what shipped with which number. Unknown order → 60033, cancelled → 60021, shipped
  again → 60110 (whole order) / 70023 (sub-orders), a number another order uses → 70022, an
  unknown company_code → 60018; logisticsAddMultiPack is idempotent on request_id, and orderDetail
  lists the shipped numbers in ``logistics_info``;
* an order seeded with its data (``add_order(..., data=…)``, or ``add_synthetic_order``) is answered
  whole by orderDetail — recipient, sub-orders with title/code/spec/quantity/price, pay and ship-by
  times — with the name, phone and address line encrypted unless ``encrypt_personal_data`` is off;
  batchDecrypt gives them back for that order's id only (see ``sim_orders``);
* ``push_paid(url, order_id)`` POSTs the signed tag-101 message the platform sends for a paid order;
* ``token.create``/``token.refresh`` with expiring tokens, ``authorize()`` gives a code (``sim_token``).

Scripted failures: ``rate_limit_next(n)`` (code 60000), ``fail_next(n, status)`` (HTTP 5xx without
processing), ``busy_next(n)`` (isp.service-error "系统繁忙"). With ``accept_unknown_orders`` (the
demo) any order id and sub-order id is taken as a waiting order.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from fahuo.integrations.douyin import sim_aftersale, sim_orders, sim_token, sim_waybill
from fahuo.integrations.douyin.client import sign, sign_pattern
from fahuo.integrations.douyin.sim_common import API_OFF, answer, gate, raise_scripted_refusal
from fahuo.integrations.douyin.sim_common import Refusal as _Refusal
from fahuo.integrations.douyin.sim_common import business as _business
from fahuo.integrations.douyin.sim_common import invalid as _invalid
from fahuo.integrations.douyin.sim_common import respond as _respond
from fahuo.integrations.simfaults import SimFaults
from fahuo.integrations.simserver import read_body, read_query

DEMO_APP_KEY = "7000000000000000001"
DEMO_APP_SECRET = "fahuo-demo-douyin-app-secret"
DEMO_ACCESS_TOKEN = "fahuo-demo-douyin-access-token"

GMT8 = timezone(timedelta(hours=8))
StartResponse = Callable[..., Any]

# The company codes the simulated /order/logisticsCompanyList would answer.
KNOWN_COMPANIES: dict[str, str] = {
    "zhongtong": "中通快递",
    "yuantong": "圆通速递",
    "yunda": "韵达快递",
    "shentong": "申通快递",
    "shunfeng": "顺丰速运",
    "jd": "京东快递",
    "ems": "EMS",
    "youzhengguonei": "邮政快递包裹",
    "jtexpress": "极兔速递",
    "debangkuaidi": "德邦快递",
    "huitongkuaidi": "百世快递",
    "zhaijisong": "宅急送",
    "youshuwuliu": "优速快递",
}

# Order statuses (order_status) as orderDetail reports them.
STATUS_WAITING, STATUS_PARTLY_SHIPPED, STATUS_SHIPPED, STATUS_CANCELLED = 2, 101, 3, 4
_STATUS_DESC = {2: "备货中", 101: "部分发货", 3: "已发货", 4: "已取消"}


@dataclass
class SimApp:
    app_secret: str
    access_tokens: set[str] = field(default_factory=set)
    expired_tokens: set[str] = field(default_factory=set)


@dataclass
class _Pack:
    number: str
    company_code: str
    line_ids: tuple[str, ...]
    ship_time: int


@dataclass
class SimOrder:
    order_id: str
    line_ids: tuple[str, ...]
    cancelled: bool = False
    packs: list[_Pack] = field(default_factory=list)
    data: sim_orders.OrderData = field(default_factory=sim_orders.OrderData)

    def shipped_lines(self) -> set[str]:
        return {line for pack in self.packs for line in pack.line_ids}

    @property
    def status(self) -> int:
        if self.cancelled:
            return STATUS_CANCELLED
        shipped = self.shipped_lines()
        if not shipped:
            return STATUS_WAITING
        return STATUS_SHIPPED if shipped >= set(self.line_ids) else STATUS_PARTLY_SHIPPED


@dataclass(frozen=True)
class SimCall:
    method: str
    params: dict[str, Any]
    code: int


ROUTES = {
    "/order/logisticsAdd": "order.logisticsAdd",
    "/order/logisticsAddMultiPack": "order.logisticsAddMultiPack",
    "/order/orderDetail": "order.orderDetail",
    "/order/batchDecrypt": "order.batchDecrypt",
    **sim_waybill.ROUTES,  # 抖音电子面单 (logistics.*)
    **sim_aftersale.ROUTES,  # 售后审核 (afterSale.operate)
    **sim_token.ROUTES,  # 店铺授权 (token.create, token.refresh)
}


@dataclass
class DouyinSimulator(SimFaults):
    """The WSGI app. ``apps`` maps app_key -> SimApp (its secret and the tokens it accepts)."""

    apps: dict[str, SimApp] = field(default_factory=dict)
    orders: dict[str, SimOrder] = field(default_factory=dict)
    calls: list[SimCall] = field(default_factory=list)
    accept_unknown_orders: bool = False
    encrypt_personal_data: bool = True
    max_skew_s: int = 600
    clock: Callable[[], float] = time.time
    _requests: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    _ciphers: dict[str, tuple[str, str, int]] = field(default_factory=dict, repr=False)  # → order, text, type
    _pushed: int = 0
    waybill: sim_waybill.WaybillState = field(default_factory=sim_waybill.WaybillState)
    aftersale: sim_aftersale.AfterSaleState = field(default_factory=sim_aftersale.AfterSaleState)
    tokens: sim_token.TokenState = field(default_factory=sim_token.TokenState)

    @classmethod
    def with_app(cls, app_key: str, app_secret: str, access_token: str, **options: Any) -> DouyinSimulator:
        sim = cls(**options)
        sim.apps[app_key] = SimApp(app_secret=app_secret, access_tokens={access_token})
        return sim

    # -- test controls -------------------------------------------------------------------------

    def add_order(
        self, order_id: str, line_ids: Sequence[str] = (), *, data: sim_orders.OrderData | None = None
    ) -> SimOrder:
        """A paid order waiting to ship; sub-order ids default to the order id itself (a one-line
        order's only sub-order carries the parent's number on 抖店). ``data`` (recipient, items,
        times) makes orderDetail answer the whole order."""
        with self._lock:
            order = SimOrder(order_id=order_id, line_ids=tuple(line_ids) or (order_id,))
            if data is not None:
                order.data = data
                for text, (plain, data_type) in sim_orders.ciphers_of(order_id, data.recipient).items():
                    self._ciphers[text] = (order_id, plain, data_type)
            self.orders[order_id] = order
            return order

    def add_synthetic_order(
        self,
        order_id: str,
        *,
        shop_id: str = "",
        lines: int = 1,
        recipient: Mapping[str, str] | None = None,
        pay_time: int | None = None,
    ) -> SimOrder:
        """A deterministic paid order (recipient, items) for ``order_id``; ``recipient`` overrides
        fields (name, phone, province, city, town, street, detail)."""
        paid = int(self.clock()) - 60 if pay_time is None else pay_time
        line_ids, data = sim_orders.synthetic_order(
            order_id, shop_id=shop_id, lines=lines, recipient=recipient, pay_time=paid
        )
        return self.add_order(order_id, line_ids, data=data)

    def push_paid(
        self, url: str, order_id: str, *, app_key: str = "", msg_id: str = "", timeout: float = 10.0
    ) -> httpx.Response:
        """POST the signed tag-101 (paid) message for a seeded order to ``url``; the receiver's answer."""
        with self._lock:
            key = app_key or next(iter(self.apps))
            secret = self.apps[key].app_secret
            order = self.orders[order_id]
            self._pushed += 1
            msg = sim_orders.paid_message(
                order.order_id, order.line_ids, order.data, msg_id=msg_id or f"{order_id}{self._pushed:04d}"
            )
        return sim_orders.push(url, [msg], app_key=key, app_secret=secret, timeout=timeout)

    def add_netsite(self, company: str, *, code: str = "", name: str = "", amount: int = 100) -> None:
        """Open 抖音电子面单 with ``company`` (a 网点 with ``amount`` numbers in stock)."""
        with self._lock:
            self.waybill.netsites.append(
                sim_waybill.SimNetsite(company, code or f"{company}-571001", name or "杭州余杭网点", amount)
            )

    def cancel_order(self, order_id: str) -> None:
        with self._lock:
            self.orders[order_id].cancelled = True

    def authorize(self, app_key: str, *, shop_id: str, shop_name: str = "") -> str:
        """The one-time code the shop owner's agreement gives (see ``sim_token``)."""
        with self._lock:
            return sim_token.authorize(self, app_key, shop_id=shop_id, shop_name=shop_name)

    def expire_token(self, app_key: str, token: str) -> None:
        with self._lock:
            app = self.apps[app_key]
            app.access_tokens.discard(token)
            app.expired_tokens.add(token)

    def shipped(self, order_id: str) -> list[tuple[str, str, tuple[str, ...]]]:
        """(number, company_code, sub-order ids) per pack, in shipping order."""
        with self._lock:
            order = self.orders.get(order_id)
            return [(p.number, p.company_code, p.line_ids) for p in order.packs] if order else []

    def calls_to(self, method: str) -> list[SimCall]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    # -- WSGI ----------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == sim_token.CONSENT_PATH:  # the shop owner's consent page (a browser, not the API)
            return sim_token.consent(self, environ, start_response)
        if path not in ROUTES:
            return _respond(start_response, "404 Not Found", API_OFF)
        if (early := gate(self, environ, start_response)) is not None:
            return early
        query = read_query(environ)
        param_json = read_body(environ) or query.get("param_json", "")
        return _respond(start_response, "200 OK", self.handle(ROUTES[path], query, param_json))

    def handle(self, route_method: str, query: Mapping[str, str], param_json: str) -> dict[str, Any]:
        """Answer one call (the decoded query parameters and the param_json text)."""
        return answer(self._lock, lambda: self._dispatch(route_method, query, param_json))

    def _dispatch(self, route_method: str, query: Mapping[str, str], param_json: str) -> dict[str, Any]:
        self._authenticate(route_method, query, param_json)
        try:
            params = json.loads(param_json or "{}")
        except ValueError:
            raise _invalid("isv.parameter-format-invalid", "业务参数json解析失败") from None
        if not isinstance(params, dict):
            raise _invalid("isv.parameter-format-invalid", "业务参数json解析失败")
        try:
            raise_scripted_refusal(self)
            if route_method == "order.logisticsAdd":
                data = self._logistics_add(params)
            elif route_method == "order.logisticsAddMultiPack":
                data = self._multi_pack(params)
            elif route_method == "order.batchDecrypt":
                data = self._batch_decrypt(params)
            elif route_method.startswith("logistics."):
                data = sim_waybill.handle(self, route_method, params)
            elif route_method.startswith("afterSale."):
                data = sim_aftersale.handle(self, route_method, params)
            elif route_method.startswith("token."):
                data = sim_token.handle(self, route_method, params, app_key=query.get("app_key", ""))
            else:
                data = self._order_detail(params)
        except _Refusal as refusal:
            self.calls.append(SimCall(route_method, params, refusal.code))
            raise
        self.calls.append(SimCall(route_method, params, 10000))
        return data

    def _authenticate(self, route_method: str, query: Mapping[str, str], param_json: str) -> None:
        app_key = query.get("app_key", "")
        app = self.apps.get(app_key)
        if app is None:
            raise _Refusal(40001, "缺少必选参数", "isv.app-id-missing", "认证失败，app_key不存在")
        method = query.get("method", "")
        if method != route_method:
            raise _invalid("isv.parameter-invalid", f"method 与接口地址不一致：{method}")
        if query.get("v") != "2":
            raise _invalid("isv.parameter-invalid", "v 必须为 2")
        timestamp = query.get("timestamp", "")
        moment = _parse_timestamp(timestamp)
        if moment is None:
            raise _invalid("isv.timestamp-format-error", "时间戳格式错误")
        if abs(self.clock() - moment) > self.max_skew_s:
            raise _invalid("isv.timestamp-invalid", "时间戳不合法")
        if not query.get("sign"):
            raise _Refusal(
                40001, "缺少必选参数", "isv.signature-missing", "获取签名失败，请根据文档确保参数拼装正确"
            )
        parts = {
            "app_key": app_key,
            "app_secret": app.app_secret,
            "method": method,
            "param_json": param_json,
            "timestamp": timestamp,
        }
        if query.get("sign_method", "md5") == "hmac-sha256":
            expected = sign(**parts)
        else:
            expected = hashlib.md5(sign_pattern(**parts).encode("utf-8")).hexdigest()
        if query["sign"] != expected:
            raise _invalid("isv.signature-invalid", "签名校验失败")
        if route_method.startswith("token."):
            return  # the token calls are signed by the app and carry no access_token
        token = query.get("access_token", "")
        if not token:
            raise _Refusal(
                40001, "缺少必选参数", "isv.access-token-missing", "认证失败，access_token不能为空"
            )
        if token in app.expired_tokens or self.tokens.expired(token, self.clock()):
            raise _invalid("isv.access-token-expired", "access_token已过期")
        if token not in app.access_tokens:
            raise _invalid("isv.access-token-no-existed", "access_token不存在，请使用最新的access_token访问")

    # -- APIs ----------------------------------------------------------------------------------

    def _order(self, order_id: str, line_ids: Sequence[str] = ()) -> SimOrder:
        if not order_id:
            raise _Refusal(40004, "非法的参数", "isv.parameter-invalid:50049", "订单号不能为空或者格式错误。")
        order = self.orders.get(order_id)
        if order is None and self.accept_unknown_orders:
            order = SimOrder(order_id=order_id, line_ids=tuple(line_ids) or (order_id,))
            self.orders[order_id] = order
        if order is None:
            raise _business("60033", "订单不存在，请仔细检查后重试。")
        if self.accept_unknown_orders:
            order.line_ids = tuple(dict.fromkeys([*order.line_ids, *line_ids]))
        if order.cancelled:
            raise _business("60021", "订单已取消，禁止发货。")
        return order

    def _check_number(self, order: SimOrder, company_code: str, number: str) -> None:
        if not company_code:
            raise _Refusal(40002, "缺少必选参数", "isv.missing-parameter:60011", "物流公司编码不允许为空。")
        if company_code not in KNOWN_COMPANIES:
            raise _business("60018", "暂不支持该物流公司或物流商已失效，请检查。")
        if not number:
            raise _Refusal(40004, "非法的参数", "isv.parameter-invalid:60014", "物流单号不能为空")
        for other in self.orders.values():
            if other.order_id != order.order_id and any(p.number == number for p in other.packs):
                raise _business(
                    "70022", "70022:物流单号已被其他订单使用，且收货人手机号/收货地址不一致，请核实后更新单号"
                )

    def _logistics_add(self, params: Mapping[str, Any]) -> dict[str, Any]:
        order = self._order(_text(params, "order_id"))
        company_code, number = _text(params, "company_code"), _text(params, "logistics_code")
        if order.status == STATUS_SHIPPED:
            raise _business("60110", "订单已发货，不允许再次执行发货。")
        if order.status == STATUS_PARTLY_SHIPPED:
            raise _business("60057", "该订单当前为“部分发货”状态，无法调用此接口")
        self._check_number(order, company_code, number)
        order.packs.append(_Pack(number, company_code, order.line_ids, int(self.clock())))
        return {}

    def _multi_pack(self, params: Mapping[str, Any]) -> dict[str, Any]:
        request_id = _text(params, "request_id")
        if not request_id:
            raise _Refusal(
                40002, "缺少必选参数", "isv.missing-parameter:50050", "发货请求id不能为空，请检查requestId"
            )
        earlier = self._requests.get(request_id)
        if earlier is not None:
            return earlier  # idempotent: the first successful answer again, nothing shipped
        packs = params.get("pack_list")
        if not isinstance(packs, list) or not packs:
            raise _Refusal(40002, "缺少必选参数", "isv.missing-parameter:60036", "发货信息为空。")
        wanted: list[tuple[str, str, tuple[str, ...]]] = []
        for pack in packs:
            if not isinstance(pack, Mapping):
                raise _Refusal(40002, "缺少必选参数", "isv.missing-parameter:60036", "发货信息为空。")
            infos = pack.get("shipped_order_info")
            ids = (
                tuple(_text(i, "shipped_order_id") for i in infos if isinstance(i, Mapping))
                if isinstance(infos, list)
                else ()
            )
            if not ids or not all(ids):
                raise _business("60016", "商品单单号为空或者格式错误")
            wanted.append((_text(pack, "company_code"), _text(pack, "logistics_code"), ids))
        order = self._order(_text(params, "order_id"), [i for _, _, ids in wanted for i in ids])
        shipped = order.shipped_lines()
        for company_code, number, ids in wanted:
            unknown = [i for i in ids if i not in order.line_ids]
            if unknown:
                raise _business("60102", f"60102:商品单不存在，请仔细检查后重试（{unknown[0]}）")
            if shipped & set(ids):
                raise _business("70023", "70023:已发货，请检查订单状态")
            self._check_number(order, company_code, number)
        out = []
        for company_code, number, ids in wanted:
            order.packs.append(_Pack(number, company_code, ids, int(self.clock())))
            out.append(
                {
                    "pack_id": _pack_id(order.order_id, number),
                    "logistics_code": number,
                    "shipped_order_info": [{"shipped_order_id": i, "shipped_num": 1} for i in ids],
                }
            )
        data = {"pack_list": out}
        self._requests[request_id] = data
        return data

    def _order_detail(self, params: Mapping[str, Any]) -> dict[str, Any]:
        order_id = _text(params, "shop_order_id")
        order = self.orders.get(order_id)
        if order is None:
            raise _business("60033", "订单不存在，请仔细检查后重试。")
        detail: dict[str, Any] = {}
        data = order.data
        if data.recipient or data.items:
            detail = {
                "shop_id": int(data.shop_id) if data.shop_id.isdigit() else data.shop_id,
                "create_time": data.pay_time - 30 if data.pay_time else 0,
                "pay_time": data.pay_time,
                "exp_ship_time": data.exp_ship_time,
                "buyer_words": data.buyer_words,
                "seller_words": "",
                "post_amount": data.post_amount,
                "order_amount": sum(int(i["origin_amount"]) * int(i["item_num"]) for i in data.items)
                + data.post_amount,
                **sim_orders.recipient_fields(
                    order.order_id, data.recipient, encrypt=self.encrypt_personal_data
                ),
            }
            detail["pay_amount"] = detail["order_amount"]
        return {
            "shop_order_detail": {
                **detail,
                "order_id": order.order_id,
                "order_status": order.status,
                "order_status_desc": _STATUS_DESC[order.status],
                "logistics_info": [
                    {
                        "tracking_no": p.number,
                        "company": p.company_code,
                        "company_name": KNOWN_COMPANIES.get(p.company_code, p.company_code),
                        "ship_time": p.ship_time,
                        "product_info": [{"sku_order_id": i} for i in p.line_ids],
                    }
                    for p in order.packs
                ],
                "sku_order_list": sim_orders.sku_orders(order.order_id, order.line_ids, data),
            }
        }

    def _batch_decrypt(self, params: Mapping[str, Any]) -> dict[str, Any]:
        infos = params.get("cipher_infos")
        if not isinstance(infos, list) or not infos:
            raise _Refusal(
                40002, "缺少必选参数", "isv.missing-parameter:cipher_infos", "待解密值集合不能为空"
            )
        if len(infos) > 50:
            raise _invalid("isv.parameter-invalid", "待解密值集合最大支持50条")
        out = []
        for info in infos:
            auth_id = _text(info, "auth_id") if isinstance(info, Mapping) else ""
            text = _text(info, "cipher_text") if isinstance(info, Mapping) else ""
            known = self._ciphers.get(text)
            item: dict[str, Any] = {"auth_id": auth_id, "cipher_text": text, "is_virtual_tel": False}
            if known is None or known[0] != auth_id:
                item.update(
                    {"decrypt_text": "", "err_no": 300008, "err_msg": "密文与业务标识不匹配，解密失败"}
                )
            else:
                item.update({"decrypt_text": known[1], "err_no": 0, "err_msg": "", "data_type": known[2]})
            out.append(item)
        return {"decrypt_infos": out, "custom_err": {"err_code": 0, "err_msg": ""}}


def make_app(*, accept_unknown_orders: bool = True) -> DouyinSimulator:
    """A simulator with the demo's app (and, by default, every order id taken as waiting)."""
    return DouyinSimulator.with_app(
        DEMO_APP_KEY, DEMO_APP_SECRET, DEMO_ACCESS_TOKEN, accept_unknown_orders=accept_unknown_orders
    )


def _parse_timestamp(value: str) -> float | None:
    """Unix seconds, or the older "YYYY-MM-DD HH:MM:SS" in GMT+8."""
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=GMT8).timestamp()
    except ValueError:
        return None


def _pack_id(order_id: str, number: str) -> str:
    return str(int(hashlib.sha256(f"{order_id}|{number}".encode()).hexdigest()[:12], 16))


def _text(obj: Mapping[str, Any], key: str) -> str:
    value = obj.get(key)
    return str(value).strip() if value is not None else ""
