"""Allocation in a real browser (Playwright + Debian chromium, set up like the desk's browser tests).

Plan the demo's ready orders, open an order's explanation, override it, apply, and see the carrier
on the order. Screenshots go to test-results/alloc-*.png.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from fahuo.desk.tests.test_browser import SHOTS, browser  # noqa: F401  (the module-scoped fixture)
from fahuo.kit.testing import shooter

pytestmark = pytest.mark.browser


shot = shooter("alloc-")


def test_plan_explain_override_and_apply_the_demo_orders(
    browser: Any,  # noqa: F811
    live_server: Any,
    transactional_db: Any,
    settings: Any,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    from fahuo.demo.generate import build_demo
    from fahuo.orders.models import Order
    from fahuo.routing.models import AllocationDecision

    settings.FAHUO_OUTPUT_DIR = tmp_path / "output"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    SHOTS.mkdir(exist_ok=True)
    from fahuo.carriers.models import Capacity

    demo = build_demo(orders=200, seed=11)
    # a short night for the cheap carriers, so some orders take their second-cheapest lane
    Capacity.objects.filter(carrier__code__in=["ZTO", "YD", "YTO"]).update(max_parcels=12)
    ready = demo.by_status["ready"]
    base = str(live_server.url)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900})
    page = context.new_page()
    try:
        page.goto(base + "/")
        page.get_by_label("用户名").fill("owner")
        page.get_by_label("密码").fill(demo.password("owner"))
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(base + "/")

        # 1. 分配: one button for every ready order
        page.get_by_role("link", name="分配", exact=True).click()
        expect(page.locator("#ready-count")).to_have_text(str(ready))
        shot(page, "01-home")
        page.get_by_role("button", name=f"为 {ready} 个待打单订单分配快递").click()

        # 2. The preview: totals, per carrier and warehouse, the decisions
        expect(page.get_by_role("heading", name=re.compile(r"分配 #\d+"))).to_be_visible()
        expect(page.locator('[data-count="orders"] b')).to_have_text(str(ready))
        expect(page.locator("#by-carrier tbody tr").first).to_be_visible()
        expect(page.locator("table.decisions tbody tr").first).to_be_visible()
        shot(page, "02-preview")

        # 3. An order whose cheaper option was full: its explanation, swapped in by htmx
        page.get_by_label("原因").select_option("capacity")
        expect(page).to_have_url(re.compile(r"reason=capacity"))
        row = page.locator("table.decisions tbody tr").first
        order_no = row.get_attribute("data-order")
        row.locator("a").first.click()
        panel = page.locator("#explain-panel")
        expect(panel).to_have_attribute("data-order", str(order_no))
        expect(panel.locator("#verdict")).to_contain_text("更便宜的方案运力已满")
        expect(panel.locator("tr.chosen")).to_have_count(1)
        expect(panel.locator("td .why-capacity").first).to_be_visible()
        shot(page, "03-explain")

        # 4. Override it by hand with another feasible option
        decision = AllocationDecision.objects.select_related("carrier").get(
            order__platform_order_id=order_no, run__status="preview"
        )
        other = next(
            o for o in decision.explanation["options"] if o["allowed"] and not o["chosen"] and not o["full"]
        )
        page.locator("#override-form select").select_option(f"{other['carrier']}@{other['warehouse']}")
        page.get_by_role("button", name="使用此方案").click()
        expect(page.locator(".msg-success")).to_be_visible()
        expect(page.locator("#explain-panel #verdict")).to_contain_text("人工指定")
        expect(
            page.locator(f'#explain-panel tr.chosen[data-lane="{other["carrier"]}@{other["warehouse"]}"]')
        ).to_have_count(1)
        shot(page, "04-override")

        # 5. Apply: the orders get their carrier and warehouse
        page.get_by_role("button", name=re.compile(r"应用到 \d+ 个订单")).click()
        expect(page.locator("#applied-note")).to_be_visible()
        expect(page.locator("#apply-button")).to_have_count(0)
        shot(page, "05-applied")

        # 6. The order shows its (overridden) carrier
        order = Order.objects.select_related("carrier").get(platform_order_id=order_no)
        assert order.carrier is not None and order.carrier.code == other["carrier"]
        page.goto(f"{base}/orders/{order.pk}/")
        expect(page.locator("dl.kv.section")).to_contain_text(order.carrier.name)
        shot(page, "06-order")

        # 7. The seller's rules, and the form of one kind
        page.goto(f"{base}/allocation/rules/")
        expect(page.locator("#rules tbody tr")).to_have_count(4)
        shot(page, "07-rules")
        page.get_by_label("新建规则").select_option("province_carriers")
        page.get_by_role("button", name="添加").click()
        expect(page.locator('input[name="provinces"]')).to_have_count(34)
        shot(page, "08-rule-form")

        # 9. A live-stream night: a pickup window, and hourly pickup caps on the cheap carriers
        Capacity.objects.filter(carrier__code__in=["ZTO", "YD", "YTO"]).update(
            max_parcels=100, max_parcels_per_hour=4
        )
        page.get_by_role("link", name="分配", exact=True).click()
        page.locator('input[name="pickup_start"]').fill("18:00")
        page.locator('input[name="pickup_end"]').fill("21:00")
        page.get_by_role("button", name=re.compile(r"为 \d+ 个待打单订单分配快递")).click()
        expect(page.locator("#pickup-window")).to_contain_text("18:00")
        hours = page.locator("#by-pickup-hour")
        expect(hours).to_be_visible()
        expect(hours.locator("thead th")).to_contain_text(["快递公司", "每小时", "18:00", "19:00", "20:00"])
        # a capped carrier never gets more than 4 parcels in one hour
        cells = hours.locator("tbody td.num").all_inner_texts()
        over = [c for c in cells if "/" in c and int(c.split("/")[0]) > int(c.split("/")[1])]
        assert not over, over
        shot(page, "09-pickup-window")
        page.locator("#pickup-hours").screenshot(path=str(SHOTS / "alloc-10-pickup-hours.png"))
    finally:
        context.close()
