"""The Kuaidi100 simulator's routing codes: ``bulkpen``, origin/destination and sorting codes derived
from the sender/recipient one-line addresses, and the seeded digits its waybill numbers are made of."""

from __future__ import annotations

import hashlib
import re

_PROVINCES = (
    "黑龙江", "内蒙古", "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "江苏", "浙江",
    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南",
    "陕西", "甘肃", "青海", "台湾", "广西", "西藏", "宁夏", "新疆", "香港", "澳门",
)  # fmt: skip
_PROVINCE_SUFFIX = re.compile(r"^(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)")
_CITY = re.compile(r"^(.{1,12}?(?:自治州|地区|盟|市))")
_DISTRICT = re.compile(r"^(.{1,10}?(?:新区|区|县|旗|市))")


def split_address(addr: str) -> tuple[str, str, str]:
    """(province, city, district) short names from a one-line address; blanks when not found."""
    addr = re.sub(r"\s+", "", addr)
    province = next((p for p in _PROVINCES if addr.startswith(p)), "")
    rest = _PROVINCE_SUFFIX.sub("", addr[len(province) :], count=1)
    city = province if province in ("北京", "天津", "上海", "重庆") else ""
    if not city and (m := _CITY.match(rest)):
        city = m.group(1)
        rest = rest[len(city) :]
        city = re.sub(r"(?:市|地区|盟)$", "", city)
    elif city and rest.startswith(city):
        rest = _PROVINCE_SUFFIX.sub("", rest[len(city) :], count=1)
    district = m.group(1) if (m := _DISTRICT.match(rest)) else ""
    return province, city, district


def digits(seed: str, n: int) -> str:
    value = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:12], "big")
    return f"{value % 10**n:0{n}d}"


def routing_codes(send_addr: str, rec_addr: str) -> dict[str, str]:
    o_prov, o_city, _ = split_address(send_addr)
    d_prov, d_city, d_district = split_address(rec_addr)
    o_code = str(100 + int(digits(f"area:{o_prov}{o_city}", 3)) % 900)
    d_code = str(100 + int(digits(f"area:{d_prov}{d_city}", 3)) % 900)
    d_short = re.sub(r"(?:新区|区|县|旗|市)$", "", d_district) or d_district
    grid = int(digits(f"grid:{d_prov}{d_city}{d_district}", 4))
    return {
        "bulkpen": f"{d_city or d_prov} {d_district}".strip(),
        "orgCode": o_code,
        "orgName": f"{o_city or o_prov}转运中心",
        "destCode": d_code,
        "destName": f"{d_city or d_prov}{d_short}网点",
        "orgSortingCode": f"{o_code}-{chr(65 + int(digits('o' + send_addr, 2)) % 26)}",
        "orgSortingName": f"{o_city or o_prov}分拨中心",
        "destSortingCode": f"{d_code}-{chr(65 + grid % 26)}{grid % 90 + 10:02d}",
        "destSortingName": f"{d_city or d_prov}分拨中心",
    }
