"""The Content-Security-Policy breaks nothing: htmx, inline scripts, charts and Swagger UI still run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[4] / "test-results"
PAGES = ["/", "/orders/", "/messages/", "/messages/outbox/", "/live/", "/api/docs"]


def test_desk_pages_run_their_scripts_under_the_policy(
    browser: Any, live_server: Any, transactional_db: Any, owner: Any, shop: Any
) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda exc: refused.append(str(exc)))
    try:
        page.goto(live_server.url + "/login/")
        page.get_by_label("用户名").fill("owner")
        page.get_by_label("密码").fill("fahuo-test-pw")
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(live_server.url + "/")
        for path in PAGES:
            response = page.goto(live_server.url + path)
            assert response is not None and response.headers["content-security-policy"], path
            page.wait_for_load_state("networkidle")
            if path != "/api/docs":
                assert page.evaluate("typeof window.htmx") == "object", path
        # the message editor's inline script renders the preview as the seller types
        from fahuo.notify.models import MessageTemplate
        from fahuo.notify.services import ensure_default_templates

        ensure_default_templates()  # a transactional test's database may have been flushed before
        template = MessageTemplate.objects.order_by("pk").first()
        assert template is not None
        page.goto(f"{live_server.url}/messages/templates/{template.pk}/")
        body = page.locator("textarea").first
        body.fill("您的包裹{单号}已发出")
        page.wait_for_timeout(800)
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "csp-template-editor.png"), full_page=True)
        expect(page.locator("body")).to_contain_text("已发出")
        assert refused == [], refused
    finally:
        context.close()
