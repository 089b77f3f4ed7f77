"""Products (商品资料): the SKU template, importing it all-or-nothing, and editing one SKU."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO

from fahuo.catalog.models import Sku, Trait
from fahuo.kit.errors import InvalidInput

TEMPLATE_COLUMNS = (
    "sku_code",
    "name",
    "weight_g",
    "length_mm",
    "width_mm",
    "height_mm",
    "traits",
    "declared_value_fen",
    "barcode",
    "shelf",
)
TEMPLATE_SAMPLE = (
    (
        "TEA-500",
        "西湖龙井 500g 礼盒",
        "650",
        "300",
        "200",
        "90",
        "fragile;valuable",
        "29900",
        "6901234567892",
        "A-01-03",
    ),
    ("MASK-10", "补水面膜 10片", "1.2kg", "220", "160", "40", "", "8900", "", "B-02-01"),
    ("OIL-1L", "山茶油 1L", "1100", "90", "90", "280", "液体;易碎", "12800", "", ""),
)
# Header aliases: the template's English names, Chinese names, and a 抖店 product export's titles.
ALIASES: dict[str, tuple[str, ...]] = {
    "sku_code": ("sku_code", "sku", "商家编码", "商品编码", "sku编码", "规格编码"),
    "name": ("name", "商品名称", "名称", "商品标题"),
    "weight_g": ("weight_g", "weight", "重量", "重量(g)", "重量g", "重量（g）"),
    "length_mm": ("length_mm", "长", "长(mm)", "长度"),
    "width_mm": ("width_mm", "宽", "宽(mm)", "宽度"),
    "height_mm": ("height_mm", "高", "高(mm)", "高度"),
    "traits": ("traits", "特性", "商品特性"),
    "declared_value_fen": ("declared_value_fen", "申报价值(分)", "申报价值分"),
    "barcode": ("barcode", "条码", "条形码", "商品条码"),
    "shelf": ("shelf", "货位", "库位"),
}
TRAIT_WORDS: dict[str, str] = {}
for _t in Trait:
    TRAIT_WORDS[_t.value] = _t.value
    TRAIT_WORDS[str(_t.label)] = _t.value
TRAIT_WORDS.update({"冷冻": Trait.COLD, "冷藏": Trait.COLD, "贵重": Trait.VALUABLE, "粉": Trait.POWDER})
MAX_ROWS = 50_000
MAX_WEIGHT_G = 1_000_000
MAX_SIZE_MM = 10_000


def template_csv() -> str:
    """The SKU template with three sample rows, as CSV text (UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TEMPLATE_COLUMNS)
    writer.writerows(TEMPLATE_SAMPLE)
    return out.getvalue()


class CellError(ValueError):
    pass


def _measure(text: str, units: str, unreadable: str) -> tuple[Decimal, str] | None:
    """A number and its unit ('' when none), one of ``units`` (a regex alternation); None when blank."""
    raw = text.strip().lower().replace(" ", "")
    if not raw:
        return None
    match = re.fullmatch(rf"(\d+(?:\.\d+)?)({units})?", raw)
    if match is None:
        raise CellError(unreadable)
    return Decimal(match.group(1)), match.group(2) or ""


def parse_weight_g(text: str) -> int | None:
    """Grams from '650', '650g', '1.2kg', '1.2 公斤', '0.5斤' … (blank: unknown)."""
    measure = _measure(text, "g|克|kg|公斤|千克|斤", f"重量无法识别：{text!r}（例如 650 或 650g 或 1.2kg）")
    if measure is None:
        return None
    number, unit = measure
    factor = {"kg": 1000, "公斤": 1000, "千克": 1000, "斤": 500}.get(unit, 1)
    grams = (number * factor).quantize(Decimal(1))
    if grams <= 0 or grams > MAX_WEIGHT_G:
        raise CellError(f"重量超出范围：{text!r}")
    return int(grams)


def parse_mm(text: str, what: str) -> int | None:
    measure = _measure(text, "mm|cm|毫米|厘米", f"{what}无法识别：{text!r}（毫米整数，例如 300 或 30cm）")
    if measure is None:
        return None
    number, unit = measure
    value = number * (10 if unit in ("cm", "厘米") else 1)
    mm = int(value.quantize(Decimal(1)))
    if mm <= 0 or mm > MAX_SIZE_MM:
        raise CellError(f"{what}超出范围：{text!r}")
    return mm


def parse_traits(text: str) -> list[str]:
    """'fragile;易碎;液体' → ['fragile', 'liquid'] (`;`, `；`, `,`, `、` separate)."""
    traits: list[str] = []
    for word in re.split(r"[;；,，、|]", text):
        word = word.strip().lower()
        if not word:
            continue
        trait = TRAIT_WORDS.get(word)
        if trait is None:
            known = "、".join(f"{t.value}/{t.label}" for t in Trait)
            raise CellError(f"未知的商品特性：{word!r}（可用：{known}）")
        if trait not in traits:
            traits.append(str(trait))
    return traits


def parse_fen(text: str) -> int | None:
    raw = text.strip().replace(",", "")
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise CellError(f"申报价值（分）不是整数：{text!r}") from None
    if value < 0:
        raise CellError(f"申报价值不能为负数：{text!r}")
    if value != value.to_integral_value():
        raise CellError(f"申报价值以分为单位，须为整数：{text!r}")
    return int(value)


@dataclass(slots=True)
class SkuRow:
    row: int
    code: str
    values: dict[str, Any]


@dataclass(slots=True)
class SkuImport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)  # [{row, reason}]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _parse_row(number: int, cells: list[str], cols: dict[str, int]) -> tuple[SkuRow | None, list[str]]:
    def cell(key: str) -> str:
        i = cols.get(key)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    problems: list[str] = []
    code = cell("sku_code")
    if not code:
        return None, ["缺少 sku_code（商家编码）"]
    if len(code) > 64:
        problems.append(f"商家编码超过 64 个字符：{code[:20]}…")
    values: dict[str, Any] = {}
    name = cell("name")
    if "name" in cols:
        values["name"] = name[:200]
    parsers: dict[str, Any] = {
        "weight_g": parse_weight_g,
        "length_mm": lambda t: parse_mm(t, "长"),
        "width_mm": lambda t: parse_mm(t, "宽"),
        "height_mm": lambda t: parse_mm(t, "高"),
        "traits": parse_traits,
        "declared_value_fen": parse_fen,
    }
    for key, parse in parsers.items():
        if key not in cols:
            continue
        text = cell(key)
        if text.startswith("-"):
            problems.append(f"{key} 不能为负数：{text}")
            continue
        try:
            values[key] = parse(text)
        except CellError as exc:
            problems.append(str(exc))
    for key, limit in (("barcode", 64), ("shelf", 30)):
        if key in cols:
            values[key] = cell(key)[:limit]
    return (SkuRow(number, code, values) if not problems else None), problems


def import_skus(*, fileobj: BinaryIO, filename: str) -> SkuImport:
    """Create or update SKUs from the template (or a 抖店 product export); every row or none.

    Idempotent: the same file again updates nothing. A blank cell keeps what the SKU has.
    """
    from fahuo.orders.formats import read_table

    table = read_table(fileobj=fileobj, filename=filename)
    cols = table.columns_of(ALIASES)
    if "sku_code" not in cols:
        raise InvalidInput("缺少 sku_code（商家编码）列；用 `fahuo skus template` 取得模板")
    if len(table.rows) > MAX_ROWS:
        raise InvalidInput(f"行数超过 {MAX_ROWS}")
    result = SkuImport()
    parsed: list[SkuRow] = []
    first: dict[str, int] = {}
    for number, cells in table.rows:
        row, problems = _parse_row(number, cells, cols)
        code = row.code if row is not None else ""
        if row is not None and code in first:
            problems.append(f"商家编码重复：{code}，已在第 {first[code]} 行")
        result.errors.extend({"row": number, "reason": p} for p in problems)
        if row is not None and not problems:
            first[code] = number
            parsed.append(row)
    if result.errors:
        return result
    existing = {s.code: s for s in Sku.objects.filter(code__in=[r.code for r in parsed])}
    for row in parsed:
        if row.code not in existing and not row.values.get("name"):
            result.errors.append({"row": row.row, "reason": f"新商品需要名称（name）：{row.code}"})
    if result.errors:
        return result
    new: list[Sku] = []
    changed: list[Sku] = []
    fields: set[str] = set()
    for row in parsed:
        values = row.values
        sku = existing.get(row.code)
        if sku is None:
            new.append(Sku(code=row.code, **{k: v for k, v in values.items() if v is not None}))
            continue
        diff = {k: v for k, v in values.items() if v not in (None, "", []) and getattr(sku, k) != v}
        if not diff:
            result.unchanged += 1
            continue
        for k, v in diff.items():
            setattr(sku, k, v)
        fields.update(diff)
        changed.append(sku)
    Sku.objects.bulk_create(new, batch_size=500)
    if changed:
        Sku.objects.bulk_update(changed, sorted(fields), batch_size=500)
    result.created, result.updated = len(new), len(changed)
    return result


def get_sku(*, code: str) -> Sku:
    from fahuo.kit.errors import NotFound

    sku = Sku.objects.filter(code=code).first()
    if sku is None:
        raise NotFound(f"商品不存在：{code}")
    return sku
