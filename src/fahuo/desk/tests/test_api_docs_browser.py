"""``/api/docs`` works offline: Swagger UI comes from the package's own static files, never a CDN."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[4] / "test-results"
LOCAL = {"127.0.0.1", "localhost", "::1"}


def test_api_docs_list_the_operations_with_every_outside_request_blocked(
    browser: Any, live_server: Any, transactional_db: Any
) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    blocked: list[str] = []

    def only_loopback(route: Any) -> None:
        if urlsplit(route.request.url).hostname in LOCAL:
            route.continue_()
        else:  # an offline desk (or a network in mainland China) cannot reach a CDN
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(live_server.url + "/api/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("fahuo API", timeout=15000)
        operations = page.locator(".opblock")
        expect(operations.first).to_be_visible()
        assert operations.count() >= 20
        expect(page.locator(".opblock-summary-path", has_text="/api/orders").first).to_be_visible()
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "api-docs-offline.png"))
        assert blocked == [] and errors == []
    finally:
        context.close()
