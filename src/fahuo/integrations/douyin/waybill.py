"""抖音电子面单: the 抖店 open platform's own e-waybill (``logistics.*``), as a WaybillProvider.

An order whose receiver 抖店 exports only as ciphertext can still ship: ``logistics.newCreateOrder``
takes the order id and the receiver's *ciphertext* (name, mobile, detail address — "支持密文"), the
platform decrypts inside itself, and the label is printed by the platform's print component from
``logistics.waybillApply``'s encrypted print data. fahuo never holds the plaintext: it reads the
ciphertext from ``order.orderDetail`` just before the call and keeps only the tracking number.

Calls (docs/integrations/douyin-waybill.md): ``logistics.listShopNetsite`` (网点 and stock),
``logistics.newCreateOrder``, ``logistics.cancelOrder``, ``logistics.templateList``,
``logistics.waybillApply`` (print data). Same gateway, signing and envelope as the rest of 抖店.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fahuo.integrations.base import WaybillRequest, WaybillResult
from fahuo.integrations.douyin import mapper
from fahuo.integrations.douyin.client import DouyinClient
from fahuo.integrations.douyin.codes import FailureKind, company_code_for
from fahuo.integrations.douyin.settings import DouyinSettings, account_credentials
from fahuo.integrations.http import ClientAdapter
from fahuo.kit.errors import InvalidInput, ProviderError

if TYPE_CHECKING:
    from fahuo.integrations.credentials.models import ProviderAccount

PROVIDER_KEY = "douyin_waybill"

METHOD_LIST_NETSITE = "logistics.listShopNetsite"
METHOD_NEW_CREATE_ORDER = "logistics.newCreateOrder"
METHOD_CANCEL_ORDER = "logistics.cancelOrder"
METHOD_TEMPLATE_LIST = "logistics.templateList"
METHOD_WAYBILL_APPLY = "logistics.waybillApply"

MAX_PER_CALL = 50  # newCreateOrder: "支持批量取号，一次最多50条"
_SEQ = re.compile(r"-(\d{1,6})(?:-r(\d{1,6}))?$")


# --- settings ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WaybillSettings:
    """The shop's 抖店 app credentials plus the waybill choices: the 网点 (``net_code``, required by
    加盟 carriers), the standard template code the print component renders (``template_code``)."""

    api: DouyinSettings
    net_code: str = ""
    template_code: str = ""
    user_id: str = ""  # shared-account case: the shop id actually drawing numbers
    print_component_url: str = ""  # the desk PC's print component (default ws://127.0.0.1:13888)
    printer: str = ""  # the printer the component prints on ("" = its default)
    # "browser": the desk page sends print tasks to the component on the desk PC (default);
    # "server": fahuo sends them itself (fahuo runs on the desk PC the component runs on)
    print_from: str = "browser"

    @classmethod
    def from_credentials(cls, creds: Mapping[str, Any], *, base_url: str = "") -> WaybillSettings:
        return cls(
            api=DouyinSettings.from_credentials(creds, base_url=base_url),
            net_code=str(creds.get("net_code") or "").strip(),
            template_code=str(creds.get("template_code") or "").strip(),
            user_id=str(creds.get("user_id") or "").strip(),
            print_component_url=str(creds.get("print_component_url") or "").strip(),
            printer=str(creds.get("printer") or "").strip(),
            print_from="server" if str(creds.get("print_from") or "").strip() == "server" else "browser",
        )

    @classmethod
    def from_account(cls, account: ProviderAccount | None) -> WaybillSettings:
        if account is None:
            raise InvalidInput(
                "没有抖音电子面单账号：请添加 provider=douyin_waybill 的账号（抖店 app_key/app_secret/access_token）"
            )
        return cls.from_credentials(account_credentials(account), base_url=account.base_url)


# --- mapping (pure) -------------------------------------------------------------------------------


def pack_id_for(request_id: str) -> str:
    """newCreateOrder answers the *old* number for the same order unless a different pack_id is
    sent: the first parcel sends none; a later parcel, or a re-issue after a cancel, sends its
    seq/attempt (fahuo's request ids end in ``-{seq}`` or ``-{seq}-r{attempt}``)."""
    found = _SEQ.search(request_id)
    if found is None:
        return ""
    seq, attempt = found.group(1), found.group(2)
    if seq == "1" and not attempt:
        return ""
    return f"{seq}_r{attempt}" if attempt else seq


def new_create_order_params(
    *,
    logistics_code: str,
    sender: Mapping[str, str],
    orders: Sequence[tuple[WaybillRequest, mapper.Recipient]],
    net_code: str = "",
    user_id: str = "",
) -> dict[str, Any]:
    """The param_json of ``logistics.newCreateOrder``: the receiver is the platform's own
    ciphertext (name / mobile / detail_address accept ciphertext), the region in clear."""
    infos = []
    for request, recipient in orders:
        info: dict[str, Any] = {
            "order_id": request.order_id,
            "receiver_info": {
                "address": {
                    "country_code": "CHN",
                    "province_name": recipient.province,
                    "city_name": recipient.city,
                    "district_name": recipient.district,
                    "street_name": recipient.street,
                    "detail_address": recipient.detail,
                },
                "contact": {"name": recipient.name, "mobile": recipient.phone},
            },
            "items": [{"item_name": (request.goods or "商品")[:60], "item_count": max(1, request.quantity)}],
        }
        pack_id = pack_id_for(request.request_id)
        if pack_id:
            info["pack_id"] = pack_id
        if net_code:
            info["net_info"] = {"category": "2", "net_code": net_code}
        if request.weight_g:
            info["total_weight"] = str(request.weight_g)
        infos.append(info)
    params: dict[str, Any] = {
        "logistics_code": logistics_code,
        "sender_info": {
            "address": {
                "country_code": "CHN",
                "province_name": sender.get("province", ""),
                "city_name": sender.get("city", ""),
                "district_name": sender.get("district", ""),
                "detail_address": sender.get("detail", ""),
            },
            "contact": {"name": sender.get("name", ""), "mobile": sender.get("phone", "")},
        },
        "order_infos": infos,
    }
    if user_id:
        params["user_id"] = int(user_id) if user_id.lstrip("-").isdigit() else user_id
    return params


def parse_new_create_order(
    body: Mapping[str, Any],
) -> tuple[dict[tuple[str, str], dict[str, Any]], dict[tuple[str, str], str]]:
    """(order_id, pack_id) -> ebill info, and -> the platform's error text, from ``data``."""
    data = body.get("data")
    data = data if isinstance(data, Mapping) else {}
    good: dict[tuple[str, str], dict[str, Any]] = {}
    bad: dict[tuple[str, str], str] = {}
    for info in data.get("ebill_infos") or []:
        if isinstance(info, Mapping):
            good[(str(info.get("order_id") or ""), str(info.get("pack_id") or ""))] = dict(info)
    for err in data.get("err_infos") or []:
        if isinstance(err, Mapping):
            key = (str(err.get("order_id") or ""), str(err.get("pack_id") or ""))
            bad[key] = str(err.get("err_msg") or f"抖音电子面单取号失败（{err.get('err_code')}）")
    return good, bad


def cancel_params(*, logistics_code: str, track_no: str, user_id: str = "") -> dict[str, Any]:
    params: dict[str, Any] = {"logistics_code": logistics_code, "track_no": track_no}
    if user_id:
        params["user_id"] = int(user_id) if user_id.lstrip("-").isdigit() else user_id
    return params


def waybill_apply_params(items: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """(logistics_code, track_no) pairs -> the param_json of ``logistics.waybillApply``."""
    return {"waybill_applies": [{"logistics_code": c, "track_no": t} for c, t in items]}


@dataclass(frozen=True, slots=True)
class PrintData:
    """What the print component needs for one label: encrypted data + its signature (opaque to fahuo)."""

    track_no: str
    order_id: str
    print_data: str
    sign: str


def parse_waybill_apply(body: Mapping[str, Any]) -> tuple[list[PrintData], dict[str, str]]:
    data = body.get("data")
    data = data if isinstance(data, Mapping) else {}
    out = [
        PrintData(
            track_no=str(i.get("track_no") or ""),
            order_id=str(i.get("order_id") or ""),
            print_data=str(i.get("print_data") or ""),
            sign=str(i.get("sign") or ""),
        )
        for i in data.get("waybill_infos") or []
        if isinstance(i, Mapping)
    ]
    errors = {
        str(e.get("track_no") or ""): str(e.get("err_msg") or "获取打印数据失败")
        for e in data.get("err_infos") or []
        if isinstance(e, Mapping)
    }
    return out, errors


@dataclass(frozen=True, slots=True)
class Netsite:
    company: str
    netsite_code: str
    netsite_name: str
    amount: int  # 电子面单余额数量 (-1: not limited / not reported)
    sender_address: Mapping[str, str]


def parse_netsites(body: Mapping[str, Any]) -> list[Netsite]:
    data = body.get("data")
    data = data if isinstance(data, Mapping) else {}
    out = []
    for site in data.get("netsites") or []:
        if not isinstance(site, Mapping):
            continue
        addresses = site.get("sender_address") or [{}]
        first = addresses[0] if isinstance(addresses, list) and addresses else {}
        amount = str(site.get("amount") or "-1")
        out.append(
            Netsite(
                company=str(site.get("company") or data.get("logistics_code") or ""),
                netsite_code=str(site.get("netsite_code") or ""),
                netsite_name=str(site.get("netsite_name") or ""),
                amount=int(amount) if amount.lstrip("-").isdigit() else -1,
                sender_address={str(k): str(v) for k, v in first.items()}
                if isinstance(first, Mapping)
                else {},
            )
        )
    return out


def template_urls(body: Mapping[str, Any]) -> dict[str, str]:
    """template_code -> template_url from ``logistics.templateList``."""
    data = body.get("data")
    data = data if isinstance(data, Mapping) else {}
    out: dict[str, str] = {}
    for group in data.get("template_data") or []:
        for info in (group.get("template_infos") or []) if isinstance(group, Mapping) else []:
            if isinstance(info, Mapping):
                out[str(info.get("template_code") or "")] = str(info.get("template_url") or "")
    return out


# --- the provider ---------------------------------------------------------------------------------


def _answer(body: dict[str, Any]) -> dict[str, Any]:
    outcome = mapper.parse_response(body)
    if not outcome.ok:
        raise ProviderError(outcome.message, detail=outcome.detail())
    return body


class DouyinWaybillProvider(ClientAdapter[DouyinClient]):
    """WaybillProvider over 抖音电子面单. ``prints_encrypted``: it can ship an order whose receiver
    fahuo only has as platform ciphertext (or not at all) — the allocation offers such orders only
    routes whose provider says so."""

    key = PROVIDER_KEY
    prints_encrypted = True

    def __init__(self, settings: WaybillSettings, *, client: DouyinClient | None = None) -> None:
        self.settings = settings
        self.client = client or DouyinClient(settings.api)

    def _company(self, carrier_code: str) -> str:
        code = company_code_for(carrier_code, self.settings.api.company_codes)
        if not code:
            raise ProviderError(
                f"抖音电子面单不支持快递公司 {carrier_code}",
                detail={"retryable": False, "kind": str(FailureKind.INVALID)},
            )
        return code

    def netsites(self, logistics_code: str = "") -> list[Netsite]:
        body = self.client.call(METHOD_LIST_NETSITE, {"logistics_code": logistics_code})
        return parse_netsites(_answer(body))

    def _ciphertext_receiver(self, order_id: str) -> mapper.Recipient:
        """The receiver as 抖店 holds it (ciphertext), read now and never stored."""
        body = _answer(
            self.client.call(mapper.METHOD_ORDER_DETAIL, mapper.order_detail_params(order_id=order_id))
        )
        try:
            return mapper.parse_order_detail(body).recipient
        except mapper.MappingError as exc:
            raise ProviderError(exc.message, detail={"retryable": True}) from None

    def issue(self, requests: Sequence[WaybillRequest]) -> list[WaybillResult]:
        results: dict[int, WaybillResult] = {}
        by_company: dict[str, list[tuple[int, WaybillRequest, mapper.Recipient]]] = {}
        for index, request in enumerate(requests):
            if not request.order_id:
                results[index] = WaybillResult(
                    request.request_id, error="抖音电子面单只能为抖店订单取号（缺少订单号）"
                )
                continue
            try:
                company = self._company(request.carrier_code)
                recipient = self._ciphertext_receiver(request.order_id)
            except ProviderError as exc:
                results[index] = WaybillResult(request.request_id, error=exc.message)
                continue
            by_company.setdefault(company, []).append((index, request, recipient))
        for company, items in by_company.items():
            for start in range(0, len(items), MAX_PER_CALL):
                self._issue_chunk(company, items[start : start + MAX_PER_CALL], results)
        return [results[i] for i in range(len(requests))]

    def _issue_chunk(
        self,
        company: str,
        chunk: Sequence[tuple[int, WaybillRequest, mapper.Recipient]],
        results: dict[int, WaybillResult],
    ) -> None:
        sender = chunk[0][1].sender
        params = new_create_order_params(
            logistics_code=company,
            sender={
                "name": sender.name,
                "phone": sender.phone,
                "province": sender.province,
                "city": sender.city,
                "district": sender.district,
                "detail": sender.detail,
            },
            orders=[(request, recipient) for _, request, recipient in chunk],
            net_code=self.settings.net_code,
            user_id=self.settings.user_id,
        )
        good, bad = parse_new_create_order(_answer(self.client.call(METHOD_NEW_CREATE_ORDER, params)))
        for index, request, _ in chunk:
            key = (request.order_id, pack_id_for(request.request_id))
            info = good.get(key)
            if info and info.get("track_no"):
                subs = tuple(s for s in str(info.get("sub_waybill_codes") or "").split(",") if s)
                results[index] = WaybillResult(
                    request.request_id,
                    tracking_no=str(info["track_no"]),
                    sort_code=str(info.get("sort_code") or ""),
                    mark_destination=str(
                        info.get("short_address_name") or info.get("short_address_code") or ""
                    ),
                    children=subs,
                    provider_ref=f"{company}:{request.order_id}",
                )
            else:
                results[index] = WaybillResult(
                    request.request_id, error=bad.get(key, "抖音电子面单未返回运单号")
                )

    def cancel(
        self, *, carrier_code: str, tracking_no: str, request_id: str = "", provider_ref: str = ""
    ) -> None:
        company = provider_ref.split(":", 1)[0] if ":" in provider_ref else self._company(carrier_code)
        params = cancel_params(logistics_code=company, track_no=tracking_no, user_id=self.settings.user_id)
        _answer(self.client.call(METHOD_CANCEL_ORDER, params))

    def print_data(self, items: Sequence[tuple[str, str]]) -> tuple[list[PrintData], dict[str, str]]:
        """Encrypted print data per (carrier_code, tracking_no): what the print component renders."""
        pairs = [(self._company(c), t) for c, t in items]
        return parse_waybill_apply(
            _answer(self.client.call(METHOD_WAYBILL_APPLY, waybill_apply_params(pairs)))
        )

    def template_url(self, template_code: str = "") -> str:
        code = template_code or self.settings.template_code
        urls = template_urls(_answer(self.client.call(METHOD_TEMPLATE_LIST, {})))
        if code and code in urls:
            return urls[code]
        if code:
            raise ProviderError(f"抖音电子面单没有模板 {code}", detail={"retryable": False})
        return next(iter(urls.values()), "")

    @property
    def prints_from_server(self) -> bool:
        return self.settings.print_from == "server"

    @property
    def component_url(self) -> str:
        """Where the desk PC's print component listens (the account's ``print_component_url``)."""
        from fahuo.integrations.douyin import print_component

        return self.settings.print_component_url or print_component.DEFAULT_URL

    def print_task(
        self, items: Sequence[tuple[str, str]], *, task_id: str
    ) -> tuple[dict[str, Any] | None, dict[str, str]]:
        """The print component's ``task`` for (carrier_code, tracking_no) labels — the platform's
        signed, encrypted print data and its template — and tracking_no -> why a label has none."""
        from fahuo.integrations.douyin import print_component

        data, errors = self.print_data(items)
        if not data:
            return None, errors
        task = print_component.print_task(
            task_id=task_id, documents=data, template_url=self.template_url(), printer=self.settings.printer
        )
        return task, errors

    def print_labels(self, items: Sequence[tuple[str, str]], *, task_id: str) -> dict[str, str]:
        """Send the labels of (carrier_code, tracking_no) to the print component from this server as
        one task and wait for its notifyPrintResult; answers tracking_no -> why that label was not
        printed. A failure of the whole task (component not running, task refused) raises
        ProviderError."""
        from fahuo.integrations.douyin import print_component

        task, errors = self.print_task(items, task_id=task_id)
        if task is not None:
            outcome = print_component.send_task(url=self.component_url, task=task)
            errors.update((number, why) for number, why in outcome.results.items() if why)
        return errors
