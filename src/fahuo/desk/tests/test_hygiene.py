"""Server hygiene (#12.12): login throttling, password rules, security headers, session lifetime,
secure cookies, private files in the data dir, masked carrier text on the public tracking page."""

from __future__ import annotations

import json
import stat
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fahuo.desk.tests.procs import FAHUO, cli_env

RIGHT = "fahuo-test-pw"  # the root conftest's users' password


def _login(client: Client, username: str, password: str, ip: str = "10.0.0.7") -> Any:
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, follow=False)


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_user_even_with_the_right_one(owner: Any, settings: Any) -> None:
    client = Client()
    for _ in range(settings.FAHUO_LOGIN_MAX_FAILURES):
        assert _login(client, "owner", "guess-123456").status_code == 200  # the form again, no session
    locked = _login(client, "owner", RIGHT)
    assert locked.status_code == 200 and "_auth_user_id" not in client.session
    assert "登录失败次数过多" in locked.content.decode()
    # another user on the same machine is not locked out by it
    from django.contrib.auth.models import User

    User.objects.create_user("packer2", password=RIGHT)
    assert _login(client, "packer2", RIGHT).status_code == 302


@pytest.mark.django_db
def test_a_right_password_before_the_limit_logs_in_and_clears_the_count(owner: Any, settings: Any) -> None:
    client = Client()
    for _ in range(settings.FAHUO_LOGIN_MAX_FAILURES - 1):
        _login(client, "owner", "guess-123456")
    assert _login(client, "owner", RIGHT).status_code == 302
    client.logout()
    for _ in range(settings.FAHUO_LOGIN_MAX_FAILURES - 1):
        _login(client, "owner", "guess-123456")
    assert _login(client, "owner", RIGHT).status_code == 302  # the count started again


@pytest.mark.django_db
def test_one_address_spraying_many_user_names_is_locked(owner: Any, settings: Any) -> None:
    settings.FAHUO_LOGIN_MAX_FAILURES_PER_IP = 6
    client = Client()
    for n in range(6):
        _login(client, f"user{n}", "guess-123456", ip="10.9.9.9")
    assert _login(client, "owner", RIGHT, ip="10.9.9.9").status_code == 200
    assert _login(client, "owner", RIGHT, ip="10.1.1.1").status_code == 302  # another address is fine


@pytest.mark.django_db
def test_behind_the_local_proxy_the_forwarded_address_is_counted(owner: Any, settings: Any) -> None:
    settings.FAHUO_LOGIN_MAX_FAILURES_PER_IP = 3
    client = Client()
    for n in range(3):
        client.post(
            "/login/",
            {"username": f"user{n}", "password": "guess-123456"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )
    again = {"username": "owner", "password": RIGHT}
    blocked = client.post("/login/", again, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert blocked.status_code == 200
    # the proxy's other clients are not locked out with the attacker
    assert (
        client.post(
            "/login/", again, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4"
        ).status_code
        == 302
    )


def test_user_create_refuses_a_common_or_numeric_password(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    for weak in ("password", "12345678901", "fahuo"):
        done = subprocess.run(
            [FAHUO, "user", "create", "boss", "--role", "owner", "--password", weak],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 2, (weak, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
    ok = subprocess.run(
        [FAHUO, "user", "create", "boss", "--role", "owner", "--password", "西湖-龙井-2026"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_and_security_headers(owner: Any) -> None:
    client = Client()
    for response in (client.get("/login/"), _logged_in(owner).get("/")):
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert "http:" not in csp and "https:" not in csp  # nothing from another host
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "camera=()" in response.headers["Permissions-Policy"]


def _logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_a_session_lasts_twelve_hours(owner: Any) -> None:
    client = Client()
    assert _login(client, "owner", RIGHT).status_code == 302
    cookie = client.cookies["sessionid"]
    assert int(cookie["max-age"]) == 12 * 3600
    assert cookie["httponly"] and not cookie["secure"]  # plain HTTP unless FAHUO_SECURE_COOKIES=1


def _settings_of(env: dict[str, str]) -> dict[str, Any]:
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k, None) for k in"
        " ('SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_PROXY_SSL_HEADER', 'SESSION_COOKIE_AGE')}))"
    )
    done = subprocess.run(
        [FAHUO, "manage", "shell", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_secure_cookies_for_https_deployments(tmp_path: Path) -> None:
    plain = _settings_of(cli_env(tmp_path))
    assert plain["SESSION_COOKIE_SECURE"] is False and plain["CSRF_COOKIE_SECURE"] is False
    https = _settings_of(cli_env(tmp_path, FAHUO_SECURE_COOKIES="1", FAHUO_SESSION_HOURS="8"))
    assert https["SESSION_COOKIE_SECURE"] is True and https["CSRF_COOKIE_SECURE"] is True
    assert https["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert https["SESSION_COOKIE_AGE"] == 8 * 3600


def test_the_database_and_key_files_are_private_from_the_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    subprocess.run([FAHUO, "manage", "migrate", "-v", "0"], env=cli_env(data), check=True, timeout=300)
    for name in ("fahuo.sqlite3", "huey.sqlite3", "field.key", "secret.key"):
        mode = stat.S_IMODE((data / name).stat().st_mode)
        assert mode == 0o600, (name, oct(mode))


@pytest.mark.django_db
def test_the_public_tracking_page_masks_phone_numbers_in_carrier_text(shop: Any) -> None:
    from fahuo.notify.services import ensure_tokens
    from fahuo.orders.models import Order
    from fahuo.tracking.models import Track, TrackEvent, TrackStatus

    order = Order.objects.create(
        shop=shop,
        platform_order_id="T-1",
        recipient_name="张三",
        recipient_phone="13812345678",
        province="浙江省",
        city="杭州市",
    )
    track = Track.objects.create(
        order=order, tracking_no="ZT1", carrier_code="ZTO", status=TrackStatus.OUT_FOR_DELIVERY
    )
    TrackEvent.objects.create(
        track=track,
        at=timezone.now() - timedelta(hours=1),
        status=TrackStatus.OUT_FOR_DELIVERY,
        provider="kdniao",
        description="派件员李四（13987654321）正在派件，收件人电话 138 1234 5678",
        location="杭州 13987654321",
        event_key="e1",
    )
    ensure_tokens([track])
    page = Client().get(f"/t/{track.token}").content.decode()
    assert "派件员李四" in page and "139****4321" in page
    assert "13987654321" not in page and "138 1234 5678" not in page and "12345678" not in page
