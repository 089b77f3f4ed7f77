"""The desk editor for packaging-rule conditions (shop / SKU / units / goods weight / carton) and brand
inserts (repeat buyers only) — issue #13: what the service side already honours is set in the desk,
with errors on their field in Chinese; another shop's insert is out of reach."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fahuo.catalog.models import Sku
from fahuo.desk.tests.test_browser import browser  # noqa: F401 (the module-scoped fixture)
from fahuo.fulfilment.models import BrandInsert, Carton, PackagingRule
from fahuo.orders.models import Shop

pytestmark = pytest.mark.django_db
RULE = {
    "instructions": "三件以上用5号箱",
    "materials": "",
    "eco_alternative": "",
    "priority": 10,
    "active": "on",
}


def desk(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def insert_form(**fields: Any) -> dict[str, Any]:
    return {f"insert-{k}": v for k, v in fields.items()}


def errors_of(html: str, field: str) -> str:
    """The error list rendered right after ``field``'s input."""
    start = html.index(f'name="{field}"')
    return html[start : html.index("</label>", start)]


def test_a_rule_with_shop_sku_units_weight_and_carton_conditions(operator: Any, shop: Shop) -> None:
    Sku.objects.create(code="MASK-10", name="面膜")
    box = Carton.objects.create(code="B5", name="5号纸箱", length_mm=290, width_mm=170, height_mm=190)
    data = RULE | {
        "shop": shop.pk,
        "sku_code": "MASK-10",
        "min_quantity": 3,
        "max_weight_g": 2000,
        "carton": box.pk,
    }
    assert desk(operator).post(reverse("fulfilment:packing_rules"), data).status_code == 302
    rule = PackagingRule.objects.select_related("sku").get()
    assert (
        rule.trait,
        rule.shop,
        rule.sku and rule.sku.code,
        rule.min_quantity,
        rule.max_weight_g,
        rule.carton,
    ) == (
        "",
        shop,
        "MASK-10",
        3,
        2000,
        box,
    )
    page = desk(operator).get(reverse("fulfilment:packing_rules")).content.decode()
    row = page[page.index(f'id="rule-{rule.pk}"') :]
    assert (
        "小雨直播间" in row[:800]
        and "MASK-10" in row[:800]
        and "≤ 2000 g" in row[:800]
        and "5号纸箱" in row[:800]
    )
    # Editing shows the SKU code again and keeps it.
    edit = desk(operator).get(reverse("fulfilment:packing_rule_edit", args=[rule.pk])).content.decode()
    assert 'value="MASK-10"' in edit


def test_bad_conditions_are_refused_on_their_fields_in_chinese(operator: Any, shop: Shop) -> None:
    data = RULE | {"sku_code": "NOPE", "min_quantity": 5, "max_quantity": 2, "max_weight_g": 0}
    page = desk(operator).post(reverse("fulfilment:packing_rules"), data)
    html = page.content.decode()
    assert page.status_code == 400 and not PackagingRule.objects.exists()
    assert "没有这个商家编码的商品" in errors_of(html, "sku_code")
    assert "件数上限不能小于件数下限" in errors_of(html, "max_quantity")
    assert "大于或等于1" in errors_of(html, "max_weight_g")
    bare = desk(operator).post(reverse("fulfilment:packing_rules"), RULE).content.decode()
    assert "请选择一个特性，或至少设置一个条件" in errors_of(bare, "trait")


def test_another_shops_insert_and_shop_are_out_of_reach(operator: Any, shop: Shop) -> None:
    other = Shop.objects.create(code="siyu", name="私域", platform="private")
    theirs = BrandInsert.objects.create(shop=other, kind="gift", text="别家的赠品")
    client = desk(operator)
    assert client.get(reverse("fulfilment:packing_insert_edit", args=[theirs.pk])).status_code == 404
    data = insert_form(shop=other.pk, kind="gift", text="x", active="on")
    refused = client.post(reverse("fulfilment:packing_insert_add"), data)
    assert refused.status_code == 400 and "选择一个有效的选项" in errors_of(
        refused.content.decode(), "insert-shop"
    )
    assert "别家的赠品" not in client.get(reverse("fulfilment:packing_rules")).content.decode()


def test_an_insert_for_repeat_buyers_is_added_and_edited(operator: Any, shop: Shop) -> None:
    client = desk(operator)
    fields = {
        "shop": shop.pk,
        "kind": "thank_you",
        "text": "老朋友，谢谢你又来了",
        "repeat_only": "on",
        "active": "on",
    }
    assert client.post(reverse("fulfilment:packing_insert_add"), insert_form(**fields)).status_code == 302
    insert = BrandInsert.objects.get()
    assert insert.repeat_only and insert.sku is None
    Sku.objects.create(code="CREAM-50", name="面霜")
    fields |= {"kind": "tips", "text": "面霜用法：早晚各一次", "sku_code": "CREAM-50"}
    fields.pop("repeat_only")
    edit = client.post(reverse("fulfilment:packing_insert_edit", args=[insert.pk]), insert_form(**fields))
    assert edit.status_code == 302
    insert.refresh_from_db()
    assert (insert.kind, insert.repeat_only, insert.sku and insert.sku.code) == ("tips", False, "CREAM-50")


def test_packers_cannot_add_inserts(packer: Any, shop: Shop) -> None:
    data = insert_form(shop=shop.pk, kind="gift", text="x", active="on")
    assert desk(packer).post(reverse("fulfilment:packing_insert_add"), data).status_code == 403
    assert not BrandInsert.objects.exists()


@pytest.mark.browser
def test_the_owner_sets_rule_conditions_and_a_repeat_buyer_insert_in_the_browser(
    browser: Any,  # noqa: F811
    live_server: Any,
    transactional_db: Any,
    settings: Any,
) -> None:
    from django.contrib.auth.models import User
    from playwright.sync_api import expect

    from fahuo.accounts.services import assign_role
    from fahuo.kit.testing import log_in, shooter

    shot = shooter("packing-editor-")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    owner = User.objects.create_user(username="boss", password="fahuo-test-pw")
    assign_role(user=owner, role="owner")
    Shop.objects.create(code="xy", name="小雨直播间", platform="douyin")
    Sku.objects.create(code="MASK-10", name="面膜")
    Carton.objects.create(code="B5", name="5号纸箱", length_mm=290, width_mm=170, height_mm=190)
    base = str(live_server.url)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    try:
        log_in(page, base, "boss")
        page.goto(base + reverse("fulfilment:packing_rules"))
        rule = page.locator("#add-rule form")
        rule.get_by_label("店铺").select_option(label="小雨直播间")
        rule.get_by_label("商家编码").fill("MASK-1")  # a typo
        rule.get_by_label("件数下限").fill("5")
        rule.get_by_label("件数上限").fill("2")
        rule.get_by_label("货物重量上限（克）").fill("2000")
        rule.get_by_label("纸箱").select_option(index=1)
        rule.get_by_label("包装说明").fill("三件以上用5号箱")
        rule.get_by_role("button", name="添加规则").click()
        form = page.locator("#add-rule form")
        expect(form).to_contain_text("没有这个商家编码的商品")
        expect(form).to_contain_text("件数上限不能小于件数下限")
        shot(page, "01-errors-on-their-fields")
        form.get_by_label("商家编码").fill("MASK-10")
        form.get_by_label("件数上限").fill("")
        form.get_by_role("button", name="添加规则").click()
        expect(page.locator(".msg-success")).to_contain_text("包装规则")
        row = page.locator("#rules tbody tr", has_text="三件以上用5号箱")
        expect(row).to_contain_text("MASK-10")
        expect(row).to_contain_text("≤ 2000 g")
        expect(row).to_contain_text("5号纸箱")

        insert = page.locator("#add-insert")
        insert.get_by_label("店铺").select_option(label="小雨直播间")
        insert.get_by_label("类型").select_option(label="感谢卡")
        insert.get_by_label("内容").fill("老朋友，谢谢你又来了")
        insert.get_by_label("仅复购买家").check()
        insert.get_by_role("button", name="添加随箱物品").click()
        expect(page.locator(".msg-success")).to_contain_text("已添加随箱物品")
        inserts = page.locator("#inserts")
        expect(inserts).to_contain_text("老朋友，谢谢你又来了")
        shot(page, "02-rule-and-insert-listed")
        inserts.get_by_role("link", name="编辑").click()
        page.locator("#insert-form").get_by_label("仅复购买家").uncheck()
        page.locator("#insert-form").get_by_role("button", name="保存").click()
        expect(page.locator(".msg-success")).to_contain_text("随箱物品已保存")
        assert not BrandInsert.objects.get().repeat_only
        assert PackagingRule.objects.get().min_quantity == 5
    finally:
        context.close()
