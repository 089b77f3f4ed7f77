"""A 抖店 「售后单」 export imported into RMAs (issue #14: the file is handed to after-sales, not refused)."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from fahuo.aftersales.importing import import_after_sale_file
from fahuo.aftersales.models import Rma, RmaKind, RmaStatus
from fahuo.kit.errors import InvalidInput
from fahuo.orders.models import Order, Shop
from fahuo.orders.tests.douyin_files import AFTER_SALE_HEADER, to_csv

pytestmark = pytest.mark.django_db


def row(aftersale_id: str, order_no: str, kind: str, status: str, **cells: str) -> list[str]:
    values = ["-"] * len(AFTER_SALE_HEADER)
    values[AFTER_SALE_HEADER.index("售后单号")] = "\t" + aftersale_id
    values[AFTER_SALE_HEADER.index("订单号")] = "\t" + order_no
    values[AFTER_SALE_HEADER.index("售后类型")] = kind
    values[AFTER_SALE_HEADER.index("售后状态")] = status
    for title, value in cells.items():
        values[AFTER_SALE_HEADER.index(title)] = value
    return values


def export(*rows: list[str]) -> bytes:
    return to_csv([AFTER_SALE_HEADER, *rows])


@pytest.fixture
def shop(db: Any) -> Shop:
    return Shop.objects.create(code="xiaoyu", name="小鱼零食")


def run(shop: Shop, data: bytes, name: str = "售后单.csv") -> Any:
    return import_after_sale_file(fileobj=io.BytesIO(data), filename=name, shop=shop)


def test_rows_become_rmas_linked_to_their_orders_and_a_second_import_changes_nothing(shop: Shop) -> None:
    order = Order.objects.create(shop=shop, platform_order_id="6926000000000000001")
    data = export(
        row(
            "7301",
            "6926000000000000001",
            "退货退款",
            "待买家退货",
            **{"退款金额（元）": "39.90", "售后原因": "不想要了"},
        ),
        row("7302", "6926000000000000999", "仅退款", "退款成功", **{"退款金额（元）": "12.50"}),
    )
    report = run(shop, data)
    assert (report.rows, report.created, report.linked_to_orders, report.errors) == (2, 2, 1, [])
    first = Rma.objects.get(aftersale_id="7301")
    assert (first.order_id, first.kind, first.status, first.refund_amount_fen) == (
        order.pk,
        RmaKind.RETURN_REFUND,
        RmaStatus.APPROVED,
        3990,
    )
    second = Rma.objects.get(aftersale_id="7302")
    assert (second.order_id, second.platform_order_id, second.status) == (
        None,
        "6926000000000000999",
        RmaStatus.REFUNDED,
    )
    again = run(shop, data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Rma.objects.count() == 2


def test_a_later_export_moves_the_rma_forward_never_back(shop: Shop) -> None:
    run(
        shop,
        export(
            row("7301", "6926000000000000001", "退货退款", "待商家收货", **{"退货物流单号": "YT1234567890"})
        ),
    )
    rma = Rma.objects.get(aftersale_id="7301")
    assert (rma.status, rma.return_tracking_no) == (RmaStatus.RETURNING, "YT1234567890")
    report = run(shop, export(row("7301", "6926000000000000001", "退货退款", "退款成功")))
    assert report.updated == 1
    older = run(shop, export(row("7301", "6926000000000000001", "退货退款", "待买家退货")))
    assert older.updated == 0
    rma.refresh_from_db()
    assert rma.status == RmaStatus.REFUNDED


def test_bad_rows_are_reported_by_row_and_the_good_ones_kept(shop: Shop) -> None:
    report = run(
        shop,
        export(
            row("7301", "6926000000000000001", "退货退款", "神秘状态"),
            row("7302", "6.926E+18", "仅退款", "退款成功"),
            row("7303", "6926000000000000003", "仅退款", "退款成功", **{"退款金额（元）": "abc"}),
            row("7304", "6926000000000000004", "换货", "待商家处理"),
        ),
    )
    assert [(e["row"], e["aftersale_id"]) for e in report.errors] == [(2, "7301"), (3, "7302"), (4, "7303")]
    assert "售后状态「神秘状态」无法识别" in report.errors[0]["error"]
    assert "Excel" in report.errors[1]["error"]
    assert report.created == 1
    assert Rma.objects.get(aftersale_id="7304").kind == RmaKind.EXCHANGE


def test_an_order_export_given_here_is_refused_with_what_is_missing(shop: Shop) -> None:
    from fahuo.orders.tests.douyin_files import CURRENT_HEADER

    with pytest.raises(InvalidInput) as info:
        run(shop, to_csv([CURRENT_HEADER]), "订单.csv")
    assert "不是抖店「售后单」导出" in info.value.message


def test_another_shops_after_sale_is_not_taken_over(shop: Shop) -> None:
    other = Shop.objects.create(code="siyu", name="私域")
    run(other, export(row("7301", "6926000000000000001", "仅退款", "待商家处理")))
    report = run(shop, export(row("7301", "6926000000000000001", "仅退款", "退款成功")))
    assert report.errors and "另一个店铺" in report.errors[0]["error"]
    assert Rma.objects.get(aftersale_id="7301").status == RmaStatus.REQUESTED


def test_the_cli_imports_the_export_as_a_subprocess(tmp_path: Path) -> None:
    from fahuo.desk.tests.procs import FAHUO, cli_env

    env = cli_env(tmp_path / "data")
    subprocess.run([FAHUO, "manage", "migrate", "-v", "0"], env=env, check=True, timeout=300)
    subprocess.run(
        [FAHUO, "shops", "add", "xiaoyu", "--name", "小鱼零食", "--platform", "douyin"],
        env=env,
        check=True,
        timeout=120,
    )
    path = tmp_path / "售后单.csv"
    path.write_bytes(
        export(row("7301", "6926000000000000001", "仅退款", "退款成功"), row("x", "1", "仅退款", "退款成功"))
    )
    done = subprocess.run(
        [FAHUO, "aftersales", "import", str(path), "--shop", "xiaoyu", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr  # one row left out
    out = json.loads(done.stdout)
    assert (out["created"], len(out["errors"])) == (1, 1)
    listed = subprocess.run(
        [FAHUO, "aftersales", "list", "--json"], env=env, capture_output=True, text=True, timeout=120
    )
    assert [r["status"] for r in json.loads(listed.stdout)] == ["refunded"]


def test_the_owner_imports_the_export_on_the_desk_and_reads_the_row_report(owner: Any, shop: Shop) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    client = Client()
    client.force_login(owner)
    home = client.get("/aftersales/")
    assert "/aftersales/import/" in home.content.decode()
    data = export(
        row("7301", "6926000000000000001", "仅退款", "退款成功"), row("7302", "1", "仅退款", "怪状态")
    )
    page = client.post(
        "/aftersales/import/",
        {"shop": shop.code, "file": SimpleUploadedFile("售后单.csv", data, content_type="text/csv")},
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "新建 1" in html and "怪状态" in html
    assert Rma.objects.get(aftersale_id="7301").shop_id == shop.pk


def test_a_packer_cannot_import_after_sales(packer: Any) -> None:
    from django.test import Client

    client = Client()
    client.force_login(packer)
    assert client.get("/aftersales/import/").status_code == 403
