"""Pick lists (summed by SKU, sorted by shelf) and packing slips (rules, inserts, masked recipient)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
import zxingcpp
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fahuo.cli import main as fahuo_cli
from fahuo.fulfilment.models import BrandInsert, PrintBatch, PrintBatchItem
from fahuo.fulfilment.packing.documents import (
    PicklistData,
    PickRow,
    PickSection,
    draw_picklist,
    render_packing_slips,
    render_picklist,
    slip_data,
)
from fahuo.fulfilment.packing.services import ensure_default_cartons, ensure_default_packaging_rules
from fahuo.fulfilment.tests.packing_helpers import FULL_PHONE, make_order, make_parcel, make_sku
from fahuo.inventory.models import Stock, Warehouse
from fahuo.orders.models import Order, OrderStatus


def pages(pdf: bytes) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]


def row_text(pdf: bytes, needle: str, page: int = 0) -> tuple[float, str]:
    """(y of the needle, all text on its row) — rows are found by position, not stream order."""
    doc = pdfium.PdfDocument(pdf)
    tp = doc[page].get_textpage()
    hit = tp.search(needle, match_case=True).get_next()
    assert hit is not None, f"{needle!r} not on page {page}"
    _left, bottom, _right, top = tp.get_charbox(hit[0])
    mid = (bottom + top) / 2
    width = doc[page].get_width()
    return mid, tp.get_text_bounded(left=0, bottom=mid - 4, right=width, top=mid + 4)


@pytest.fixture
def stocked(shop: Any, warehouse: Any) -> dict[str, Any]:
    gz = Warehouse.objects.create(code="GZ", name="广州仓", province="广东省", city="广州市")
    skus = {
        "SKU-A": make_sku("SKU-A", name="补水面膜", spec="10片装"),
        "SKU-B": make_sku("SKU-B", name="牛轧糖", spec="原味 500g"),
        "SKU-C": make_sku("SKU-C", name="香薰瓶", spec="200ml", traits=("fragile", "liquid")),
        "SKU-D": make_sku("SKU-D", name="冻干草莓", spec="100g"),
    }
    # natural order of the shelves: A02-3 < A10-1 < B01-1, unknown last
    for code, loc in (("SKU-A", "B01-1"), ("SKU-B", "A10-1"), ("SKU-C", "A02-3"), ("SKU-D", "")):
        Stock.objects.create(warehouse=warehouse, sku=skus[code], on_hand=100, location=loc)
    Stock.objects.create(warehouse=gz, sku=skus["SKU-A"], on_hand=5, location="Z09-9")
    orders = [
        make_order(
            shop, [(skus["SKU-A"], 2), (skus["SKU-B"], 1)], status=OrderStatus.READY, warehouse=warehouse
        ),
        make_order(
            shop, [(skus["SKU-A"], 3), (skus["SKU-C"], 1)], status=OrderStatus.READY, warehouse=warehouse
        ),
        make_order(
            shop, [(skus["SKU-D"], 4), (skus["SKU-B"], 2)], status=OrderStatus.READY, warehouse=warehouse
        ),
        make_order(shop, [(skus["SKU-A"], 7)], status=OrderStatus.READY, warehouse=gz),
    ]
    return {"skus": skus, "orders": orders, "gz": gz}


# --- pick list -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_pick_list_sums_quantities_by_sku_and_sorts_by_shelf_per_warehouse(
    stocked: dict[str, Any],
) -> None:
    pdf = render_picklist(orders=Order.objects.filter(pk__in=[o.pk for o in stocked["orders"]]))
    (text,) = pages(pdf)
    assert "拣货单" in text and "杭州仓（HZ）" in text and "广州仓（GZ）" in text
    assert "订单 4 单" in text and "共 20 件" in text
    rows = {code: row_text(pdf, code) for code in ("SKU-C", "SKU-B", "SKU-D")}
    hz_a = [row_text(pdf, "B01-1")]
    # top to bottom within 杭州仓: A02-3 (C), A10-1 (B), B01-1 (A), no location (D)
    ys = [rows["SKU-C"][0], rows["SKU-B"][0], hz_a[0][0], rows["SKU-D"][0]]
    assert ys == sorted(ys, reverse=True)
    assert "A02-3" in rows["SKU-C"][1] and "香薰瓶" in rows["SKU-C"][1] and " 1" in rows["SKU-C"][1]
    assert "A10-1" in rows["SKU-B"][1] and "3" in rows["SKU-B"][1].split("500g")[-1]  # 1 + 2
    assert "SKU-A" in hz_a[0][1] and "5" in hz_a[0][1].split("10片装")[-1]  # 2 + 3 in 杭州仓
    gz_row = row_text(pdf, "Z09-9")[1]
    assert "SKU-A" in gz_row and "7" in gz_row.split("10片装")[-1]  # 广州仓 picks its own 7
    assert "—" in rows["SKU-D"][1]  # no shelf location


@pytest.mark.django_db
def test_the_pick_list_of_a_batch_has_its_name_barcode_and_print_time(stocked: dict[str, Any]) -> None:
    batch = PrintBatch.objects.create(name="晚场第2波 中通", warehouse=None)
    for i, order in enumerate(stocked["orders"][:2]):
        PrintBatchItem.objects.create(batch=batch, order=order, seq=i)
    pdf = render_picklist(batch=batch)
    (text,) = pages(pdf)
    assert "晚场第2波 中通" in text and f"B{batch.pk}" in text and "打印 20" in text
    assert "订单 2 单" in text and "广州仓" not in text
    doc = pdfium.PdfDocument(pdf)
    image = doc[0].render(scale=3).to_pil()
    assert f"B{batch.pk}" in {r.text for r in zxingcpp.read_barcodes(image)}


def test_a_long_pick_list_continues_on_numbered_pages_with_the_header_repeated() -> None:
    rows = tuple(PickRow(f"A{i:02d}-1", f"SKU-{i:03d}", "商品", "规格", i + 1, 1) for i in range(60))
    data = PicklistData("拣货单", "大批次", "", "2026-11-20 21:00", (PickSection("杭州仓（HZ）", rows, 60),))
    texts = pages(draw_picklist(data))
    assert len(texts) == 3  # 8 mm rows: about 26 a page
    assert "第 1/3 页" in texts[0] and "第 3/3 页" in texts[2]
    assert "杭州仓（HZ）（续）" in texts[1] and "商家编码" in texts[1] and "拣货单" in texts[2]
    assert all(f"SKU-{i:03d}" in "".join(texts) for i in range(60))


# --- packing slips -------------------------------------------------------------------------------


@pytest.fixture
def slip_order(shop: Any, warehouse: Any, sandbox_carrier: Any) -> Order:
    ensure_default_packaging_rules()
    ensure_default_cartons(warehouse=warehouse)
    vase = make_sku(
        "SKU-3620", name="玻璃香薰瓶", spec="200ml", size=(90, 90, 180), traits=("fragile", "liquid")
    )
    mask = make_sku("SKU-3401", name="补水面膜", spec="10片装")
    other = make_sku("SKU-9999", name="别的商品")
    BrandInsert.objects.create(shop=shop, kind="thank_you", text="感谢支持小雨直播间！")
    BrandInsert.objects.create(shop=shop, kind="gift", text="随单小样一片")
    BrandInsert.objects.create(shop=shop, sku=vase, kind="tips", text="香薰远离明火")
    BrandInsert.objects.create(shop=shop, sku=other, kind="tips", text="不该出现的提示")
    note = f"请放门口，打我电话 {FULL_PHONE} 或 +86 138-1234-5678 或 138 1234 5678"
    order = make_order(shop, [(vase, 1), (mask, 2)], warehouse=warehouse, note=note)
    make_parcel(order, sandbox_carrier, tracking="SB0009998887")
    return order


@pytest.mark.django_db
def test_a_packing_slip_has_items_rules_carton_inserts_and_a_masked_recipient(slip_order: Order) -> None:
    pdf = render_packing_slips(orders=[slip_order])
    text = "".join(pages(pdf))
    assert "装箱单" in text and slip_order.platform_order_id in text and "SB0009998887" in text
    assert "×2" in text and "补水面膜" in text and "SKU-3620" in text
    assert "易碎" in text and "气泡膜/珍珠棉" in text and "瓶口朝上" in text and "分装内袋" in text
    assert "纸箱" in text and "mm" in text
    assert "感谢支持小雨直播间" in text and "随单小样一片" in text and "香薰远离明火" in text
    assert "不该出现的提示" not in text
    assert "张**" in text and "138****5678" in text and "张三丰" not in text
    assert "南苑街道" not in text  # the slip needs no street address


@pytest.mark.django_db
def test_no_full_phone_number_reaches_the_slip_even_from_the_buyer_note(slip_order: Order) -> None:
    text = "".join(pages(render_packing_slips(orders=[slip_order])))
    digits = "".join(ch for ch in text if ch.isdigit() or ch == "\n")
    assert FULL_PHONE not in text and FULL_PHONE not in digits.replace("\n", " ")
    assert "1234-5678" not in text and "1234 5678" not in text
    assert text.count("138****5678") >= 4  # recipient line + the three numbers in the note


@pytest.mark.django_db
def test_the_slip_barcode_reads_back_as_the_order_number(slip_order: Order) -> None:
    doc = pdfium.PdfDocument(render_packing_slips(orders=[slip_order]))
    image = doc[0].render(scale=4).to_pil()
    assert slip_order.platform_order_id in {r.text for r in zxingcpp.read_barcodes(image)}


@pytest.mark.django_db
def test_a_slip_with_many_items_continues_on_a_second_page(shop: Any) -> None:
    skus = [make_sku(f"SKU-{i:03d}", name=f"商品{i}号") for i in range(40)]
    order = make_order(shop, [(s, 1) for s in skus])
    texts = pages(render_packing_slips(orders=[order]))
    assert len(texts) >= 2 and "装箱单（续）" in texts[1] and order.platform_order_id in texts[1]
    assert all(f"SKU-{i:03d}" in "".join(texts) for i in range(40))


@pytest.mark.django_db
def test_slip_data_takes_the_same_queries_for_many_orders_as_for_few(
    shop: Any, warehouse: Any, sandbox_carrier: Any
) -> None:
    ensure_default_packaging_rules()
    ensure_default_cartons(warehouse=warehouse)
    skus = [make_sku(f"Q{i}", traits=("fragile",) if i % 2 else ()) for i in range(3)]
    orders = []
    for i in range(12):
        order = make_order(shop, [(skus[i % 3], 1), (skus[(i + 1) % 3], 2)], warehouse=warehouse)
        make_parcel(order, sandbox_carrier, tracking=f"SBQ{i:06d}")
        orders.append(order)
    with CaptureQueriesContext(connection) as few:
        slip_data(orders=orders[:2])
    with CaptureQueriesContext(connection) as many:
        slip_data(orders=orders)
    assert len(many) == len(few) <= 8


# --- CLI -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_cli_writes_pick_lists_and_packing_slips(
    stocked: dict[str, Any], tmp_path: Path, capsys: Any
) -> None:
    batch = PrintBatch.objects.create(name="CLI 波次")
    for i, order in enumerate(stocked["orders"]):
        PrintBatchItem.objects.create(batch=batch, order=order, seq=i)
    out = tmp_path / "pick.pdf"
    assert fahuo_cli(["picklist", "--batch", str(batch.pk), "--out", str(out)]) == 0
    assert "CLI 波次" in "".join(pages(out.read_bytes()))
    slips = tmp_path / "slips.pdf"
    assert fahuo_cli(["packslips", "--batch", str(batch.pk), "--out", str(slips)]) == 0
    assert len(pages(slips.read_bytes())) == 4
    ready = tmp_path / "ready.pdf"
    assert fahuo_cli(["picklist", "--all-ready", "--out", str(ready)]) == 0
    assert "杭州仓（HZ）" in "".join(pages(ready.read_bytes()))
    assert fahuo_cli(["picklist", "--batch", "999999", "--out", str(tmp_path / "x.pdf")]) == 2
    assert "Wrote the pick list for 4 orders" in capsys.readouterr().out
