"""Push bodies keep what diagnosis needs (ids, tags, regions, statuses) and lose names, phones, streets."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from fahuo.kit.privacy import REDACTED, redact_payload


def test_nested_json_texts_lose_personal_values_and_keep_regions() -> None:
    addr = {"province": {"name": "浙江省"}, "city": {"name": "杭州市"}, "detail": "文一西路1000号"}
    data = {
        "p_id": 47813206,
        "receiver_msg": {"name": "欧阳娜娜", "tel": 13912345678, "addr": json.dumps(addr)},
    }
    body = json.dumps([{"tag": "105", "msg_id": "m1", "data": json.dumps(data, ensure_ascii=False)}])
    out = redact_payload(body)
    for secret in ("欧阳娜娜", "13912345678", "文一西路"):
        assert secret not in out
    assert "浙江省" in out and "杭州市" in out and "47813206" in out and '"tag":"105"' in out
    assert out.count(REDACTED) == 3


def test_a_form_body_with_json_values_is_redacted_per_field() -> None:
    request_data = {"Receiver": {"Name": "李四", "Mobile": "13800001111", "ProvinceName": "广东省"}}
    body = urlencode({"RequestData": json.dumps(request_data, ensure_ascii=False), "DataSign": "abc=="})
    out = redact_payload(body)
    assert "李四" not in out and "13800001111" not in out and "广东省" in out and "DataSign=abc==" in out


def test_encrypted_and_masked_copies_are_hidden_and_plain_text_is_left_alone() -> None:
    out = redact_payload('{"encrypt_post_tel": "#abc#", "mask_post_receiver": "张*", "status": "ok"}')
    assert "#abc#" not in out and "张*" not in out and '"status":"ok"' in out
    assert redact_payload("not json at all") == "not json at all"


def test_a_body_cut_short_is_redacted_key_by_key_at_any_escaping_depth() -> None:
    data = {
        "receiver_msg": {
            "name": "欧阳娜娜",
            "addr": json.dumps({"detail": "文一西路1000号"}, ensure_ascii=False),
        }
    }
    body = json.dumps([{"msg_id": "m1", "data": json.dumps(data, ensure_ascii=False)}], ensure_ascii=False)
    for cut in (len(body) - 4, len(body) - 12):
        out = redact_payload(body[:cut])
        assert "欧阳娜娜" not in out and "文一西路1000" not in out and "m1" in out
