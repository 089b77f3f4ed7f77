"""The scan-to-verify station (验货), the packaging rules page and the packing PDFs over HTTP."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fahuo.accounts.models import AuditLog
from fahuo.desk.tests.test_browser import browser, desk, shot  # noqa: F401 (fixtures)
from fahuo.fulfilment.models import PackagingRule, Parcel, PrintBatch, PrintBatchItem, VoidedWaybill
from fahuo.fulfilment.packing.services import ensure_default_cartons, ensure_default_packaging_rules
from fahuo.fulfilment.tests.packing_helpers import FULL_PHONE, make_order, make_parcel, make_sku
from fahuo.kit.testing import log_in
from fahuo.orders.models import OrderStatus

PASSWORD = "fahuo-test-pw"
HX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def client_for(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def packed_setup(shop: Any, warehouse: Any, sandbox_carrier: Any) -> dict[str, Any]:
    ensure_default_packaging_rules()
    ensure_default_cartons(warehouse=warehouse)
    vase = make_sku(
        "SKU-3620", name="玻璃香薰瓶", spec="200ml", size=(90, 90, 180), traits=("fragile", "liquid")
    )
    mask = make_sku("SKU-3401", name="补水面膜", spec="10片装", size=(200, 150, 30))
    order = make_order(shop, [(vase, 1), (mask, 2)], warehouse=warehouse, note=f"放门口，电话 {FULL_PHONE}")
    parcel = make_parcel(order, sandbox_carrier, tracking="SB0001112223")
    return {"order": order, "parcel": parcel, "lines": list(order.lines.values_list("pk", flat=True))}


def lookup(client: Client, code: str) -> Any:
    return client.get(reverse("fulfilment:packing_lookup"), {"code": code}, **HX)


def pack(client: Client, parcel: Parcel, lines: list[int], code: str = "SB0001112223") -> Any:
    url = reverse("fulfilment:packing_pack", args=[parcel.pk])
    return client.post(url, {"line": lines, "code": code}, **HX)


# --- station -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_station_page_has_one_autofocused_scan_input(packer: Any) -> None:
    response = client_for(packer).get(reverse("fulfilment:packing_scan"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="scan-code"' in html and "autofocus" in html and "验货" in html


@pytest.mark.django_db
def test_the_station_needs_a_login(db: Any) -> None:
    response = Client().get(reverse("fulfilment:packing_scan"))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.django_db
def test_a_scanned_waybill_shows_the_items_rules_carton_and_inserts_without_the_phone(
    packer: Any, packed_setup: dict[str, Any]
) -> None:
    response = lookup(client_for(packer), "SB0001112223")
    html = response.content.decode()
    assert response.status_code == 200
    assert packed_setup["order"].platform_order_id in html
    assert "玻璃香薰瓶" in html and "补水面膜" in html and "×2" in html
    assert "气泡膜/珍珠棉" in html and "瓶口朝上" in html and "分装内袋" in html
    assert "纸箱" in html and "mm" in html
    assert 'data-scan-state="found"' in html and "确认已打包" in html
    assert FULL_PHONE not in html and "138****5678" in html and "张*" in html


@pytest.mark.django_db
def test_an_order_number_finds_the_parcel_too(packer: Any, packed_setup: dict[str, Any]) -> None:
    response = lookup(client_for(packer), packed_setup["order"].platform_order_id)
    assert response.status_code == 200 and "SB0001112223" in response.content.decode()


@pytest.mark.django_db
def test_an_unknown_number_is_a_clear_error(packer: Any, packed_setup: dict[str, Any]) -> None:
    response = lookup(client_for(packer), "NOPE123")
    assert response.status_code == 404
    assert "未找到面单号或订单号：NOPE123" in response.content.decode()


@pytest.mark.django_db
def test_a_voided_waybill_is_a_red_do_not_ship_warning(
    packer: Any, packed_setup: dict[str, Any], sandbox_carrier: Any
) -> None:
    VoidedWaybill.objects.create(
        parcel=packed_setup["parcel"],
        carrier=sandbox_carrier,
        provider="sandbox",
        tracking_no="SB0000000OLD",
        request_id="old",
        reason="改地址重新出单",
    )
    response = lookup(client_for(packer), "SB0000000OLD")
    html = response.content.decode()
    assert response.status_code == 409
    assert "面单已作废，请勿发出" in html and "改地址重新出单" in html
    assert "确认已打包" not in html


@pytest.mark.django_db
def test_a_cancelled_orders_waybill_must_not_ship(packer: Any, packed_setup: dict[str, Any]) -> None:
    packed_setup["order"].status = OrderStatus.CANCELLED
    packed_setup["order"].save()
    client = client_for(packer)
    response = lookup(client, "SB0001112223")
    assert response.status_code == 409 and "面单已作废，请勿发出" in response.content.decode()
    assert pack(client, packed_setup["parcel"], packed_setup["lines"]).status_code == 409
    assert Parcel.objects.get().packed_at is None


@pytest.mark.django_db
def test_confirming_marks_the_parcel_packed_with_the_carton_and_an_audit_row(
    packer: Any, packed_setup: dict[str, Any]
) -> None:
    response = pack(client_for(packer), packed_setup["parcel"], packed_setup["lines"])
    assert response.status_code == 200 and "已打包" in response.content.decode()
    parcel = Parcel.objects.get()
    assert parcel.packed_at is not None and parcel.packed_by == packer
    assert parcel.carton is not None and parcel.carton.rigid and parcel.packed_weight_g
    row = AuditLog.objects.get(action="parcel.packed")
    assert row.user == packer and row.object_id == str(parcel.pk)
    assert row.detail["order_no"] == packed_setup["order"].platform_order_id and row.detail["units"] == 3


@pytest.mark.django_db
def test_an_already_packed_parcel_warns_and_cannot_be_packed_twice(
    packer: Any, packed_setup: dict[str, Any]
) -> None:
    client = client_for(packer)
    assert pack(client, packed_setup["parcel"], packed_setup["lines"]).status_code == 200
    response = lookup(client, "SB0001112223")
    html = response.content.decode()
    assert response.status_code == 200 and 'data-scan-state="packed"' in html and "请勿重复发货" in html
    again = pack(client, packed_setup["parcel"], packed_setup["lines"])
    assert again.status_code == 409 and "已打包" in again.content.decode()
    assert AuditLog.objects.filter(action="parcel.packed").count() == 1


@pytest.mark.django_db
def test_every_line_must_be_checked_before_packing(packer: Any, packed_setup: dict[str, Any]) -> None:
    response = pack(client_for(packer), packed_setup["parcel"], packed_setup["lines"][:1])
    assert response.status_code == 422 and "还有商品未核对" in response.content.decode()
    assert Parcel.objects.get().packed_at is None


@pytest.mark.django_db
def test_packing_needs_the_print_labels_permission(db: Any, packed_setup: dict[str, Any]) -> None:
    from django.contrib.auth.models import User

    User.objects.create_user(username="guest", password=PASSWORD)
    client = client_for(User.objects.get(username="guest"))
    assert lookup(client, "SB0001112223").status_code == 403
    assert pack(client, packed_setup["parcel"], packed_setup["lines"]).status_code == 403
    assert Parcel.objects.get().packed_at is None


# --- rules page ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_packers_read_the_rules_but_cannot_change_them(packer: Any) -> None:
    ensure_default_packaging_rules()
    client = client_for(packer)
    html = client.get(reverse("fulfilment:packing_rules")).content.decode()
    assert "气泡膜/珍珠棉" in html and 'id="add-rule"' not in html
    rule = PackagingRule.objects.get(trait="fragile")
    assert client.post(reverse("fulfilment:packing_rule_toggle", args=[rule.pk])).status_code == 403
    data = {"trait": "cold", "instructions": "x", "priority": 1, "active": "on"}
    assert client.post(reverse("fulfilment:packing_rules"), data).status_code == 403
    assert client.get(reverse("fulfilment:packing_rule_edit", args=[rule.pk])).status_code == 403
    assert PackagingRule.objects.get(pk=rule.pk).active


@pytest.mark.django_db
def test_an_operator_adds_edits_and_toggles_a_rule(operator: Any) -> None:
    client = client_for(operator)
    data = {
        "trait": "fragile",
        "instructions": "双层气泡膜",
        "materials": "气泡膜",
        "eco_alternative": "蜂窝纸",
        "priority": 5,
        "active": "on",
    }
    response = client.post(reverse("fulfilment:packing_rules"), data)
    assert response.status_code == 302
    rule = PackagingRule.objects.get(trait="fragile")
    edit = client.post(reverse("fulfilment:packing_rule_edit", args=[rule.pk]), {**data, "eco": "on"})
    assert edit.status_code == 302 and PackagingRule.objects.get(pk=rule.pk).eco
    toggled = client.post(reverse("fulfilment:packing_rule_toggle", args=[rule.pk]), **HX)
    assert toggled.status_code == 200 and 'class="inactive"' in toggled.content.decode()
    assert not PackagingRule.objects.get(pk=rule.pk).active
    bad = client.post(reverse("fulfilment:packing_rules"), {**data, "trait": "nonsense"})
    assert bad.status_code == 400


@pytest.mark.django_db
def test_an_owner_adds_the_missing_default_rules(owner: Any) -> None:
    response = client_for(owner).post(reverse("fulfilment:packing_rule_defaults"))
    assert response.status_code == 302 and PackagingRule.objects.count() >= 8


# --- PDFs ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_pick_list_and_slips_of_a_batch_download_as_pdf(
    packer: Any, packed_setup: dict[str, Any]
) -> None:
    batch = PrintBatch.objects.create(name="晚场第1波")
    PrintBatchItem.objects.create(batch=batch, order=packed_setup["order"], seq=1)
    client = client_for(packer)
    for name in ("fulfilment:packing_picklist", "fulfilment:packing_slips"):
        response = client.get(reverse(name, args=[batch.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
    assert client.get(reverse("fulfilment:packing_picklist_ready")).status_code == 404  # none ready


# --- in a real browser ---------------------------------------------------------------------------


@pytest.mark.browser
def test_a_packer_scans_a_demo_waybill_checks_the_items_and_confirms(browser: Any, desk: str) -> None:  # noqa: F811
    """Keyboard only, as with a scanner gun: waybill + Enter, SKU codes + Enter, waybill again."""
    from playwright.sync_api import expect

    from fahuo.demo.generate import build_demo
    from fahuo.fulfilment.models import Waybill

    demo = build_demo(orders=150, seed=11)
    waybills = Waybill.objects.select_related("parcel__order").filter(parcel__packed_at__isnull=True)
    waybill = max(
        waybills.exclude(parcel__order__status=OrderStatus.CANCELLED),
        key=lambda w: (
            w.parcel.order.lines.count(),
            sum(w.parcel.order.lines.values_list("quantity", flat=True)),
        ),
    )
    order = waybill.parcel.order
    lines = list(order.lines.select_related("sku"))
    other = waybills.exclude(pk=waybill.pk).first()
    assert other is not None
    VoidedWaybill.objects.create(
        parcel=other.parcel,
        carrier=other.carrier,
        provider="sandbox",
        tracking_no="SB9999000111",
        request_id="voided-demo",
        reason="买家改地址，已重新出单",
    )

    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        log_in(page, desk, "packer", demo.password("packer"))
        page.get_by_role("link", name="验货").click()
        scan = page.locator("#scan-code")
        expect(scan).to_be_focused()

        scan.fill(waybill.tracking_no)
        scan.press("Enter")
        card = page.locator("[data-scan-state='found']")
        expect(card).to_be_visible()
        expect(card).to_contain_text(order.platform_order_id)
        expect(page.locator(".scan-carton")).to_contain_text("mm")
        confirm = page.get_by_role("button", name="确认已打包")
        expect(confirm).to_be_disabled()
        expect(scan).to_be_focused()
        shot(page, "packing-01-found")

        # scan every unit of the first line, tick the others from the keyboard
        first = lines[0]
        assert first.sku is not None
        for _ in range(first.quantity):
            scan.fill(first.sku.code.lower())
            scan.press("Enter")
        expect(page.locator(f"tr[data-line='{first.pk}']")).to_have_class(re.compile(r"\bdone\b"))
        expect(page.locator("#scan-flash")).to_contain_text(first.sku.code.lower())
        for line in lines[1:]:
            page.locator(f"#line-{line.pk}").focus()
            page.keyboard.press("Space")
        expect(confirm).to_be_enabled()
        shot(page, "packing-02-checked")

        # scanning the waybill again confirms
        scan.focus()
        scan.fill(waybill.tracking_no)
        scan.press("Enter")
        expect(page.locator("[data-scan-state='done']")).to_contain_text("已打包")
        expect(scan).to_be_focused()
        shot(page, "packing-03-packed")
        parcel = Parcel.objects.get(pk=waybill.parcel_id)
        assert parcel.packed_at is not None and parcel.packed_by is not None
        assert parcel.packed_by.username == "packer"
        assert parcel.carton is not None
        assert AuditLog.objects.filter(action="parcel.packed", object_id=str(parcel.pk)).exists()

        scan.fill(waybill.tracking_no)
        scan.press("Enter")
        expect(page.locator("[data-packed-warning]")).to_contain_text("请勿重复发货")
        shot(page, "packing-04-already-packed")

        scan.fill("SB9999000111")
        scan.press("Enter")
        expect(page.locator(".scan-void")).to_contain_text("面单已作废，请勿发出")
        expect(page.get_by_role("button", name="确认已打包")).to_have_count(0)
        shot(page, "packing-05-voided")

        scan.fill("NO-SUCH-NUMBER")
        scan.press("Enter")
        expect(page.locator("#scan-result")).to_contain_text("未找到面单号或订单号：NO-SUCH-NUMBER")
        shot(page, "packing-06-unknown")

        page.goto(desk + reverse("fulfilment:packing_rules"))
        expect(page.locator("#rules")).to_contain_text("气泡膜/珍珠棉")
        shot(page, "packing-07-rules")

        # an owner edits the rules: turn one off in place, switch fragile goods to eco filling
        page.get_by_role("button", name="退出登录").click()
        log_in(page, desk, "owner", demo.password("owner"))
        page.goto(desk + reverse("fulfilment:packing_rules"))
        liquid = page.locator("tr[data-trait='liquid']")
        liquid.get_by_role("button", name="停用").click()
        expect(page.locator("tr[data-trait='liquid']")).to_have_class("inactive")
        shot(page, "packing-08-rules-owner")
        page.locator("tr[data-trait='fragile']").get_by_role("link", name="编辑").click()
        page.get_by_label("使用环保包材").check()
        shot(page, "packing-09-rule-edit")
        page.get_by_role("button", name="保存").click()
        expect(page.locator(".msg-success")).to_contain_text("包装规则已保存")
        expect(page.locator("tr[data-trait='fragile']")).to_contain_text("环保：可降解填充")
    finally:
        context.close()
