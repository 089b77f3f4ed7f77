"""The Kdniao simulator accepts what the real service accepts from Kdniao's own demo code."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from fahuo.integrations.kdniao.client import sign
from fahuo.integrations.kdniao.simulator import KdniaoSimulator
from fahuo.integrations.simserver import serve

EBID, KEY = "1237100", "56da2cf8-c8a2-44b2-b6fa-476cd7d1ba17"
# RequestData the way Kdniao's C#/Java demo builds it: single quotes, numbers unquoted.
DEMO_REQUEST = (
    "{'OrderCode': '012657700387','ShipperCode':'YTO','CustomerName':'K10101010','CustomerPwd':'123456','PayType':1,'ExpType':1,'Quantity':1,"
    "'Sender':{'Name':'Taylor','Mobile':'15018442396','ProvinceName':'上海','CityName':'上海市',"
    "'ExpAreaName':'青浦区','Address':'明珠路73号'},"
    "'Receiver':{'Name':'Yann','Mobile':'15018442396','ProvinceName':'北京','CityName':'北京市',"
    "'ExpAreaName':'朝阳区','Address':'三里屯街道雅秀大厦'},"
    "'Commodity':[{'GoodsName':'鞋子','Goodsquantity':1}],'IsReturnPrintTemplate':1}"
)


@pytest.fixture
def url() -> Iterator[str]:
    with serve(KdniaoSimulator.with_accounts({EBID: KEY})) as base:
        yield base


def post(url: str, path: str, request_data: str) -> httpx.Response:
    form = {
        "EBusinessID": EBID,
        "RequestType": "1007",
        "RequestData": request_data,
        "DataType": "2",
        "DataSign": sign(request_data, KEY),
    }
    return httpx.post(url + path, data=form, timeout=10)


def test_the_demo_codes_single_quoted_request_on_its_lowercase_path_issues_a_waybill(url: str) -> None:
    response = post(url, "/api/Eorderservice", DEMO_REQUEST)

    assert response.status_code == 200
    body = response.json()
    assert body["Success"] is True and body["ResultCode"] == "100"
    assert body["Order"]["OrderCode"] == "012657700387" and body["Order"]["LogisticCode"]


def test_a_request_that_is_not_json_at_all_is_still_refused_with_103(url: str) -> None:
    body = post(url, "/api/EOrderService", "OrderCode=012657700387").json()

    assert (body["Success"], body["ResultCode"]) == (False, "103")


def test_an_unknown_path_is_still_404(url: str) -> None:
    assert post(url, "/api/NoSuchService", DEMO_REQUEST).status_code == 404
