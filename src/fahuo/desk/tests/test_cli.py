"""``fahuo user create``, ``fahuo serve`` and ``fahuo worker``."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User

from fahuo.accounts.models import AuditLog
from fahuo.accounts.services import role_of
from fahuo.cli import main


@pytest.mark.django_db
def test_user_create_generates_and_prints_a_password(capsys: pytest.CaptureFixture[str], shop: Any) -> None:
    assert main(["user", "create", "amy", "--role", "packer", "--shop", shop.code]) == 0
    out = capsys.readouterr().out
    password = re.search(r"password: (\S+)", out)
    assert password and len(password.group(1)) >= 12
    user = authenticate(username="amy", password=password.group(1))
    assert user is not None and role_of(user) == "packer" and not user.is_staff
    assert AuditLog.objects.filter(action="user.create", object_id=str(user.pk)).exists()


@pytest.mark.django_db
def test_an_owner_also_gets_the_admin_site(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["user", "create", "boss", "--role", "owner", "--password", "a-long-pass"]) == 0
    assert "password:" not in capsys.readouterr().out  # the caller chose it
    user = User.objects.get(username="boss")
    assert user.is_staff and user.is_superuser and role_of(user) == "owner"


@pytest.mark.django_db
def test_user_create_refuses_an_existing_name_or_a_short_password(
    capsys: pytest.CaptureFixture[str], shop: Any
) -> None:
    assert main(["user", "create", "op", "--role", "operator", "--shop", "demo", "--password", "short"]) == 2
    assert not User.objects.filter(username="op").exists()
    assert main(["user", "create", "op", "--role", "operator", "--shop", "demo"]) == 0
    assert main(["user", "create", "op", "--role", "packer", "--shop", "demo"]) == 1
    assert "already exists" in capsys.readouterr().out
    assert role_of(User.objects.get(username="op")) == "operator"


def test_user_create_rejects_an_unknown_role() -> None:
    with pytest.raises(SystemExit):
        main(["user", "create", "x", "--role", "admin"])


def test_worker_runs_the_huey_consumer(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr("django.core.management.call_command", lambda *a, **kw: calls.append((a, kw)))
    assert main(["worker", "--workers", "4"]) == 0
    assert calls == [(("run_huey",), {"workers": 4, "worker_type": "thread"})]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_serve_migrates_a_fresh_data_dir_and_serves_pages_and_static_files(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "FAHUO_DATA_DIR": str(tmp_path), "FAHUO_DEBUG": "0"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    for name in ("FAHUO_DATABASE_URL", "FAHUO_REDIS_URL"):
        env.pop(name, None)  # the served desk uses SQLite in its own data dir
    proc = subprocess.Popen(
        [sys.executable, "-m", "fahuo.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120  # gunicorn workers load Django: slow on a busy machine
        while True:
            try:
                login = httpx.get(base + "/login/", timeout=5, follow_redirects=True)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()  # read its output only once it has stopped (a live pipe never ends)
                    out = proc.communicate(timeout=10)[0].decode()
                    pytest.fail(f"fahuo serve did not start:\n{out}")
                time.sleep(0.2)
        # a fresh data dir has no user yet: the login page sends to the set-up wizard
        assert login.status_code == 200 and ("登录发货台" in login.text or "/setup/" in str(login.url))
        htmx = httpx.get(base + "/static/desk/htmx.min.js", timeout=5)
        assert htmx.status_code == 200 and "htmx" in htmx.text[:2000]
        assert httpx.get(base + "/orders/", timeout=5).status_code == 302
        assert (tmp_path / "fahuo.sqlite3").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
