"""Day one in a real browser, from an empty database: wizard → shop → warehouse → carrier (test
connection against the Kdniao simulator) → products and opening stock → import a 抖店 export →
allocate → print → pack scan (stock deducted). Screenshots: test-results/setup-*.png.
"""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fahuo.desk.tests.test_browser import browser  # noqa: F401  (the module-scoped fixture)
from fahuo.kit.testing import shooter

pytestmark = pytest.mark.browser

DATA = Path(__file__).parents[2] / "inventory" / "tests" / "data"
EBID, APP_KEY = "xiaoyu-ebid", "xiaoyu-app-key"
shot = shooter("setup-")
SKUS = """sku_code,name,weight_g,length_mm,width_mm,height_mm,traits,declared_value_fen
SKU-3401,玻尿酸补水面膜 10片装,0.35kg,200,150,40,,5990
SKU-3402,玻尿酸补水面膜 20片装,650,220,160,60,,9990
SKU-3510,手工牛轧糖 原味 500g,520,180,120,60,,3990
SKU-3511,手工牛轧糖 抹茶 500g,520,180,120,60,,3990
SKU-3620,山茶油 1L,1.1kg,90,90,280,液体;易碎,12800
SKU-3730,玻璃香薰瓶,800,120,120,160,fragile,6800
"""
STOCK = "sku_code,quantity\n" + "".join(f"{c},100\n" for c in re.findall(r"^(SKU-\d+)", SKUS, re.M))


def test_day_one_from_an_empty_desk(
    browser: Any,  # noqa: F811
    live_server: Any,
    transactional_db: Any,
    settings: Any,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    from fahuo.carriers.importing import import_rate_file
    from fahuo.fulfilment.models import Waybill
    from fahuo.integrations.kdniao.simulator import KdniaoSimulator
    from fahuo.integrations.simserver import serve
    from fahuo.inventory.models import Stock

    settings.FAHUO_OUTPUT_DIR = tmp_path / "output"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    (tmp_path / "skus.csv").write_text(SKUS, encoding="utf-8")
    (tmp_path / "stock.csv").write_text(STOCK, encoding="utf-8")
    base = str(live_server.url)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    with serve(KdniaoSimulator.with_accounts({EBID: APP_KEY})) as kdniao_url:
        try:
            # 1. The wizard, not a login nobody can pass
            page.goto(base + "/")
            expect(page.get_by_role("heading", name="欢迎使用发货 fahuo")).to_be_visible()
            page.get_by_label("公司名称").fill("小雨电商")
            page.get_by_label("店主用户名").fill("xiaoyu")
            page.get_by_label("密码", exact=True).fill("xiaoyu-pass-2026")
            page.get_by_label("再次输入密码").fill("xiaoyu-pass-2026")
            shot(page, "01-wizard")
            page.get_by_role("button", name="创建店主账号").click()
            page.wait_for_url(base + "/setup/")
            expect(page.locator(".msg-success")).to_contain_text("欢迎")
            shot(page, "02-overview")

            # 2. A 抖店 shop
            page.locator(".subnav").get_by_role("link", name="店铺").click()
            page.get_by_label("店铺编码").fill("xiaoyu")
            page.get_by_label("店铺名称").fill("小雨直播间")
            page.get_by_label("平台").select_option("douyin")
            page.get_by_label("寄件人").fill("小雨仓")
            page.get_by_label("寄件电话").fill("0571-88880000")
            page.get_by_label("退货/寄件地址").fill("浙江省杭州市余杭区仓前街道文一西路1000号")
            page.get_by_role("button", name="添加店铺").click()
            expect(page.locator("table.table")).to_contain_text("小雨直播间")
            shot(page, "03-shop")

            # 3. A warehouse
            page.locator(".subnav").get_by_role("link", name="仓库").click()
            page.get_by_label("仓库编码").fill("HZ")
            page.get_by_label("仓库名称").fill("杭州仓")
            page.get_by_label("省").fill("浙江")
            page.get_by_label("市", exact=True).fill("杭州")
            page.get_by_label("区/县").fill("余杭区")
            page.get_by_label("详细地址").fill("文一西路1000号")
            page.get_by_label("揽收时段").fill("16:00-18:00")
            page.get_by_label("每班打包人数").fill("4")
            page.get_by_label("打包效率（单/人·小时）").fill("60")
            page.get_by_role("button", name="添加仓库").click()
            expect(page.locator("table.table")).to_contain_text("浙江省杭州市余杭区")
            shot(page, "04-warehouse")

            # 4. 中通 through Kdniao: the account, a test connection, the capacity at HZ
            page.locator(".subnav").get_by_role("link", name="快递").click()
            page.get_by_label("快递公司").select_option("ZTO")
            page.get_by_label("电子面单服务").select_option("kdniao")
            page.get_by_role("button", name="添加快递").click()
            page.locator("#account-form").get_by_label("服务").select_option("kdniao")
            page.get_by_label("接口地址").fill(kdniao_url)
            page.get_by_label("用户ID / EBusinessID（快递100：customer）").fill(EBID)
            page.get_by_label("API Key").fill("wrong-key")
            page.get_by_role("button", name="保存账号").click()
            page.get_by_role("button", name="测试连接").click()
            expect(page.locator(".msg-error")).to_contain_text("连接失败")  # a wrong key is caught
            shot(page, "05-carrier-wrong-key")
            page.locator("#account-form").get_by_label("服务").select_option("kdniao")
            page.get_by_label("接口地址").fill(kdniao_url)
            page.get_by_label("用户ID / EBusinessID（快递100：customer）").fill(EBID)
            page.get_by_label("API Key").fill(APP_KEY)
            page.get_by_label("电子面单账号（网点开通）").fill("ZT-HZ-0001")
            page.get_by_label("电子面单密码").fill("pw")
            page.get_by_role("button", name="保存账号").click()
            from fahuo.carriers.models import ProviderAccount

            wrong, good = ProviderAccount.objects.order_by("pk")
            wrong.delete()  # (no delete button yet: the wrong key would otherwise be picked first)
            page.locator(f'form:has(input[name="account"][value="{good.pk}"])').get_by_role(
                "button", name="测试连接"
            ).click()
            expect(page.locator(".msg-success")).to_contain_text("连接成功")
            page.locator("#capacity-form").get_by_label("快递编码").fill("ZTO")
            page.locator("#capacity-form").get_by_label("仓库编码").fill("HZ")
            page.get_by_label("每次最多揽收（件）").fill("500")
            page.get_by_role("button", name="设置运力").click()
            expect(page.locator(".msg-success")).to_contain_text("已设置运力")
            shot(page, "06-carrier")
            # the rate card (its own page exists since #3; not part of this walk)
            import_rate_file(
                fileobj=io.BytesIO((DATA / "rates_all.csv").read_bytes()),
                filename="rates_all.csv",
                carrier_code="ZTO",
                origin_province="浙江省",
                today=date.today(),
            )

            # 5. Products and opening stock
            page.locator(".subnav").get_by_role("link", name="商品资料").click()
            page.locator("#sku-import").get_by_label("文件（CSV 或 XLSX）").set_input_files(
                str(tmp_path / "skus.csv")
            )
            page.locator("#sku-import").get_by_role("button", name="导入").click()
            expect(page.locator(".msg-success")).to_contain_text("新建 6")
            expect(page.locator("table.table")).to_contain_text("1100 g")
            shot(page, "07-products")
            page.locator(".subnav").get_by_role("link", name="库存").click()
            form = page.locator("#stock-import")
            form.get_by_label("仓库编码").fill("HZ")
            form.get_by_label("文件（CSV 或 XLSX）").set_input_files(str(tmp_path / "stock.csv"))
            form.get_by_role("button", name="导入").click()
            expect(page.locator("#stock-levels tbody tr")).to_have_count(6)
            shot(page, "08-stock")

            # 6. Import the 抖店 export: orders reserve stock as they arrive
            page.get_by_role("link", name="导入", exact=True).click()
            page.get_by_label("订单导出文件（CSV 或 XLSX）").set_input_files(
                str(DATA / "douyin_order_export.csv")
            )
            page.get_by_role("button", name="导入", exact=True).click()
            expect(page.get_by_role("heading", name="导入报告")).to_be_visible()
            shot(page, "09-import")
            reserved = sum(Stock.objects.values_list("reserved", flat=True))
            assert reserved > 0

            # 7. Allocate and apply
            page.get_by_role("link", name="分配", exact=True).click()
            page.get_by_role("button", name=re.compile(r"为 \d+ 个待打单订单分配快递")).click()
            page.get_by_role("button", name=re.compile(r"应用到 \d+ 个订单")).click()
            expect(page.locator("#applied-note")).to_be_visible()
            shot(page, "10-allocated")

            # 8. Print the ready orders through the Kdniao simulator
            page.get_by_role("link", name="订单", exact=True).click()
            page.get_by_label("状态").select_option("ready")
            expect(page).to_have_url(re.compile(r"status=ready"))
            page.get_by_label("本页全选").check()
            with page.expect_download() as download_info:
                page.get_by_role("button", name="打印面单").click()
            assert Path(download_info.value.path()).read_bytes().startswith(b"%PDF")
            expect(page.get_by_role("heading", name="面单")).to_be_visible()
            shot(page, "11-printed")
            waybill = Waybill.objects.select_related("parcel__order").first()
            assert waybill is not None and waybill.provider == "kdniao"

            # 9. Pack scan: the order's units leave the books
            before = Stock.objects.get(sku__code=waybill.parcel.order.lines.first().sku.code)  # type: ignore[union-attr]
            page.get_by_role("link", name="验货", exact=True).click()
            scan = page.locator("#scan-code")
            scan.fill(waybill.tracking_no)
            scan.press("Enter")
            expect(page.locator("[data-scan-state='found']")).to_be_visible()
            for line in waybill.parcel.order.lines.select_related("sku"):
                for _ in range(line.quantity):  # every unit scanned, as at the station
                    scan.fill(line.sku.code if line.sku else line.sku_code)
                    scan.press("Enter")
            page.get_by_role("button", name="确认已打包").click()
            expect(page.locator(".msg-success, .scan-done").first).to_be_visible()
            shot(page, "12-packed")
            after = Stock.objects.get(pk=before.pk)
            assert after.on_hand < before.on_hand and after.reserved < before.reserved
            page.goto(base + "/setup/stock/")
            expect(page.locator("#ledger")).to_contain_text("出库")
            shot(page, "13-ledger")
        finally:
            context.close()
