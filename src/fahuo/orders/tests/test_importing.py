"""Order import: the shared 抖店 sample, encodings, XLSX, the fahuo template, set-based inserts, CLI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import time
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from fahuo.catalog.models import Sku
from fahuo.cli import main
from fahuo.kit.errors import InvalidInput
from fahuo.orders.formats import CellError, parse_local_time, parse_quantity, parse_yuan
from fahuo.orders.importing import import_orders_file
from fahuo.orders.models import ImportBatch, ImportRowError, Order, OrderLine, OrderStatus

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "douyin_order_export.csv"
EXPECT = json.loads((DATA / "douyin_order_export.expect.json").read_text())
TEMPLATE = Path(__file__).resolve().parents[4] / "docs" / "templates" / "fahuo_orders_template.csv"
SHANGHAI = ZoneInfo("Asia/Shanghai")


SAMPLE_ERRORS = [
    {"row": 2, "column": "商品数量", "reason": "商品数量「两件」不是正整数"},
    {"row": 25, "column": "商品数量", "reason": "商品数量为空"},
]
COUNT_KEYS = ("orders_created", "order_lines", "needs_review", "duplicates", "errors")


def counts(report: dict) -> dict:
    return {k: report[k] for k in COUNT_KEYS}


def run_import(shop, data: bytes, filename: str = "orders.csv"):
    return import_orders_file(fileobj=io.BytesIO(data), filename=filename, shop=shop)


def sample_rows() -> list[list[str]]:
    with SAMPLE.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def to_csv(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode(encoding)


def to_xlsx(rows: Sequence[Sequence[object]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def douyin_rows(n_orders: int, *, lines_per_order: int = 2, start: int = 0) -> list[list[str]]:
    """A synthetic 抖店 export: n orders with valid recipients, distinct phones."""
    header = sample_rows()[0]
    rows = [header]
    for i in range(start, start + n_orders):
        order_id = f"69400000{i:011d}"
        for j in range(1, lines_per_order + 1):
            rows.append(
                [order_id, f"{order_id}{j}", "手工牛轧糖", "原味 500g", "1", "3700123510", f"SKU-G{j}", "39.90",
                 f"{39.9 * lines_per_order:.2f}", "0.00", "抖音支付", "王小明", f"139{i:08d}", "浙江省", "杭州市",
                 "西湖区", "文新街道", "文一西路588号", "", "2026-11-10 20:05:34", "2026-11-10 20:05:34", "待发货",
                 "-", "", "7123456789", "小雨直播间"]
            )  # fmt: skip
    return rows


# --- the shared sample -----------------------------------------------------------------------------


def test_shared_sample_gives_the_expected_counts(shop):
    report = run_import(shop, SAMPLE.read_bytes(), SAMPLE.name)

    assert report.orders_created == EXPECT["orders"] == Order.objects.count()
    assert report.order_lines == EXPECT["lines"] == OrderLine.objects.count()
    assert report.needs_review == EXPECT["needs_review"]
    assert Order.objects.filter(status=OrderStatus.NEEDS_REVIEW).count() == EXPECT["needs_review"]
    assert len(report.errors) == EXPECT["unreadable_rows"]
    assert report.duplicates == 0


def test_reimporting_the_same_file_creates_nothing_and_counts_every_order_as_duplicate(shop):
    run_import(shop, SAMPLE.read_bytes())
    report = run_import(shop, SAMPLE.read_bytes())

    assert report.orders_created == 0
    assert report.order_lines == 0
    assert report.duplicates == EXPECT["orders"]
    assert Order.objects.count() == EXPECT["orders"]
    assert OrderLine.objects.count() == EXPECT["lines"]


def test_unreadable_rows_are_reported_by_row_number_counting_the_header_as_row_one(shop):
    report = run_import(shop, SAMPLE.read_bytes())

    assert report.as_dict()["errors"] == [
        {"row": 2, "column": "商品数量", "reason": "商品数量「两件」不是正整数"},
        {"row": 25, "column": "商品数量", "reason": "商品数量为空"},
    ]
    assert not Order.objects.filter(
        platform_order_id__in=["6930000000001199990", "6930000000001199991"]
    ).exists()


def test_unreadable_rows_are_kept_with_their_raw_cells_for_correction(shop):
    report = run_import(shop, SAMPLE.read_bytes())

    kept = list(ImportRowError.objects.filter(batch_id=report.batch_id))
    assert [e.row_number for e in kept] == [2, 25]
    raw = json.loads(kept[0].raw)
    assert raw["主订单编号"] == "6930000000001199990"
    assert raw["商品数量"] == "两件"
    with connection.cursor() as cur:
        cur.execute("SELECT raw FROM orders_importrowerror")
        stored = " ".join(r[0] for r in cur.fetchall())
    assert "13178932879" not in stored  # the raw cells hold personal data: encrypted at rest


def test_as_dict_has_exactly_the_documented_keys(shop):
    report = run_import(shop, SAMPLE.read_bytes())

    assert list(report.as_dict()) == [
        "orders_created",
        "order_lines",
        "needs_review",
        "duplicates",
        "errors",
        "file",
        "recognised",
        "skipped",
        "held",
        "shipped_elsewhere",
        "address_reverified",
    ]


def test_import_batch_records_the_counts(shop, owner):
    report = import_orders_file(fileobj=SAMPLE.open("rb"), filename=SAMPLE.name, shop=shop, user=owner)

    assert report.batch_id is not None
    batch = ImportBatch.objects.get(pk=report.batch_id)
    assert (
        batch.orders_created,
        batch.order_lines,
        batch.needs_review,
        batch.duplicates,
        batch.error_count,
    ) == (
        25,
        41,
        6,
        0,
        2,
    )
    assert batch.file_format == "douyin"
    assert batch.filename == SAMPLE.name
    assert batch.created_by == owner
    assert Order.objects.filter(import_batch=batch).count() == 25


def test_money_is_stored_in_integer_fen(shop):
    run_import(shop, SAMPLE.read_bytes())

    order = Order.objects.get(platform_order_id="6930000000001100070")
    assert order.total_fen == 19970
    assert sorted(line.unit_price_fen for line in order.lines.all()) == [3990, 5990, 9990]


def test_times_are_beijing_time_and_ship_by_uses_the_shops_hours(shop):
    shop.default_ship_hours = 24
    shop.save()
    run_import(shop, SAMPLE.read_bytes())

    order = Order.objects.get(platform_order_id="6930000000001100000")
    assert order.paid_at == dt.datetime(2026, 11, 10, 20, 5, 34, tzinfo=SHANGHAI)
    assert order.paid_at.astimezone(dt.UTC).hour == 12
    assert order.ship_by == order.paid_at + dt.timedelta(hours=24)


def test_sub_orders_are_grouped_under_their_main_order(shop):
    run_import(shop, SAMPLE.read_bytes())

    order = Order.objects.get(platform_order_id="6930000000001100105")
    assert sorted(line.platform_line_id for line in order.lines.all()) == [
        "69300000000011001051",
        "69300000000011001052",
        "69300000000011001053",
    ]
    # 抖店 puts the buyer's note on some 子订单 rows only; the order keeps each distinct note once
    assert order.buyer_note == "不要放快递柜；请尽快发货"
    assert order.influencer == "小雨直播间"
    assert order.channel == "live"
    assert order.source == "import"


def test_unknown_sku_codes_are_created_in_the_catalog_without_weight(shop):
    Sku.objects.create(code="SKU-3401", name="玻尿酸补水面膜", spec="10片装", weight_g=120)

    report = run_import(shop, SAMPLE.read_bytes())

    assert report.skus_created == 5
    assert set(Sku.objects.values_list("code", flat=True)) == {
        "SKU-3401",
        "SKU-3402",
        "SKU-3510",
        "SKU-3511",
        "SKU-3620",
        "SKU-3730",
    }
    new = Sku.objects.get(code="SKU-3620")
    assert (new.name, new.spec, new.weight_g, new.platform_product_id) == (
        "玻璃香薰瓶",
        "琥珀色 200ml",
        None,
        "3700123620",
    )
    assert OrderLine.objects.filter(sku__isnull=True).count() == 0
    # an unknown SKU is not a reason to review the order
    assert not Order.objects.filter(review_reasons__icontains="sku").exists()


# --- file formats --------------------------------------------------------------------------------


def test_xlsx_with_the_same_rows_gives_the_same_result(shop):
    report = run_import(shop, to_xlsx(sample_rows()), "orders.xlsx")

    assert counts(report.as_dict()) == {
        "orders_created": 25,
        "order_lines": 41,
        "needs_review": 6,
        "duplicates": 0,
        "errors": SAMPLE_ERRORS,
    }


def test_xlsx_with_numeric_and_date_cells_is_read_like_text(shop):
    rows: list[list[object]] = [list(r) for r in douyin_rows(1, lines_per_order=1)]
    row = rows[1]
    row[4] = 3  # quantity as a number
    row[7] = 39.9  # unit price as a float
    row[8] = 119.7
    row[20] = dt.datetime(2026, 11, 10, 20, 5, 34)  # a real date cell

    report = run_import(shop, to_xlsx(rows), "orders.xlsx")

    assert report.orders_created == 1
    order = Order.objects.get()
    line = order.lines.get()
    assert (line.quantity, line.unit_price_fen, order.total_fen) == (3, 3990, 11970)
    assert order.paid_at == dt.datetime(2026, 11, 10, 20, 5, 34, tzinfo=SHANGHAI)


def test_gbk_encoded_csv_is_read(shop):
    report = run_import(shop, to_csv(sample_rows(), "gbk"))

    assert (report.orders_created, report.order_lines, report.needs_review) == (25, 41, 6)
    assert Order.objects.get(platform_order_id="6930000000001100063").recipient_name == "赵磊"


def test_utf8_csv_without_bom_is_read(shop):
    report = run_import(shop, to_csv(sample_rows(), "utf-8"))

    assert report.orders_created == 25


def test_unknown_layout_names_the_missing_columns(shop):
    data = to_csv([["订单号码", "商品", "数量"], ["1", "面膜", "1"]])

    with pytest.raises(InvalidInput) as exc:
        run_import(shop, data)

    message = exc.value.message
    assert "主订单编号" in message  # neither layout is close: both are named
    assert "address（地址）" in message
    assert "order_id（订单号）" in message
    assert "title（商品名称）" in message
    assert exc.value.status == 422
    assert not ImportBatch.objects.exists()


def test_a_douyin_export_missing_a_column_names_it(shop):
    rows = [[c for c in r if c] for r in sample_rows()[:1]]
    rows[0].remove("商品数量")

    with pytest.raises(InvalidInput) as exc:
        run_import(shop, to_csv(rows))

    assert "抖店订单导出" in exc.value.message
    assert "商品数量" in exc.value.message
    assert "fahuo 模板」缺少" not in exc.value.message
    assert exc.value.detail == {"missing": {"douyin": ["商品数量"]}}


def test_a_broken_xlsx_is_refused_with_a_message(shop):
    with pytest.raises(InvalidInput) as exc:
        run_import(shop, b"PK\x03\x04 not really a zip", "orders.xlsx")

    assert "Excel" in exc.value.message


def test_an_empty_file_is_refused(shop):
    with pytest.raises(InvalidInput):
        run_import(shop, b"")


# --- cell parsing --------------------------------------------------------------------------------


@given(st.text(max_size=30))
def test_cell_parsers_raise_only_cell_errors(text):
    for parse in (parse_quantity, lambda v: parse_yuan(v, "单价"), lambda v: parse_local_time(v, "时间")):
        try:
            parse(text)
        except CellError as exc:
            assert str(exc)


@given(st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2))
def test_yuan_text_becomes_exact_fen(amount):
    assert parse_yuan(f"{amount}", "单价") == int(amount * 100)
    assert parse_yuan(f"¥{amount:,}", "单价") == int(amount * 100)


# --- rows and orders that are not imported -------------------------------------------------------


def test_an_order_with_one_unreadable_row_is_held_back_whole_and_imports_once_fixed(shop):
    rows = douyin_rows(2, lines_per_order=2)
    rows[2][7] = "abc"  # bad unit price on the 2nd line of the first order (row 3)

    report = run_import(shop, to_csv(rows))

    assert report.orders_created == 1
    assert [e.row for e in report.errors] == [2, 3]
    assert report.errors[1].reason == "商品单价「abc」不是有效金额"
    assert "第 3 行无法读取，整单未导入" in report.errors[0].reason
    assert ImportRowError.objects.filter(resolved=False).count() == 2

    rows[2][7] = "39.90"
    fixed = run_import(shop, to_csv(rows))

    assert (fixed.orders_created, fixed.order_lines, fixed.duplicates) == (1, 2, 1)
    assert not ImportRowError.objects.filter(resolved=False).exists()


def test_a_row_without_order_id_is_reported_and_the_rest_imports(shop):
    rows = douyin_rows(3, lines_per_order=1)
    rows[2][0] = ""

    report = run_import(shop, to_csv(rows))

    assert report.orders_created == 2
    assert report.as_dict()["errors"] == [{"row": 3, "column": "主订单编号", "reason": "主订单编号为空"}]


def test_an_order_number_mangled_into_scientific_notation_is_refused(shop):
    rows = douyin_rows(1, lines_per_order=1)
    rows[1][0] = "6.93E+18"

    report = run_import(shop, to_csv(rows))

    assert report.orders_created == 0
    assert "科学计数法" in report.errors[0].reason


def test_a_repeated_sub_order_row_is_reported_and_ignored(shop):
    rows = douyin_rows(1, lines_per_order=2)
    rows.append(list(rows[1]))

    report = run_import(shop, to_csv(rows))

    assert (report.orders_created, report.order_lines) == (1, 2)
    assert report.as_dict()["errors"] == [
        {"row": 4, "column": "", "reason": f"子订单编号 {rows[1][1]} 与第 2 行重复，此行未导入"}
    ]


@pytest.mark.parametrize("state", ["已发货", "已关闭", "已完成"])
def test_orders_no_longer_waiting_to_ship_are_skipped_and_counted(shop, state):
    rows = douyin_rows(3, lines_per_order=2)
    rows[1][21] = rows[2][21] = state

    report = run_import(shop, to_csv(rows))

    assert (report.orders_created, report.skipped, report.errors) == (2, 1, [])


def test_a_refund_in_progress_imports_the_order_for_review(shop):
    rows = douyin_rows(2, lines_per_order=2)
    rows[2][22] = "退款中"
    rows[3][22] = "售后关闭"  # an ended after-sale request is no reason to stop

    report = run_import(shop, to_csv(rows))

    assert (report.orders_created, report.needs_review) == (2, 1)
    flagged = Order.objects.get(status=OrderStatus.NEEDS_REVIEW)
    assert [r["code"] for r in flagged.review_reasons] == ["after_sale"]
    assert flagged.lines.get(after_sale="退款中").platform_line_id == rows[2][1]


# --- the fahuo template ----------------------------------------------------------------------------


def test_the_documented_fahuo_template_imports(shop):
    report = run_import(shop, TEMPLATE.read_bytes(), TEMPLATE.name)

    assert counts(report.as_dict()) == {
        "orders_created": 3,
        "order_lines": 4,
        "needs_review": 0,
        "duplicates": 0,
        "errors": [],
    }
    assert ImportBatch.objects.get().file_format == "fahuo"


def test_fahuo_template_reads_a_whole_pasted_address(shop):
    run_import(shop, TEMPLATE.read_bytes())

    order = Order.objects.get(platform_order_id="WX20261110002")
    assert (order.recipient_name, order.recipient_phone) == ("李娜", "13700002222")
    assert (order.province, order.city, order.district) == ("江苏省", "南京市", "鼓楼区")
    assert order.address_detail == "中山北路100号"
    assert order.status == OrderStatus.READY
    assert order.door_delivery is True
    assert order.promise_hours == 24
    assert order.paid_at is not None
    assert order.ship_by == order.paid_at + dt.timedelta(hours=24)
    assert order.channel == "private"


def test_fahuo_template_later_rows_of_an_order_may_leave_the_recipient_empty(shop):
    run_import(shop, TEMPLATE.read_bytes())

    order = Order.objects.get(platform_order_id="WX20261110001")
    assert order.lines.count() == 2
    assert order.total_fen == 2 * 3990 + 2990
    assert order.region == "浙江省 杭州市 西湖区"


def test_fahuo_template_numbers_lines_when_line_id_is_empty(shop):
    run_import(shop, TEMPLATE.read_bytes())

    order = Order.objects.get(platform_order_id="WX20261110003")
    assert [line.platform_line_id for line in order.lines.all()] == ["1"]
    assert order.recipient_phone == "021-62345678"


def test_fahuo_template_accepts_chinese_column_titles(shop):
    rows = [
        ["订单号", "商品名称", "数量", "单价", "地址"],
        ["P-1", "冻干草莓", "2", "29.9", "赵六 13600003333 广东省深圳市福田区深南中路3018号"],
    ]

    report = run_import(shop, to_xlsx(rows), "私域订单.xlsx")

    assert report.orders_created == 1
    order = Order.objects.get()
    assert (order.city, order.total_fen, order.channel) == ("深圳市", 5980, "live")


def test_fahuo_template_without_paid_time_uses_the_time_of_import(shop):
    rows = [
        ["order_id", "title", "quantity", "address"],
        ["P-1", "面膜", "1", "王五 13500004444 上海市徐汇区漕溪北路1号"],
    ]
    before = timezone.now()

    run_import(shop, to_csv(rows))

    order = Order.objects.get()
    assert order.paid_at is not None
    assert before <= order.paid_at <= timezone.now()
    assert order.ship_by == order.paid_at + dt.timedelta(hours=shop.default_ship_hours)


def test_fahuo_template_bad_channel_is_a_row_error(shop):
    rows = [
        ["order_id", "title", "quantity", "address", "channel"],
        ["P-1", "面膜", "1", "上海市徐汇区漕溪北路1号", "tv"],
    ]

    report = run_import(shop, to_csv(rows))

    assert report.orders_created == 0
    assert report.errors[0].reason.startswith("渠道「tv」无效")


# --- set-based inserts ---------------------------------------------------------------------------


def _queries_for(shop, n_orders: int, start: int) -> int:
    data = to_csv(douyin_rows(n_orders, start=start))
    with CaptureQueriesContext(connection) as ctx:
        report = run_import(shop, data)
    assert report.orders_created == n_orders
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_number_of_orders(shop):
    small = _queries_for(shop, 3, start=0)
    large = _queries_for(shop, 150, start=1000)

    # 50x the orders: only a few more INSERT batches (SQLite caps rows per INSERT), never one per order
    assert large <= small + 12, (small, large)


@pytest.mark.slow
def test_ten_thousand_orders_import_in_a_few_seconds(shop):
    data = to_csv(douyin_rows(10_000, lines_per_order=1))

    began = time.process_time()  # CPU time: other processes on a shared CI box do not count
    report = run_import(shop, data)
    elapsed = time.process_time() - began

    assert report.orders_created == 10_000
    assert elapsed < 20, elapsed


# --- CLI -----------------------------------------------------------------------------------------


def test_cli_json_prints_exactly_one_object_with_the_report(shop, capsys):
    code = main(["import", "orders", str(SAMPLE), "--shop", "demo", "--json"])

    out = capsys.readouterr().out
    assert code == 0
    assert counts(json.loads(out)) == {
        "orders_created": 25,
        "order_lines": 41,
        "needs_review": 6,
        "duplicates": 0,
        "errors": SAMPLE_ERRORS,
    }


def test_cli_prints_a_chinese_summary_with_the_row_errors(shop, capsys):
    main(["import", "orders", str(SAMPLE), "--shop", "demo"])
    code = main(["import", "orders", str(SAMPLE), "--shop", "demo"])

    out = capsys.readouterr().out
    assert code == 0
    assert "新建订单 0 个" in out
    assert "重复（已导入过）25 个" in out
    assert "第 2 行「商品数量」列：商品数量「两件」不是正整数" in out


def test_cli_unknown_shop_exits_2(shop, capsys):
    code = main(["import", "orders", str(SAMPLE), "--shop", "nope"])

    assert code == 2
    assert "店铺不存在：nope" in capsys.readouterr().err
    assert not Order.objects.exists()


def test_cli_unknown_layout_exits_2_naming_the_missing_columns(shop, capsys, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(to_csv([["a", "b"], ["1", "2"]]))

    code = main(["import", "orders", str(path), "--shop", "demo", "--json"])

    captured = capsys.readouterr()
    assert code == 2
    assert "缺少必需列" in captured.err
    assert json.loads(captured.out)["error"] == "invalid"
