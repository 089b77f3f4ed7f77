"""抖店 order reading (order.orderDetail + order.batchDecrypt): golden answers decoded, and the
simulator's synthetic orders read back over real HTTP with the recipient decrypted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from fahuo.integrations.douyin import mapper
from fahuo.integrations.douyin.client import DouyinOrderSource
from fahuo.integrations.douyin.settings import DouyinSettings
from fahuo.integrations.douyin.simulator import DouyinSimulator
from fahuo.integrations.simserver import serve
from fahuo.kit import testing
from fahuo.kit.errors import ProviderError

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
APP_KEY, APP_SECRET, TOKEN = "6839207088506275336", "sim-secret-1", "sim-token-1"
ORDER = "6920000000000000101"


golden = partial(testing.golden, "douyin")


def test_golden_order_detail_reads_as_an_order_with_ciphertext_recipient() -> None:
    order = mapper.parse_order_detail(golden("order_detail_encrypted.json"))
    assert (order.order_id, order.status, order.ready_to_ship) == ("6920000000000000001", 2, True)
    r = order.recipient
    assert (r.province, r.city, r.district, r.street) == ("浙江省", "杭州市", "西湖区", "文新街道")
    assert (r.masked_name, r.masked_phone) == ("王**", "138****5678")
    assert all(mapper.is_cipher(text) for text in (r.name, r.phone, r.detail))
    assert order.cipher_texts() == [r.name, r.phone, r.detail]
    assert order.paid_at == datetime.fromtimestamp(1750218030, tz=UTC)
    assert order.ship_by == datetime.fromtimestamp(1750390830, tz=UTC)
    first, second = order.items
    assert (first.sku_order_id, first.sku_code, first.spec, first.quantity, first.unit_price_fen) == (
        "6920000000000000001",
        "MASK-HA-10",
        "规格:10片装",
        2,
        5990,
    )
    assert (first.after_sale, second.after_sale) == ("", "售后申请")
    assert order.influencer == "小美直播间"
    assert (order.pay_fen, order.freight_fen, order.buyer_words) == (12980, 0, "请尽快发货")


def test_batch_decrypt_param_equals_the_golden_param_json() -> None:
    order = mapper.parse_order_detail(golden("order_detail_encrypted.json"))
    params = mapper.batch_decrypt_params(order_id=order.order_id, cipher_texts=order.cipher_texts())
    assert mapper.dump_param_json(params) == golden("batch_decrypt_param.json")["param_json"]


def test_golden_decrypt_answer_gives_plain_texts_and_the_refused_item() -> None:
    plain, errors = mapper.decrypted_texts(golden("batch_decrypt_response.json"))
    assert sorted(plain.values()) == ["13812345678", "王小明"]
    assert errors == ["解密额度不足"]


def test_clear_text_fields_are_not_ciphertext() -> None:
    assert not any(mapper.is_cipher(t) for t in ("王小明", "138****5678", "#", "", "文一西路#1"))


@pytest.fixture
def sim() -> DouyinSimulator:
    return DouyinSimulator.with_app(APP_KEY, APP_SECRET, TOKEN)


@pytest.fixture
def source(sim: DouyinSimulator) -> Iterator[DouyinOrderSource]:
    with serve(sim) as url:
        settings = DouyinSettings(
            app_key=APP_KEY, app_secret=APP_SECRET, access_token=TOKEN, base_url=url, backoff_s=0.01
        )
        with DouyinOrderSource(settings) as reader:
            yield reader


def test_a_seeded_order_is_read_whole_and_its_recipient_decrypted(
    sim: DouyinSimulator, source: DouyinOrderSource
) -> None:
    seeded = sim.add_synthetic_order(ORDER, shop_id="4463798", lines=2)
    order = source.order(ORDER)
    person = seeded.data.recipient
    r = order.recipient
    assert (r.name, r.phone, r.detail) == (person["name"], person["phone"], person["detail"])
    assert (r.province, r.city, r.district) == (person["province"], person["city"], person["town"])
    assert r.masked_phone == f"{person['phone'][:3]}****{person['phone'][-4:]}"
    assert [i.sku_order_id for i in order.items] == list(seeded.line_ids)
    assert [c.method for c in sim.calls] == ["order.orderDetail", "order.batchDecrypt"]


def test_the_detail_on_the_wire_carries_no_clear_personal_data(
    sim: DouyinSimulator, source: DouyinOrderSource
) -> None:
    seeded = sim.add_synthetic_order(ORDER)
    detail = sim.handle("order.orderDetail", *_signed(sim, {"shop_order_id": ORDER}))
    text = json.dumps(detail, ensure_ascii=False)
    for key in ("name", "phone", "detail"):
        assert seeded.data.recipient[key] not in text


def _signed(sim: DouyinSimulator, params: dict[str, Any]) -> tuple[dict[str, str], str]:
    from fahuo.integrations.douyin.client import build_query

    settings = DouyinSettings(app_key=APP_KEY, app_secret=APP_SECRET, access_token=TOKEN)
    param_json = mapper.dump_param_json(params)
    query = build_query(
        method="order.orderDetail", param_json=param_json, timestamp=str(int(sim.clock())), settings=settings
    )
    return query, param_json


def test_without_encryption_no_decrypt_call_is_made(sim: DouyinSimulator, source: DouyinOrderSource) -> None:
    sim.encrypt_personal_data = False
    sim.add_synthetic_order(ORDER, recipient={"name": "李四"})
    assert source.order(ORDER).recipient.name == "李四"
    assert [c.method for c in sim.calls] == ["order.orderDetail"]


def test_an_unknown_order_is_a_final_refusal(source: DouyinOrderSource) -> None:
    with pytest.raises(ProviderError, match="订单不存在") as caught:
        source.order("6920000000000009999")
    assert isinstance(caught.value.detail, dict) and caught.value.detail["retryable"] is False


def test_a_cipher_of_another_order_is_not_decrypted(sim: DouyinSimulator, source: DouyinOrderSource) -> None:
    other = sim.add_synthetic_order("6920000000000000201")
    sim.add_synthetic_order(ORDER)
    stolen = mapper.parse_order_detail(
        {
            "code": 10000,
            "data": sim.handle("order.orderDetail", *_signed(sim, {"shop_order_id": other.order_id}))["data"],
        }
    ).recipient.name
    body = source.client.call(
        mapper.METHOD_BATCH_DECRYPT, mapper.batch_decrypt_params(order_id=ORDER, cipher_texts=[stolen])
    )
    plain, errors = mapper.decrypted_texts(body)
    assert plain == {} and errors


def test_a_platform_outage_is_a_retryable_provider_error(
    sim: DouyinSimulator, source: DouyinOrderSource
) -> None:
    sim.add_synthetic_order(ORDER)
    sim.fail_next(5, status=503)
    with pytest.raises(ProviderError) as caught:
        source.order(ORDER)
    assert isinstance(caught.value.detail, dict) and caught.value.detail["retryable"] is True
