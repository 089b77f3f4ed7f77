"""One phone scrubber and one name mask for messages, import reports, logs and labels alike."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fahuo.fulfilment.labels.render import scrub_phones
from fahuo.kit.privacy import mask_name, scrub


@pytest.mark.parametrize(
    "text",
    [
        "请打 13812345678 联系",
        "请打 138 1234 5678 联系",
        "请打 138-1234-5678 联系",
        "请打 +86 138.1234.5678 联系",
        "请打 １３８１２３４５６７８ 联系",
    ],
)
def test_a_mobile_number_in_any_common_spelling_is_masked(text: str) -> None:
    assert scrub(text) == "请打 138****5678 联系"


def test_labels_and_messages_use_the_same_scrubber() -> None:
    assert scrub_phones is scrub


def test_other_numbers_are_left_alone() -> None:
    text = "订单 6926000000000000002，共 3 件，邮编 310000，合计 12.30"
    assert scrub(text) == text


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.sampled_from(["", " ", "-", "."]))
def test_no_full_mobile_number_survives(phone: str, sep: str) -> None:
    spelled = f"{phone[:3]}{sep}{phone[3:7]}{sep}{phone[7:]}"
    out = scrub(f"买家留言：{spelled}，谢谢")
    assert phone not in out.replace(sep, "") if sep else phone not in out
    assert f"{phone[:3]}****{phone[7:]}" in out


def test_a_long_name_does_not_show_its_length() -> None:
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("爱新觉罗溥仪") == "爱***"
