"""The seller's three everyday tasks in a real browser, on the demo data (issue #15):
1. import → fix a flagged order → print it from its page;
2. plan a stream → its peak notices, with the plan's numbers → mark one sent;
3. find a parcel → message the buyer → see the message on the parcel page.
Screenshots of every step go to test-results/journey-*.png."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from fahuo.desk.tests.test_browser import browser, desk  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[4] / "test-results"


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"journey-{name}.png"), full_page=True)


@pytest.fixture
def demo_desk(desk: str, monkeypatch: pytest.MonkeyPatch, settings: Any) -> tuple[str, Any]:  # noqa: F811
    from fahuo.demo import generate

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setattr(generate, "LIVE_HISTORY_MIN_ORDERS", 150)
    return desk, generate.build_demo(orders=150, seed=5)


def test_the_sellers_three_tasks(browser: Any, demo_desk: tuple[str, Any]) -> None:  # noqa: F811
    from playwright.sync_api import expect

    from fahuo.desk.tests.conftest import sample_csv
    from fahuo.orders.models import Order
    from fahuo.tracking.models import Track

    base, demo = demo_desk
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        page.goto(base + "/")
        page.get_by_label("用户名").fill("owner")
        page.get_by_label("密码").fill(demo.password("owner"))
        page.get_by_role("button", name="登录").click()
        shot(page, "01-dashboard")

        # 1. import the 抖店 export, open a flagged order, fix its phone, print it from its page
        page.get_by_role("link", name="导入", exact=True).click()
        page.get_by_label("订单导出文件（CSV 或 XLSX）").set_input_files(str(sample_csv()))
        page.get_by_role("button", name="导入", exact=True).click()
        expect(page.get_by_role("heading", name="导入报告")).to_be_visible()
        shot(page, "02-import-report")
        page.goto(base + "/orders/?status=needs_review&reason=phone")
        page.get_by_role("link", name="6930000000001100126").click()
        expect(page.locator("#review-reasons")).to_contain_text("手机号无效：")
        expect(page.locator("#review-reasons")).not_to_contain_text("(phone)")
        shot(page, "03-flagged-order")
        page.get_by_label("手机号").fill("13912345678")
        page.get_by_role("button", name="保存并重新校验").click()
        expect(page.locator(".page-head .badge")).to_have_text("待打单")
        # The allocation page (分配) picks the carrier; its own browser test walks it.
        order = Order.objects.get(platform_order_id="6930000000001100126")
        carrier = Order.objects.exclude(carrier=None).values_list("carrier", flat=True).first()
        Order.objects.filter(pk=order.pk).update(carrier_id=carrier)
        page.reload()
        page.get_by_role("button", name="打印面单").click()
        expect(page.locator("#print-carriers")).to_contain_text("快递公司：")
        shot(page, "04-printed")

        # 2. the upcoming stream: a styled form, the plan, notices with the plan's numbers
        page.get_by_role("link", name="直播", exact=True).click()
        expect(page.locator("#board-link")).to_be_visible()
        shot(page, "05-sessions")
        page.get_by_role("link", name="新建场次").click()
        starts = page.locator("input[type=datetime-local]").first
        expect(starts).to_have_css("border-top-color", "rgb(205, 210, 219)")
        shot(page, "06-new-session-form")
        page.go_back()
        page.get_by_role("link", name="周末福利专场").click()
        page.get_by_role("button", name="按计划重新生成通知").click()
        expect(page.locator("#notices-stale")).to_have_count(0)
        expect(page.locator("#forecast-basis")).to_contain_text("最相似的往期场次")
        first = page.locator("[data-notice]").first
        first.get_by_label("发送方式").select_option("wechat")
        first.get_by_role("button", name="标记已发送").click()
        expect(page.locator("[data-notice]").first).to_contain_text("（微信）")
        shot(page, "07-peak-notices")

        # 3. a parcel: from the alert queue (or the parcel search) to the buyer
        track = Track.objects.exclude(order=None).order_by("pk").first()
        assert track is not None
        page.goto(base + reverse("tracking:track_lookup") + f"?no={track.tracking_no}")
        expect(page.locator("#message-buyer")).to_have_text("通知买家")
        shot(page, "08-parcel")
        page.locator("#message-buyer").click()
        messages = page.locator("#order-messages")
        expect(messages.get_by_role("button", name="发给买家")).to_be_visible()
        messages.get_by_label("消息类型").select_option("delayed")
        messages.get_by_role("button", name="发给买家").click()
        expect(page.locator("#order-messages li[data-message]")).not_to_have_count(0)
        sent = page.locator("#order-messages li[data-message]").first
        expect(sent).to_contain_text("物流延误")
        # Without the SMS/IM/WeChat simulators running (``fahuo demo`` starts them) the message cannot
        # be delivered: the seller reads why in Chinese, the provider's words behind 详情.
        if sent.get_attribute("data-status") != "sent":
            expect(sent.locator("[data-send-error]")).to_contain_text(re.compile("请检查店铺的消息渠道设置"))
            expect(sent.locator("[data-send-error] summary")).to_have_text("详情")
        shot(page, "09-message-sent")
    finally:
        context.close()
