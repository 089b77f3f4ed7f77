"""Edit a message with its live preview, look at the outbox, then open a buyer's tracking page on a phone.

Playwright driving Debian's chromium; screenshots go to test-results/messages-*.png.
Run: ``.venv/bin/pytest -m browser src/fahuo/notify``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from fahuo.desk.tests.test_browser import browser, desk, log_in, shot  # noqa: F401 — shared fixtures
from fahuo.notify import services
from fahuo.notify.models import MessageKey, OutboxMessage, OutboxStatus
from fahuo.notify.tests import factories as f
from fahuo.tracking.models import TrackStatus

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
WECHAT_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"
)


def _parcel(shop: Any) -> Any:
    shop.brand_note = "感谢支持小雨直播间，收到后有任何问题随时找客服小雨～"
    shop.save()
    order = f.order(shop)
    track = f.track(
        order, status=TrackStatus.OUT_FOR_DELIVERY, status_at=dt.datetime(2025, 6, 19, 1, 12, tzinfo=dt.UTC)
    )
    trace = [
        (dt.datetime(2025, 6, 17, 13, 40), "picked_up", "【杭州余杭仓前】快件已由 中通快递 揽收", "杭州"),
        (dt.datetime(2025, 6, 17, 18, 2), "in_transit", "快件已发往【杭州转运中心】", "杭州"),
        (
            dt.datetime(2025, 6, 18, 3, 25),
            "in_transit",
            "快件已到达【杭州转运中心】，正发往【临平区南苑网点】",
            "杭州",
        ),
        (dt.datetime(2025, 6, 19, 0, 50), "in_transit", "快件已到达【临平区南苑网点】", "临平"),
        (
            dt.datetime(2025, 6, 19, 1, 12),
            "out_for_delivery",
            "【临平区南苑网点】快递员 王师傅 正在为您派件",
            "临平",
        ),
    ]
    for at, status, text, place in trace:
        f.event(track, at=at.replace(tzinfo=dt.UTC), status=status, description=text, location=place)
    return order, track


def test_edit_a_message_with_preview_then_open_the_tracking_page_on_a_phone(
    browser: Any,  # noqa: F811
    desk: str,  # noqa: F811
    owner: Any,
    shop: Any,
    sms_sim: Any,
) -> None:
    from playwright.sync_api import expect

    services.ensure_default_templates()
    # The outbox: one that cannot go, one waiting for a retry, one sent over the SMS simulator.
    failed = services.enqueue(order=f.order(shop), key="ship_by_soon", channel="wechat")
    sms_sim.fail_next(1, 503)
    retrying = services.enqueue(order=f.shipped(shop), key="delayed")
    order, track = _parcel(shop)  # the newest parcel: the editor's preview uses it
    token = services.ensure_token(track)
    sent = services.enqueue(order=order, key="out_for_delivery")
    assert sent is not None and retrying is not None and failed is not None
    assert OutboxMessage.objects.get(pk=sent.pk).status == OutboxStatus.SENT
    assert OutboxMessage.objects.get(pk=retrying.pk).attempts == 1
    assert failed.status == OutboxStatus.FAILED

    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 860})
    page = context.new_page()
    try:
        # 1. The library: every message with its default text.
        log_in(page, desk, "owner")
        page.get_by_role("link", name="话术", exact=True).click()
        expect(page.get_by_role("heading", name="买家消息")).to_be_visible()
        expect(page.locator("table.library tr[data-key]")).to_have_count(
            len(MessageKey.values)
        )  # incl. 缺货选择
        shot(page, "messages-01-library")

        # 2. Edit "已发货": the preview uses a recent order of the shop, masked.
        page.locator('tr[data-key="shipped"]').get_by_role("link", name="编辑").click()
        expect(page.get_by_role("heading", name="已发货")).to_be_visible()
        preview = page.locator("#preview")
        expect(preview.locator("[data-preview]")).to_contain_text(track.tracking_no)
        expect(preview).to_contain_text("张**")
        expect(preview).not_to_contain_text(f.FULL_NAME)
        shot(page, "messages-02-editor")

        # 3. A typo in a variable is caught while typing.
        body = page.locator("#template-form textarea[name=body]")
        body.fill("{买家}您好，{店铺}的宝贝已经发出啦，{快递}单号 {运单号}")
        expect(preview.get_by_role("alert")).to_contain_text("{运单号}")
        shot(page, "messages-03-preview-error")

        # 4. Fixed with the variable chips; the preview follows.
        body.fill("{买家}您好，{店铺}的宝贝已经发出啦！{快递} ")
        body.press("End")
        page.locator('.chips [data-var="单号"]').click()
        body.press("End")
        body.type("，预计")
        page.locator('.chips [data-var="预计"]').click()
        body.press("End")
        body.type("送达。查看物流：")
        page.locator('.chips [data-var="链接"]').click()
        expect(preview.locator("[data-preview]")).to_contain_text(f"中通快递 {track.tracking_no}，预计")
        expect(preview.locator("[data-preview]")).to_contain_text(f"/t/{token}")
        shot(page, "messages-04-preview")
        page.get_by_role("button", name="保存").click()
        expect(page.locator(".msg-success")).to_contain_text("已保存")
        expect(page.locator('tr[data-key="shipped"]').first).to_contain_text("宝贝已经发出啦")
        shot(page, "messages-05-saved")

        # 5. The outbox: a failed message says why, and can be retried.
        page.get_by_role("link", name="发件箱").click()
        expect(page.locator(f'tr[data-message="{failed.pk}"]')).to_contain_text("openid")
        expect(page.locator("table.outbox")).not_to_contain_text(f.FULL_PHONE)
        shot(page, "messages-06-outbox")
    finally:
        context.close()

    # 6. The buyer opens the link in WeChat on a phone: no login, nothing personal.
    phone = browser.new_context(
        locale="zh-CN",
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        user_agent=WECHAT_UA,
    )
    buyer = phone.new_page()
    try:
        buyer.goto(f"{desk}/t/{token}")
        expect(buyer.locator(".status .now")).to_have_text("派送中")
        expect(buyer.locator(".shop .name")).to_have_text(shop.name)
        expect(buyer.locator(".trace li")).to_have_count(5)
        expect(buyer.locator(".trace li").first).to_contain_text("正在为您派件")
        content = buyer.content()
        for secret in (f.FULL_NAME, f.FULL_PHONE, f.STREET):
            assert secret not in content
        width = buyer.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page scrolls sideways on a phone ({width}px)"
        shot(buyer, "messages-07-tracking-phone")
        buyer.goto(f"{desk}/t/nonsense-token")
        expect(buyer.locator(".shop .name")).to_have_text("未找到包裹")
        shot(buyer, "messages-08-tracking-404")
    finally:
        phone.close()
    assert OutboxMessage.objects.filter(order=order).exists()
