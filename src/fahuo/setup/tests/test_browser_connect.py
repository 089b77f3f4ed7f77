"""In a real browser: the owner authorises a 抖店 shop on the simulator's consent page (out to it and
back with the code), turns ship-back off,
then fills the carrier's 网点 and uploads a rate card with a wrong row and a fixed one.
Screenshots: test-results/connect-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fahuo.desk.tests.test_browser import browser  # noqa: F401  (the module-scoped fixture)
from fahuo.kit.testing import log_in, shooter

pytestmark = pytest.mark.browser
shot = shooter("connect-")
APP_KEY, APP_SECRET = "7100000000000000042", "browser-walk-secret"
HEADER = "目的省份,首重(kg),首重价格(元),续重(kg),续重价格(元),时效(小时)\n"


def test_the_owner_connects_a_douyin_shop_and_sets_up_a_carriers_branch_and_rates(
    browser: Any,  # noqa: F811
    live_server: Any,
    transactional_db: Any,
    settings: Any,
    tmp_path: Path,
) -> None:
    from django.contrib.auth.models import User
    from playwright.sync_api import expect

    from fahuo.accounts.services import assign_role
    from fahuo.carriers.models import Carrier, RateLine
    from fahuo.integrations.douyin.simulator import DouyinSimulator, SimApp
    from fahuo.integrations.simserver import serve
    from fahuo.orders.models import Shop
    from fahuo.orders.platform_auth import connection_status

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    owner = User.objects.create_user(username="boss", password="fahuo-test-pw")
    assign_role(user=owner, role="owner")
    shop = Shop.objects.create(code="xy", name="小雨直播间", platform="douyin")
    Carrier.objects.create(code="ZTO", name="中通快递", provider="kdniao")
    (tmp_path / "bad.csv").write_text(HEADER + "浙江省,1,3.5,1,1,24\n火星,1,abc,1,2.5,48\n", encoding="utf-8")
    (tmp_path / "good.csv").write_text(
        HEADER + "浙江省,1,3.5,1,1,24\n广东省,1,5,1,2.5,48\n", encoding="utf-8"
    )
    sim = DouyinSimulator()
    sim.apps[APP_KEY] = SimApp(app_secret=APP_SECRET)
    sim.tokens.merchant = ("4463798", "小雨的抖店")
    base = str(live_server.url)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    with serve(sim) as url:
        try:
            log_in(page, base, "boss")
            page.goto(base + "/setup/shops/")
            page.get_by_role("link", name="抖店授权").click()
            expect(page.locator("#douyin-status")).to_contain_text("未授权")
            shot(page, "01-not-connected")
            form = page.locator("#douyin-connect")
            form.get_by_label("应用 app_key").fill(APP_KEY)
            form.get_by_label("应用 app_secret").fill(APP_SECRET)
            form.get_by_label("服务市场服务ID").fill("12345")
            form.get_by_label("接口地址").fill(url)
            form.get_by_role("button", name="生成抖店授权链接").click()
            page.get_by_role("link", name="打开抖店授权页").click()
            # The platform's consent page (the simulator's, over real HTTP): the owner clicks 授权.
            expect(page.locator("#consent")).to_contain_text("小雨的抖店")
            assert page.url.startswith(url + "/authorize?")
            shot(page, "01b-douyin-consent-page")
            page.get_by_role("button", name="授权").click()
            page.wait_for_url(base + "/setup/shops/xy/douyin/")
            expect(page.locator(".msg-success")).to_contain_text("店铺已完成抖店授权")
            expect(page.locator("#douyin-status")).to_contain_text("已授权")
            expect(page.locator("#douyin-status")).to_contain_text("小雨的抖店")
            assert APP_SECRET not in page.content()
            page.get_by_label("发货回传（把运单号上传到抖店）").uncheck()
            page.get_by_role("button", name="保存开关").click()
            expect(page.locator(".msg-success")).to_contain_text("开关已保存")
            shot(page, "02-connected-ship-back-off")
            status = connection_status(shop)
            assert (status["state"], status["fetch_orders"], status["ship_back"]) == (
                "connected",
                True,
                False,
            )

            page.goto(base + "/setup/carriers/")
            page.get_by_role("link", name="网点与运价").click()
            branch = page.locator("#branch-form")
            branch.get_by_label("网点名称").fill("杭州余杭仓前网点")
            branch.get_by_label("联系人（姓名和电话）").fill("王经理 13800001111")
            branch.get_by_label("揽收地址").fill("浙江省杭州市余杭区仓前街道文一西路1000号")
            branch.get_by_label("揽收时间").fill("16:00-18:00")
            branch.get_by_role("button", name="保存网点信息").click()
            expect(page.locator(".msg-success")).to_contain_text("网点信息已保存")
            expect(page.locator("#branch")).to_contain_text("138****1111")
            rates = page.locator("#rates-form")
            rates.get_by_label("始发省份").select_option("浙江省")
            rates.locator("input[type=file]").set_input_files(str(tmp_path / "bad.csv"))
            rates.get_by_role("button", name="上传").click()
            expect(page.locator("#upload-errors")).to_contain_text("火星")
            shot(page, "03-rate-card-row-report")
            assert not RateLine.objects.exists()
            rates = page.locator("#rates-form")
            rates.get_by_label("始发省份").select_option("浙江省")
            rates.locator("input[type=file]").set_input_files(str(tmp_path / "good.csv"))
            rates.get_by_role("button", name="上传").click()
            expect(page.locator(".msg-success")).to_contain_text("已导入运价")
            shot(page, "04-branch-and-rates")
            assert RateLine.objects.count() == 2
        finally:
            context.close()
