"""Fixtures shared by every domain's tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts with an empty cache (login-throttling counts must not leak between tests)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _data_migration_rows(request: pytest.FixtureRequest) -> None:
    """Database tests see the rows data migrations seed (the default 话术 library, the alert rules),
    even when a transactional test earlier in the same pytest-xdist worker flushed the database."""
    names = request.fixturenames
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in names or "live_server" in names:
        return
    if marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return
    if marker is None and "db" not in names:
        return
    request.getfixturevalue("db")
    from fahuo.notify.services import ensure_default_templates
    from fahuo.tracking.rules import ensure_rules

    ensure_default_templates()
    ensure_rules()


@pytest.fixture
def shop(db: Any) -> Any:
    from fahuo.orders.models import Shop

    return Shop.objects.create(
        code="demo",
        name="小雨直播间",
        platform="douyin",
        sender_name="小雨仓",
        sender_phone="0571-88880000",
        sender_address="浙江省杭州市余杭区仓前街道文一西路1000号",
    )


def _user(username: str, role: str, shop: Any = None) -> Any:
    """A user with ``role`` in ``shop`` (a member), or, without a shop, an owner of every shop."""
    from django.contrib.auth.models import User

    from fahuo.accounts.services import add_member, assign_role

    user = User.objects.create_user(username=username, password="fahuo-test-pw")
    if shop is None:
        assign_role(user=user, role=role)
    else:
        add_member(user=user, shop=shop, role=role)
    return User.objects.get(pk=user.pk)  # fresh instance: no stale permission cache


@pytest.fixture
def owner(db: Any) -> Any:
    """Owner of every shop (no memberships), as ``fahuo user create --role owner`` makes."""
    return _user("owner", "owner")


@pytest.fixture
def operator(shop: Any) -> Any:
    """Operator in the ``shop`` fixture's shop only."""
    return _user("operator", "operator", shop)


@pytest.fixture
def packer(shop: Any) -> Any:
    """Packer in the ``shop`` fixture's shop only."""
    return _user("packer", "packer", shop)


@pytest.fixture
def warehouse(db: Any) -> Any:
    from fahuo.inventory.models import Warehouse

    return Warehouse.objects.create(
        code="HZ",
        name="杭州仓",
        province="浙江省",
        city="杭州市",
        district="余杭区",
        address="文一西路1000号",
    )


@pytest.fixture
def sandbox_carrier(db: Any) -> Any:
    from fahuo.carriers.models import Carrier

    return Carrier.objects.create(code="SANDBOX", name="沙箱快递", provider="sandbox")


CHROMIUM = Path("/usr/bin/chromium")  # Debian's chromium: Playwright never downloads a browser
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _cjk_fontconfig(folder: Path) -> str:
    """A fontconfig file: the system's fonts plus the Noto Sans SC that fahuo's PDFs embed (from the
    font package in the venv), so screenshots show Chinese even where no CJK font is installed."""
    from fahuo.kit.pdf import cjk_font_path

    with cjk_font_path() as font:
        fonts_dir = font.parent
    conf = folder / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{fonts_dir}</dir><cachedir>{folder / 'cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    return str(conf)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Playwright's chromium (Debian's binary), one per test module. Without the binary the browser
    tests are skipped with a loud warning — and fail under CI, where a silent skip would hide them."""
    import os
    import tempfile
    import warnings

    if not CHROMIUM.exists():
        message = (
            f"BROWSER TESTS NOT RUN: {CHROMIUM} is missing. "
            "Install Debian's chromium (apt-get install -y chromium); Playwright must not download one."
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        warnings.warn(message, stacklevel=1)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread for the whole module, so
    # Django's ORM (tests, fixtures, the database flush after each test) must be allowed to run.
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with tempfile.TemporaryDirectory() as fonts, sync_playwright() as pw:
            env = {**os.environ, "FONTCONFIG_FILE": _cjk_fontconfig(Path(fonts))}
            launched = pw.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True, env=env
            )
            yield launched
            launched.close()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Redis tests need the Redis-backed Huey settings; `make test-redis` runs them with those."""
    import os

    if os.environ.get("FAHUO_REDIS_URL"):
        return
    skip = pytest.mark.skip(reason="needs FAHUO_REDIS_URL (run by `make test-redis`)")
    for item in items:
        if "redis" in item.keywords:
            item.add_marker(skip)
