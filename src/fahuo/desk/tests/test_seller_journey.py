"""The seller's three everyday tasks in a real browser, on the demo data with the demo's simulators
running (快递鸟, 快递100, 抖店, 抖店 IM, SMS, WeChat on loopback, as ``fahuo demo`` serves them) (issue #15):
1. import → fix a flagged order → allocate it on the 分配 page → print it from its page;
2. plan a stream → its peak notices, with the plan's numbers → mark one sent;
3. find a parcel → message the buyer → see the message sent, and the IM simulator received it.
Screenshots of every step go to test-results/journey-*.png."""

from __future__ import annotations

from collections.abc import Iterator
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
def demo_desk(desk: str, monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[tuple[str, Any, Any]]:  # noqa: F811
    from fahuo.demo import generate, live

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.FAHUO_MESSAGE_QUIET_HOURS = None  # the test may run at night in Beijing
    monkeypatch.setenv("FAHUO_PUBLIC_URL", desk)
    monkeypatch.setattr(generate, "LIVE_HISTORY_MIN_ORDERS", 150)
    demo = generate.build_demo(orders=150, seed=5)
    world = live.start_world(desk_url=desk, move_every_s=3600)  # simulators up; parcels stay put
    try:
        yield desk, demo, world
    finally:
        world.stop()


def test_the_sellers_three_tasks(browser: Any, demo_desk: tuple[str, Any, Any]) -> None:  # noqa: F811
    from playwright.sync_api import expect

    from fahuo.desk.tests.conftest import sample_csv
    from fahuo.notify.models import OutboxMessage, OutboxStatus
    from fahuo.orders.models import Order
    from fahuo.tracking.models import Track

    base, demo, world = demo_desk
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
        order_url = page.url
        # The fixed order has no carrier yet: the seller plans the allocation and applies it.
        page.get_by_role("link", name="分配", exact=True).click()
        page.locator("#plan-button").click()
        expect(page.locator("#apply-button")).to_be_visible()
        shot(page, "04-allocation-plan")
        page.locator("#apply-button").click()
        expect(page.locator("#orders-link")).to_be_visible()
        order = Order.objects.select_related("carrier").get(platform_order_id="6930000000001100126")
        assert order.carrier is not None  # given by the applied run, not by the test
        page.goto(order_url)
        expect(page.locator("body")).to_contain_text(order.carrier.name)
        page.get_by_role("button", name="打印面单").click()
        expect(page.locator("#print-carriers")).to_have_text(f"快递公司： {order.carrier.name} 1 件")
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
        # The 抖店 IM simulator took it: the desk shows it sent, and the buyer got this very text.
        message = OutboxMessage.objects.filter(order=track.order).order_by("-pk").first()
        assert message is not None
        for _ in range(20):
            message.refresh_from_db()
            if message.status != OutboxStatus.QUEUED:
                break
            page.wait_for_timeout(500)
        assert (message.status, message.last_error) == (OutboxStatus.SENT, ""), message.last_error
        assert message.channel == "douyin_im" and message.provider_msg_id
        delivered = [m for m in world.douyin_im.delivered if m.msg_id == message.provider_msg_id]
        assert len(delivered) == 1, world.douyin_im.delivered
        assert delivered[0].content == message.body and "物流" in delivered[0].content
        assert f"{base}/t/" in delivered[0].content  # the link points at the desk being served
        page.reload()
        sent = page.locator(f'#order-messages li[data-message="{message.pk}"]')
        expect(sent).to_have_attribute("data-status", "sent")
        expect(sent.locator("[data-send-error]")).to_have_count(0)
        shot(page, "09-message-sent")
    finally:
        context.close()
