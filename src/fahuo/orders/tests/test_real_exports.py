"""The 抖店 files sellers really download (built by ``douyin_files``): each case of docs/import.md's table."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from fahuo.kit.errors import InvalidInput
from fahuo.orders.importing import import_orders_file
from fahuo.orders.models import ImportBatch, Order, OrderStatus
from fahuo.orders.tests import douyin_files as df
from fahuo.orders.tests.douyin_files import Line, order

SHANGHAI = ZoneInfo("Asia/Shanghai")
NAME = "1762776334_订单导出.csv"  # 抖店 names its files after the 10-digit export time


def run(shop, data: bytes, filename: str = NAME):
    return import_orders_file(fileobj=io.BytesIO(data), filename=filename, shop=shop)


def export(*orders, generation: str = "current", **kw) -> bytes:
    return df.to_csv(df.export_rows(list(orders), generation=generation, **kw))


def two_line_order(oid: str = "6926000000000000001") -> df.Order:
    return order(
        oid,
        Line(f"{oid}1", price="39.90", amount="39.90"),
        Line(f"{oid}2", title="玻尿酸补水面膜", sku="SKU-MASK10", qty=2, price="41.40", amount="82.80"),
    )


# --- recognised by header, both generations, both layouts -----------------------------------------


@pytest.mark.parametrize(("generation", "columns"), [("current", 75), ("standard", 65)])
def test_both_export_generations_import_with_the_same_totals_and_deadline(shop, generation, columns):
    report = run(shop, export(two_line_order(), generation=generation))

    assert report.recognised == f"识别为：抖店订单导出（{columns} 列，商品维度），导出于 2025-11-10 20:05"
    assert (report.orders_created, report.order_lines, report.errors) == (1, 2, [])
    got = Order.objects.get()
    assert got.total_fen == 12270  # 39.90 + 82.80: amounts are per 子订单
    assert sorted(line.unit_price_fen for line in got.lines.all()) == [3990, 4140]
    # 承诺发货时间 is the deadline (24 h here), not paid + the shop's 48 h
    assert got.ship_by == dt.datetime(2026, 11, 11, 20, 5, 34, tzinfo=SHANGHAI)
    assert got.status == OrderStatus.READY


def test_leading_tabs_and_quote_marks_on_ids_are_dropped(shop):
    rows = df.export_rows([two_line_order()])
    rows[1][0] = "'" + rows[1][0].lstrip("\t")

    run(shop, df.to_csv(rows))

    got = Order.objects.get()
    assert got.platform_order_id == "6926000000000000001"
    assert sorted(got.lines.values_list("platform_line_id", flat=True)) == [
        "69260000000000000011",
        "69260000000000000012",
    ]


def test_a_dash_is_empty_everywhere_so_a_shelf_order_is_not_a_live_stream_order(shop):
    run(shop, export(order("6926000000000000002", influencer="-")))

    got = Order.objects.get()
    assert (got.channel, got.influencer, got.buyer_note) == ("shelf", "", "")


def test_columns_are_found_by_title_whatever_their_order(shop):
    rows = df.export_rows([two_line_order()])
    shuffled = [list(reversed(r)) for r in rows]

    report = run(shop, df.to_csv(shuffled))

    assert report.orders_created == 1 and Order.objects.get().total_fen == 12270


def test_an_order_dimension_file_imports_single_item_orders_and_refuses_merged_quantities(shop):
    rows = df.export_rows(
        [
            order("6926000000000000010"),
            order(
                "6926000000000000011",
                Line("69260000000000000111", qty=2),
                Line("69260000000000000112", sku="SKU-B02"),
            ),
        ]
    )

    report = run(shop, df.to_csv(df.order_dimension(rows)))

    assert report.recognised.startswith("识别为：抖店订单导出（75 列，订单维度）")
    assert report.orders_created == 1
    assert [(e.row, e.column) for e in report.errors] == [(3, "子订单编号")]
    assert "无法得知每个子订单的件数和单价" in report.errors[0].reason
    assert not Order.objects.filter(platform_order_id="6926000000000000011").exists()
    assert not Order.objects.filter(lines__sku_code__contains=";").exists()


def test_an_order_dimension_row_of_single_items_is_split_back_into_its_lines(shop):
    rows = df.export_rows(
        [
            order(
                "6926000000000000012",
                Line("69260000000000000121"),
                Line("69260000000000000122", price="20.00"),
            )
        ]
    )

    report = run(shop, df.to_csv(df.order_dimension(rows)))

    assert (report.orders_created, report.order_lines) == (1, 2)
    lines = Order.objects.get().lines.order_by("platform_line_id")
    assert [(li.quantity, li.unit_price_fen) for li in lines] == [(1, 3990), (1, 2000)]


# --- per-子订单 status and after-sale ----------------------------------------------------------------


def test_a_closed_first_sub_order_does_not_skip_its_sibling_to_ship(shop):
    oid = "6926000000000000020"
    closed = order(oid, Line(f"{oid}1", status="已关闭", amount="39.90"), Line(f"{oid}2", amount="82.80"))

    report = run(shop, export(closed))

    got = Order.objects.get()
    assert list(got.lines.values_list("platform_line_id", flat=True)) == [f"{oid}2"]
    assert got.total_fen == 8280
    assert report.skipped == 0
    assert [s.as_dict() for s in report.skipped_orders] == [
        {"order_id": oid, "rows": [2], "reason": "订单状态「已关闭」，不是待发货", "line_id": f"{oid}1"}
    ]


def test_a_refunded_sub_order_after_the_first_is_not_a_line_to_ship(shop):
    oid = "6926000000000000021"
    refunded = order(oid, Line(f"{oid}1"), Line(f"{oid}2", after_sale="同意退款，退款成功"))

    report = run(shop, export(refunded))

    got = Order.objects.get()
    assert got.lines.count() == 1 and got.status == OrderStatus.READY
    assert report.as_dict()["skipped"][0]["reason"] == "售后状态「同意退款，退款成功」，已退款，不发货"


@pytest.mark.parametrize("finished", ["换货成功", "补寄成功", "售后关闭", "售后已拒绝"])
def test_finished_after_sales_are_not_in_progress(shop, finished):
    oid = "6926000000000000022"
    run(shop, export(order(oid, Line(f"{oid}1", after_sale=finished))))

    assert Order.objects.get().status == OrderStatus.READY


@pytest.mark.parametrize("open_state", ["待退货", "待收退货", "售后待处理"])
def test_after_sales_in_progress_hold_the_order(shop, open_state):
    oid = "6926000000000000023"
    report = run(shop, export(order(oid, Line(f"{oid}1", after_sale=open_state))))

    assert Order.objects.get().status == OrderStatus.NEEDS_REVIEW
    assert report.held[0].order_id == oid and "售后处理中" in report.held[0].reasons[0]


def test_an_order_with_nothing_left_to_ship_is_listed_as_skipped_with_its_reason(shop):
    oid = "6926000000000000024"
    report = run(shop, export(order(oid, Line(f"{oid}1", status="已发货"), Line(f"{oid}2", status="已完成"))))

    assert report.orders_created == 0 and report.skipped == 1
    assert report.as_dict()["skipped"] == [
        {
            "order_id": oid,
            "rows": [2, 3],
            "reason": "订单状态「已发货」，不是待发货；订单状态「已完成」，不是待发货",
        }
    ]


def test_an_order_with_a_waybill_from_elsewhere_is_kept_as_shipped_and_not_printed_again(shop):
    oid = "6926000000000000025"
    report = run(shop, export(order(oid, Line(f"{oid}1", logistics="中通快递 73100000000001"))))

    assert Order.objects.get().status == OrderStatus.SHIPPED
    assert report.shipped_elsewhere == [oid]


# --- deadlines --------------------------------------------------------------------------------------


def test_a_booked_ship_time_is_the_deadline(shop):
    run(
        shop,
        export(order("6926000000000000030", scheduled="2026-11-15 10:00:00", promised="2026-11-15 10:00:00")),
    )

    assert Order.objects.get().ship_by == dt.datetime(2026, 11, 15, 10, 0, tzinfo=SHANGHAI)


def test_a_presale_order_keeps_the_platforms_far_deadline(shop):
    run(shop, export(order("6926000000000000031", order_type="预售订单", promised="2026-11-25 23:59:59")))

    got = Order.objects.get()
    assert got.ship_by == dt.datetime(2026, 11, 25, 23, 59, 59, tzinfo=SHANGHAI)
    assert got.status == OrderStatus.READY


def test_a_presale_order_without_a_promise_time_is_held(shop):
    report = run(shop, export(order("6926000000000000032", order_type="预售订单", promised="-")))

    assert Order.objects.get().status == OrderStatus.NEEDS_REVIEW
    assert report.held[0].reasons == ["预售订单：导出中没有承诺发货时间，请按预售约定的发货日期确认后再打单"]


# --- encrypted and masked receivers -----------------------------------------------------------------


def test_an_encrypted_receiver_is_held_and_the_ciphertext_is_never_stored(shop):
    oid = "6926000000000000040"
    report = run(
        shop, export(order(oid, name=df.ENCRYPTED_NAME, phone=df.ENCRYPTED_PHONE, detail=df.ENCRYPTED_DETAIL))
    )

    got = Order.objects.get()
    assert got.status == OrderStatus.NEEDS_REVIEW
    assert [r["code"] for r in got.review_reasons] == ["encrypted"]
    assert report.held[0].reasons[0].startswith("收件信息为平台密文")
    assert (got.recipient_name, got.recipient_phone, got.address_detail) == ("", "", "")
    assert (got.province, got.city, got.district) == ("浙江省", "杭州市", "西湖区")  # routing still works
    assert got.customer is None
    with connection.cursor() as cur:
        cur.execute("SELECT recipient_name, recipient_phone, address_detail FROM orders_order")
        stored = " ".join(str(c) for c in cur.fetchone())
    assert "AgAAAA" not in stored and "CgkI" not in stored


def test_a_masked_receiver_is_held_as_masked_not_as_a_wrong_phone(shop):
    run(shop, export(order("6926000000000000041", name="测**", phone="1********35", detail="文一西路****")))

    got = Order.objects.get()
    assert [r["code"] for r in got.review_reasons] == ["masked"]
    assert "已脱敏" in got.review_text and "位数字" not in got.review_text
    assert "*" not in got.recipient_phone + got.recipient_name + got.address_detail


# --- the files around the export ----------------------------------------------------------------------


def test_a_zip_export_is_unpacked(shop):
    data = df.zipped("1762776334_订单导出.csv", export(two_line_order()))

    report = run(shop, data, "1762776334_订单导出.zip")

    assert (report.orders_created, report.order_lines) == (1, 2)
    assert report.recognised.startswith("识别为：抖店订单导出（75 列，商品维度）")


def test_a_zip_bomb_is_refused_before_it_is_unpacked(shop):
    data = df.zipped("big.csv", b"a" * (50 * 1024 * 1024))

    with pytest.raises(InvalidInput, match="疑似压缩炸弹"):
        run(shop, data, "orders.zip")
    assert not ImportBatch.objects.exists()


def test_the_after_sale_export_is_refused_saying_what_it_is(shop):
    with pytest.raises(InvalidInput) as info:
        run(shop, df.after_sale_export(), "售后单导出.csv")

    assert info.value.message.startswith("售后单导出.csv：这是抖店「售后单」导出（50 列")
    assert not Order.objects.exists() and not ImportBatch.objects.exists()


def test_a_settlement_file_is_refused_saying_what_it_is(shop):
    with pytest.raises(InvalidInput, match="结算/账单文件"):
        run(shop, df.settlement_file(), "结算账单.csv")


# --- Excel's damage, broken and empty files ----------------------------------------------------------


def test_an_excel_resaved_export_refuses_the_rows_whose_ids_excel_destroyed(shop):
    rows = df.export_rows([two_line_order(), order("1234567", Line("12345671"))])

    report = run(shop, df.excel_resaved(rows), "订单导出.csv")

    assert report.orders_created == 1  # the short ids survived; dates as 2026/11/10 20:05 read fine
    assert Order.objects.get().ship_by == dt.datetime(2026, 11, 11, 20, 5, tzinfo=SHANGHAI)
    assert [(e.row, e.column) for e in report.errors] == [(2, "主订单编号"), (3, "主订单编号")]
    assert "科学计数法" in report.errors[0].reason and "6.926E+18" in report.errors[0].reason


def test_a_gbk_file_with_a_bad_byte_names_the_file_row_and_column_and_imports_nothing(shop):
    data = df.excel_resaved(df.export_rows([two_line_order(), order("1234567", Line("12345671"))]))
    broken = data.replace("王小明".encode("gbk"), b"\xff\xfe\xff", 1)

    with pytest.raises(InvalidInput) as info:
        run(shop, broken, "订单导出.csv")

    assert info.value.message.startswith("订单导出.csv：第 2 行「收件人」列有无法识别的字节")
    assert not Order.objects.exists() and not ImportBatch.objects.exists()


def test_an_export_with_only_its_header_says_so(shop):
    with pytest.raises(InvalidInput, match="只有表头、没有订单行"):
        run(shop, export())


# --- a changed address on re-import ---------------------------------------------------------------


def test_a_changed_address_on_a_known_order_is_verified_again(shop):
    oid = "6926000000000000050"
    run(shop, export(order(oid)))
    moved = order(
        oid, address_changed="是", city="宁波市", district="鄞州区", street="-", detail="天童南路588号"
    )

    report = run(shop, export(moved))

    got = Order.objects.get()
    assert (got.city, got.district, got.address_detail) == ("宁波市", "鄞州区", "天童南路588号")
    assert report.address_reverified == [{"order_id": oid, "ok": True, "reasons": []}]


def test_the_report_is_kept_on_the_import_batch(shop):
    oid = "6926000000000000060"
    report = run(shop, export(order(oid, Line(f"{oid}1", status="已关闭"))))

    summary = ImportBatch.objects.get(pk=report.batch_id).summary
    assert summary["recognised"].startswith("识别为：抖店订单导出（75 列")
    assert summary["skipped"][0]["order_id"] == oid
    json.dumps(summary)


# --- the command, as a real process -----------------------------------------------------------------


def _fahuo(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fahuo.cli", *args], env=env, capture_output=True, text=True, timeout=240
    )


def test_the_command_reports_what_the_file_is_and_every_skipped_and_held_order(tmp_path):
    env = {**os.environ, "FAHUO_DATA_DIR": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("FAHUO_DATABASE_URL", None)  # its own SQLite in its own data dir
    assert _fahuo(env, "manage", "migrate", "-v", "0").returncode == 0
    make_shop = "from fahuo.orders.models import Shop; Shop.objects.create(code='xiaoyu', name='小鱼')"
    assert _fahuo(env, "manage", "shell", "-c", make_shop).returncode == 0
    oid = "6926000000000000070"
    data = export(
        two_line_order(),
        order(oid, Line(f"{oid}1", status="已关闭"), Line(f"{oid}2", status="已发货")),
        order(
            "6926000000000000071",
            name=df.ENCRYPTED_NAME,
            phone=df.ENCRYPTED_PHONE,
            detail=df.ENCRYPTED_DETAIL,
        ),
    )
    path = tmp_path / NAME
    path.write_bytes(df.zipped(NAME, data))

    done = _fahuo(env, "import", "orders", str(path), "--shop", "xiaoyu", "--json")

    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout)
    assert got["recognised"] == "识别为：抖店订单导出（75 列，商品维度），导出于 2025-11-10 20:05"
    assert (got["orders_created"], got["order_lines"], got["needs_review"]) == (2, 3, 1)
    assert [s["order_id"] for s in got["skipped"]] == [oid]
    assert got["held"][0]["order_id"] == "6926000000000000071"
    assert got["held"][0]["reasons"][0].startswith("收件信息为平台密文")
    assert "AgAAAA" not in done.stdout  # the ciphertext is never echoed

    again = _fahuo(env, "import", "orders", str(path), "--shop", "xiaoyu")
    assert again.returncode == 0, again.stderr[-2000:]
    assert again.stdout.splitlines()[0].startswith("识别为：抖店订单导出（75 列，商品维度）")
    assert (
        f"订单 {oid}（第 4、5 行）：订单状态「已关闭」，不是待发货；订单状态「已发货」，不是待发货"
        in again.stdout
    )

    bad = tmp_path / "售后.csv"
    bad.write_bytes(df.after_sale_export())
    refused = _fahuo(env, "import", "orders", str(bad), "--shop", "xiaoyu", "--json")
    assert refused.returncode == 2
    assert "这是抖店「售后单」导出" in json.loads(refused.stdout)["message"]


def test_an_xlsx_export_whose_ids_became_numbers_refuses_those_rows(shop):
    import openpyxl

    rows = df.export_rows([two_line_order(), order("1234567", Line("12345671"))], tabs=False)
    wb = openpyxl.Workbook()
    for i, row in enumerate(rows):
        # a spreadsheet that typed the id columns as numbers: 19 digits do not fit a double
        wb.active.append([int(c) if i and j < 2 and c.isdigit() else c for j, c in enumerate(row)])
    buf = io.BytesIO()
    wb.save(buf)

    report = run(shop, buf.getvalue(), "订单导出.xlsx")

    assert report.orders_created == 1 and Order.objects.get().platform_order_id == "1234567"
    assert [(e.row, e.column) for e in report.errors] == [(2, "主订单编号"), (3, "主订单编号")]
    assert "科学计数法" in report.errors[0].reason
