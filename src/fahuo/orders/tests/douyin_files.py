"""Build 抖店 files in the formats sellers really download, with invented people.

The header sets and cell conventions follow the public descriptions in issue #14 (importers,
reconciliation tools and SDK field docs that parse real exports):

* ``current``: today's order export, 75 columns; 商品金额 is the unit price (there is no 商品单价);
* ``standard``: the older 标准报表, 65 columns, 商品单价, another column order (支付方式 18th);
* UTF-8 with BOM, ids and text written with a leading tab, ``-`` for an empty cell, a file name
  starting with the 10-digit export time;
* ``excel_resaved``: the same file opened and saved in Excel — GBK, tabs gone, dates as
  ``2026/11/10 20:05``, long ids as ``6.92611E+18``;
* ``order_dimension``: 订单维度 (one row per 主订单, ``;``-joined 子订单, summed quantity);
* the 50-column 售后 export and a settlement (结算) file, often uploaded by mistake.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field

# fmt: off
CURRENT_HEADER = [
    "主订单编号", "子订单编号", "支付方式", "选购商品", "货号", "商品ID", "商家编码", "商品规格", "商品数量",
    "商品金额", "订单提交时间", "支付完成时间", "订单完成时间", "承诺发货时间", "预约发货时间", "买家留言",
    "旗帜颜色", "商家备注", "APP渠道", "订单状态", "取消原因", "售后状态", "订单类型", "发货时间", "流量来源",
    "流量类型", "流量渠道", "广告渠道", "订单应付金额", "运费", "优惠总金额", "平台优惠", "商家优惠", "达人优惠",
    "支付优惠", "红包抵扣", "手续费", "改价金额", "收件人", "收件人手机号", "省", "市", "区", "街道", "详细地址",
    "是否修改过地址", "快递信息", "序列号", "达人ID", "达人昵称", "直播间ID", "视频ID", "创作者类型", "选购方式",
    "商品来源", "仓库ID", "仓库名称", "是否安心购", "是否加急", "是否评价", "合单标识", "上门取件", "门店ID",
    "门店名称", "定金", "尾款", "预售类型", "商品类型", "推广类型", "是否跨境", "海关状态", "身份证信息",
    "赠品信息", "建议发货时间（起）", "建议发货时间（止）",
]
STANDARD_HEADER = [
    "主订单编号", "子订单编号", "选购商品", "商品规格", "商品数量", "商品ID", "商家编码", "商品单价",
    "订单应付金额", "运费", "优惠总金额", "手续费", "订单提交时间", "支付完成时间", "承诺发货时间", "订单状态",
    "售后状态", "支付方式", "收件人", "收件人手机号", "省", "市", "区", "街道", "详细地址", "是否修改过地址",
    "买家留言", "商家备注", "旗帜颜色", "达人ID", "达人昵称", "APP渠道", "订单类型", "快递信息", "发货时间",
    "订单完成时间", "预约发货时间", "取消原因", "流量来源", "流量类型", "流量渠道", "广告渠道", "平台优惠",
    "商家优惠", "达人优惠", "支付优惠", "红包抵扣", "改价金额", "序列号", "直播间ID", "视频ID", "创作者类型",
    "选购方式", "商品来源", "仓库ID", "仓库名称", "是否安心购", "是否加急", "是否评价", "合单标识", "门店ID",
    "门店名称", "定金", "尾款", "货号",
]
AFTER_SALE_HEADER = [
    "售后单号", "订单号", "商品单号", "商品名称", "商品ID", "商家编码", "商品规格", "商品数量", "应付金额（元）",
    "实付金额（元）", "售后类型", "售后原因", "退商品金额（元）", "退运费金额（元）", "退款金额（元）", "售后状态",
    "售后申请时间", "售后完成时间", "退货物流公司", "退货物流单号", "退货时间", "商家处理时间", "处理人",
    "买家留言", "商家备注", "凭证", "仲裁状态", "平台介入", "是否极速退", "极速退类型", "是否拒收", "换货物流公司",
    "换货物流单号", "补寄物流公司", "补寄物流单号", "达人ID", "达人昵称", "订单提交时间", "支付完成时间",
    "发货时间", "订单状态", "收件人", "收件人手机号", "省", "市", "区", "详细地址", "售后标签", "退款方式",
    "退款时间",
]
SETTLEMENT_HEADER = [
    "结算时间", "结算单号", "订单号", "子订单号", "商品名称", "商品数量", "订单总价", "运费", "平台补贴",
    "达人佣金", "平台服务费", "实际结算金额", "结算账户", "备注",
]
# fmt: on
assert len(CURRENT_HEADER) == 75 and len(STANDARD_HEADER) == 65 and len(AFTER_SALE_HEADER) == 50
assert STANDARD_HEADER.index("支付方式") == 17  # the 18th column

ENCRYPTED_PHONE = "$1C2m8sKkP0a$AgAAAAGQkY2mT1vF*CgkIARCtHCABKAESPgo8Ck3xY9Zp0Q7t3pQy$1$$"
ENCRYPTED_NAME = "#王小#AgAAAAHn5YiYxvRk1sYyVvS0wKcQdqFq+Jr2l9Ey#1##"
ENCRYPTED_DETAIL = "#文一西路#AgAAAAEb2b8cP9zQmBvY4qG3xkzqvPcmD3wQ3w==#1##"


@dataclass
class Line:
    sub_id: str
    title: str = "手工牛轧糖"
    spec: str = "原味 500g"
    qty: int = 1
    price: str = "39.90"  # unit price (商品金额 / 商品单价)
    amount: str = ""  # this 子订单's 订单应付金额; "" = qty × price + freight
    freight: str = "0.00"
    status: str = "待发货"
    after_sale: str = "-"
    logistics: str = "-"
    sku: str = "SKU-NG500"


@dataclass
class Order:
    order_id: str
    lines: list[Line]
    name: str = "王小明"
    phone: str = "13900001111"
    province: str = "浙江省"
    city: str = "杭州市"
    district: str = "西湖区"
    street: str = "文新街道"
    detail: str = "文一西路588号2幢301"
    paid: str = "2026-11-10 20:05:34"
    promised: str = "2026-11-11 20:05:34"  # 24 h promise
    scheduled: str = "-"
    order_type: str = "普通订单"
    influencer: str = "小雨直播间"
    address_changed: str = "否"
    buyer_note: str = "-"
    extra: dict[str, str] = field(default_factory=dict)


def order(order_id: str, *lines: Line, **kw: object) -> Order:
    return Order(order_id=order_id, lines=list(lines) or [Line(sub_id=f"{order_id}1")], **kw)  # type: ignore[arg-type]


def _cells(o: Order, line: Line) -> dict[str, str]:
    amount = line.amount or f"{line.qty * float(line.price) + float(line.freight):.2f}"
    return {
        "主订单编号": o.order_id,
        "子订单编号": line.sub_id,
        "支付方式": "抖音支付",
        "选购商品": line.title,
        "商品ID": "3700123510",
        "商家编码": line.sku,
        "商品规格": line.spec,
        "商品数量": str(line.qty),
        "商品金额": line.price,
        "商品单价": line.price,
        "订单提交时间": o.paid,
        "支付完成时间": o.paid,
        "承诺发货时间": o.promised,
        "预约发货时间": o.scheduled,
        "买家留言": o.buyer_note,
        "订单状态": line.status,
        "售后状态": line.after_sale,
        "订单类型": o.order_type,
        "订单应付金额": amount,
        "运费": line.freight,
        "优惠总金额": "0.00",
        "收件人": o.name,
        "收件人手机号": o.phone,
        "省": o.province,
        "市": o.city,
        "区": o.district,
        "街道": o.street,
        "详细地址": o.detail,
        "是否修改过地址": o.address_changed,
        "快递信息": line.logistics,
        "达人ID": "-" if o.influencer == "-" else "7123456789",
        "达人昵称": o.influencer,
        "APP渠道": "抖音",
        "旗帜颜色": "灰",
        **o.extra,
    }


TAB_COLUMNS = frozenset({"主订单编号", "子订单编号", "商品ID", "收件人手机号", "达人ID", "序列号"})


def export_rows(orders: list[Order], *, generation: str = "current", tabs: bool = True) -> list[list[str]]:
    """The export's rows (header first). Ids carry the leading tab 抖店 writes; empty cells are ``-``."""
    header = CURRENT_HEADER if generation == "current" else STANDARD_HEADER
    rows = [list(header)]
    for o in orders:
        for line in o.lines:
            cells = _cells(o, line)
            rows.append(
                [("\t" if tabs and title in TAB_COLUMNS else "") + cells.get(title, "-") for title in header]
            )
    return rows


def to_csv(rows: list[list[str]], *, encoding: str = "utf-8-sig") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode(encoding)


def excel_resaved(rows: list[list[str]]) -> bytes:
    """What Excel writes after opening the export: GBK, tabs gone, short dates, long ids in E notation."""
    out = []
    for i, row in enumerate(rows):
        cells = []
        for title, cell in zip(rows[0], row, strict=True):
            cell = cell.lstrip("\t")
            if i and title in ("主订单编号", "子订单编号", "商品ID") and cell.isdigit() and len(cell) > 15:
                mantissa = f"{int(cell) / 10 ** (len(cell) - 1):.5f}".rstrip("0")
                cell = f"{mantissa}E+{len(cell) - 1}"
            elif i and title.endswith("时间") and len(cell) == 19:
                cell = cell[:16].replace("-", "/").replace("/0", "/")
            cells.append(cell)
        out.append(cells)
    return to_csv(out, encoding="gbk")


def order_dimension(rows: list[list[str]]) -> list[list[str]]:
    """订单维度: one row per 主订单, 子订单编号/选购商品/商家编码/商品金额 joined with ';', quantity summed."""
    header = rows[0]
    col = {t: i for i, t in enumerate(header)}
    merged: dict[str, list[str]] = {}
    for row in rows[1:]:
        key = row[col["主订单编号"]]
        if key not in merged:
            merged[key] = list(row)
            continue
        first = merged[key]
        for title in ("子订单编号", "选购商品", "商家编码", "商品金额"):
            first[col[title]] += ";" + row[col[title]].lstrip("\t")
        first[col["商品数量"]] = str(int(first[col["商品数量"]]) + int(row[col["商品数量"]]))
    return [header, *merged.values()]


def zipped(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, data)
    return buf.getvalue()


def after_sale_export() -> bytes:
    row = ["-"] * len(AFTER_SALE_HEADER)
    row[0], row[1], row[3], row[10], row[15] = (
        "\t7301234567890123456",
        "\t6926000000000000001",
        "手工牛轧糖",
        "仅退款",
        "退款成功",
    )
    return to_csv([AFTER_SALE_HEADER, row])


def settlement_file() -> bytes:
    row = ["2026-11-12 10:00:00", "JS20261112001", "6926000000000000001", "69260000000000000011", "手工牛轧糖", "1",
           "39.90", "0.00", "0.00", "3.99", "2.00", "33.91", "对公账户", "-"]  # fmt: skip
    return to_csv([SETTLEMENT_HEADER, row])
