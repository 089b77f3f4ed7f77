"""The Content-Security-Policy (nonces, no inline code or style, no eval) breaks nothing: the main
desk pages on the demo data run htmx, charts, the message editor, confirm dialogs and Swagger UI,
the Django admin logs in and lists, and the browser reports no CSP violation on any of them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from fahuo.desk.tests.test_browser import browser, desk  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[4] / "test-results"

# Every violation lands here, whatever the console says (init scripts run outside the page's CSP).
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


def _pages() -> list[str]:
    """The desk's main pages, detail pages filled with the demo's own records."""
    from django.urls import reverse

    from fahuo.fulfilment.models import PrintBatch
    from fahuo.livestream.models import LiveSession
    from fahuo.notify import services as notify_services
    from fahuo.notify.models import MessageTemplate
    from fahuo.orders.models import Order
    from fahuo.routing.models import AllocationRun
    from fahuo.tracking.models import Track

    order = Order.objects.exclude(carrier=None).order_by("pk").first()
    track = Track.objects.exclude(order=None).order_by("pk").first()
    session = LiveSession.objects.order_by("-starts_at").first()
    past = (
        LiveSession.objects.filter(ends_at__lt=session.starts_at).order_by("-starts_at").first()
        if session
        else None
    )
    template = MessageTemplate.objects.order_by("pk").first()
    assert order and track and session and past and template
    notify_services.ensure_token(track)
    pages = [
        "/",
        reverse("desk:order_list"),
        reverse("desk:order_detail", args=[order.pk]),
        reverse("desk:import"),
        reverse("fulfilment:batch_list"),
        reverse("fulfilment:packing_scan"),
        reverse("fulfilment:packing_rules"),
        reverse("fulfilment:shipback_list"),
        reverse("routing:home"),
        reverse("routing:rules"),
        reverse("carriers:rates"),
        reverse("tracking:alert_list"),
        reverse("tracking:track_detail", args=[track.pk]),
        reverse("tracking:shop_message_list"),
        reverse("notify:library"),
        reverse("notify:template_edit", args=[template.pk]),
        reverse("notify:outbox"),
        reverse("live:session_list"),
        reverse("live:session_detail", args=[session.pk]),
        reverse("live_review:history"),
        reverse("live_review:review", args=[str(past.pk)]),
        reverse("live_review:board", args=["latest"]),
        reverse("aftersales:home"),
        reverse("contracts:home"),
        reverse("setup:home"),
        reverse("accounts:members"),
        f"/t/{track.token}",
        "/api/docs",
    ]
    batch = PrintBatch.objects.order_by("pk").first()
    if batch is not None:
        pages.append(reverse("fulfilment:batch_detail", args=[batch.pk]))
    run = AllocationRun.objects.order_by("-pk").first()
    if run is not None:
        pages.append(reverse("routing:run", args=[run.pk]))
    return pages


def test_main_desk_pages_raise_no_csp_violation(
    browser: Any,  # noqa: F811
    desk: str,  # noqa: F811
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from playwright.sync_api import expect

    from fahuo.demo import generate

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setattr(generate, "LIVE_HISTORY_MIN_ORDERS", 150)  # past streams with parcels
    demo = generate.build_demo(orders=150, seed=5)
    pages = _pages()
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda exc: console.append(str(exc)))
    violations: dict[str, list[str]] = {}
    try:
        page.goto(desk + "/login/")
        page.get_by_label("用户名").fill("owner")
        page.get_by_label("密码").fill(demo.password("owner"))
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(desk + "/")
        # the detector works: an injected inline script is blocked and reported (then forgotten)
        try:
            page.add_script_tag(content="window.__injected = 1;")
        except Exception:  # Playwright may report the refusal itself
            pass
        page.wait_for_timeout(200)
        assert page.evaluate("window.__injected") is None
        assert any("script-src" in v for v in page.evaluate("window.__csp"))
        console.clear()
        for path in pages:
            response = page.goto(desk + path)
            assert response is not None and response.status == 200, path
            csp = response.headers["content-security-policy"]
            assert "'nonce-" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0], (
                path
            )
            page.wait_for_load_state("networkidle")
            if path.startswith("/api/docs"):
                expect(page.locator(".swagger-ui .info")).to_be_visible()  # Swagger UI drew itself
            elif not path.startswith("/t/"):
                assert page.evaluate("typeof window.htmx") == "object", path
            if page.locator("[data-echart]").count():
                chart = page.locator("[data-echart]").first
                expect(chart).to_have_attribute("data-drawn", "1")
                chart.hover()  # the axis tooltip draws itself (no style= in its markup)
                page.wait_for_timeout(300)
            found = page.evaluate("window.__csp")
            if found:
                violations[path] = found

        # htmx swaps (no eval): the order search filters as the seller types
        page.goto(desk + "/orders/")
        with page.expect_response(lambda r: "/orders/?" in r.url):
            page.locator("#id_q").press_sequentially("6930")
        # the message editor: a chip inserts a variable (static file) and the preview follows (htmx)
        page.goto(desk + next(p for p in pages if p.startswith("/messages/templates/")))
        page.locator("textarea").first.fill("您的包裹已发出")
        page.locator(".chips [data-var='快递']").click()
        expect(page.locator("textarea").first).to_have_value("您的包裹已发出{快递}")
        expect(page.locator("#preview [data-preview]")).to_have_text(re.compile(r"^您的包裹已发出\S+$"))
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "csp-template-editor.png"), full_page=True)
        # a data-confirm form asks first (it used to be an inline onsubmit)
        page.goto(desk + "/allocation/rules/")
        asked: list[str] = []

        def answer(dialog: Any) -> None:
            asked.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", answer)
        delete = page.locator("form[data-confirm] button[type=submit]")
        if delete.count():
            delete.first.click()
            page.wait_for_timeout(300)
            assert asked and page.url.endswith("/allocation/rules/"), asked  # dismissed: nothing deleted
        found = page.evaluate("window.__csp")
        if found:
            violations["(interactions)"] = found
        page.screenshot(path=str(SHOTS / "csp-rules.png"), full_page=True)
    finally:
        context.close()
    assert violations == {}, violations
    assert console == [], console


ADMIN_PAGES = [
    "/admin/",
    "/admin/auth/user/",
    "/admin/auth/user/add/",
    "/admin/tracking/track/",
    "/admin/tracking/alert/",
    "/admin/tracking/pushlog/",
    "/admin/notify/messagetemplate/",
    "/admin/carriers/carrier/",
    "/admin/contracts/claim/",
]


def test_django_admin_raises_no_csp_violation(
    browser: Any,  # noqa: F811
    desk: str,  # noqa: F811
    settings: Any,
) -> None:
    """The admin runs under the desk's policy unchanged: its scripts are files, its one inline
    <style> (a changelist without actions) never renders here, and its JS styles through CSSOM."""
    from django.contrib.auth import get_user_model

    from fahuo.notify.models import MessageTemplate

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    get_user_model().objects.create_superuser("root", password="Admin-walk-2026!")
    template = MessageTemplate.objects.order_by("pk").first()
    pages = [*ADMIN_PAGES, *([f"/admin/notify/messagetemplate/{template.pk}/change/"] if template else [])]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda exc: console.append(str(exc)))
    violations: dict[str, list[str]] = {}
    try:
        response = page.goto(desk + "/admin/login/?next=/admin/")
        assert response is not None and "'unsafe-inline'" not in response.headers["content-security-policy"]
        found = page.evaluate("window.__csp")
        if found:
            violations["/admin/login/"] = found
        page.locator("#id_username").fill("root")
        page.locator("#id_password").fill("Admin-walk-2026!")
        page.locator("input[type=submit]").click()
        page.wait_for_url(desk + "/admin/")
        for path in pages:
            response = page.goto(desk + path)
            assert response is not None and response.status == 200, path
            page.wait_for_load_state("networkidle")
            found = page.evaluate("window.__csp")
            if found:
                violations[path] = found
        # the changelist's JS runs: ticking a row shows the action counter, the nav filter filters
        page.goto(desk + "/admin/auth/user/")
        page.locator("input.action-select").first.check()
        expect_counter = page.locator(".action-counter")
        assert "1" in expect_counter.inner_text()
        found = page.evaluate("window.__csp")
        if found:
            violations["(admin interactions)"] = found
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "csp-admin-users.png"), full_page=True)
    finally:
        context.close()
    assert violations == {}, violations
    assert console == [], console
