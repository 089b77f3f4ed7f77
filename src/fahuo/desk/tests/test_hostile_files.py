"""Hostile spreadsheets through every path that reads them: a clear 4xx, nothing imported, the server lives.

Before the one guarded reader (fahuo.kit.sheets), a 5 KB workbook whose only cell is XFD1048576
aborted the whole process (calamine asked for 512 GiB), and a 2 MB zip bomb was read in full.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fahuo.carriers.models import RateLine
from fahuo.carriers.tests.factories import CarrierFactory
from fahuo.desk.tests.conftest import login
from fahuo.kit.tests.hostile_files import bomb_xlsx, far_cell_xlsx, write
from fahuo.orders.models import ImportBatch, Order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize("make", [far_cell_xlsx, bomb_xlsx], ids=["far-cell", "zip-bomb"])
def test_the_desk_order_import_refuses_a_hostile_workbook(owner: Any, shop: Any, make: Any) -> None:
    client = login(owner)
    response = client.post(
        reverse("desk:import"), {"shop": shop.pk, "file": SimpleUploadedFile("orders.xlsx", make())}
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "上限" in page or "压缩炸弹" in page or "过大" in page
    assert not Order.objects.exists() and not ImportBatch.objects.exists()
    assert client.get(reverse("desk:import")).status_code == 200  # still serving


def test_the_desk_order_import_refuses_a_file_over_the_upload_limit(
    owner: Any, shop: Any, settings: Any
) -> None:
    settings.FAHUO_MAX_UPLOAD_MB = 1
    big = b"\xe8\xae\xa2\xe5\x8d\x95\xe5\x8f\xb7\n" + b"1\n" * (600 * 1024)
    response = login(owner).post(
        reverse("desk:import"), {"shop": shop.pk, "file": SimpleUploadedFile("orders.csv", big)}
    )
    assert response.status_code == 413
    assert "FAHUO_MAX_UPLOAD_MB" in response.content.decode()


def test_the_rate_card_upload_refuses_the_far_cell_workbook(owner: Any) -> None:
    CarrierFactory(code="ZTO", name="中通快递")
    response = login(owner).post(
        reverse("carriers:upload"),
        {"carrier": "ZTO", "origin": "浙江省", "file": SimpleUploadedFile("rates.xlsx", far_cell_xlsx())},
    )
    assert response.status_code in (400, 413, 422)
    assert "行" in response.content.decode()
    assert not RateLine.objects.exists()


def _cli_env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "FAHUO_DATA_DIR": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("FAHUO_DATABASE_URL", None)  # its own SQLite in its own data dir
    return env


def _fahuo(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fahuo.cli", *args], env=env, capture_output=True, text=True, timeout=240
    )


def test_the_cli_import_survives_the_far_cell_workbook_as_a_real_process(tmp_path: Path) -> None:
    env = _cli_env(tmp_path)
    assert _fahuo(env, "manage", "migrate", "-v", "0").returncode == 0
    assert _fahuo(env, "shops", "add", "xiaoyu", "--name", "小鱼", "--platform", "douyin").returncode == 0
    path = write(tmp_path, "orders.xlsx", far_cell_xlsx())
    done = _fahuo(env, "import", "orders", str(path), "--shop", "xiaoyu", "--json")
    assert done.returncode == 2, done.stderr[-2000:]  # before: -6 (SIGABRT), the process killed
    assert json.loads(done.stdout.strip().splitlines()[-1])["error"] == "too_large"
