"""The members page in a real browser: a shop's owner adds a packer, who then sees only that shop.

Screenshots go to test-results/ (accounts-*.png) so a person can look at them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User

from fahuo.accounts.services import add_member
from fahuo.orders.models import Order, Shop

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[4] / "test-results"


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"accounts-{name}.png"), full_page=True)


def _log_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(base + "/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base + "/")


def test_an_owner_adds_a_packer_who_then_sees_only_that_shop(
    browser: Any, live_server: Any, transactional_db: Any, shop: Shop
) -> None:
    from playwright.sync_api import expect

    tea = Shop.objects.create(code="tea", name="云南茶叶私域", platform="wechat")
    Order.objects.create(shop=shop, platform_order_id="XY-0001", status="ready")
    Order.objects.create(shop=tea, platform_order_id="TEA-0001", status="ready")
    boss = User.objects.create_user(username="xiaoyu-boss", password="fahuo-test-pw")
    add_member(user=boss, shop=shop, role="owner")
    base = str(live_server.url)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 820})
    page = context.new_page()
    try:
        _log_in(page, base, "xiaoyu-boss", "fahuo-test-pw")
        page.get_by_role("link", name="成员").click()
        expect(page.get_by_role("heading", name="成员", exact=True)).to_be_visible()
        expect(page.locator("#shop-tea")).to_have_count(0)  # not their shop
        page.fill("#add-member input[name=username]", "ahua")
        page.select_option("#add-member select[name=role]", "packer")
        page.get_by_role("button", name="添加").click()
        password = page.locator("#new-password code").inner_text()
        expect(page.locator("#shop-demo")).to_contain_text("ahua")
        _shot(page, "01-members-after-add")
        page.goto(base + "/orders/")
        expect(page.locator("body")).to_contain_text("XY-0001")
        expect(page.locator("body")).not_to_contain_text("TEA-0001")

        packer = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 820}).new_page()
        _log_in(packer, base, "ahua", password)
        packer.goto(base + "/orders/")
        expect(packer.locator("body")).to_contain_text("XY-0001")
        expect(packer.locator("body")).not_to_contain_text("TEA-0001")
        expect(packer.get_by_role("link", name="成员")).to_have_count(0)
        _shot(packer, "02-packer-orders")
        tea_order = Order.objects.get(platform_order_id="TEA-0001")
        response = packer.goto(base + f"/orders/{tea_order.pk}/")
        assert response is not None and response.status == 404
        assert "TEA-0001" not in packer.content()
        _shot(packer, "03-other-shop-order-404")
    finally:
        context.close()
