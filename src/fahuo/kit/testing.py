"""Helpers every domain's tests share (golden payloads, logged-in clients, browser screenshots), so
they are written once instead of copied into each test module. Imported by tests only."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fahuo.kit.errors import FahuoError

PASSWORD = "fahuo-test-pw"  # the root conftest's users (owner, operator, packer) log in with this
INTEGRATIONS = Path(__file__).resolve().parents[1] / "integrations"
SHOTS = Path(__file__).resolve().parents[3] / "test-results"


def golden(provider: str, name: str) -> Any:
    """A provider's golden payload (``integrations/<provider>/golden/<name>``), parsed as JSON."""
    return json.loads(golden_text(provider, name))


def golden_text(provider: str, name: str) -> str:
    return (INTEGRATIONS / provider / "golden" / name).read_text(encoding="utf-8")


def client_for(user: Any, password: str = PASSWORD) -> Any:
    """A Django test client logged in as ``user`` through the real login (not force_login)."""
    from django.test import Client

    client = Client()
    assert client.login(username=user.username, password=password)
    return client


def shooter(prefix: str = "") -> Callable[[Any, str], None]:
    """``shot(page, name)``: a full-page screenshot saved as test-results/<prefix><name>.png."""

    def shot(page: Any, name: str) -> None:
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{prefix}{name}.png"), full_page=True)

    return shot


def log_in(page: Any, base: str, username: str, password: str = PASSWORD) -> None:
    """Log in through the desk's login form in a Playwright page and land on the dashboard."""
    page.goto(base + "/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base + "/")


def detail(error: FahuoError) -> dict[str, Any]:
    """An error's structured ``detail`` (typed ``object``), checked to be the mapping a test reads."""
    assert isinstance(error.detail, dict), error.detail
    return error.detail
